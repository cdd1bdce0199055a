"""Scale data for the benchmark: many clinics, many patients, years of records. PostgreSQL only.

``python manage.py seed_scale --clinics 20 --patients 100000 --seed 1`` (clinics/management/commands).

What it fills, per clinic: the clinic, staff (front desk, one physician per ~600 patients and at
least four, a therapist, a clinic admin; usernames ``scale.<clinic>.<role><n>``, password
``SCALE_PASSWORD``, second factor exempt so a load generator can sign in), working hours
Monday-Friday, three appointment types, the default survey schedule and its settings (through
``outcomes.surveys.ensure_clinic_defaults``). Per patient: 1-4 prior surgeries; 2-8 evaluations
(EMG rows, blood values and imaging findings for those kinds); 1-3 diagnoses (one primary); 0-2
treatment plans (at most one active) with 1-5 interventions (typed Medication / ProcedureDetail /
NeuromodulationTrial rows for those modalities) and a "+" history row per plan and intervention;
5-30 appointments on weekdays in working hours (every status; no two slot-holding appointments
of one provider overlap, so the exclusion constraints hold); open follow-ups; outbox messages in
every state; for about half the patients a survey enrolment on the clinic's default schedule,
one invitation per wave (completed, expired, open or pending by its dates), the completed ones
with a response per instrument (answers, exact scores from ``outcomes.scoring``, change from
baseline), the invitation e-mails, the links of open invitations (hashes only) and the safety
alerts their answers raise. A few patients per run (``--long``) get a very long history: 40
surgeries and 40 imaging evaluations recorded and edited through the real services (so with their
edit history), three diagnoses, three plans, 60 appointments, three survey enrolments over five
years (two ended) and a monthly pain score in between.

Models covered (extend this list and the code when models are added): clinics.Clinic,
auth.User, clinics.Membership, clinics.StaffProfile, patients.Patient, PriorSurgery, Evaluation,
EmgFinding, BloodValue, SpinalFinding, Diagnosis, treatments.TreatmentPlan, Intervention,
Medication, ProcedureDetail, NeuromodulationTrial (+ their Historical* tables),
scheduling.WorkingHours, AppointmentType, Appointment, FollowUp, notifications.Message,
PatientLink, outcomes.SurveySchedule, SurveyWave, ClinicSurveySettings, SurveyEnrolment,
SurveyInvitation, Response, Answer, ResponseScore, SafetyAlert. Not covered: appointment history
rows (no page of the bench reads them), reminder settings and reminder messages, rooms, care teams
and goals, attachments, access logs.

How it is fast: every bulk row goes in with PostgreSQL COPY, generated in tight loops (ids
allocated here, sequences reset at the end). Before the bulk load the big tables' foreign keys,
unique and exclusion constraints and secondary indexes are dropped, and afterwards created again
exactly as they were (``pg_get_constraintdef`` / ``pg_get_indexdef``): building an index once is
far cheaper than updating it per row, and re-adding a constraint checks every row, so nothing is
skipped. All of it runs in one transaction; ANALYZE at the end.

Determinism: every value of the bulk rows comes from ``random.Random(seed)`` and a fixed base
date (``--today``), never the clock, so two runs with the same arguments write the same rows
(the long histories' rows made by the services carry the clock's timestamps and their own uuids).
A marker table (``bench_scale_marker``) records the arguments: a second run with the same seed
and sizes does nothing (whatever ``--today``; ``marker_day`` says which day the data is about),
different ones are refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import random
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management.color import no_style
from django.db import connection, models, transaction

SCALE_PASSWORD = "scale-password-1"  # noqa: S105 - bench-only accounts, refused in production
MARKER_TABLE = "bench_scale_marker"
DATA_VERSION = 2  # bump when what is seeded changes, so an old database is not reused
CHUNK = 2000  # patients written per COPY round
PATIENTS_PER_PHYSICIAN = 600

FIRST = ["Ana", "Ben", "Carla", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "José", "Kim", "Lars",
         "Maya", "Nils", "Olga", "Pedro", "Quinn", "Rosa", "Sami", "Tess", "Uma", "Vito", "Wen", "Yara"]  # fmt: skip
LAST = ["Álvarez", "Brown", "Chen", "Dubois", "Eriksen", "Fernández", "García", "Hughes", "Ivanova",
        "Jensen", "Kowalski", "López", "Müller", "Novak", "O'Brien", "Pérez", "Quispe", "Rossi",
        "Schmidt", "Tanaka", "Umarov", "Valdés", "Weber", "Xu", "Young", "Zhang"]  # fmt: skip
ZONES = ["America/Chicago", "America/New_York", "Europe/Lisbon", "America/Denver", "UTC"]
SLOT_MINUTES = 20
DAY_SLOTS = 27  # 08:00-17:00
APPOINTMENT_DAYS_BACK = 1100
APPOINTMENT_DAYS_AHEAD = 30
OTHER_DIAGNOSES = [
    ("M54.16", "Radiculopathy, lumbar region"), ("M54.17", "Radiculopathy, lumbosacral region"),
    ("M51.26", "Other intervertebral disc displacement, lumbar region"), ("G89.29", "Other chronic pain"),
    ("M48.061", "Spinal stenosis, lumbar region without neurogenic claudication"),
]  # fmt: skip
MESSAGE_STATES = ["sent", "pending", "failed", "cancelled", "skipped", "sending"]
MESSAGE_WEIGHTS = [70, 10, 5, 8, 5, 2]
SURVEY_SHARE = 0.5  # of patients enrolled on the default schedule


@dataclass(frozen=True)
class Options:
    clinics: int
    patients: int
    seed: int
    today: dt.date
    long: int = 3
    long_records: int = 40  # surgeries and evaluations (each edited once) of a long history

    def key(self) -> str:
        """What must match for the data to be reused (the day is not part of it)."""
        return (
            f"v{DATA_VERSION} seed={self.seed} clinics={self.clinics} patients={self.patients} long={self.long}"
            + (f"x{self.long_records}" if self.long_records != 40 else "")
        )


def refuse_unsafe(settings: Any) -> None:
    """Raise unless these are dev or test settings on PostgreSQL."""
    module = settings.SETTINGS_MODULE or ""
    if module.endswith(".production") or not (settings.DEBUG or "test" in module):
        raise RuntimeError("seed_scale refuses to run under production settings.")
    if connection.vendor != "postgresql":
        raise RuntimeError("seed_scale needs PostgreSQL (set DATABASE_URL); it refuses SQLite.")


# --- COPY -----------------------------------------------------------------------------------


def _escape(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def _json(value: Any) -> str:
    return _escape(json.dumps(value, separators=(",", ":"), ensure_ascii=False))


_CONVERT: dict[type, Callable[[Any], str]] = {
    str: _escape,
    int: str,
    bool: lambda v: "t" if v else "f",
    type(None): lambda v: "\\N",
    Decimal: str,
    UUID: str,
    dt.date: dt.date.isoformat,
    dt.datetime: dt.datetime.isoformat,
    dt.time: dt.time.isoformat,
    list: _json,
    dict: _json,
}


def _text(value: Any) -> str:
    """``value`` as a field of PostgreSQL's COPY text format."""
    convert = _CONVERT.get(type(value))
    return convert(value) if convert is not None else _escape(str(value))


