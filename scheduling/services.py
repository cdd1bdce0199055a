"""Writes to the calendar: book, reschedule, cancel, confirm, check in, no-show, complete.

Each is atomic and keyword-only. The views decide who may call them (``clinics.access``, need
BOOK); the services guard the calendar's own rules:

- one clinic: patient, provider, type, room and follow-up all belong to the appointment's clinic;
- the provider holds a role that provides the appointment type;
- no double booking of a provider or a room (overlap query here; on PostgreSQL also the
  exclusion constraints of migration 0002, which decide a race between two transactions);
- outside working hours or on leave: refused unless ``override_reason`` is given (recorded);
- a discharged patient: refused unless ``override_reason`` is given; a deceased patient: refused.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from clinics.models import Membership
from clinics.recording import attribute, save_fields, save_record
from patients.models import Patient, PatientStatus

from . import availability, reminders
from .followups import appointment_item
from .models import (
    BLOCKING_STATUSES,
    Appointment,
    AppointmentStatus,
    AppointmentType,
    ClinicReminderSettings,
    FollowUp,
    FollowUpKind,
    FollowUpRule,
    FollowUpStatus,
    Room,
)

# Constraint names of migration 0002 (PostgreSQL only).
PROVIDER_CONSTRAINT = "appointment_provider_no_overlap"
ROOM_CONSTRAINT = "appointment_room_no_overlap"

RELATIONS = [
    "clinic", "patient", "provider", "appointment_type", "room", "intervention", "follow_up", "cancelled_by",
    "rescheduled_from", "created_by",
]  # fmt: skip

# Which status may follow which (a person's one click must not undo history).
TRANSITIONS: dict[str, frozenset[str]] = {
    AppointmentStatus.CONFIRMED: frozenset({AppointmentStatus.SCHEDULED}),
    AppointmentStatus.CHECKED_IN: frozenset({AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED}),
    AppointmentStatus.COMPLETED: frozenset({AppointmentStatus.CHECKED_IN}),
    AppointmentStatus.NO_SHOW: frozenset({AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED}),
    AppointmentStatus.CANCELLED: frozenset({AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED}),
    AppointmentStatus.RESCHEDULED: frozenset({AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED}),
}


def _name(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def _span(clinic: Any, starts_at: datetime, ends_at: datetime) -> str:
    tz = clinic.tz
    return f"{time_format(starts_at.astimezone(tz), 'H:i')}-{time_format(ends_at.astimezone(tz), 'H:i')}"


def _clash(qs: Any, starts_at: datetime, ends_at: datetime) -> Appointment | None:
    return (
        qs.filter(status__in=BLOCKING_STATUSES, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .order_by("starts_at")
        .first()
    )


def _provider_busy(clinic: Any, provider: Any, starts_at: datetime, ends_at: datetime) -> ValidationError | None:
    # Across all clinics: one person cannot be in two places at once.
    other = _clash(Appointment.objects.filter(provider=provider), starts_at, ends_at)
    if other is None:
        return None
    return ValidationError(
        _("%(who)s already has an appointment at %(span)s.")
        % {"who": _name(provider), "span": _span(clinic, other.starts_at, other.ends_at)},
        code="provider_busy",
    )


def _room_busy(clinic: Any, room: Room | None, starts_at: datetime, ends_at: datetime) -> ValidationError | None:
    if room is None:
        return None
    other = _clash(Appointment.objects.filter(room=room), starts_at, ends_at)
    if other is None:
        return None
    return ValidationError(
        _("%(room)s is already booked at %(span)s.")
        % {"room": room.name, "span": _span(clinic, other.starts_at, other.ends_at)},
        code="room_busy",
    )


def _insert(appointment: Appointment) -> Appointment:
    """Save, turning the database's exclusion violation (a race lost) into the same clear message."""
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as exc:
        text = str(exc)
        clinic = appointment.clinic
        if PROVIDER_CONSTRAINT in text:
            error = _provider_busy(clinic, appointment.provider, appointment.starts_at, appointment.ends_at)
        elif ROOM_CONSTRAINT in text:
            error = _room_busy(clinic, appointment.room, appointment.starts_at, appointment.ends_at)
        else:
            raise
        raise (error or ValidationError(_("This slot was just taken."), code="slot_taken")) from exc
    return appointment


