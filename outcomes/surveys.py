"""Survey schedules, enrolments and invitations: who is asked what, when, and by which message.

- A clinic's schedule has waves (baseline, 6 weeks, 3, 6, 12, 24 months by default) at days
  after an anchor date (enrolment, plan activation, a procedure such as a stimulator implant).
- Enrolling a patient creates one invitation per wave; moving the anchor moves those not answered.
- ``survey_tick`` (beat, every few minutes) opens invitations on their due day, queues the
  invitation and capped reminders through the outbox, and expires them when their window closes.
- Every message carries its own patient link (``notifications.links``, purpose "survey"), valid
  until the window closes; submitting uses the link and revokes the invitation's other links.
- Messages carry no clinical detail: the clinic asks how the patient is doing, and a link.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from clinics.models import Clinic, Membership
from clinics.roles import Role
from notifications import links
from notifications import services as outbox
from notifications.models import Message
from patients.choices import PatientStatus
from patients.models import Patient

from .models import (
    AnchorKind,
    ClinicSurveySettings,
    InstrumentVersion,
    InvitationStatus,
    PatientSurveyPreference,
    SurveyEnrolment,
    SurveyInvitation,
    SurveySchedule,
    SurveyWave,
)

logger = logging.getLogger(__name__)

LINK_PURPOSE = "survey"
PURPOSE_INVITATION = "survey_invitation"
PURPOSE_REMINDER = "survey_reminder"
PURPOSE_ALERT = "survey_safety_alert"

BASELINE_INSTRUMENTS = ["nrs_back", "nrs_leg", "odi", "phq9", "gad7", "clinic_questions"]
FOLLOW_UP_INSTRUMENTS = ["nrs_back", "nrs_leg", "odi", "phq9", "gad7", "pgic", "clinic_questions"]
# (key, label, days after the anchor): CLINICAL.md's default follow-up schedule.
DEFAULT_WAVES: list[tuple[str, Any, int]] = [
    ("baseline", _("Baseline"), 0),
    ("6w", _("6 weeks"), 42),
    ("3m", _("3 months"), 91),
    ("6m", _("6 months"), 182),
    ("12m", _("12 months"), 365),
    ("24m", _("24 months"), 730),
]
DEFAULT_SCHEDULE_NAME = "Default"


def invitation_owner_ref(invitation: SurveyInvitation) -> str:
    return outbox.owner_ref_for(invitation)


# --- Clinic defaults and schedules -----------------------------------------------------------------


@transaction.atomic
def ensure_clinic_defaults(clinic: Clinic) -> SurveySchedule:
    """The clinic's default schedule (created with CLINICAL.md's waves on first use) and its settings."""
    ClinicSurveySettings.objects.get_or_create(clinic=clinic)
    schedule, created = SurveySchedule.objects.get_or_create(
        clinic=clinic, name=DEFAULT_SCHEDULE_NAME, defaults={"anchor_kind": AnchorKind.ENROLMENT}
    )
    if created:
        for key, label, days in DEFAULT_WAVES:
            wave = SurveyWave(
                schedule=schedule,
                key=key,
                label=str(label),
                offset_days=days,
                instruments=list(BASELINE_INSTRUMENTS if days == 0 else FOLLOW_UP_INSTRUMENTS),
                is_baseline=days == 0,
            )
            wave.full_clean()
            wave.save()
    return schedule


def clinic_settings(clinic: Clinic) -> ClinicSurveySettings:
    found = ClinicSurveySettings.objects.filter(clinic=clinic).first()
    return found if found is not None else ClinicSurveySettings(clinic=clinic)


def known_instrument_keys() -> set[str]:
    return set(InstrumentVersion.objects.values_list("instrument__key", flat=True))


def check_wave_instruments(keys: Sequence[str]) -> list[str]:
    """The instrument keys cleaned: known, without repeats; raises ValidationError otherwise."""
    known = known_instrument_keys()
    cleaned: list[str] = []
    for key in keys:
        key = str(key).strip()
        if not key or key in cleaned:
            continue
        if key not in known:
            raise ValidationError({"instruments": _("Unknown instrument: %(key)s") % {"key": key[:40]}})
        cleaned.append(key)
    if not cleaned:
        raise ValidationError({"instruments": _("Choose at least one instrument.")})
    return cleaned


@transaction.atomic
def wave_save(
    *,
    schedule: SurveySchedule,
    wave: SurveyWave | None,
    key: str,
    label: str,
    offset_days: int,
    window_days: int,
    instruments: Sequence[str],
) -> SurveyWave:
    """Create or change a wave. Invitations already created keep their dates; new enrolments use the new ones."""
    target = wave if wave is not None else SurveyWave(schedule=schedule)
    target.key = key
    target.label = label
    target.offset_days = offset_days
    target.window_days = window_days
    target.instruments = check_wave_instruments(instruments)
    target.is_baseline = offset_days == 0
    target.full_clean()
    target.save()
    return target


@transaction.atomic
def schedule_save(
    *,
    schedule: SurveySchedule,
    name: str,
    anchor_kind: str,
    procedure_types: Sequence[str],
    active: bool,
    max_reminders: int,
    reminder_days: Sequence[int],
) -> SurveySchedule:
    schedule.name = name
    schedule.anchor_kind = anchor_kind
    schedule.procedure_types = list(procedure_types) if anchor_kind == AnchorKind.PROCEDURE else []
    schedule.active = active
    schedule.max_reminders = max_reminders
    schedule.reminder_days = sorted({int(d) for d in reminder_days})
    if anchor_kind == AnchorKind.PROCEDURE and not schedule.procedure_types:
        raise ValidationError({"procedure_types": _("Choose the procedures that start this schedule.")})
    if len(schedule.reminder_days) < max_reminders:
        raise ValidationError({"reminder_days": _("Give a day for each reminder.")})
    schedule.full_clean()
    schedule.save()
    return schedule


# --- Enrolment and the anchor ----------------------------------------------------------------------


def wave_window(*, clinic: Clinic, anchor_date: date, wave: SurveyWave) -> tuple[date, datetime, datetime]:
    """Due date, opening and closing of a wave: from midnight of the due day in the clinic's time zone
    for ``window_days`` days."""
    due = anchor_date + timedelta(days=wave.offset_days)
    opens = datetime.combine(due, time.min, tzinfo=clinic.tz)
    return due, opens, opens + timedelta(days=wave.window_days)


def _is_stopped(patient: Patient) -> bool:
    return PatientSurveyPreference.objects.filter(patient=patient, stop_surveys=True).exists()


def _withdraw_messages(invitation: SurveyInvitation) -> None:
    ref = invitation_owner_ref(invitation)
    outbox.cancel(owner_ref=ref, purpose=PURPOSE_INVITATION)
    outbox.cancel(owner_ref=ref, purpose=PURPOSE_REMINDER)
    links.revoke(owner_ref=ref, purpose=LINK_PURPOSE)


def _place(invitation: SurveyInvitation, *, clinic: Clinic, anchor_date: date, now: datetime) -> None:
    due, opens, closes = wave_window(clinic=clinic, anchor_date=anchor_date, wave=invitation.wave)
    invitation.due_date, invitation.opens_at, invitation.expires_at = due, opens, closes
    invitation.status = InvitationStatus.EXPIRED if closes <= now else InvitationStatus.PENDING
    invitation.invited_at = None
    invitation.reminders_sent = 0


@transaction.atomic
def enrol(
    *,
    patient: Patient,
    schedule: SurveySchedule,
    anchor_date: date,
    by: Any | None,
    source_kind: str = AnchorKind.ENROLMENT,
    plan: Any | None = None,
    intervention: Any | None = None,
    now: datetime | None = None,
) -> SurveyEnrolment:
    """Put ``patient`` on ``schedule`` from ``anchor_date``: one invitation per wave, with its dates.

    Already on the schedule: the anchor moves instead (``anchor_move``). Waves whose window closed
    before today are created expired (never sent). Opening and messages are the beat task's work.
    """
    if schedule.clinic_id != patient.clinic_id:
        raise ValidationError(_("This schedule belongs to another clinic."))
    now = now or timezone.now()
    existing = SurveyEnrolment.objects.select_for_update().filter(patient=patient, schedule=schedule, active=True).first()
    if existing is not None:
        if plan is not None:
            existing.plan = plan
        if intervention is not None:
            existing.intervention = intervention
        existing.source_kind = source_kind
        existing.save(update_fields=["plan", "intervention", "source_kind"])
        return anchor_move(enrolment=existing, anchor_date=anchor_date, by=by, now=now)
    enrolment = SurveyEnrolment(
        patient=patient,
        schedule=schedule,
        anchor_date=anchor_date,
        source_kind=source_kind,
        plan=plan,
        intervention=intervention,
        created_by=by,
    )
    enrolment.full_clean()
    enrolment.save()
    for wave in schedule.waves.all():
        invitation = SurveyInvitation(enrolment=enrolment, patient=patient, wave=wave, language=patient.preferred_language)
        _place(invitation, clinic=schedule.clinic, anchor_date=anchor_date, now=now)
        invitation.full_clean(validate_constraints=False)
        invitation.save()
    return enrolment


@transaction.atomic
def anchor_move(*, enrolment: SurveyEnrolment, anchor_date: date, by: Any | None, now: datetime | None = None) -> SurveyEnrolment:
    """Move the anchor: every wave not answered gets new dates (its messages and links are withdrawn,
    and it is invited again when it opens). Completed waves keep theirs."""
    now = now or timezone.now()
    locked = SurveyEnrolment.objects.select_for_update().select_related("schedule__clinic").get(pk=enrolment.pk)
    if locked.anchor_date == anchor_date:
        return locked
    locked.anchor_date = anchor_date
    locked.full_clean()
    locked.save(update_fields=["anchor_date"])
    invitations = (
        SurveyInvitation.objects.select_for_update()
        .select_related("wave")
        .filter(enrolment=locked)
        .exclude(status__in=[InvitationStatus.COMPLETED, InvitationStatus.CANCELLED])
    )
    for invitation in invitations:
        _withdraw_messages(invitation)
        _place(invitation, clinic=locked.schedule.clinic, anchor_date=anchor_date, now=now)
        invitation.link_token_hash = ""
        invitation.full_clean(validate_constraints=False)
        invitation.save()
    return locked


@transaction.atomic
def enrolment_end(*, enrolment: SurveyEnrolment) -> SurveyEnrolment:
    """Take a patient off a schedule: the waves not answered are cancelled."""
    locked = SurveyEnrolment.objects.select_for_update().get(pk=enrolment.pk)
    locked.active = False
    locked.save(update_fields=["active"])
    for invitation in SurveyInvitation.objects.select_for_update().filter(
        enrolment=locked, status__in=[InvitationStatus.PENDING, InvitationStatus.OPEN]
    ):
        _withdraw_messages(invitation)
        invitation.status = InvitationStatus.CANCELLED
        invitation.save(update_fields=["status", "updated_at"])
    return locked


@transaction.atomic
def surveys_stop_set(*, patient: Patient, stop: bool, by: Any | None) -> PatientSurveyPreference:
    """The patient's "stop surveys" switch. Stopping withdraws queued messages and open links; the
    invitations stay, so switching back on lets the waves still open carry on."""
    preference, _created = PatientSurveyPreference.objects.select_for_update().get_or_create(patient=patient)
    preference.stop_surveys = stop
    preference.changed_by = by
    preference.full_clean()
    preference.save()
    if stop:
        for invitation in SurveyInvitation.objects.filter(
            patient=patient, status__in=[InvitationStatus.PENDING, InvitationStatus.OPEN]
        ):
            _withdraw_messages(invitation)
    return preference


# --- Messages --------------------------------------------------------------------------------------


def public_url(path: str) -> str:
    return settings.FBSS_PUBLIC_URL.rstrip("/") + path


def survey_path(raw_token: str) -> str:
    return f"/survey/{raw_token}/"


def issue_link(invitation: SurveyInvitation) -> str:
    """A new link to ``invitation`` until its window closes; its hash is kept as the latest one."""
    raw = links.issue(
        purpose=LINK_PURPOSE, owner_ref=invitation_owner_ref(invitation), expires_at=invitation.expires_at, max_uses=1
    )
    invitation.link_token_hash = links._hash(raw)
    invitation.save(update_fields=["link_token_hash", "updated_at"])
    return raw


def contact_for(patient: Patient) -> tuple[str, str] | None:
    """(channel, recipient) the patient agreed to be reached by, the preferred one first; None if none."""
    options = []
    if patient.consent_email and patient.email:
        options.append(("email", patient.email))
    if patient.consent_sms and patient.mobile_phone:
        options.append(("sms", str(patient.mobile_phone)))
    options.sort(key=lambda option: option[0] != patient.preferred_channel)
    return options[0] if options else None


def _message_text(invitation: SurveyInvitation, *, url: str, reminder: bool) -> tuple[str, str]:
    clinic = invitation.patient.clinic
    local_close = (invitation.expires_at - timedelta(seconds=1)).astimezone(clinic.tz)
    with translation.override(invitation.language):
        subject = _t("%(clinic)s: how are you doing?") % {"clinic": clinic.name}
        lines = [
            _t("Your clinic asks how you are doing.") if not reminder else _t("A reminder: your clinic asks how you are doing."),
            _t("Please answer a few short questions here:"),
            url,
            _t("The link works until %(date)s.") % {"date": f"{local_close:%Y-%m-%d}"},
            "",
            clinic.name + (f" · {clinic.phone}" if clinic.phone else ""),
        ]
    return subject, "\n".join(lines)


def _queue(invitation: SurveyInvitation, *, purpose: str, key: str, now: datetime, reminder: bool) -> Message | None:
    contact = contact_for(invitation.patient)
    if contact is None:
        return None
    if Message.objects.filter(idempotency_key=key).exists():
        return None
    raw = issue_link(invitation)
    subject, body = _message_text(invitation, url=public_url(survey_path(raw)), reminder=reminder)
    channel, recipient = contact
    return outbox.enqueue(
        channel=channel,
        recipient=recipient,
        subject=subject if channel == "email" else "",
        body=body,
        due_at=now,
        purpose=purpose,
        owner_ref=invitation_owner_ref(invitation),
        idempotency_key=key,
        clinic_id=invitation.patient.clinic_id,
    )


def _invitation_key(invitation: SurveyInvitation) -> str:
    # The due date is part of the meaning: a moved wave is a new invitation.
    return f"survey:{invitation.pk}:invite:{invitation.due_date:%Y%m%d}"


def _reminder_key(invitation: SurveyInvitation, n: int) -> str:
    return f"survey:{invitation.pk}:reminder:{n}:{invitation.due_date:%Y%m%d}"


@transaction.atomic
def invitation_resend(*, invitation: SurveyInvitation, now: datetime | None = None) -> Message | None:
    """The front desk sends the invitation again (a new link; earlier links keep working).
    Two clicks within a minute send one message. None when the patient has no channel."""
    now = now or timezone.now()
    locked = SurveyInvitation.objects.select_for_update().select_related("patient__clinic").get(pk=invitation.pk)
    if locked.status != InvitationStatus.OPEN or locked.expires_at <= now:
        raise ValidationError(_("Only an open survey can be sent again."))
    if _is_stopped(locked.patient):
        raise ValidationError(_("This patient asked not to receive surveys."))
    return _queue(
        locked, purpose=PURPOSE_INVITATION, key=f"survey:{locked.pk}:resend:{now:%Y%m%dT%H%M}", now=now, reminder=False
    )


@transaction.atomic
def handover_link(*, invitation: SurveyInvitation, now: datetime | None = None) -> str:
    """A fresh link for handing the survey over in the clinic (QR code or kiosk). The earlier links
    are revoked: only the one on the clinic's screen works from now on."""
    now = now or timezone.now()
    locked = SurveyInvitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.status == InvitationStatus.PENDING and locked.opens_at <= now < locked.expires_at:
        locked.status = InvitationStatus.OPEN
        locked.save(update_fields=["status", "updated_at"])
    if locked.status != InvitationStatus.OPEN or locked.expires_at <= now:
        raise ValidationError(_("Only an open survey can be handed over."))
    links.revoke(owner_ref=invitation_owner_ref(locked), purpose=LINK_PURPOSE)
    return issue_link(locked)


