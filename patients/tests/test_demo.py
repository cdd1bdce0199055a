"""The demo patients carry realistic FBSS histories, and seeding twice adds nothing."""

from __future__ import annotations

import pytest

from clinics import demo as clinic_demo
from clinics.demo import DemoContext
from patients import demo
from patients.models import Diagnosis, Evaluation, EvaluationAttachment, Patient, PriorSurgery

pytestmark = pytest.mark.django_db


def seed() -> None:
    ctx = DemoContext()
    clinic_demo.seed(ctx)
    demo.seed(ctx)


def counts() -> list[int]:
    return [m.objects.count() for m in (Patient, PriorSurgery, Evaluation, Diagnosis, EvaluationAttachment)]


def test_the_demo_is_idempotent_and_every_patient_has_a_failed_back():
    seed()
    first = counts()
    seed()
    assert counts() == first
    assert first[1] >= 15 and first[2] >= 20
    for patient in Patient.objects.all():
        assert patient.prior_surgeries.exists()
        assert patient.diagnoses.get(is_primary=True).code == "M96.1"
    assert set(Evaluation.objects.values_list("kind", flat=True)) >= {"mri", "emg", "dexa", "blood", "psych"}
    assert PriorSurgery.objects.filter(procedure="fusion").exclude(hardware=["none"]).count() >= 5
    report = EvaluationAttachment.objects.first()
    assert report is not None and report.file.read(5) == b"%PDF-"


def test_the_demo_shows_e164_phones_clinic_numbering_and_disc_level_mris():
    from patients import services
    from patients.models import SpinalFinding

    seed()
    for patient in Patient.objects.all():
        patient.full_clean()  # the contact rules hold for every demo patient
        assert str(patient.mobile_phone).startswith("+1") and " " not in str(patient.mobile_phone)
    assert Patient.objects.filter(preferred_channel="sms", consent_sms=True).exists()
    assert SpinalFinding.objects.filter(level="L5-S1", side="right", finding="recurrent_herniation").exists()
    north = Patient.objects.get(mrn="N-1001").clinic
    assert services.next_mrn(clinic=north) == "N-1006"
