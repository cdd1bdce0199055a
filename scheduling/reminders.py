"""Appointment reminders through the outbox (``notifications``), and the patient's answer by link.

Booking calls :func:`schedule`: one reminder per offset of the clinic's settings (default 48 h and
2 h before), by the patient's preferred channel if consented and usable, else the other consented
channel, else none. Each reminder is an outbox row keyed
``appointment:<pk>:reminder:<h>h:<channel>:v<VERSION>`` so it cannot be queued twice. A reminder
whose time has passed at booking (the appointment is sooner than the offset) is due at once; when
several have passed, only the nearest offset is kept, so the patient gets one message, not two.

Quiet hours (clinic zone, default 21:00-08:00): an SMS due then moves to the end of the quiet
hours if that is still before the appointment; otherwise it is queued as ``skipped`` with the reason
"quiet hours", so the front desk sees on the appointment page why no SMS went (a row that is never
queued would be invisible). E-mail is not held back.

Rescheduling cancels the old appointment's reminders and revokes its link (:func:`unschedule`);
the new appointment gets its own. Cancelling does the same. Right before sending, the outbox asks
:func:`still_wanted` (registered for the purpose ``appointment_reminder``).

Messages carry no clinical detail: date, time (clinic zone), clinic name, address, phone, and a
one-time link ``/a/<token>/`` (``notifications.links``, purpose ``appointment_response``, expires at
the appointment's start) where the patient confirms or asks to cancel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from notifications import ics, links
from notifications import services as outbox
from notifications.models import Channel, Message, Status
from notifications.phones import normalize_phone
from notifications.selectors import failed_messages, messages_for_owners
from patients.models import PatientStatus

from .followups import appointment_item
from .models import (
    UPCOMING_STATUSES,
    Appointment,
    AppointmentStatus,
    ClinicReminderSettings,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
)

PURPOSE = "appointment_reminder"
LINK_PURPOSE = "appointment_response"
# Raise when the wording of reminders changes in a way that must replace queued ones.
VERSION = 1

SKIP_QUIET = "quiet hours"
NO_CONTACT = "none"  # patients.Channel.NONE: "Do not contact"


# --- Who, how, when -----------------------------------------------------------------------------


def settings_for(clinic: Any) -> ClinicReminderSettings:
    """The clinic's reminder settings, or the defaults (unsaved) when it has none."""
    found = ClinicReminderSettings.objects.filter(clinic=clinic).first()
    return found or ClinicReminderSettings(clinic=clinic)


def sms_number(raw: object) -> str | None:
    """The patient's number in E.164 if it is a valid mobile number, else None (no SMS).

    ``raw`` is the patient's ``PhoneNumberField`` value (a ``PhoneNumber``, stored in E.164) or
    plain text; either way it is checked again here, since a stored number may have become invalid.
    """
    text = str(raw or "").strip()
    if not text:
        return None
    try:
        e164 = normalize_phone(text)
    except ValidationError:
        return None
    kind = phonenumbers.number_type(phonenumbers.parse(e164))
    if kind not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        return None
    return e164


def channel_for(patient: Any) -> tuple[str, str] | None:
    """(channel, recipient) for the patient's reminders: the preferred channel if consented and
    usable, else the other consented one; None without consent (or "do not contact")."""
    if patient.preferred_channel == NO_CONTACT:
        return None
    number = sms_number(patient.mobile_phone) if patient.consent_sms else None
    email = patient.email.strip() if patient.consent_email and patient.email else ""
    options = [(Channel.SMS.value, number), (Channel.EMAIL.value, email)]
    if patient.preferred_channel != Channel.SMS:
        options.reverse()
    for channel, recipient in options:
        if recipient:
            return channel, recipient
    return None


@dataclass(frozen=True)
class Planned:
    hours: int
    due_at: datetime
    skip_reason: str = ""


def _quiet_end_after(local: datetime, rules: ClinicReminderSettings) -> datetime:
    tz = local.tzinfo
    end = datetime.combine(local.date(), rules.quiet_end, tzinfo=tz)
    if end <= local:
        end = datetime.combine(local.date() + timedelta(days=1), rules.quiet_end, tzinfo=tz)
    return end


