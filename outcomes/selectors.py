"""Reads of the outcomes app that the staff pages share: a patient's scores over time with the
treatment events around them (the chart's section). Each runs a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from .definitions import STAFF_LANGUAGE, InstrumentDefinition
from .models import InstrumentVersion, ResponseScore, SafetyAlert, SurveyEnrolment, SurveyInvitation
from .scoring import ScoreSpec, score_spec

# The instruments drawn on the chart, in panel order.
CHART_INSTRUMENTS: tuple[str, ...] = ("odi", "nrs_back", "nrs_leg", "phq9", "gad7")


def enrolments_with_patient() -> QuerySet[SurveyEnrolment]:
    """Enrolments with their patient, for the gate (``clinics.access.get_for``)."""
    return SurveyEnrolment.objects.select_related("patient")


def invitations_with_wave() -> QuerySet[SurveyInvitation]:
    """Invitations with their patient, clinic and wave, for the gate."""
    return SurveyInvitation.objects.select_related("patient__clinic", "wave")


def alerts_with_parts() -> QuerySet[SafetyAlert]:
    """Safety alerts with their patient, who acknowledged them and the questionnaire, for the gate."""
    return SafetyAlert.objects.select_related("patient", "acknowledged_by", "response__instrument_version__instrument")


def text(texts: dict[str, str], language: str = STAFF_LANGUAGE) -> str:
    return texts.get(language) or next(iter(texts.values()), "")


def change_band(spec: ScoreSpec, baseline: Decimal) -> tuple[Decimal, Decimal] | None:
    """The band of "no meaningful change" around ``baseline``: baseline +/- the SMALLER of the
    points rule and the percent-of-baseline rule, clipped to the score's range.

    Scoring flags a change as meaningful when it reaches the points rule OR the percent rule
    (``scoring.change``), so a change is meaningful as soon as it reaches the smaller of the two.
    Drawing the band with that half-width makes the picture agree with the flags: a point outside
    the band (or on its edge) is exactly a point flagged improved or worsened. From a baseline of 0
    only the points rule applies. No threshold, no band.
    """
    rule = spec.meaningful_change
    if rule is None:
        return None
    widths = []
    if rule.points is not None:
        widths.append(rule.points)
    if rule.percent is not None and baseline != 0:
        widths.append(abs(baseline) * rule.percent / 100)
    if not widths:
        return None
    half = min(widths)
    return max(spec.range.min, baseline - half), min(spec.range.max, baseline + half)


@dataclass
class ScorePoint:
    when: date
    total: Decimal
    band: str
    change: Decimal | None  # from the series' first score (its baseline)
    band_label: str = ""


@dataclass
class ScoreSeries:
    key: str  # the instrument's key
    label: str
    spec: ScoreSpec
    points: list[ScorePoint] = field(default_factory=list)

    @property
    def baseline(self) -> ScorePoint | None:
        return self.points[0] if self.points else None

    @property
    def band(self) -> tuple[Decimal, Decimal] | None:
        return change_band(self.spec, self.points[0].total) if self.points else None


def _primary_specs(keys: Iterable[str]) -> dict[int, tuple[str, InstrumentDefinition, ScoreSpec]]:
    """Per loaded version of the instruments ``keys``: its instrument key, definition and main score."""
    specs = {}
    for version in InstrumentVersion.objects.filter(instrument__key__in=list(keys)).select_related("instrument"):
        definition = version.parsed()
        if definition.scores:
            specs[version.pk] = (version.instrument.key, definition, score_spec(definition))
    return specs


def patient_score_series(patient: Any, tz: tzinfo, keys: tuple[str, ...] = CHART_INSTRUMENTS) -> list[ScoreSeries]:
    """One series per instrument of ``keys`` (in that order, empty ones included): the main score
    of each submitted, scorable response, oldest first. Two queries whatever the history's length."""
    specs = _primary_specs(keys)
    series: dict[str, ScoreSeries] = {}
    for key in keys:
        found = next(((d, s) for k, d, s in specs.values() if k == key), None)
        if found is not None:
            definition, spec = found
            series[key] = ScoreSeries(key=key, label=text(definition.short_title), spec=spec)
    rows = (
        ResponseScore.objects.filter(
            response__patient=patient,
            response__submitted_at__isnull=False,
            response__instrument_version__in=list(specs),
            scorable=True,
        )
        .order_by("response__submitted_at", "pk")
        .values_list("response__instrument_version_id", "key", "total", "band", "response__submitted_at")
    )
    for version_id, score_key, total, band_key, submitted_at in rows:
        instrument_key, _definition, spec = specs[version_id]
        if total is None or submitted_at is None or score_key != spec.key or instrument_key not in series:
            continue
        target = series[instrument_key]
        band_label = next((text(b.label) for b in spec.bands if b.key == band_key), band_key)
        baseline = target.points[0].total if target.points else None
        target.points.append(
            ScorePoint(
                when=_local_day(submitted_at, tz),
                total=total,
                band=band_key,
                band_label=band_label,
                change=None if baseline is None else total - baseline,
            )
        )
    return [series[key] for key in keys if key in series]


