"""What surveys plug into the rest: the chart section, the outbox checks, and the anchors recorded
in treatments (a plan activated, a procedure done), connected from ``OutcomesConfig.ready`` so that
``treatments`` need not know of surveys."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists
from django.db.models.signals import post_save
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _l

from clinics.access import active_membership
from clinics.roles import Need
from notifications.checks import register_check
from patients.chart import Section, register_section
from treatments.choices import InterventionStatus, Modality, PlanStatus

from . import surveys
from .models import AnchorKind, PatientSurveyPreference, SafetyAlert, SurveyInvitation, SurveySchedule


def load_section(patient: Any, request: HttpRequest) -> dict[str, Any]:
    membership = active_membership(request)
    # The stop switch rides on the schedules' query (one query fewer on every chart).
    stop = PatientSurveyPreference.objects.filter(patient=patient, stop_surveys=True)
    schedules = list(SurveySchedule.objects.filter(clinic=membership.clinic, active=True).annotate(patient_stopped=Exists(stop)))
    stopped = schedules[0].patient_stopped if schedules else stop.exists()
    return {
        "patient": patient,
        "tz": membership.clinic.tz,
        "today": timezone.localdate(timezone.now(), membership.clinic.tz),
        "invitations": list(
            SurveyInvitation.objects.filter(patient=patient, enrolment__active=True).select_related("wave").order_by("due_date", "pk")
        ),
        "alerts": list(SafetyAlert.objects.filter(patient=patient, acknowledged_at__isnull=True)),
        "stopped": stopped,
        "schedules": schedules,
        "can_enrol": membership.can(Need.EDIT_CLINICAL),
        "can_book": membership.can(Need.BOOK),
        "can_stop": membership.can(Need.EDIT_DEMOGRAPHICS),
    }


def _anchor(*, patient: Any, kind: str, day: Any, plan: Any = None, intervention: Any = None, procedure_type: str = "") -> None:
    if day is None:
        return
    for schedule in SurveySchedule.objects.filter(clinic_id=patient.clinic_id, active=True, anchor_kind=kind):
        if kind == AnchorKind.PROCEDURE and procedure_type not in schedule.procedure_types:
            continue
        surveys.enrol(patient=patient, schedule=schedule, anchor_date=day, by=None, source_kind=kind, plan=plan, intervention=intervention)


def _plan_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.status != PlanStatus.ACTIVE:
        return
    _anchor(patient=instance.patient, kind=AnchorKind.PLAN_ACTIVATION, day=instance.start_date, plan=instance)


def _procedure_done(intervention: Any) -> None:
    detail = getattr(intervention, "procedure", None) if intervention.modality == Modality.PROCEDURE else None
    if detail is None or intervention.status != InterventionStatus.DONE:
        return
    _anchor(
        patient=intervention.plan.patient,
        kind=AnchorKind.PROCEDURE,
        day=intervention.start_date,
        plan=intervention.plan,
        intervention=intervention,
        procedure_type=detail.procedure_type,
    )


def _intervention_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        try:
            _procedure_done(instance)
        except Exception as exc:  # noqa: BLE001 - a missing one-to-one detail is simply not yet there
            if type(exc).__name__ != "RelatedObjectDoesNotExist":
                raise


def _procedure_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        _procedure_done(instance.intervention)


def connect() -> None:
    from treatments.models import Intervention, ProcedureDetail, TreatmentPlan

    register_section(
        Section(key="surveys", title=_l("Surveys"), template="outcomes/surveys_section.html", load=load_section, need=Need.VIEW_PATIENT, order=47)
    )
    register_check(surveys.PURPOSE_INVITATION, surveys.still_wanted)
    register_check(surveys.PURPOSE_REMINDER, surveys.still_wanted)
    post_save.connect(_plan_saved, sender=TreatmentPlan, dispatch_uid="outcomes.plan_saved")
    post_save.connect(_intervention_saved, sender=Intervention, dispatch_uid="outcomes.intervention_saved")
    post_save.connect(_procedure_saved, sender=ProcedureDetail, dispatch_uid="outcomes.procedure_saved")