def _check(
    *,
    clinic: Any,
    patient: Patient,
    provider: Any,
    appointment_type: AppointmentType,
    starts_at: datetime,
    ends_at: datetime,
    room: Room | None,
    override_reason: str,
) -> None:
    """Every rule of a booking; all refusals at once, as a ValidationError the form can show."""
    errors: dict[str, list[ValidationError]] = {}

    def refuse(field: str | None, error: ValidationError) -> None:
        errors.setdefault(field or "__all__", []).append(error)

    if patient.clinic_id != clinic.pk:
        refuse("patient", ValidationError(_("This patient is not registered at this clinic."), code="other_clinic"))
    if appointment_type.clinic_id != clinic.pk or not appointment_type.is_active:
        refuse("appointment_type", ValidationError(_("Choose one of this clinic's appointment types."), code="type"))
    if room is not None and (room.clinic_id != clinic.pk or not room.is_active):
        refuse("room", ValidationError(_("Choose one of this clinic's rooms."), code="room"))
    membership = Membership.objects.filter(user=provider, clinic=clinic, is_active=True).first()
    if membership is None:
        refuse("provider", ValidationError(_("This person does not work at this clinic."), code="provider"))
    elif not appointment_type.provided_by(membership.role):
        refuse(
            "provider",
            ValidationError(
                _("%(who)s does not provide %(type)s.") % {"who": _name(provider), "type": appointment_type.name},
                code="provider_role",
            ),
        )
    if patient.status == PatientStatus.DECEASED:
        refuse(None, ValidationError(_("This patient is recorded as deceased."), code="deceased"))
    elif patient.status == PatientStatus.DISCHARGED and not override_reason:
        refuse(
            "override_reason",
            ValidationError(_("This patient is discharged. Give a reason to book anyway."), code="discharged"),
        )
    if membership is not None and not override_reason:
        problem = availability.outside_hours(clinic=clinic, provider=provider, starts_at=starts_at, ends_at=ends_at)
        if problem:
            refuse("override_reason", ValidationError(problem + " " + _("Give a reason to book anyway."), code="hours"))
    for error in (
        _provider_busy(clinic, provider, starts_at, ends_at),
        _room_busy(clinic, room, starts_at, ends_at),
    ):
        if error is not None:
            refuse(None, error)
    if errors:
        raise ValidationError(errors)


def _follow_up_for(follow_up: FollowUp | None, *, patient: Patient) -> FollowUp | None:
    if follow_up is None:
        return None
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if follow_up.patient_id != patient.pk:
        raise ValidationError(_("This worklist item is for another patient."), code="follow_up_patient")
    if follow_up.status != FollowUpStatus.OPEN:
        raise ValidationError(_("This worklist item is already booked or closed."), code="follow_up_closed")
    return follow_up


@transaction.atomic
def book(
    *,
    clinic: Any,
    patient: Patient,
    provider: Any,
    appointment_type: AppointmentType,
    starts_at: datetime,
    by: Any,
    minutes: int | None = None,
    room: Room | None = None,
    intervention: Any = None,
    follow_up: FollowUp | None = None,
    override_reason: str = "",
    rescheduled_from: Appointment | None = None,
) -> Appointment:
    """Book ``patient`` with ``provider``; a follow-up booked this way leaves the worklist."""
    if timezone.is_naive(starts_at):
        raise ValidationError(_("The start time has no time zone."), code="naive")
    minutes = minutes or appointment_type.minutes
    override_reason = (override_reason or "").strip()
    if intervention is not None and intervention.plan.patient_id != patient.pk:
        raise ValidationError(_("This plan intervention is for another patient."), code="intervention_patient")
    follow_up = _follow_up_for(follow_up, patient=patient)
    appointment = Appointment(
        clinic=clinic,
        patient=patient,
        provider=provider,
        appointment_type=appointment_type,
        starts_at=starts_at,
        minutes=minutes,
        room=room,
        intervention=intervention or (follow_up.source_intervention if follow_up else None),
        follow_up=follow_up,
        override_reason=override_reason,
        rescheduled_from=rescheduled_from,
        created_by=by,
    )
    appointment.ends_at = appointment.compute_end()
    # Field validation only: the relations are checked by _check (same clinic, role) and the
    # check constraints are in the database; full validation would query once per relation.
    appointment.full_clean(exclude=RELATIONS, validate_unique=False, validate_constraints=False)
    _check(
        clinic=clinic,
        patient=patient,
        provider=provider,
        appointment_type=appointment_type,
        starts_at=starts_at,
        ends_at=appointment.ends_at,
        room=room,
        override_reason=override_reason,
    )
    attribute(appointment, by=by)
    _insert(appointment)
    reminders.schedule(appointment)
    if follow_up is not None:
        follow_up.status, follow_up.appointment = FollowUpStatus.BOOKED, appointment
        attribute(follow_up, by=by)
        follow_up.save()
    return appointment


def _lock(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update().select_related("clinic", "patient", "provider").get(pk=appointment.pk)
    )


def _move(appointment: Appointment, status: str, *, by: Any, **fields: Any) -> Appointment:
    if appointment.status not in TRANSITIONS[status]:
        raise ValidationError(
            _("This appointment is %(status)s and cannot be changed that way.")
            % {"status": appointment.get_status_display().lower()},
            code="status",
        )
    appointment.status = status
    for name, value in fields.items():
        setattr(appointment, name, value)
    appointment.full_clean(exclude=RELATIONS, validate_unique=False, validate_constraints=False)
    save_fields(appointment, by=by, fields=["status", *fields, "updated_at"])
    return appointment


def _release_follow_up(appointment: Appointment, *, by: Any) -> None:
    """A cancelled booking puts its worklist item back on the list."""
    for item in FollowUp.objects.filter(appointment=appointment, status=FollowUpStatus.BOOKED):
        item.status, item.appointment = FollowUpStatus.OPEN, None
        attribute(item, by=by)
        item.save()