def plan(*, starts_at: datetime, channel: str, rules: ClinicReminderSettings, tz: Any, now: datetime) -> list[Planned]:
    """When each reminder of an appointment at ``starts_at`` goes (pure: no queries)."""
    # In UTC: arithmetic on a datetime of the clinic's zone is wall-clock arithmetic, and 48 h
    # before a Monday 09:00 after a clock change is not Saturday 09:00.
    starts_at, now = starts_at.astimezone(UTC), now.astimezone(UTC)
    if starts_at <= now:
        return []
    hours = sorted({int(h) for h in rules.hours_before}, reverse=True)
    dues = [(h, max(starts_at - timedelta(hours=h), now)) for h in hours]
    # Offsets already past collapse to "now": keep the nearest one only.
    overdue = [h for h, due in dues if due == now]
    dues = [(h, due) for h, due in dues if due != now or h == min(overdue, default=h)]
    planned = []
    for h, due in dues:
        local = due.astimezone(tz)
        if channel == Channel.SMS and rules.is_quiet(local.time()):
            moved = _quiet_end_after(local, rules)
            if moved >= starts_at:
                planned.append(Planned(h, due, SKIP_QUIET))
                continue
            due = moved
        planned.append(Planned(h, due))
    return planned


# --- The message --------------------------------------------------------------------------------


def _link_url(raw: str) -> str:
    base = str(getattr(settings, "FBSS_PUBLIC_URL", "")).rstrip("/")
    return base + reverse("appointment_link", args=[raw])


def _calendar_uid(appointment: Appointment) -> tuple[str, int]:
    """One calendar event across reschedules: the first appointment's id, and how often it moved."""
    first, moves = appointment, 0
    while first.rescheduled_from_id is not None and moves < 50:
        first = Appointment.objects.only("pk", "public_id", "rescheduled_from").get(pk=first.rescheduled_from_id)
        moves += 1
    return f"appointment-{first.public_id}@fbss", moves


def render(appointment: Appointment, *, channel: str, url: str) -> tuple[str, str]:
    """Subject and body in the patient's language; date, time, clinic, address, phone, link only."""
    clinic = appointment.clinic
    local = appointment.local_start()
    with translation.override(appointment.patient.preferred_language or settings.LANGUAGE_CODE):
        context = {
            "clinic": clinic,
            "address": ", ".join(line.strip() for line in clinic.address.splitlines() if line.strip()),
            "day": formats.date_format(local, "l j F Y"),
            "time": formats.time_format(local, "H:i"),
            "url": url,
        }
        subject = _("Appointment reminder: %(clinic)s") % {"clinic": clinic.name}
        body = render_to_string(f"scheduling/reminder_{channel}.txt", context).strip() + "\n"
    return subject, body


def schedule(appointment: Appointment) -> list[Message]:
    """Queue the reminders of a new appointment (call inside the booking's transaction)."""
    patient, clinic = appointment.patient, appointment.clinic
    now = timezone.now()
    if (
        patient.status != PatientStatus.ACTIVE
        or appointment.status not in UPCOMING_STATUSES
        or appointment.starts_at <= now
    ):
        return []
    target = channel_for(patient)
    if target is None:
        return []
    channel, recipient = target
    planned = plan(starts_at=appointment.starts_at, channel=channel, rules=settings_for(clinic), tz=clinic.tz, now=now)
    if not planned:
        return []
    raw = links.issue(
        purpose=LINK_PURPOSE, owner_ref=appointment.owner_ref, expires_at=appointment.starts_at, max_uses=1
    )
    subject, body = render(appointment, channel=channel, url=_link_url(raw))
    attachments: list[outbox.Attachment] = []
    if channel == Channel.EMAIL:
        uid, sequence = _calendar_uid(appointment)
        attachments.append(
            ics.ics_attachment(
                ics.ics_event(
                    uid=uid, start=appointment.starts_at, end=appointment.ends_at, sequence=sequence,
                    summary=_("Appointment at %(clinic)s") % {"clinic": clinic.name},
                    location=", ".join(x for x in (clinic.address.replace("\n", ", "), clinic.phone) if x),
                    organizer_email=clinic.email, organizer_name=clinic.name,
                )
            )
        )  # fmt: skip
    made = []
    for p in planned:
        message = outbox.enqueue(
            channel=channel, recipient=recipient, subject=subject if channel == Channel.EMAIL else "", body=body,
            due_at=p.due_at, purpose=PURPOSE, owner_ref=appointment.owner_ref,
            idempotency_key=f"appointment:{appointment.pk}:reminder:{p.hours}h:{channel}:v{VERSION}",
            attachments=attachments, clinic_id=clinic.pk, urgent=False,
        )  # fmt: skip
        if p.skip_reason and message.status == Status.PENDING:
            Message.objects.filter(pk=message.pk, status=Status.PENDING).update(
                status=Status.SKIPPED, last_error=p.skip_reason, updated_at=now
            )
            message.status, message.last_error = Status.SKIPPED, p.skip_reason
        made.append(message)
    return made


