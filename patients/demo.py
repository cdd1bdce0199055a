"""Demo patients for each clinic (see the seed_demo command)."""

from __future__ import annotations

from datetime import date

from clinics.demo import DemoContext

from .models import Patient

# clinic key, MRN, given, family, dob, sex, physician username, risk factors
PATIENTS = [
    (
        "north",
        "N-1001",
        "Margaret",
        "Hughes",
        date(1961, 3, 14),
        "female",
        "physician.north",
        {
            "smoking_status": "former",
            "height_cm": 165,
            "weight_kg": 82,
            "work_status": "retired",
            "opioid_use_at_intake": True,
        },
    ),
    (
        "north",
        "N-1002",
        "José",
        "Álvarez",
        date(1974, 9, 2),
        "male",
        "physician.north",
        {
            "smoking_status": "current",
            "height_cm": 178,
            "weight_kg": 101,
            "work_status": "off_work",
            "workers_comp_claim": True,
            "opioid_use_at_intake": True,
        },
    ),
    (
        "north",
        "N-1003",
        "Priya",
        "Raman",
        date(1983, 1, 27),
        "female",
        "physician.both",
        {
            "smoking_status": "never",
            "height_cm": 160,
            "weight_kg": 58,
            "work_status": "part_time",
            "history_of_anxiety": True,
        },
    ),
    (
        "north",
        "N-1004",
        "Walter",
        "Brennan",
        date(1956, 11, 5),
        "male",
        "physician.north",
        {
            "smoking_status": "former",
            "height_cm": 182,
            "weight_kg": 95,
            "work_status": "retired",
            "history_of_depression": True,
        },
    ),
    (
        "north",
        "N-1005",
        "Chloé",
        "Dubois",
        date(1990, 6, 18),
        "female",
        "physician.both",
        {"smoking_status": "never", "height_cm": 170, "weight_kg": 66, "work_status": "full_time"},
    ),
    (
        "south",
        "S-2001",
        "Daniel",
        "Nguyen",
        date(1968, 4, 9),
        "male",
        "physician.south",
        {
            "smoking_status": "current",
            "height_cm": 175,
            "weight_kg": 88,
            "work_status": "disability",
            "opioid_use_at_intake": True,
            "history_of_depression": True,
        },
    ),
    (
        "south",
        "S-2002",
        "Rosa",
        "Martínez",
        date(1979, 8, 23),
        "female",
        "physician.south",
        {
            "smoking_status": "never",
            "height_cm": 158,
            "weight_kg": 77,
            "work_status": "off_work",
            "workers_comp_claim": True,
        },
    ),
    (
        "south",
        "S-2003",
        "Kevin",
        "O'Neill",
        date(1988, 2, 11),
        "male",
        "physician.both",
        {"smoking_status": "former", "height_cm": 185, "weight_kg": 90, "work_status": "full_time"},
    ),
    (
        "south",
        "S-2004",
        "Aiko",
        "Tanaka",
        date(1963, 12, 30),
        "female",
        "physician.south",
        {
            "smoking_status": "never",
            "height_cm": 155,
            "weight_kg": 52,
            "work_status": "retired",
            "history_of_anxiety": True,
        },
    ),
]


def seed(ctx: DemoContext) -> None:
    by_clinic: dict[str, list[Patient]] = {}
    for clinic_key, mrn, given, family, dob, sex, physician, risks in PATIENTS:
        clinic = ctx.clinics[clinic_key]
        patient, _ = Patient.objects.update_or_create(
            clinic=clinic,
            mrn=mrn,
            defaults={
                "given_name": given,
                "family_name": family,
                "date_of_birth": dob,
                "sex": sex,
                "email": f"{mrn.lower()}@patients.example.org",
                "consent_email": True,
                "primary_physician": ctx.users[physician],
                "referral_source": "spine_surgeon",
                **risks,
            },
        )
        by_clinic.setdefault(clinic_key, []).append(patient)
    ctx.extra["patients"] = by_clinic
