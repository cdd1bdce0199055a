"""Demo calendar: types, rooms, working hours, a leave day, a week of past and two weeks of future
appointments at both clinics, follow-up rules and items. Safe to run again (appointments are
made only for a clinic that has none)."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from clinics.demo import DemoContext
from clinics.models import Clinic
from clinics.roles import Role
from patients.models import Patient, PatientStatus

from . import services
from .availability import providers_for
from .followups import ensure_clinic_defaults, sync_follow_ups_for_patient
from .models import Appointment, AppointmentType, ClinicReminderSettings, Room, ScheduleException, WorkingHours

# Who works which weekdays where (physician.both splits the week between the two clinics).
DAYS: dict[tuple[str, str], list[int]] = {("north", "physician.both"): [0, 1, 2], ("south", "physician.both"): [3, 4]}
BLOCKS = [(time(8, 0), time(12, 0)), (time(13, 0), time(17, 0))]
# Start times (clinic zone) of the demo's appointments on each working day, per provider.
STARTS = [time(9, 0), time(10, 30), time(14, 0), time(15, 30)]
TYPE_FOR_ROLE: dict[str, list[str]] = {
    Role.PHYSICIAN: ["follow_up", "new_consultation", "imaging_review"],
    Role.THERAPIST: ["physical_therapy"],
}


def seed(ctx: DemoContext) -> None:
    for key, clinic in ctx.clinics.items():
        ensure_clinic_defaults(clinic)
        rooms = [Room.objects.get_or_create(clinic=clinic, name=name)[0] for name in ("Room 1", "Procedure room")]
        providers = providers_for(clinic)
        for p in providers:
            for weekday in DAYS.get((key, p.username), [0, 1, 2, 3, 4]):
                for start, end in BLOCKS:
                    WorkingHours.objects.get_or_create(
                        clinic=clinic, provider=p, weekday=weekday, start=start, defaults={"end": end}
                    )
        today = timezone.localtime(timezone.now(), clinic.tz).date()
        leave_day = _next_weekday(today + timedelta(days=8))
        if key == "north" and "therapist.north" in ctx.users:
            ScheduleException.objects.get_or_create(
                clinic=clinic, provider=ctx.users["therapist.north"], first_day=leave_day,
                defaults={"last_day": leave_day, "kind": ScheduleException.Kind.LEAVE, "note": "Course"},
            )  # fmt: skip
        patients = [p for p in ctx.extra.get("patients", {}).get(key, []) if p.status == PatientStatus.ACTIVE]
        if patients and not Appointment.objects.filter(clinic=clinic).exists():
            _reminder_channels(key, clinic, patients)
            _appointments(ctx, key, clinic, providers, patients, rooms, today)
            _soon(ctx, clinic, providers, patients)
        for p in ctx.extra.get("patients", {}).get(key, []):
            sync_follow_ups_for_patient(p)


def _reminder_channels(key: str, clinic: Any, patients: list[Any]) -> None:
    """Every third demo patient prefers SMS (a fictional mobile number), so the worker fills var/sms/
    as well as var/mail/. The south clinic has no quiet hours, so its SMS leave at any hour of the
    demo; the north clinic keeps the default 21:00-08:00."""
    area = {"north": "312", "south": "213"}[key]
    for n, p in enumerate(patients):
        if n % 3 == 0:
            Patient.objects.filter(pk=p.pk).update(
                preferred_channel="sms", consent_sms=True, mobile_phone=f"+1 {area} 555 01{n % 100:02d}"
            )
            p.preferred_channel, p.consent_sms, p.mobile_phone = "sms", True, f"+1 {area} 555 01{n % 100:02d}"
    if not clinic.address:
        Clinic.objects.filter(pk=clinic.pk).update(
            address={
                "north": "100 North Lake Street\nChicago, IL 60601",
                "south": "200 South Grand Avenue\nLos Angeles, CA 90012",
            }[key]
        )
        clinic.refresh_from_db()
    if key == "south":
        ClinicReminderSettings.objects.get_or_create(
            clinic=clinic, defaults={"quiet_start": time(0, 0), "quiet_end": time(0, 0)}
        )


def _soon(ctx: DemoContext, clinic: Any, providers: list[Any], patients: list[Any]) -> None:
    """Two appointments a few hours ahead, so their reminders are due as soon as the demo starts
    (booked as exceptions: they may fall outside working hours)."""
    from clinics.models import Membership

    physicians = set(Membership.objects.filter(clinic=clinic, role=Role.PHYSICIAN).values_list("user_id", flat=True))
    doctor = next((p for p in providers if p.pk in physicians), None)
    follow_up = AppointmentType.objects.filter(clinic=clinic, key="follow_up").first()
    if doctor is None or follow_up is None:
        return
    desk = next((u for name, u in ctx.users.items() if name.startswith("frontdesk.")), doctor)
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(hours=3)
    start -= timedelta(minutes=start.minute % 5)
    for k, patient in enumerate(patients[:2]):
        try:
            services.book(
                clinic=clinic, patient=patient, provider=doctor, appointment_type=follow_up,
                starts_at=start + timedelta(hours=20 * k), by=desk,
                override_reason="Demo: an appointment soon, so its reminder goes at once",
            )  # fmt: skip
        except ValidationError:
            continue


def _next_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _appointments(ctx: DemoContext, key: str, clinic: Any, providers: list[Any], patients: list[Any], rooms: list[Room],
                  today: date) -> None:  # fmt: skip
    from clinics.models import Membership

    roles = dict(Membership.objects.filter(clinic=clinic, user__in=providers).values_list("user_id", "role"))
    types = {t.key: t for t in AppointmentType.objects.filter(clinic=clinic)}
    desk = next((u for name, u in ctx.users.items() if name.startswith("frontdesk.")), providers[0])
    now = timezone.now()
    k = 0
    for offset in range(-7, 15):
        day = today + timedelta(days=offset)
        for p in providers:
            keys = TYPE_FOR_ROLE.get(roles.get(p.pk, ""), [])
            if not keys or day.weekday() not in DAYS.get((key, p.username), [0, 1, 2, 3, 4]):
                continue
            for n, start in enumerate(STARTS):
                if (offset + n + p.pk) % 3 == 0:
                    continue  # leave gaps: the day view shows free slots
                k += 1
                patient = patients[k % len(patients)]
                t = types[keys[k % len(keys)]]
                try:
                    a = services.book(
                        clinic=clinic, patient=patient, provider=p, appointment_type=t,
                        starts_at=services.local_datetime(clinic, day, start), by=desk,
                        room=rooms[0] if t.key == "new_consultation" else None,
                    )  # fmt: skip
                except ValidationError:
                    continue  # a weekend, leave, or the patient already booked elsewhere then
                if a.ends_at <= now:
                    if k % 7 == 0:
                        services.mark_no_show(appointment=a, by=desk)
                    else:
                        services.check_in(appointment=a, by=desk)
                        services.complete(appointment=a, by=desk)
                elif offset == 0 and a.starts_at <= now:
                    services.check_in(appointment=a, by=desk)
                elif offset > 0 and k % 9 == 0:
                    services.cancel(appointment=a, reason="Patient asked to move it", by=desk)
                elif offset > 0 and k % 5 == 0:
                    services.confirm(appointment=a, by=desk)