# --- The periodic task -----------------------------------------------------------------------------


@dataclass
class TickResult:
    opened: int = 0
    invited: int = 0
    reminded: int = 0
    expired: int = 0


def _patient_reachable(patient: Patient) -> bool:
    return patient.status == PatientStatus.ACTIVE


def _claim(*related: str) -> QuerySet[SurveyInvitation]:
    """Invitations locked for this run; rows another run holds are skipped, not waited for."""
    return SurveyInvitation.objects.select_for_update(skip_locked=True, of=("self",)).select_related(*related)


def _not_to_ask(invitation: SurveyInvitation, stopped: set[int]) -> bool:
    """The patient stopped surveys or cannot be reached: no invitation or reminder goes."""
    return invitation.patient_id in stopped or not _patient_reachable(invitation.patient)


def survey_tick(*, now: datetime | None = None, batch: int = 500) -> TickResult:
    """Run by beat: expire closed invitations, open due ones with their invitation message, and
    queue reminders (at most the schedule's ``max_reminders``, on its ``reminder_days`` after opening).

    Rows are taken with SKIP LOCKED so two runs at once share the work; each step is idempotent
    (messages by their idempotency keys), so a run that dies is simply done again by the next.
    """
    now = now or timezone.now()
    result = TickResult()
    with transaction.atomic():
        for invitation in SurveyInvitation.objects.select_for_update(skip_locked=True).filter(
            status__in=[InvitationStatus.PENDING, InvitationStatus.OPEN], expires_at__lte=now
        )[:batch]:
            _withdraw_messages(invitation)
            invitation.status = InvitationStatus.EXPIRED
            invitation.save(update_fields=["status", "updated_at"])
            result.expired += 1
    with transaction.atomic():
        due = _claim("patient__clinic", "enrolment").filter(
            status=InvitationStatus.PENDING, opens_at__lte=now, expires_at__gt=now, enrolment__active=True
        )[:batch]
        stopped = set(PatientSurveyPreference.objects.filter(stop_surveys=True).values_list("patient_id", flat=True))
        for invitation in due:
            invitation.status = InvitationStatus.OPEN
            invitation.save(update_fields=["status", "updated_at"])
            result.opened += 1
            if _not_to_ask(invitation, stopped):
                continue
            if _queue(invitation, purpose=PURPOSE_INVITATION, key=_invitation_key(invitation), now=now, reminder=False):
                invitation.invited_at = now
                invitation.save(update_fields=["invited_at", "updated_at"])
                result.invited += 1
    with transaction.atomic():
        candidates = _claim("patient__clinic", "enrolment__schedule").filter(
            status=InvitationStatus.OPEN, invited_at__isnull=False, expires_at__gt=now
        )[:batch]
        for invitation in candidates:
            schedule = invitation.enrolment.schedule
            n = invitation.reminders_sent
            days = list(schedule.reminder_days)[: schedule.max_reminders]
            if n >= len(days) or now < invitation.opens_at + timedelta(days=days[n]):
                continue
            if _not_to_ask(invitation, stopped):
                continue
            _queue(invitation, purpose=PURPOSE_REMINDER, key=_reminder_key(invitation, n + 1), now=now, reminder=True)
            invitation.reminders_sent = n + 1
            invitation.save(update_fields=["reminders_sent", "updated_at"])
            result.reminded += 1
    return result


