"""The clinic's outcome figures (the outcomes page and its CSV) and the clinicians' worklist.

Every figure is computed by the database (COUNT, SUM and the sum of squares, grouped by wave,
instrument and intervention group: the same SQL on PostgreSQL and SQLite); Python only turns the
aggregates into intervals. The number of queries is fixed whatever the number of patients,
invitations and responses. On the scale data (5,000 patients and ~54,000 scores a clinic) every
query was checked with EXPLAIN (ANALYZE, BUFFERS); JIT is off for every connection (settings:
``database_from_env``), and the index ``outcomes_score_report_idx`` (``ResponseScore.Meta``) serves them.

Definitions (also in the README):

- **Due invitation**: an invitation of a patient of the clinic whose due date is on or before
  today and inside the period, not cancelled. **Response rate** of a wave = completed / due.
- **Change from baseline**: ``ResponseScore.change_from_baseline`` of the instrument's main
  score, stored when the response was scored (current minus the patient's baseline). Per wave and
  instrument: n, mean, and the 95% interval mean +/- t(0.975, n-1) x sd / sqrt(n).
- **Responder**: a patient whose latest follow-up score of the instrument (in the period) is
  flagged ``improved`` (a meaningful improvement from baseline by the instrument's threshold).
- **Intervention group** of a patient, from the interventions of all their plans, first match:
  "Spinal cord stimulator" (an SCS implant done), "Intrathecal pump" (a pump implant done),
  "Radiofrequency ablation" (an RFA done), "Other interventional procedure" (any other procedure
  done, or a neuromodulation trial done without an implant), "Physical therapy only" (physical
  therapy started or done and none of the above, nor a surgical revision), "Other" (the rest:
  medication, psychology, ... only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from math import sqrt
from typing import Any, TypeVar

from django.db.models import Case, CharField, Count, Exists, F, Model, OuterRef, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinics.models import Clinic

from .models import InvitationStatus, ResponseScore, SafetyAlert, SurveyInvitation
from .selectors import CHART_INSTRUMENTS, _primary_specs, text
from .stats import MeanCI, ci_from_summary

M = TypeVar("M", bound=Model)

# The instruments of the page (the chart's): key -> main score key and label, read from the definitions.
GROUPS: tuple[tuple[str, Any], ...] = (
    ("scs", _("Spinal cord stimulator")),
    ("pump", _("Intrathecal pump")),
    ("rfa", _("Radiofrequency ablation")),
    ("procedure", _("Other interventional procedure")),
    ("pt_only", _("Physical therapy only")),
    ("other", _("Other")),
)
GROUP_LABELS = dict(GROUPS)


@dataclass(frozen=True)
class Filters:
    start: date | None = None
    end: date | None = None
    physician_id: int | None = None

    def apply(self, qs: QuerySet[M], *, patient: str, day: str = "", moment: str = "") -> QuerySet[M]:
        """``qs`` narrowed to the physician's patients and to the period: by the date at path ``day``,
        or by the local date of the time at path ``moment``. The latter is a range of times (local
        midnight of the first day to local midnight after the last), the same rows as ``__date``
        but a condition the planner can estimate and an index can serve, where ``__date``'s cast
        was estimated at 1% of its rows (and planned as nested loops)."""
        if moment:
            tz = timezone.get_current_timezone()
            if self.start:
                qs = qs.filter(**{f"{moment}__gte": datetime.combine(self.start, time.min, tzinfo=tz)})
            if self.end:
                qs = qs.filter(**{f"{moment}__lt": datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz)})
        else:
            if self.start:
                qs = qs.filter(**{f"{day}__gte": self.start})
            if self.end:
                qs = qs.filter(**{f"{day}__lte": self.end})
        if self.physician_id:
            qs = qs.filter(**{f"{patient}__primary_physician_id": self.physician_id})
        return qs


@dataclass(frozen=True)
class Instrument:
    key: str
    score_key: str
    label: str


def instruments(keys: tuple[str, ...] = CHART_INSTRUMENTS) -> list[Instrument]:
    """The page's instruments and their main score key, from the loaded definitions (one query)."""
    seen: dict[str, Instrument] = {}
    for instrument_key, definition, spec in _primary_specs(keys).values():
        seen.setdefault(instrument_key, Instrument(instrument_key, spec.key, text(definition.short_title)))
    return [seen[key] for key in keys if key in seen]


def _main_scores(insts: list[Instrument]) -> Q:
    q = Q(pk__in=[])
    for inst in insts:
        q |= Q(response__instrument_version__instrument__key=inst.key, key=inst.score_key)
    return q


def _invitations(clinic: Clinic, filters: Filters, today: date) -> QuerySet[SurveyInvitation]:
    qs = SurveyInvitation.objects.filter(patient__clinic=clinic, due_date__lte=today).exclude(
        status=InvitationStatus.CANCELLED
    )
    return filters.apply(qs, day="due_date", patient="patient")


@dataclass(frozen=True)
class WaveRate:
    label: str
    offset_days: int
    due: int
    completed: int

    @property
    def rate(self) -> float | None:
        return self.completed / self.due if self.due else None