class Raw(str):
    """Text already in COPY form (e.g. a JSON constant dumped once), written as it is."""


_CONVERT[Raw] = str


def raw_json(value: Any) -> Raw:
    return Raw(_json(value))


class Table:
    """Rows of one model (or its history model) written with COPY; ids allocated here."""

    def __init__(self, model: type[models.Model], stamp: dt.datetime) -> None:
        self.model = model
        fields = list(model._meta.concrete_fields)
        self.columns = [f.column for f in fields]
        self.names = [f.attname for f in fields]
        self.defaults: dict[str, str] = {}
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) or f.name in ("created_at", "updated_at"):
                self.defaults[f.attname] = _text(stamp)
            elif f.has_default() and not callable(f.default):
                self.defaults[f.attname] = _text(f.get_default())
            elif f.has_default() and f.default in (list, dict):
                self.defaults[f.attname] = _text(f.default())
            elif f.null:
                self.defaults[f.attname] = "\\N"
            elif isinstance(f, (models.CharField, models.TextField)) and f.blank:
                self.defaults[f.attname] = ""
        self.pk = model._meta.pk.attname
        self.next_id = 1
        self.resync()
        self.buffer: list[str] = []
        self.count = 0

    def resync(self) -> None:
        """Continue after the highest id in the table (rows written by the ORM meanwhile)."""
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT COALESCE(MAX("{self.model._meta.pk.column}"), 0) FROM "{self.model._meta.db_table}"')  # noqa: S608
            self.next_id = max(self.next_id, cursor.fetchone()[0] + 1)

    def add(self, **values: Any) -> int:
        pk = values.get(self.pk)
        if pk is None:
            pk = values[self.pk] = self.next_id
            self.next_id += 1
        defaults = self.defaults
        try:
            self.buffer.append("\t".join([_text(values[n]) if n in values else defaults[n] for n in self.names]))
        except KeyError as missing:
            raise KeyError(f"{self.model.__name__}.{missing.args[0]} needs a value") from None
        self.count += 1
        return int(pk)

    def writer(self, *names: str) -> Callable[..., int]:
        """A fast ``add`` for the hot tables: values of ``names`` by position, a new id returned."""
        unknown = set(names) - set(self.names)
        if unknown or self.pk in names:
            raise KeyError(f"{self.model.__name__}: cannot write {sorted(unknown) or self.pk} by position")
        parts = []
        for name in self.names:
            if name == self.pk or name in names:
                parts.append("%s")
            elif name in self.defaults:
                parts.append(self.defaults[name].replace("%", "%%"))
            else:
                raise KeyError(f"{self.model.__name__}.{name} needs a value")
        template = "\t".join(parts)
        if self.names[0] != self.pk:
            raise KeyError(f"{self.model.__name__}: the id is not its first column")
        perm = [names.index(name) for name in self.names if name in names]  # values in column order
        buffer = self.buffer
        convert = _text

        def write(*values: Any) -> int:
            pk = self.next_id
            self.next_id = pk + 1
            buffer.append(template % (pk, *[convert(values[i]) for i in perm]))
            self.count += 1
            return pk

        return write

    def take(self) -> tuple[str, str] | None:
        """The COPY statement and data of the rows buffered so far (the buffer is emptied)."""
        if not self.buffer:
            return None
        data = "\n".join(self.buffer) + "\n"
        self.buffer.clear()
        columns = ", ".join(f'"{c}"' for c in self.columns)
        return f'COPY "{self.model._meta.db_table}" ({columns}) FROM STDIN', data

    def flush(self) -> None:
        taken = self.take()
        if taken is not None:
            with connection.cursor() as cursor:
                cursor.cursor.copy_expert(taken[0], io.StringIO(taken[1]))