def _local_day(moment: datetime, tz: tzinfo) -> date:
    return moment.astimezone(tz).date()


@dataclass(frozen=True)
class TreatmentEvent:
    when: date
    label: str
    kind: str  # "procedure", "implant", "trial", "plan"


IMPLANTS = frozenset({"scs_implant", "pump_implant"})


def patient_treatment_events(patient: Any) -> list[TreatmentEvent]:
    """Procedures and neuromodulation trials done (or under way), implants, and plans started and
    closed, by their clinical dates (see ``treatment_events``). Two queries."""
    from treatments.models import TreatmentPlan

    plans = TreatmentPlan.objects.filter(patient=patient).prefetch_related(
        Prefetch("interventions", queryset=_interventions_with_details())
    )
    return treatment_events(list(plans))


def _interventions_with_details() -> Any:  # noqa: N802 - reads as the queryset it returns
    from treatments.models import Intervention

    return Intervention.objects.select_related("procedure", "trial")


def treatment_events(plans: Iterable[Any]) -> list[TreatmentEvent]:
    """The events of ``plans`` whose interventions are already loaded (no query).

    Plans are marked by their start date (an activated plan runs from it) and, once completed or
    discontinued, by their end date: the clinical dates, rather than the moment someone clicked,
    which is what the scores are read against. Draft plans are left out. Procedures count once
    done; trials once under way.
    """
    from treatments import choices as c
    from treatments.models import InterventionStatus, Modality, PlanStatus

    events: list[TreatmentEvent] = []
    for plan in plans:
        if plan.status == PlanStatus.DRAFT:
            continue
        events.append(TreatmentEvent(when=plan.start_date, label=_("Plan started: %(title)s") % {"title": plan.title}, kind="plan"))
        if plan.is_closed and plan.end_date:
            status = plan.get_status_display().lower()
            label = _("Plan %(status)s: %(title)s") % {"status": status, "title": plan.title}
            events.append(TreatmentEvent(when=plan.end_date, label=label, kind="plan"))
        for i in plan.interventions.all():
            when = i.start_date
            if when is None:
                continue
            if i.modality == Modality.PROCEDURE and i.status == InterventionStatus.DONE:
                procedure = getattr(i, "procedure", None)
                kind_key = procedure.procedure_type if procedure else ""
                label = c.label_of(c.PROCEDURE_TYPES, kind_key) or str(i.get_modality_display())
                events.append(TreatmentEvent(when=when, label=label, kind="implant" if kind_key in IMPLANTS else "procedure"))
            elif i.modality == Modality.NEUROMODULATION_TRIAL and i.status in (
                InterventionStatus.IN_PROGRESS,
                InterventionStatus.DONE,
            ):
                trial = getattr(i, "trial", None)
                device = c.label_of(c.DEVICES, trial.device) if trial else ""
                label = _("%(device)s trial") % {"device": device} if device else _("Trial")
                events.append(TreatmentEvent(when=when, label=label, kind="trial"))
    return sorted(events, key=lambda e: (e.when, e.kind, e.label))
