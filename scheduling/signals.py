"""Keep the worklist in step with plans: after a patient, plan or intervention is saved, derive the
patient's follow-ups again (``followups.sync_follow_ups_for_patient``, idempotent).

Connected from ``SchedulingConfig.ready`` so ``treatments`` and ``patients`` need not know of us.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from .followups import sync_follow_ups_for_patient


def _patient_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw or created:
        return  # a new patient has no plan yet
    sync_follow_ups_for_patient(instance)


def _plan_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        sync_follow_ups_for_patient(instance.patient)


def _intervention_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        sync_follow_ups_for_patient(instance.plan.patient)


def _typed_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    # The typed row (procedure type, trial device) is saved after its intervention.
    if not raw:
        sync_follow_ups_for_patient(instance.intervention.plan.patient)


def connect() -> None:
    from patients.models import Patient
    from treatments.models import Intervention, NeuromodulationTrial, ProcedureDetail, TreatmentPlan

    post_save.connect(_patient_saved, sender=Patient, dispatch_uid="scheduling.patient_saved")
    post_save.connect(_plan_saved, sender=TreatmentPlan, dispatch_uid="scheduling.plan_saved")
    post_save.connect(_intervention_saved, sender=Intervention, dispatch_uid="scheduling.intervention_saved")
    post_save.connect(_typed_saved, sender=ProcedureDetail, dispatch_uid="scheduling.procedure_saved")
    post_save.connect(_typed_saved, sender=NeuromodulationTrial, dispatch_uid="scheduling.trial_saved")