class Copier:
    """COPY in a second thread while the next rows are generated: PostgreSQL works on one chunk
    while Python makes the next (psycopg2 lets the thread run while it waits for the server).
    Same connection, same transaction; at most one chunk in flight; an error is raised on ``wait``."""

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def send(self, chunks: list[tuple[str, str]]) -> None:
        self.wait()
        raw = connection.connection

        def copy() -> None:
            try:
                with raw.cursor() as cursor:
                    for sql, data in chunks:
                        cursor.copy_expert(sql, io.StringIO(data))
            except BaseException as error:  # noqa: BLE001 - handed to the main thread by wait()
                self.error = error

        self.thread = threading.Thread(target=copy, name="seed-copy")
        self.thread.start()

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.join()
            self.thread = None
        if self.error is not None:
            error, self.error = self.error, None
            raise error


class LoadWindow:
    """Drop the secondary indexes, foreign keys, unique and exclusion constraints of ``tables``
    for a bulk load, and create them again afterwards exactly as they were (checking every row)."""

    def __init__(self, tables: Sequence[str]) -> None:
        self.tables = list(tables)
        self.constraints: list[tuple[str, str, str, str]] = []  # table, name, definition, type
        self.indexes: list[tuple[str, str]] = []  # name, definition

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype FROM pg_constraint c "
                "WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('f', 'u', 'x') "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid AND c.contype <> 'f') "
                "ORDER BY c.contype = 'f' DESC, c.conname",
                [self.tables],
            )
            self.constraints = list(cursor.fetchall())
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype <> 'f') "
                "ORDER BY 1",
                [self.tables],
            )
            self.indexes = list(cursor.fetchall())
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the rows so far; no trigger left pending
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table, name, _definition, _kind in self.constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _definition in self.indexes:
                cursor.execute(f"DROP INDEX {name}")

    def restore(self, progress: Callable[[str, int, int], None]) -> None:
        total = len(self.indexes) + len(self.constraints)
        done = 0
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _name, definition in self.indexes:
                cursor.execute(definition)
                done += 1
                progress("indexes", done, total)
            # Unique and exclusion constraints first: the foreign keys may need their indexes.
            for table, name, definition, _kind in sorted(self.constraints, key=lambda c: c[3] == "f"):
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                done += 1
                progress("indexes", done, total)


# --- the generator --------------------------------------------------------------------------


@dataclass
class ClinicInfo:
    clinic: Any
    physicians: list[Any]
    frontdesk: list[Any]
    therapist: Any
    types: list[Any]
    number: int = 0  # 1, 2, ... in creation order (ids come from a sequence; this does not)
    used_slots: set[int] = field(default_factory=set)
    waves: list[Any] = field(default_factory=list)
    schedule_id: int = 0
    utc_offset: dt.timedelta = dt.timedelta(0)


_shown: dict[str, int] = {}