def response_rates(clinic: Clinic, filters: Filters, today: date) -> list[WaveRate]:
    rows = (
        _invitations(clinic, filters, today)
        .values("wave__label", "wave__offset_days")
        .annotate(due=Count("pk"), completed=Count("pk", filter=Q(status=InvitationStatus.COMPLETED)))
        .order_by("wave__offset_days", "wave__label")
    )
    return [WaveRate(r["wave__label"], r["wave__offset_days"], r["due"], r["completed"]) for r in rows]


@dataclass(frozen=True)
class WaveChange:
    instrument: Instrument
    label: str
    offset_days: int
    ci: MeanCI


def _summary(n: int, total: Decimal | None, squares: Decimal | None) -> MeanCI:
    """Mean and sample sd from the database's count, sum and sum of squares. The changes carry one
    decimal, so the sums are exact and so is the variance (n x sum of squares - sum^2) / (n (n - 1)),
    which, unlike STDDEV_SAMP, every database computes the same way (SQLite's Django aggregate fails
    on a single value)."""
    if n == 0 or total is None:
        return ci_from_summary(0, None, None)
    mean = Decimal(total) / n
    if n < 2 or squares is None:
        return ci_from_summary(n, mean, None)
    variance = (n * Decimal(squares) - Decimal(total) ** 2) / (n * (n - 1))
    return ci_from_summary(n, mean, sqrt(max(variance, Decimal(0))))


def mean_changes(clinic: Clinic, filters: Filters, today: date, insts: list[Instrument]) -> list[WaveChange]:
    """Per instrument and follow-up wave: n, mean change from baseline and its 95% interval."""
    by_key = {i.key: i for i in insts}
    scores = filters.apply(
        ResponseScore.objects.all(), day="response__invitation__due_date", patient="response__invitation__patient"
    )
    rows = (
        scores.filter(_main_scores(insts))
        .filter(
            scorable=True,
            change_from_baseline__isnull=False,
            # The invitation's own columns, joined (not ``invitation IN (subquery)``, which costs an
            # index probe per score): the same invitations as ``_invitations``.
            response__invitation__patient__clinic=clinic,
            response__invitation__due_date__lte=today,
            response__invitation__wave__is_baseline=False,
        )
        .exclude(response__invitation__status=InvitationStatus.CANCELLED)
        .values(
            instrument=F("response__instrument_version__instrument__key"),
            label=F("response__invitation__wave__label"),
            offset=F("response__invitation__wave__offset_days"),
        )
        .annotate(
            n=Count("change_from_baseline"),
            total=Sum("change_from_baseline"),
            squares=Sum(F("change_from_baseline") * F("change_from_baseline")),
        )
        .order_by("instrument", "offset", "label")
    )
    result = [
        WaveChange(by_key[r["instrument"]], r["label"], r["offset"], _summary(r["n"], r["total"], r["squares"]))
        for r in rows
        if r["instrument"] in by_key
    ]
    order = {key: n for n, key in enumerate(by_key)}
    return sorted(result, key=lambda w: (order[w.instrument.key], w.offset_days, w.label))


def intervention_group(clinic: Clinic) -> Case:
    """The patient's intervention group (see the module's docstring), as a SQL expression on a
    queryset whose rows have ``response__patient``, a patient of ``clinic``. (The clinic is
    redundant for the result; PostgreSQL hashes each EXISTS once over the matching interventions,
    and with it over the clinic's only, not every clinic's.)"""
    from treatments.models import STARTED_STATUSES, Intervention, InterventionStatus, Modality

    patient = OuterRef("response__patient")
    started = list(STARTED_STATUSES)
    mine = Intervention.objects.filter(plan__patient=patient, plan__patient__clinic=clinic)
    done = mine.filter(status=InterventionStatus.DONE)
    return Case(
        When(Exists(done.filter(procedure__procedure_type="scs_implant")), then=Value("scs")),
        When(Exists(done.filter(procedure__procedure_type="pump_implant")), then=Value("pump")),
        When(Exists(done.filter(procedure__procedure_type="rfa")), then=Value("rfa")),
        When(
            Exists(done.filter(modality__in=[Modality.PROCEDURE, Modality.NEUROMODULATION_TRIAL])),
            then=Value("procedure"),
        ),
        When(
            Exists(mine.filter(modality=Modality.PHYSICAL_THERAPY, status__in=started))
            & ~Exists(mine.filter(modality=Modality.SURGICAL_REVISION, status__in=started)),
            then=Value("pt_only"),
        ),
        default=Value("other"),
        output_field=CharField(),
    )


@dataclass(frozen=True)
class GroupResponders:
    group: str
    instrument: Instrument
    n: int
    responders: int

    @property
    def label(self) -> str:
        return str(GROUP_LABELS[self.group])

    @property
    def share(self) -> float | None:
        return self.responders / self.n if self.n else None