def unschedule(appointment: Appointment) -> None:
    """The appointment no longer happens at this time: its reminders and its link stop."""
    outbox.cancel(owner_ref=appointment.owner_ref, purpose=PURPOSE)
    links.revoke(owner_ref=appointment.owner_ref, purpose=LINK_PURPOSE)


# --- Asked again right before sending -----------------------------------------------------------


def still_wanted(message: Message) -> str | None:
    """The outbox's check for ``appointment_reminder``: None to send, else why not (no patient data)."""
    _app, _model, pk = outbox.parse_owner_ref(message.owner_ref)
    appointment = Appointment.objects.select_related("patient").filter(pk=int(pk)).first() if pk.isdigit() else None
    if appointment is None:
        return "appointment not found"
    if appointment.status not in UPCOMING_STATUSES:
        return f"appointment {appointment.status}"
    if appointment.starts_at <= timezone.now():
        return "appointment already started"
    patient = appointment.patient
    if patient.status != PatientStatus.ACTIVE:
        return "patient not active"
    if patient.preferred_channel == NO_CONTACT:
        return "patient asked not to be contacted"
    if message.channel == Channel.EMAIL and not patient.consent_email:
        return "no consent to e-mail"
    if message.channel == Channel.SMS and not patient.consent_sms:
        return "no consent to SMS"
    return None


# --- What staff see and do ----------------------------------------------------------------------


def reminders_of(appointment: Appointment) -> list[Message]:
    return list(messages_for_owners(owner_refs=[appointment.owner_ref], purpose=PURPOSE))


def reminder_of(appointment: Appointment, message_id: int) -> Message | None:
    """One reminder of this appointment (so a message id of another appointment is no match)."""
    return next((m for m in reminders_of(appointment) if m.pk == message_id), None)


def resend(*, appointment: Appointment, message_id: int) -> Message:
    """Send one reminder again now (the owner check still runs before it leaves)."""
    if reminder_of(appointment, message_id) is None:
        raise ValidationError(_("This reminder is not one of this appointment's."), code="not_ours")
    return outbox.resend(message_id=message_id)


def _item_key(message_id: int, failed_at: datetime) -> str:
    # A reminder resent and failed again is a new item: its failure time is part of the key.
    return f"reminder:{message_id}:{int(failed_at.timestamp())}"