def _progress(label: str, done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    if _shown.get(label) == filled and done < total:
        return
    _shown[label] = filled
    sys.stderr.write(f"\r{label:<12} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def marker() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (key text NOT NULL)")
        cursor.execute(f"ALTER TABLE {MARKER_TABLE} ADD COLUMN IF NOT EXISTS day date")
        cursor.execute(f"SELECT key FROM {MARKER_TABLE}")  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else None


def marker_day() -> dt.date | None:
    """The day the seeded data is about (its ``--today``), or None without scale data."""
    marker()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT day FROM {MARKER_TABLE}")  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else None


class Seeder:
    def __init__(self, opts: Options, *, progress: Callable[[str, int, int], None] = _progress) -> None:
        self.opts = opts
        self.rng = random.Random(opts.seed)
        self.progress = progress
        self.stamp = dt.datetime.combine(opts.today, dt.time(6, 0), tzinfo=dt.UTC)
        # The hasher production reads (the test settings' MD5 is not among its hashers).
        self.password = PBKDF2PasswordHasher().encode(SCALE_PASSWORD, f"scale{opts.seed}")
        self.tables: dict[type[models.Model], Table] = {}
        # (version, definition, items) per instrument key with real text (what patients are given).
        self.instruments: dict[str, tuple[Any, Any, list[Any]]] = {}
        self.score_cache: dict[tuple[str, tuple[tuple[str, str], ...]], Any] = {}
        self.change_cache: dict[tuple[str, str, Decimal, Decimal], Any] = {}
        self.alert_items: dict[str, set[str]] = {}
        self.history_tables: dict[type[models.Model], Table] = {}
        # The first and the latest score per (patient, instrument, score key), for the changes.
        self.baselines: dict[tuple[int, str, str], Decimal] = {}
        self.previous: dict[tuple[int, str, str], Decimal] = {}
        self.alert_ack_by = 0
        self.timings: dict[str, float] = {}
        self.writers: dict[tuple[type[models.Model], tuple[str, ...]], Callable[..., int]] = {}
        self.physicians_per_clinic = max(4, math.ceil(opts.patients / max(opts.clinics, 1) / PATIENTS_PER_PHYSICIAN))
        self.weekdays = [
            d
            for d in (opts.today + dt.timedelta(days=k) for k in range(-APPOINTMENT_DAYS_BACK, APPOINTMENT_DAYS_AHEAD + 1))
            if d.weekday() < 5
        ]
        self.json_levels = raw_json(["L4", "L5"])
        self.json_empty = raw_json([])
        self.json_empty_dict = raw_json({})

    def t(self, model: type[models.Model]) -> Table:
        table = self.tables.get(model)
        if table is None:
            table = self.tables[model] = Table(model, self.stamp)
        return table

    def w(self, model: type[models.Model], *names: str) -> Callable[..., int]:
        """The fast writer of ``model`` for ``names`` (made once)."""
        key = (model, names)
        writer = self.writers.get(key)
        if writer is None:
            writer = self.writers[key] = self.t(model).writer(*names)
        return writer

    def flush(self) -> None:
        for table in self.tables.values():
            table.flush()

    def uuid(self) -> str:
        h = f"{self.rng.getrandbits(128) & ~(0xF << 76) & ~(0x3 << 62) | (0x4 << 76) | (0x2 << 62):032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    # -- staff and clinics --------------------------------------------------------------------

    def clinics(self) -> list[ClinicInfo]:
        from django.contrib.auth import get_user_model

        from clinics.models import Clinic, Membership, StaffProfile
        from clinics.roles import Role
        from outcomes.surveys import ensure_clinic_defaults
        from scheduling.models import AppointmentType, WorkingHours

        user_model = get_user_model()
        infos = []
        for n in range(self.opts.clinics):
            clinic = Clinic.objects.create(
                name=f"Scale clinic {n + 1:02d}", time_zone=ZONES[n % len(ZONES)], phone="+1 555 010 0100",
                public_id=UUID(self.uuid()),
            )  # fmt: skip
            staff: dict[str, list[Any]] = {}
            for role, count in (
                (Role.FRONT_DESK, 2), (Role.PHYSICIAN, self.physicians_per_clinic), (Role.THERAPIST, 1),
                (Role.CLINIC_ADMIN, 1),
            ):  # fmt: skip
                for k in range(count):
                    user = user_model.objects.create(
                        username=f"scale.{n + 1}.{role.value}{k + 1}", password=self.password,
                        first_name=FIRST[(n + k) % len(FIRST)], last_name=f"Staff{k + 1}",
                        email=f"scale.{n + 1}.{role.value}{k + 1}@example.org",
                    )  # fmt: skip
                    Membership.objects.create(user=user, clinic=clinic, role=role, public_id=UUID(self.uuid()))
                    StaffProfile.objects.create(user=user, two_factor_exempt=True)
                    staff.setdefault(role.value, []).append(user)
            providers = staff[Role.PHYSICIAN.value]
            WorkingHours.objects.bulk_create(
                WorkingHours(clinic=clinic, provider=p, weekday=d, start=dt.time(8), end=dt.time(17))
                for p in providers
                for d in range(5)
            )
            types = [
                AppointmentType.objects.create(clinic=clinic, key=key, name=name, minutes=SLOT_MINUTES, roles=[Role.PHYSICIAN.value])
                for key, name in (("new", "New patient"), ("review", "Review"), ("procedure", "Procedure"))
            ]  # fmt: skip
            schedule = ensure_clinic_defaults(clinic)
            info = ClinicInfo(clinic, providers, staff[Role.FRONT_DESK.value], staff[Role.THERAPIST.value][0], types, n + 1)
            info.schedule_id = schedule.pk
            info.waves = list(schedule.waves.order_by("offset_days"))
            infos.append(info)
        return infos

    def load_instruments(self) -> None:
        from outcomes.models import InstrumentVersion
        from outcomes.services import instruments_load_shipped

        if not InstrumentVersion.objects.exists():
            instruments_load_shipped()
        for version in InstrumentVersion.objects.select_related("instrument").filter(placeholder=False).order_by("loaded_at", "pk"):
            definition = version.parsed()
            self.instruments[version.instrument.key] = (version, definition, list(definition.items))
            self.alert_items[version.instrument.key] = {rule.item for rule in definition.alerts}

    # -- per patient -------------------------------------------------------------------------

    def day(self, back_days: int, ahead_days: int = 0) -> dt.date:
        return self.opts.today + dt.timedelta(days=self.rng.randint(-back_days, ahead_days))

    def patient(self, info: ClinicInfo, index: int) -> None:
        from patients.choices import Procedure, Sex
        from patients.models import Patient, PriorSurgery
        from patients.text import fold

        rng = self.rng
        given, family = rng.choice(FIRST), rng.choice(LAST)
        physician = rng.choice(info.physicians)
        dob = dt.date(rng.randint(1940, 1995), rng.randint(1, 12), rng.randint(1, 28))
        status = rng.choices(["active", "discharged", "deceased"], [90, 9, 1])[0]
        patient_id = self.t(Patient).add(
            public_id=self.uuid(), clinic_id=info.clinic.pk, mrn=f"S{info.number:02d}{index:07d}",
            given_name=given, family_name=family, search_name=fold(f"{family} {given}"), date_of_birth=dob,
            sex=rng.choice(Sex.values), email=f"p{info.number}.{index}@example.org",
            mobile_phone=f"+1202555{rng.randint(1000, 9999)}", consent_email=rng.random() < 0.8,
            consent_sms=rng.random() < 0.5, primary_physician_id=physician.pk, status=status,
            status_date=self.day(2000), opioid_use_at_intake=rng.random() < 0.4,
        )  # fmt: skip
        surgeries = self.t(PriorSurgery)
        procedures = Procedure.values
        for _ in range(rng.randint(1, 4)):
            year = rng.randint(max(dob.year + 20, 1990), self.opts.today.year - 1)
            surgeries.add(
                public_id=self.uuid(), patient_id=patient_id, date_year=year, sort_date=dt.date(year, 1, 1),
                procedure=rng.choice(procedures), levels=self.json_levels, hardware=self.json_empty,
                complications=self.json_empty, failure_causes=self.json_empty,
            )  # fmt: skip
        self.evaluations(patient_id, physician, rng.randint(2, 8))
        self.diagnoses(patient_id)
        self.plans(patient_id, physician)
        self.appointments(info, patient_id, rng.randint(5, 30))
        self.messages(info, patient_id, f"{info.number}.{index}")
        if rng.random() < SURVEY_SHARE:
            self.enrolment(info, patient_id, anchor=self.day(1000), active=True)

    def evaluations(self, patient_id: int, physician: Any, n: int) -> None:
        from patients.choices import EvaluationKind
        from patients.models import BloodValue, EmgFinding, Evaluation, SpinalFinding

        rng = self.rng
        evaluations = self.t(Evaluation)
        kinds = EvaluationKind.values
        for _ in range(n):
            kind = rng.choice(kinds)
            eval_id = evaluations.add(
                public_id=self.uuid(), patient_id=patient_id, kind=kind, performed_on=self.day(2500),
                ordering_clinician_id=physician.pk, findings=self.json_empty_dict, pain_generators=self.json_empty,
            )  # fmt: skip
            if kind == "emg":
                self.t(EmgFinding).add(evaluation_id=eval_id, level="L5", side=rng.choice(["left", "right"]), chronicity="chronic")
            elif kind == "blood":
                self.t(BloodValue).add(evaluation_id=eval_id, test="crp", value=Decimal(rng.randint(1, 40)), unit="mg/L")
            elif kind in ("mri", "ct"):
                self.t(SpinalFinding).add(evaluation_id=eval_id, finding="stenosis", level="L4-L5", side="central")

    def diagnoses(self, patient_id: int) -> None:
        from patients.models import Diagnosis

        rng = self.rng
        codes = [("M96.1", "Postlaminectomy syndrome, not elsewhere classified")]
        codes += rng.sample(OTHER_DIAGNOSES, rng.randint(0, 2))
        for k, (code, description) in enumerate(codes):
            self.t(Diagnosis).add(
                public_id=self.uuid(), patient_id=patient_id, code=code, description=description,
                is_primary=k == 0, diagnosed_on=self.day(2000),
            )  # fmt: skip

    def plans(self, patient_id: int, author: Any, n: int | None = None) -> None:
        from treatments.models import Intervention, Medication, NeuromodulationTrial, ProcedureDetail, TreatmentPlan

        rng = self.rng
        n = rng.randint(0, 2) if n is None else n
        for k in range(n):
            status = "active" if k == n - 1 and rng.random() < 0.7 else rng.choice(["completed", "discontinued", "draft"])
            start = self.day(1500)
            values: dict[str, Any] = {
                "public_id": self.uuid(), "patient_id": patient_id, "author_id": author.pk, "title": f"Plan {k + 1}",
                "summary": "", "status": status, "start_date": start, "review_date": start + dt.timedelta(days=90),
                "discontinued_reason": "Moved away" if status == "discontinued" else "",
            }  # fmt: skip
            plan_id = self.t(TreatmentPlan).add(**values)
            self.history(TreatmentPlan, plan_id, values)
            for _ in range(rng.randint(1, 5)):
                modality = rng.choice(["medication", "physical_therapy", "procedure", "neuromodulation_trial", "psychological", "lifestyle"])
                ivalues: dict[str, Any] = {
                    "public_id": self.uuid(), "plan_id": plan_id, "modality": modality,
                    "status": rng.choice(["planned", "in_progress", "done"]), "start_date": start,
                    "details": self.descriptive_details(modality),
                }  # fmt: skip
                iid = self.t(Intervention).add(**ivalues)
                self.history(Intervention, iid, ivalues)
                if modality == "medication":
                    self.t(Medication).add(
                        public_id=self.uuid(), intervention_id=iid, patient_id=patient_id, drug="oxycodone", drug_name="",
                        dose=Decimal(rng.choice([5, 10, 15])), unit="mg", frequency=rng.choice(["bid", "tid", "qd"]),
                        route="oral",
                    )  # fmt: skip
                elif modality == "procedure":
                    self.t(ProcedureDetail).add(
                        public_id=self.uuid(), intervention_id=iid, procedure_type="rfa", cpt_code="64635",
                        levels=self.json_levels, pain_before=7, pain_after=rng.randint(1, 6),
                    )  # fmt: skip
                elif modality == "neuromodulation_trial":
                    self.t(NeuromodulationTrial).add(
                        public_id=self.uuid(), intervention_id=iid, device="scs", levels=raw_json(["T9", "T10"]),
                        baseline_nrs=Decimal(8), trial_nrs=Decimal(rng.randint(2, 6)), analgesic_change="reduced",
                        decision="implant",
                    )  # fmt: skip

    def descriptive_details(self, modality: str) -> dict[str, Any]:
        from treatments import choices as c

        rng = self.rng
        if modality == "physical_therapy":
            return {"focus": [rng.choice(c.PT_FOCUS)[0]], "sessions_per_week": rng.randint(1, 3), "weeks": rng.randint(4, 12)}
        if modality == "psychological":
            return {"approach": rng.choice(c.PSYCH_APPROACHES)[0], "sessions": rng.randint(4, 12)}
        if modality == "lifestyle":
            return {"focus": rng.choice(c.LIFESTYLE_FOCUS)[0], "target": ""}
        return {}  # typed kinds keep their values in their own row

    def history(self, model: type[models.Model], pk: int, values: dict[str, Any]) -> None:
        """The "+" history row of the row ``pk`` just added with ``values``."""
        table = self.history_tables.get(model)
        if table is None:
            from clinics.history import history

            table = self.history_tables[model] = self.t(history(model).model)
        row = {k: v for k, v in values.items() if k in table.defaults or k in table.names}
        row.update(id=pk, history_date=self.stamp, history_type="+", history_change_reason=None, history_user_id=None)
        table.add(**row)

    def appointments(self, info: ClinicInfo, patient_id: int, n: int, *, creator: Any = None) -> None:
        """``n`` appointments on weekdays in working hours; a slot (provider, day, time) is used once
        per clinic, so no provider has two overlapping appointments whatever their status."""
        from scheduling.models import Appointment, FollowUp

        rng = self.rng
        providers = len(info.physicians)
        total = providers * DAY_SLOTS * len(self.weekdays)
        write = self.w(
            Appointment, "public_id", "clinic_id", "patient_id", "provider_id", "appointment_type_id", "starts_at", "minutes",
            "ends_at", "status", "cancel_reason", "cancelled_by_id", "cancelled_at", "checked_in_at", "created_by_id",
        )  # fmt: skip
        today = self.opts.today
        clinic_id = info.clinic.pk
        created_by = (creator or info.frontdesk[0]).pk
        for _ in range(n):
            for _attempt in range(50):
                slot = rng.randrange(total)
                if slot not in info.used_slots:
                    break
            else:
                continue
            info.used_slots.add(slot)
            provider = info.physicians[slot % providers]
            day_index, minute_slot = divmod(slot // providers, DAY_SLOTS)
            day = self.weekdays[day_index]
            if day < today:
                status = rng.choice(["completed"] * 8 + ["cancelled", "no_show", "rescheduled"])
            elif day == today:
                status = rng.choice(["scheduled", "confirmed", "checked_in", "completed"])
            else:
                status = rng.choice(["scheduled", "confirmed"])
            # 08:00 local: the clinic's standard offset (zones with summer time move an hour; fine for load).
            starts = dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC) - info.utc_offset + dt.timedelta(minutes=SLOT_MINUTES * minute_slot)
            cancelled = status == "cancelled"
            appt_id = write(
                self.uuid(), clinic_id, patient_id, provider.pk, info.types[slot % 3].pk, starts, SLOT_MINUTES,
                starts + dt.timedelta(minutes=SLOT_MINUTES), status, "Patient asked" if cancelled else "",
                info.frontdesk[0].pk if cancelled else None, starts - dt.timedelta(days=1) if cancelled else None,
                starts if status in ("checked_in", "completed") and day == today else None, created_by,
            )  # fmt: skip
            if status == "no_show" and day > today - dt.timedelta(days=30):
                self.t(FollowUp).add(
                    public_id=self.uuid(), clinic_id=info.clinic.pk, patient_id=patient_id, kind="no_show",
                    due_date=day, reason="Missed appointment", source_key=f"appointment:{appt_id}",
                    source_appointment_id=appt_id, status="open",
                )  # fmt: skip
        if rng.random() < 0.15:
            self.t(FollowUp).add(
                public_id=self.uuid(), clinic_id=info.clinic.pk, patient_id=patient_id, kind="follow_up",
                event="plan_review", due_date=self.day(30, 30), reason="Plan review", source_key="scale:review",
                appointment_type_id=info.types[1].pk, status="open",
            )  # fmt: skip

    def messages(self, info: ClinicInfo, patient_id: int, who: str) -> None:
        """Outbox messages about the patient in every state (keys and addresses name no database id,
        so that they are the same whatever ids the rows get)."""
        from notifications.models import Message

        rng = self.rng
        table = self.t(Message)
        for k in range(rng.randint(1, 4)):
            status = rng.choices(MESSAGE_STATES, MESSAGE_WEIGHTS)[0]
            due = self.stamp + dt.timedelta(days=rng.randint(-900, 30))
            table.add(
                channel="email", recipient=f"p{who}@example.org", subject="Your appointment",
                body="A reminder of your appointment.", attachments=self.json_empty, due_at=due, status=status,
                attempts=0 if status in ("pending", "cancelled") else 1,
                last_error="550 mailbox unavailable" if status == "failed" else "",
                claimed_at=due if status in ("sending", "sent") else None,
                sent_at=due if status == "sent" else None, purpose="scale.reminder",
                owner_ref=f"patients.patient:{patient_id}", idempotency_key=f"scale:{who}:{k}",
                clinic_id=info.clinic.pk,
            )  # fmt: skip

    # -- surveys -----------------------------------------------------------------------------

    def enrolment(self, info: ClinicInfo, patient_id: int, *, anchor: dt.date, active: bool) -> None:
        """An enrolment on the clinic's default schedule and one invitation per wave, in the state its
        dates give it (an ended enrolment's unanswered waves are cancelled)."""
        from notifications.models import Message, PatientLink
        from outcomes.models import SurveyEnrolment, SurveyInvitation

        rng = self.rng
        now = self.stamp
        enrolment_id = self.t(SurveyEnrolment).add(
            public_id=self.uuid(), patient_id=patient_id, schedule_id=info.schedule_id, anchor_date=anchor,
            source_kind="enrolment", active=active, created_by_id=info.physicians[0].pk,
        )  # fmt: skip
        invitation = self.w(
            SurveyInvitation, "public_id", "enrolment_id", "patient_id", "wave_id", "due_date", "opens_at", "expires_at",
            "status", "language", "invited_at", "reminders_sent", "completed_at", "link_token_hash",
        )  # fmt: skip
        for wave in info.waves:
            due = anchor + dt.timedelta(days=wave.offset_days)
            opens = dt.datetime.combine(due, dt.time(0), tzinfo=dt.UTC) - info.utc_offset
            expires = opens + dt.timedelta(days=wave.window_days)
            completed_at = None
            if expires <= now:
                status = "completed" if rng.random() < 0.7 else ("expired" if active else "cancelled")
            elif opens <= now:
                status = "open"
                if rng.random() < 0.4:
                    status = "completed"
            else:
                status = "pending" if active else "cancelled"
            if status == "completed":
                completed_at = min(opens + dt.timedelta(hours=rng.randint(1, 24 * wave.window_days - 1)), now)
            invited = opens <= now and status != "cancelled"
            token_hash = hashlib.sha256(self.uuid().encode()).hexdigest() if status == "open" else ""
            invitation_uuid = self.uuid()
            invitation_id = invitation(
                invitation_uuid, enrolment_id, patient_id, wave.pk, due, opens, expires, status, "en",
                opens if invited else None, rng.randint(0, 2) if invited and status != "completed" else 0,
                completed_at, token_hash,
            )  # fmt: skip
            owner = f"outcomes.surveyinvitation:{invitation_id}"
            if invited:
                self.t(Message).add(
                    channel="email", recipient=f"survey.{invitation_uuid[:8]}@example.org", subject="Your questionnaire",
                    body="Your clinic asks you to fill in a short questionnaire.", attachments=self.json_empty,
                    due_at=opens, status="sent", attempts=1, claimed_at=opens, sent_at=opens,
                    purpose="survey_invitation", owner_ref=owner, idempotency_key=f"survey-invitation:{invitation_uuid}",
                    clinic_id=info.clinic.pk,
                )  # fmt: skip
            if token_hash:
                self.t(PatientLink).add(
                    token_hash=token_hash, purpose="survey", owner_ref=owner, expires_at=expires, max_uses=1, used_count=0
                )
            if completed_at is not None:
                for key in wave.instruments:
                    if key in self.instruments:
                        self.response(patient_id, key, completed_at, invitation_id=invitation_id)

    def response(self, patient_id: int, key: str, submitted: dt.datetime, *, invitation_id: int | None = None) -> None:
        """A submitted response to instrument ``key``: its answers, scores (with the change from the
        patient's first score of that instrument) and any safety alert it raises."""
        from outcomes.models import Answer, Response, ResponseScore, SafetyAlert
        from outcomes.scoring import change, score

        rng = self.rng
        version, definition, items = self.instruments[key]
        answers: dict[str, str] = {}
        alert_items = self.alert_items[key]
        for item in items:
            if item.kind == "scale":
                answers[item.key] = str(rng.randint(item.min, item.max))
            elif item.options:
                # An item with an alert rule (PHQ-9 item 9) mostly gets its first answer: about 3% raise one.
                safe = item.key in alert_items and rng.random() < 0.9
                answers[item.key] = item.options[0].value if safe else rng.choice(item.options).value
        cache_key = (key, tuple(answers.items()))
        result = self.score_cache.get(cache_key)
        if result is None:
            result = self.score_cache[cache_key] = score(definition, answers)
        rid = self.w(Response, "public_id", "patient_id", "instrument_version_id", "language", "invitation_id", "started_at", "submitted_at")(
            self.uuid(), patient_id, version.pk, "en", invitation_id, submitted - dt.timedelta(minutes=5), submitted
        )  # fmt: skip
        answer = self.w(Answer, "response_id", "item_key", "value")
        for item_key, value in answers.items():
            answer(rid, item_key, value)
        if not result.key:
            return
        score_row = self.w(
            ResponseScore, "response_id", "key", "scorable", "total", "band", "responder", "reason", "change_from_baseline",
            "change_from_previous", "improved", "worsened",
        )  # fmt: skip
        for row in (result, *result.subscores.values()):
            delta: Any = None
            has_rule = False
            previous: Decimal | None = None
            if row.scorable and row.total is not None:
                baseline = self.baselines.setdefault((patient_id, key, row.key), row.total)
                previous = self.previous.get((patient_id, key, row.key))
                self.previous[(patient_id, key, row.key)] = row.total
                if previous is not None:
                    ckey = (key, row.key, baseline, row.total)
                    delta = self.change_cache.get(ckey)
                    if delta is None:
                        delta = self.change_cache[ckey] = change(definition, baseline, row.total, score_key=row.key)
                    has_rule = any(s.key == row.key and s.meaningful_change is not None for s in definition.scores)
            score_row(
                rid, row.key, row.scorable, row.total, row.band or "", row.responder, row.reason[:300],
                None if delta is None else delta.points, None if delta is None or previous is None else row.total - previous,
                delta.improved if delta is not None and has_rule else None,
                delta.worsened if delta is not None and has_rule else None,
            )  # fmt: skip
        for hit in result.alerts:
            acknowledged = submitted < self.stamp - dt.timedelta(days=2)
            self.t(SafetyAlert).add(
                public_id=self.uuid(), patient_id=patient_id, response_id=rid, kind=hit.key, level=hit.level,
                created_at=submitted, acknowledged_by_id=self.alert_ack_by if acknowledged else None,
                acknowledged_at=submitted + dt.timedelta(hours=2) if acknowledged else None,
            )  # fmt: skip

    # -- long histories, through the services ------------------------------------------------

    def long_history(self, info: ClinicInfo, index: int) -> None:
        from patients import services
        from patients.models import Patient, SpinalFinding

        physician = info.physicians[0]
        patient = Patient(
            clinic=info.clinic, mrn=f"L{info.number:02d}{index:05d}", given_name="Long", family_name=f"History{index:02d}",
            date_of_birth=dt.date(1955, 5, 5), primary_physician=physician, public_id=UUID(self.uuid()),
            status_date=self.opts.today,
        )  # fmt: skip
        patient.save()
        for i in range(self.opts.long_records):
            surgery = services.surgery_record(
                patient=patient, by=physician, date_year=1990 + i % 30, procedure="fusion", fusion_approach="tlif",
                levels=["L4", "L5"], hardware=["cage"],
            )  # fmt: skip
            evaluation = services.evaluation_record(
                patient=patient, by=physician, kind="mri", performed_on=self.opts.today - dt.timedelta(days=30 * i + 1),
                findings={"with_contrast": True}, rows=[SpinalFinding(finding="stenosis", level="L4-L5", side="central")],
                ordering_clinician=physician, reviewing_clinician=physician,
            )  # fmt: skip
            services.surgery_update(surgery=surgery, by=physician, surgeon="Dr Edit", notes=f"edit {i}")
            services.evaluation_update(evaluation=evaluation, by=physician, impression=f"edit {i}")
        for k, code in enumerate(("M96.1", "M54.16", "M51.26")):
            services.diagnosis_add(
                patient=patient, by=physician, code=code, diagnosed_on=self.opts.today - dt.timedelta(days=400 * k + 3)
            )
        for table in self.tables.values():
            table.resync()
        self.plans(patient.pk, physician, n=3)
        self.appointments(info, patient.pk, 60)
        self.messages(info, patient.pk, f"L{info.number}.{index}")
        # Three enrolments over five years (two ended), and a monthly pain score between the waves.
        today = self.opts.today
        for years_back, active in ((5, False), (3, False), (1, True)):
            self.enrolment(info, patient.pk, anchor=today - dt.timedelta(days=365 * years_back), active=active)
        for month in range(60):
            when = dt.datetime.combine(today - dt.timedelta(days=30 * month + 15), dt.time(10), tzinfo=dt.UTC)
            self.response(patient.pk, "nrs_back", when)

    # -- the whole run -----------------------------------------------------------------------

    def big_tables(self) -> list[str]:
        from django.apps import apps

        labels = [
            "patients.Patient", "patients.PriorSurgery", "patients.Evaluation", "patients.EmgFinding", "patients.BloodValue",
            "patients.SpinalFinding", "patients.Diagnosis", "treatments.TreatmentPlan", "treatments.Intervention",
            "treatments.Medication", "treatments.ProcedureDetail", "treatments.NeuromodulationTrial",
            "treatments.HistoricalTreatmentPlan", "treatments.HistoricalIntervention", "scheduling.Appointment",
            "scheduling.FollowUp", "notifications.Message", "notifications.PatientLink", "outcomes.SurveyEnrolment",
            "outcomes.SurveyInvitation", "outcomes.Response", "outcomes.Answer", "outcomes.ResponseScore",
            "outcomes.SafetyAlert",
        ]  # fmt: skip
        return [apps.get_model(label)._meta.db_table for label in labels]

    @property
    def counts(self) -> dict[str, int]:
        return {t.model._meta.label: t.count for t in self.tables.values()}

    def run(self) -> None:
        started = time.monotonic()
        with transaction.atomic():
            infos = self.clinics()
            for info in infos:
                offset = info.clinic.tz.utcoffset(dt.datetime.combine(self.opts.today, dt.time(12)))
                info.utc_offset = offset or dt.timedelta(0)
            self.alert_ack_by = infos[0].physicians[0].pk
            self.load_instruments()
            # The long histories first, through the services, with every constraint in place.
            for k in range(self.opts.long):
                info = infos[k % len(infos)]
                self.alert_ack_by = info.physicians[0].pk
                self.long_history(info, k)
                self.flush()
                self.reset_sequences()
                self.progress("long", k + 1, self.opts.long)
            for table in self.tables.values():
                table.resync()
            self.timings["clinics and long histories"] = time.monotonic() - started
            window = LoadWindow(self.big_tables())
            window.drop()
            total = self.opts.patients
            copier = Copier()
            try:
                for i in range(total):
                    info = infos[i % len(infos)]
                    self.alert_ack_by = info.physicians[0].pk
                    self.patient(info, i)
                    if (i + 1) % CHUNK == 0 or i + 1 == total:
                        copier.send([c for c in (t.take() for t in self.tables.values()) if c is not None])
                        self.baselines.clear()
                        self.previous.clear()
                        self.progress("patients", i + 1, total)
            finally:
                copier.wait()
            self.flush()
            self.timings["bulk rows"] = time.monotonic() - started - sum(self.timings.values())
            window.restore(self.progress)
            self.reset_sequences()
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {MARKER_TABLE}")  # noqa: S608
                cursor.execute(f"INSERT INTO {MARKER_TABLE} (key, day) VALUES (%s, %s)", [self.opts.key(), self.opts.today])  # noqa: S608
            self.timings["indexes and constraints"] = time.monotonic() - started - sum(self.timings.values())
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.timings["commit and analyze"] = time.monotonic() - started - sum(self.timings.values())

    def reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.tables))
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def seed(opts: Options, *, progress: Callable[[str, int, int], None] = _progress) -> Seeder | None:
    """Fill the database (the seeder returned has ``counts`` and ``timings``); None when it already
    holds data of this seed and size."""
    from patients.models import Patient

    existing = marker()
    if existing == opts.key():
        return None
    if existing is not None or Patient.objects.exists():
        raise RuntimeError(f"the database already holds other data ({existing or 'not from seed_scale'}); use a fresh one")
    seeder = Seeder(opts, progress=progress)
    seeder.run()
    return seeder


def long_history_patients() -> Sequence[Any]:
    from patients.models import Patient

    return list(Patient.objects.filter(family_name__startswith="History", given_name="Long").order_by("mrn"))


def checksum(queries: Iterable[str]) -> list[tuple[Any, ...]]:
    """Rows of ``queries`` (aggregates), for the determinism test."""
    out = []
    with connection.cursor() as cursor:
        for sql in queries:
            cursor.execute(sql)
            out.append(tuple(cursor.fetchone()))
    return out
