"""When a provider can be booked: working hours minus leave minus appointments.

All wall-clock arithmetic happens in the clinic's zone (a 09:00-17:00 day is 09:00-17:00 on
both sides of a daylight-saving change), and all comparisons on aware datetimes. The functions
that take lists do no queries: callers load hours, exceptions and appointments once per page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from clinics.models import Membership

from .models import BLOCKING_STATUSES, Appointment, AppointmentType, ScheduleException, WorkingHours

Interval = tuple[datetime, datetime]


def at(clinic: Any, day: date, t: time) -> datetime:
    return datetime.combine(day, t, tzinfo=clinic.tz)


def day_bounds(clinic: Any, first: date, last: date | None = None) -> Interval:
    """The instants of [first 00:00, (last or first) + 1 day 00:00) in the clinic's zone."""
    return at(clinic, first, time.min), at(clinic, (last or first) + timedelta(days=1), time.min)


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(intervals: Sequence[Interval], cuts: Iterable[Interval]) -> list[Interval]:
    result = list(intervals)
    for cut_start, cut_end in cuts:
        pieces: list[Interval] = []
        for start, end in result:
            if cut_end <= start or cut_start >= end:
                pieces.append((start, end))
                continue
            if start < cut_start:
                pieces.append((start, cut_start))
            if cut_end < end:
                pieces.append((cut_end, end))
        result = pieces
    return result


def exceptions_on(exceptions: Iterable[ScheduleException], provider_id: int, day: date) -> list[ScheduleException]:
    return [
        e
        for e in exceptions
        if (e.provider_id is None or e.provider_id == provider_id) and e.first_day <= day <= e.last_day
    ]


def away_span(clinic: Any, day: date, exception: ScheduleException) -> Interval | None:
    """The hours ``exception`` takes out of ``day`` in the clinic's zone; None when it is the whole day."""
    if exception.start is None or exception.end is None:
        return None
    return at(clinic, day, exception.start), at(clinic, day, exception.end)


def working_blocks(
    clinic: Any, provider_id: int, day: date, hours: Iterable[WorkingHours], exceptions: Iterable[ScheduleException]
) -> list[Interval]:
    """The provider's bookable time on ``day`` at ``clinic``: hours minus leave and closures."""
    blocks = _merge(
        (at(clinic, day, h.start), at(clinic, day, h.end))
        for h in hours
        if h.provider_id == provider_id and h.weekday == day.weekday()
    )
    away = exceptions_on(exceptions, provider_id, day)
    if any(e.is_whole_day for e in away):
        return []
    return _subtract(blocks, [span for e in away if (span := away_span(clinic, day, e)) is not None])


def free_gaps(blocks: Sequence[Interval], busy: Iterable[Interval]) -> list[Interval]:
    return _subtract(blocks, sorted(busy))


def outside_hours(*, clinic: Any, provider: Any, starts_at: datetime, ends_at: datetime) -> str:
    """Why [starts_at, ends_at) is not bookable time of ``provider`` at ``clinic``, or "" when it is."""
    local_start = starts_at.astimezone(clinic.tz)
    day = local_start.date()
    who = provider.get_full_name() or provider.get_username()
    away = exceptions_on(
        ScheduleException.objects.filter(clinic=clinic, first_day__lte=day, last_day__gte=day), provider.pk, day
    )
    for e in away:
        span = away_span(clinic, day, e)
        if span is None or (span[0] < ends_at and span[1] > starts_at):
            if e.provider_id is None:
                return _("The clinic is closed then (%(kind)s).") % {"kind": e.get_kind_display().lower()}
            return _("%(who)s is away then (%(kind)s).") % {"who": who, "kind": e.get_kind_display().lower()}
    hours = WorkingHours.objects.filter(clinic=clinic, provider=provider, weekday=day.weekday())
    for start, end in working_blocks(clinic, provider.pk, day, hours, []):
        if start <= starts_at and ends_at <= end:
            return ""
    return _("This is outside %(who)s's working hours.") % {"who": who}


def providers_for(clinic: Any, appointment_type: AppointmentType | None = None) -> list[Any]:
    """Active members of ``clinic`` who see patients (or who provide ``appointment_type``)."""
    from clinics.roles import CLINICIANS

    roles = appointment_type.roles if appointment_type is not None else list(CLINICIANS)
    memberships = (
        Membership.objects.filter(clinic=clinic, is_active=True, role__in=roles)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    return [m.user for m in memberships]


@dataclass(frozen=True)
class Slot:
    provider: Any
    starts_at: datetime


def round_up(when: datetime, step: int) -> datetime:
    base = when.replace(second=0, microsecond=0)
    if base < when:
        base += timedelta(minutes=1)
    extra = (-base.minute) % step
    return base + timedelta(minutes=extra)


def next_free_slot(
    *,
    clinic: Any,
    appointment_type: AppointmentType,
    after: datetime,
    provider: Any = None,
    minutes: int | None = None,
    days: int = 60,
    step: int = 5,
) -> Slot | None:
    """The earliest start from ``after`` at which a provider of the type (or ``provider``) is free
    for the type's length, honouring working hours, leave and every booking (in four queries)."""
    length = timedelta(minutes=minutes or appointment_type.minutes)
    candidates = providers_for(clinic, appointment_type)
    if provider is not None:
        candidates = [p for p in candidates if p.pk == provider.pk]
    if not candidates:
        return None
    ids = [p.pk for p in candidates]
    first_day = after.astimezone(clinic.tz).date()
    last_day = first_day + timedelta(days=days)
    hours = list(WorkingHours.objects.filter(clinic=clinic, provider_id__in=ids))
    exceptions = list(
        ScheduleException.objects.filter(clinic=clinic, first_day__lte=last_day, last_day__gte=first_day).filter(
            Q(provider__isnull=True) | Q(provider_id__in=ids)
        )
    )
    window_start, window_end = day_bounds(clinic, first_day, last_day)
    busy: dict[int, list[Interval]] = {pk: [] for pk in ids}
    for pid, s, e in Appointment.objects.filter(
        provider_id__in=ids, status__in=BLOCKING_STATUSES, starts_at__lt=window_end, ends_at__gt=window_start
    ).values_list("provider_id", "starts_at", "ends_at"):
        busy[pid].append((s, e))
    for offset in range(days + 1):
        day = first_day + timedelta(days=offset)
        best: Slot | None = None
        for p in candidates:
            for gap_start, gap_end in free_gaps(working_blocks(clinic, p.pk, day, hours, exceptions), busy[p.pk]):
                start = round_up(max(gap_start, after).astimezone(clinic.tz), step)
                if start + length <= gap_end:
                    if best is None or start < best.starts_at:
                        best = Slot(p, start)
                    break
        if best is not None:
            return best
    return None
