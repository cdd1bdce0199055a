"""Reads of the calendar and the worklist, scoped to a clinic and at a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import availability
from .models import (
    BLOCKING_STATUSES,
    Appointment,
    AppointmentStatus,
    AppointmentType,
    FollowUp,
    FollowUpRule,
    FollowUpStatus,
    ScheduleException,
    WorkingHours,
)

# Shorter free gaps are not offered on the day view.
MIN_GAP_MINUTES = 10


def _longest_appointment() -> timedelta:
    """The longest an appointment may last (the validator of ``Appointment.minutes``)."""
    from django.core.validators import MaxValueValidator

    field = Appointment._meta.get_field("minutes")
    limits = [v.limit_value for v in field.validators if isinstance(v, MaxValueValidator)]
    return timedelta(minutes=int(max(limits)))


def appointments_with_parts() -> QuerySet[Appointment]:
    return Appointment.objects.select_related("clinic", "patient", "provider", "appointment_type", "room")


@dataclass
class Entry:
    """One line of a calendar column: an appointment of this clinic, a busy block elsewhere, or a free gap."""

    starts_at: datetime
    ends_at: datetime
    appointment: Appointment | None = None
    free: bool = False
    elsewhere: bool = False

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass
class Column:
    provider: Any
    day: date
    entries: list[Entry] = field(default_factory=list)
    working: bool = False
    away: list[ScheduleException] = field(default_factory=list)


def _columns(clinic: Any, providers: list[Any], days: list[date], *, with_empty: bool) -> list[Column]:
    """Columns for each (provider, day), in three queries whatever the number of appointments."""
    ids = [p.pk for p in providers]
    first, last = days[0], days[-1]
    start, end = availability.day_bounds(clinic, first, last)
    hours = list(WorkingHours.objects.filter(clinic=clinic, provider_id__in=ids))
    exceptions = list(
        ScheduleException.objects.filter(clinic=clinic, first_day__lte=last, last_day__gte=first).filter(
            Q(provider__isnull=True) | Q(provider_id__in=ids)
        )
    )
    appointments = list(
        appointments_with_parts()
        .filter(Q(clinic=clinic) | Q(status__in=BLOCKING_STATUSES), provider_id__in=ids)
        # The lower bound on starts_at adds nothing to what overlaps the days, but lets the
        # (provider, starts_at) index read only those days instead of every past appointment.
        .filter(starts_at__lt=end, ends_at__gt=start, starts_at__gt=start - _longest_appointment())
        .defer("patient__mobile_phone")  # not shown in a column; parsing it per row costs more than the query
        .order_by("starts_at", "id")
    )
    tz = clinic.tz
    now = availability.round_up(timezone.now().astimezone(tz), 5)
    columns = []
    for day in days:
        for p in providers:
            mine = [a for a in appointments if a.provider_id == p.pk and a.starts_at.astimezone(tz).date() == day]
            blocks = availability.working_blocks(clinic, p.pk, day, hours, exceptions)
            busy = [(a.starts_at, a.ends_at) for a in mine if a.status in BLOCKING_STATUSES]
            entries = [
                Entry(a.starts_at, a.ends_at, appointment=a if a.clinic_id == clinic.pk else None,
                      elsewhere=a.clinic_id != clinic.pk)
                for a in mine
            ]  # fmt: skip
            # Only time still ahead is offered: a gap that began an hour ago starts now.
            gaps = [(max(s, now), e) for s, e in availability.free_gaps(blocks, busy)]
            entries += [
                Entry(s.astimezone(tz), e.astimezone(tz), free=True)
                for s, e in gaps
                if (e - s) >= timedelta(minutes=MIN_GAP_MINUTES)
            ]
            if not entries and not blocks and not with_empty:
                continue
            entries.sort(key=lambda x: (x.starts_at, x.free))
            away = availability.exceptions_on(exceptions, p.pk, day)
            columns.append(Column(provider=p, day=day, entries=entries, working=bool(blocks), away=away))
    return columns


def day_view(clinic: Any, day: date) -> list[Column]:
    """One column per provider who works or has appointments on ``day`` (four queries)."""
    return _columns(clinic, availability.providers_for(clinic), [day], with_empty=False)


def week_view(clinic: Any, provider: Any, monday: date) -> list[Column]:
    """Seven columns, Monday to Sunday, of one provider (four queries)."""
    return _columns(clinic, [provider], [monday + timedelta(days=k) for k in range(7)], with_empty=True)


def arrivals(clinic: Any, day: date) -> list[Appointment]:
    """Today's patients in order of arrival time, with what the desk needs to greet them (one query)."""
    start, end = availability.day_bounds(clinic, day)
    return list(
        appointments_with_parts()
        .filter(clinic=clinic, starts_at__gte=start, starts_at__lt=end)
        .exclude(status=AppointmentStatus.RESCHEDULED)
        .order_by("starts_at", "id")
    )