def sync_failed_reminders(clinic: Any) -> None:
    """Mirror the clinic's failed reminders as worklist items (kind "failed reminder"), and close
    the items whose reminder was resent or cancelled since. Two queries when nothing changed, at
    most five, whatever the number of rows.
    """
    failed = list(
        failed_messages(clinic_id=clinic.pk)
        .filter(purpose=PURPOSE)
        .values_list("pk", "owner_ref", "updated_at", "channel")
    )
    wanted = {_item_key(pk, at): (ref, channel) for pk, ref, at, channel in failed}
    known = dict(
        FollowUp.objects.filter(clinic=clinic, kind=FollowUpKind.FAILED_REMINDER)
        .filter(Q(source_key__in=list(wanted)) | Q(status=FollowUpStatus.OPEN))
        .values_list("source_key", "status")
    )
    new = {key: value for key, value in wanted.items() if key not in known}
    if new:
        refs = [outbox.parse_owner_ref(ref)[2] for ref, _channel in new.values()]
        appointments = {
            a.pk: a for a in Appointment.objects.filter(clinic=clinic, pk__in=[int(pk) for pk in refs if pk.isdigit()])
        }
        rows = []
        for key, (ref, channel) in new.items():
            pk = outbox.parse_owner_ref(ref)[2]
            a = appointments.get(int(pk)) if pk.isdigit() else None
            if a is None:
                continue
            rows.append(
                FollowUp(
                    clinic=clinic, patient_id=a.patient_id, kind=FollowUpKind.FAILED_REMINDER, source_key=key,
                    due_date=a.starts_at.astimezone(clinic.tz).date(), source_appointment=a,
                    appointment_type_id=a.appointment_type_id, provider_id=a.provider_id,
                    reason=_("The %(channel)s reminder could not be sent") % {"channel": Channel(channel).label},
                )
            )  # fmt: skip
        FollowUp.objects.bulk_create(rows, ignore_conflicts=True)
    stale = [key for key, status in known.items() if status == FollowUpStatus.OPEN and key not in wanted]
    if stale:
        FollowUp.objects.filter(clinic=clinic, kind=FollowUpKind.FAILED_REMINDER, source_key__in=stale).update(
            status=FollowUpStatus.CLOSED, closed_reason="resolved", updated_at=timezone.now()
        )


def close_items_of(appointment: Appointment) -> None:
    """The appointment was cancelled or moved: its call-back items (asked to cancel, failed
    reminder) are dealt with."""
    FollowUp.objects.filter(
        source_appointment=appointment,
        kind__in=[FollowUpKind.CANCEL_REQUEST, FollowUpKind.FAILED_REMINDER],
        status=FollowUpStatus.OPEN,
    ).update(status=FollowUpStatus.CLOSED, closed_reason="resolved", updated_at=timezone.now())


# --- The patient's answer -----------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    appointment: Appointment | None
    problem: str | None  # a links.Problem value, "not_upcoming", or None when done


def appointment_for_link(raw: str) -> Answer:
    """What the link page shows (does not use the link)."""
    found = links.resolve(raw, purpose=LINK_PURPOSE)
    if found.problem is not None or found.link is None:
        return Answer(None, found.problem.value if found.problem else links.Problem.NOT_FOUND.value)
    appointment = _appointment_of(found.link.owner_ref, lock=False)
    if appointment is None:
        return Answer(None, links.Problem.NOT_FOUND.value)
    if appointment.status not in UPCOMING_STATUSES or appointment.starts_at <= timezone.now():
        return Answer(appointment, "not_upcoming")
    return Answer(appointment, None)


def _appointment_of(owner_ref: str, *, lock: bool) -> Appointment | None:
    app, model, pk = outbox.parse_owner_ref(owner_ref)
    if (app, model) != ("scheduling", "appointment") or not pk.isdigit():
        return None
    qs = Appointment.objects.select_related("clinic", "patient", "appointment_type")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.filter(pk=int(pk)).first()


@transaction.atomic
def answer_by_link(*, raw: str, confirm: bool) -> Answer:
    """The patient confirms, or asks to cancel (a "cancel request" on the worklist: the front desk
    calls back, offers another time, and cancels). Uses the link once; a link that cannot be used,
    or an appointment no longer upcoming, changes nothing."""
    seen = appointment_for_link(raw)
    if seen.problem is not None or seen.appointment is None:
        return seen
    appointment = _appointment_of(seen.appointment.owner_ref, lock=True)
    if appointment is None or appointment.status not in UPCOMING_STATUSES:
        return Answer(appointment, "not_upcoming")
    used = links.consume(raw, purpose=LINK_PURPOSE)
    if used.problem is not None:
        return Answer(None, used.problem.value)
    if confirm:
        if appointment.status == AppointmentStatus.SCHEDULED:
            appointment.status = AppointmentStatus.CONFIRMED
            appointment.save(update_fields=["status", "updated_at"])
    else:
        appointment_item(
            appointment,
            kind=FollowUpKind.CANCEL_REQUEST,
            reason=_("Asked by link to cancel %(type)s") % {"type": appointment.appointment_type.name},
        )
    return Answer(appointment, None)
