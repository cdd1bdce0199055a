import datetime

import factory

from clinics.tests.factories import ClinicFactory
from patients.models import Diagnosis, Evaluation, Patient, PriorSurgery


class PatientFactory(factory.django.DjangoModelFactory[Patient]):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    mrn = factory.Sequence(lambda n: f"MRN{n:05d}")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    date_of_birth = factory.Faker(
        "date_between", start_date=datetime.date(1940, 1, 1), end_date=datetime.date(2000, 12, 31)
    )
    sex = "female"
    email = factory.LazyAttribute(lambda p: f"{p.mrn.lower()}@patients.example.org")


class PriorSurgeryFactory(factory.django.DjangoModelFactory[PriorSurgery]):
    class Meta:
        model = PriorSurgery

    patient = factory.SubFactory(PatientFactory)
    date_year = 2015
    date_month = 6
    procedure = "fusion"
    fusion_approach = "tlif"
    levels = factory.LazyFunction(lambda: ["L4", "L5"])
    hardware = factory.LazyFunction(lambda: ["pedicle_screws_rods", "cage"])
    surgeon = "Dr Example"


class EvaluationFactory(factory.django.DjangoModelFactory[Evaluation]):
    class Meta:
        model = Evaluation

    patient = factory.SubFactory(PatientFactory)
    kind = "mri"
    performed_on = datetime.date(2020, 3, 1)
    findings = factory.LazyFunction(lambda: {"with_contrast": True})
    impression = "Scar around the L5 root."


class DiagnosisFactory(factory.django.DjangoModelFactory[Diagnosis]):
    class Meta:
        model = Diagnosis

    patient = factory.SubFactory(PatientFactory)
    code = "M96.1"
    description = "Postlaminectomy syndrome, not elsewhere classified"
    diagnosed_on = datetime.date(2021, 1, 1)