def provider_day(clinic: Any, provider: Any, day: date) -> list[Appointment]:
    start, end = availability.day_bounds(clinic, day)
    return list(
        appointments_with_parts()
        .filter(clinic=clinic, provider=provider, starts_at__gte=start, starts_at__lt=end)
        .exclude(status__in=[AppointmentStatus.RESCHEDULED, AppointmentStatus.CANCELLED])
        .order_by("starts_at", "id")
    )


def follow_ups_with_parts() -> QuerySet[FollowUp]:
    """Worklist items with their patient, appointment type and provider, for the gate."""
    return FollowUp.objects.select_related("patient", "appointment_type", "provider")


def worklist(clinic: Any) -> QuerySet[FollowUp]:
    """Open items, soonest first; the patient (name, MRN, date of birth) comes in the same query."""
    return (
        FollowUp.objects.filter(clinic=clinic, status=FollowUpStatus.OPEN)
        .select_related("patient", "appointment_type", "provider", "source_appointment")
        .defer("patient__mobile_phone")  # not shown; parsing each row's number cost more than its query
        .order_by("due_date", "id")
    )


def patient_appointments(patient: Any, *, past_limit: int | None = None) -> list[Appointment]:
    """The patient's appointments, newest first: all of them, or (``past_limit``) every one not yet
    over and the newest ``past_limit`` of those over, in one query whatever the history's length."""
    qs = appointments_with_parts().filter(patient=patient)
    if past_limit is not None:
        now = timezone.now()
        # The start of the past_limit-th newest appointment over (ties may add a row, never drop one).
        cutoff = (
            Appointment.objects.filter(patient=patient, ends_at__lt=now)
            .order_by("-starts_at", "-id")
            .values("starts_at")[past_limit - 1 : past_limit]
        )
        since = Coalesce(Subquery(cutoff), Value(datetime(1, 1, 2, tzinfo=UTC)))
        qs = qs.filter(Q(ends_at__gte=now) | Q(starts_at__gte=since))
    return list(qs.order_by("-starts_at", "-id"))


def patient_open_follow_ups(patient: Any) -> list[FollowUp]:
    return list(
        FollowUp.objects.filter(patient=patient, status=FollowUpStatus.OPEN)
        .select_related("appointment_type")
        .order_by("due_date", "id")
    )


def reschedule_neighbours(appointment: Appointment) -> tuple[Appointment | None, Appointment | None]:
    """The slot this one replaced and the one that replaced it (same clinic by construction)."""
    previous = (
        appointments_with_parts().filter(pk=appointment.rescheduled_from_id).first()
        if appointment.rescheduled_from_id
        else None
    )
    following = appointments_with_parts().filter(rescheduled_from=appointment).first()
    return previous, following


def type_by_key(clinic: Any, key: str) -> AppointmentType | None:
    return AppointmentType.objects.filter(clinic=clinic, key=key, is_active=True).first()


def rules_of(clinic: Any) -> list[FollowUpRule]:
    return list(FollowUpRule.objects.filter(clinic=clinic).select_related("appointment_type").order_by("event"))
