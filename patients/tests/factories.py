import datetime

import factory

from clinics.tests.factories import ClinicFactory
from patients.models import Patient


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    mrn = factory.Sequence(lambda n: f"MRN{n:05d}")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    date_of_birth = factory.Faker("date_between", start_date=datetime.date(1940, 1, 1), end_date=datetime.date(2000, 12, 31))
    sex = "female"
    email = factory.LazyAttribute(lambda p: f"{p.mrn.lower()}@patients.example.org")
