"""Demo only: put a few demo patients on their clinic's default schedule with the baseline due today,
and open it, so the worker sends the invitations into var/mail/ as soon as the demo runs.

Patients with no survey enrolment are chosen (at most two per clinic, by MRN), so the survey
history of the others is left alone; run again on a later day, it moves the waves of enrolments
with no answer at all to that day. Refuses to run under production settings, like seed_demo.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from clinics.models import Clinic
from outcomes import surveys
from outcomes.models import InvitationStatus, SurveyEnrolment
from patients.models import Patient, PatientStatus

PER_CLINIC = 2


class Command(BaseCommand):
    help = "Demo: enrol a few demo patients with a survey due today and queue their invitations."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.SETTINGS_MODULE.endswith(".production") or not (settings.DEBUG or "test" in settings.SETTINGS_MODULE):
            raise CommandError("survey_demo_due refuses to run under production settings.")
        enrolled = 0
        with transaction.atomic():
            for clinic in Clinic.objects.order_by("name"):
                schedule = surveys.ensure_clinic_defaults(clinic)
                today = timezone.localdate(timezone.now(), clinic.tz)
                chosen = list(
                    SurveyEnrolment.objects.filter(schedule=schedule, active=True, created_by__isnull=True, patient__clinic=clinic)
                    .exclude(invitations__status=InvitationStatus.COMPLETED)
                    .exclude(invitations__responses__isnull=False)
                    .filter(patient__consent_email=True)
                    .select_related("patient")
                )
                patients = [e.patient for e in chosen][:PER_CLINIC]
                if len(patients) < PER_CLINIC:
                    patients += list(
                        Patient.objects.filter(clinic=clinic, status=PatientStatus.ACTIVE, consent_email=True)
                        .exclude(email="")
                        .exclude(survey_enrolments__isnull=False)
                        .order_by("mrn")[: PER_CLINIC - len(patients)]
                    )
                for patient in patients:
                    surveys.enrol(patient=patient, schedule=schedule, anchor_date=today, by=None)
                    enrolled += 1
        result = surveys.survey_tick()
        self.stdout.write(f"Surveys due today: {enrolled} patients; {result.invited} invitations queued for the worker.")