# --- The check at send time ------------------------------------------------------------------------


def invitation_for_message(message: Message) -> SurveyInvitation | None:
    app_label, model, pk = outbox.parse_owner_ref(message.owner_ref)
    if (app_label, model) != ("outcomes", "surveyinvitation"):
        return None
    return SurveyInvitation.objects.select_related("patient").filter(pk=pk).first()


def still_wanted(message: Message) -> str | None:
    """Registered for the survey purposes: why not to send ``message`` now, or None."""
    invitation = invitation_for_message(message)
    if invitation is None:
        return "invitation gone"
    if invitation.status == InvitationStatus.COMPLETED:
        return "survey completed"
    if invitation.status != InvitationStatus.OPEN or invitation.expires_at <= timezone.now():
        return "survey not open"
    patient = invitation.patient
    if patient.status != PatientStatus.ACTIVE:
        return "patient not active"
    if _is_stopped(patient):
        return "surveys stopped"
    if message.channel == "email" and not patient.consent_email:
        return "no consent to email"
    if message.channel == "sms" and not patient.consent_sms:
        return "no consent to SMS"
    return None


# --- Who is told of a safety alert -----------------------------------------------------------------


def alert_recipients(patient: Patient) -> list[Any]:
    """The patient's physician; without one (or one no longer of the clinic), the clinic's physicians."""
    physicians = Membership.objects.filter(clinic_id=patient.clinic_id, role=Role.PHYSICIAN, is_active=True)
    if patient.primary_physician_id is not None:
        mine = [m.user for m in physicians.filter(user_id=patient.primary_physician_id).select_related("user")]
        if mine:
            return mine
    return [m.user for m in physicians.select_related("user").order_by("user_id")]