def _scores_in_period(clinic: Clinic, filters: Filters) -> QuerySet[ResponseScore]:
    qs = ResponseScore.objects.filter(response__patient__clinic=clinic, scorable=True)
    return filters.apply(qs, moment="response__submitted_at", patient="response__patient")


def responders(clinic: Clinic, filters: Filters, insts: list[Instrument]) -> list[GroupResponders]:
    """Per intervention group and instrument: patients with a follow-up score in the period, and how
    many of them are responders at their latest one. One query."""
    follow_ups = _scores_in_period(clinic, filters).filter(_main_scores(insts), improved__isnull=False)
    later = follow_ups.filter(
        response__patient=OuterRef("response__patient"),
        response__instrument_version__instrument=OuterRef("response__instrument_version__instrument"),
        key=OuterRef("key"),
    ).filter(
        Q(response__submitted_at__gt=OuterRef("response__submitted_at"))
        | Q(response__submitted_at=OuterRef("response__submitted_at"), pk__gt=OuterRef("pk"))
    )
    rows = (
        follow_ups.filter(~Exists(later))
        .annotate(group=intervention_group(clinic))
        .values("group", instrument=F("response__instrument_version__instrument__key"))
        .annotate(n=Count("pk"), responders=Count("pk", filter=Q(improved=True)))
    )
    found = {(r["group"], r["instrument"]): (r["n"], r["responders"]) for r in rows}
    return [
        GroupResponders(group, inst, *found.get((group, inst.key), (0, 0)))
        for group, _label in GROUPS
        for inst in insts
    ]


@dataclass(frozen=True)
class Report:
    filters: Filters
    instruments: list[Instrument]
    rates: list[WaveRate]
    changes: list[WaveChange]
    responders: list[GroupResponders]


def clinic_report(clinic: Clinic, filters: Filters, today: date) -> Report:
    """The page's figures: a fixed number of queries (the versions, one per table), whatever the
    number of patients, waves or groups."""
    insts = instruments()
    return Report(
        filters=filters,
        instruments=insts,
        rates=response_rates(clinic, filters, today),
        changes=mean_changes(clinic, filters, today, insts),
        responders=responders(clinic, filters, insts),
    )


def csv_rows(report: Report) -> list[list[str]]:
    """The page's three tables as one long table (one header, a ``table`` column says which)."""

    def num(value: float | None, places: int = 1) -> str:
        return "" if value is None else f"{value:.{places}f}"

    rows = [["table", "instrument", "wave_or_group", "offset_days", "n", "value", "ci_low", "ci_high", "count"]]
    for r in report.rates:
        rows.append(["response_rate", "", r.label, str(r.offset_days), str(r.due), num(r.rate, 3), "", "",
                     str(r.completed)])  # fmt: skip
    for c in report.changes:
        rows.append(["mean_change", c.instrument.key, c.label, str(c.offset_days), str(c.ci.n), num(c.ci.mean, 2),
                     num(c.ci.low, 2), num(c.ci.high, 2), ""])  # fmt: skip
    for g in report.responders:
        rows.append(["responders", g.instrument.key, g.label, "", str(g.n), num(g.share, 3), "", "",
                     str(g.responders)])  # fmt: skip
    return rows


# --- The clinicians' worklist ------------------------------------------------------------------

WORKLIST_ROWS = 10
OVERDUE_DAYS = 60


@dataclass(frozen=True)
class Worklist:
    alerts: list[SafetyAlert]
    worse: list[ResponseScore]
    overdue: list[SurveyInvitation]


def clinician_worklist(clinic: Clinic, today: date, rows: int = WORKLIST_ROWS) -> Worklist:
    """Open safety alerts (oldest first), then patients whose latest score of an instrument is
    meaningfully worse than their baseline (most recent first), then surveys past their due date
    and not completed (due in the last 60 days, oldest first). Three queries."""
    alerts = list(
        SafetyAlert.objects.filter(patient__clinic=clinic, acknowledged_at__isnull=True)
        .select_related("patient", "response__instrument_version__instrument")
        .order_by("created_at", "pk")[:rows]
    )
    scores = ResponseScore.objects.filter(response__patient__clinic=clinic, scorable=True, worsened__isnull=False)
    later = scores.filter(
        response__patient=OuterRef("response__patient"),
        response__instrument_version__instrument=OuterRef("response__instrument_version__instrument"),
        key=OuterRef("key"),
        response__submitted_at__gt=OuterRef("response__submitted_at"),
    )
    worse = list(
        scores.filter(worsened=True)
        .filter(~Exists(later))
        .select_related("response__patient", "response__instrument_version__instrument")
        .order_by("-response__submitted_at", "pk")[:rows]
    )
    overdue = list(
        SurveyInvitation.objects.filter(
            patient__clinic=clinic,
            due_date__lt=today,
            due_date__gte=today - timedelta(days=OVERDUE_DAYS),
        )
        .exclude(status__in=[InvitationStatus.COMPLETED, InvitationStatus.CANCELLED])
        .select_related("patient", "wave")
        .order_by("due_date", "pk")[:rows]
    )
    return Worklist(alerts=alerts, worse=worse, overdue=overdue)