@transaction.atomic
def reschedule(
    *,
    appointment: Appointment,
    starts_at: datetime,
    by: Any,
    provider: Any = None,
    minutes: int | None = None,
    room: Room | None = None,
    override_reason: str = "",
) -> Appointment:
    """A new appointment at the new time; the old one stays, marked rescheduled, linked to it."""
    old = _lock(appointment)
    _move(old, AppointmentStatus.RESCHEDULED, by=by)
    reminders.unschedule(old)
    reminders.close_items_of(old)
    new = book(
        clinic=old.clinic,
        patient=old.patient,
        provider=provider or old.provider,
        appointment_type=old.appointment_type,
        starts_at=starts_at,
        minutes=minutes or old.minutes,
        room=room,
        intervention=old.intervention,
        override_reason=override_reason or old.override_reason,
        rescheduled_from=old,
        by=by,
    )
    FollowUp.objects.filter(appointment=old).update(appointment=new)
    if old.follow_up_id:
        new.follow_up_id = old.follow_up_id
        new.save(update_fields=["follow_up", "updated_at"])
    return new


@transaction.atomic
def cancel(*, appointment: Appointment, reason: str, by: Any) -> Appointment:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for cancelling.")}, code="reason")
    appt = _move(
        _lock(appointment),
        AppointmentStatus.CANCELLED,
        by=by,
        cancel_reason=reason,
        cancelled_by=by,
        cancelled_at=timezone.now(),
    )
    _release_follow_up(appt, by=by)
    reminders.unschedule(appt)
    reminders.close_items_of(appt)
    return appt


@transaction.atomic
def confirm(*, appointment: Appointment, by: Any) -> Appointment:
    return _move(_lock(appointment), AppointmentStatus.CONFIRMED, by=by)


@transaction.atomic
def check_in(*, appointment: Appointment, by: Any) -> Appointment:
    return _move(_lock(appointment), AppointmentStatus.CHECKED_IN, by=by, checked_in_at=timezone.now())


@transaction.atomic
def complete(*, appointment: Appointment, by: Any) -> Appointment:
    return _move(_lock(appointment), AppointmentStatus.COMPLETED, by=by)


@transaction.atomic
def mark_no_show(*, appointment: Appointment, by: Any) -> Appointment:
    """The patient did not come: the slot is freed and a call-back goes on the worklist."""
    appt = _lock(appointment)
    if appt.starts_at > timezone.now():
        raise ValidationError(_("An appointment that has not started yet cannot be a no-show."), code="future")
    _move(appt, AppointmentStatus.NO_SHOW, by=by)
    reminders.unschedule(appt)
    appointment_item(
        appt,
        kind=FollowUpKind.NO_SHOW,
        reason=_("Did not come to %(type)s") % {"type": appt.appointment_type.name},
        source_intervention=appt.intervention,
    )
    return appt


@transaction.atomic
def dismiss_follow_up(*, follow_up: FollowUp, by: Any) -> FollowUp:
    """A person takes an item off the worklist (called, declined...); the rules will not reopen it."""
    item = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if item.status != FollowUpStatus.OPEN:
        raise ValidationError(_("This worklist item is already booked or closed."), code="follow_up_closed")
    item.status, item.closed_reason = FollowUpStatus.CLOSED, "dismissed"
    attribute(item, by=by)
    item.save()
    return item


def local_datetime(clinic: Any, day: Any, at: Any) -> datetime:
    """A wall-clock time of the clinic's zone as an aware datetime; a time the clock skips is refused."""
    tz = clinic.tz
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=tz)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise ValidationError(
            _("%(time)s does not exist on %(day)s in %(zone)s (the clocks change).")
            % {"time": at.strftime("%H:%M"), "day": day.isoformat(), "zone": clinic.time_zone},
            code="no_such_time",
        )
    return aware


@transaction.atomic
def rule_update(
    *,
    rule: FollowUpRule,
    by: Any,
    offset_days: int,
    window_days: int,
    appointment_type: AppointmentType,
    reason: str,
    is_active: bool,
) -> FollowUpRule:
    """A clinic admin changes one follow-up rule; items still open follow it at their next sync."""
    if appointment_type.clinic_id != rule.clinic_id:
        raise ValidationError({"appointment_type": _("Choose one of this clinic's appointment types.")})
    rule.offset_days, rule.window_days, rule.appointment_type = offset_days, window_days, appointment_type
    rule.reason, rule.is_active = reason, is_active
    return save_record(rule, by=by)


@transaction.atomic
def reminder_settings_update(
    *, clinic: Any, by: Any, hours_before: list[int], quiet_start: time, quiet_end: time
) -> ClinicReminderSettings:
    """The clinic admin changes when reminders go; appointments booked from now on follow it."""
    row = ClinicReminderSettings.objects.select_for_update().filter(clinic=clinic).first()
    row = row or ClinicReminderSettings(clinic=clinic)
    row.hours_before, row.quiet_start, row.quiet_end = hours_before, quiet_start, quiet_end
    row.full_clean(exclude=["clinic"], validate_unique=False)
    attribute(row, by=by)
    row.save()
    return row
