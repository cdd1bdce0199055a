import datetime

import factory

from clinics.tests.factories import ClinicFactory
from patients.models import Diagnosis, Evaluation, Patient, PriorSurgery

_TAG_LETTERS = "bcdfghjklmnpqrstvwxz"  # no vowels: a tag never spells a word


def name_tag(n: int) -> str:
    """Four letters, one fixed-width tag per sequence number (160,000 before they repeat)."""
    letters = []
    for _ in range(4):
        n, digit = divmod(n, len(_TAG_LETTERS))
        letters.append(_TAG_LETTERS[digit])
    return "".join(reversed(letters))


class PatientFactory(factory.django.DjangoModelFactory[Patient]):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    mrn = factory.Sequence(lambda n: f"MRN{n:05d}")
    class Params:
        given = factory.Faker("first_name")
        family = factory.Faker("last_name")

    # A real name with a tag no page text and no other factory patient's name contains, so that
    # "the name is not on this page" can only fail when the name really is there.
    given_name = factory.LazyAttributeSequence(lambda p, n: f"{p.given}-Xq{name_tag(n)}")
    family_name = factory.LazyAttributeSequence(lambda p, n: f"{p.family}-Qz{name_tag(n)}")
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
