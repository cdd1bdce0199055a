"""Demo patients for each clinic (see the seed_demo command)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.core.files.uploadedfile import SimpleUploadedFile

from clinics.demo import DemoContext

from . import services
from .models import (
    BloodValue,
    Diagnosis,
    EmgFinding,
    Evaluation,
    Patient,
    PatientNumbering,
    PriorSurgery,
    SpinalFinding,
)

# The demo's patients, from demo_patients.yaml: (clinic key, MRN, given, family, date of birth,
# sex, physician's username, risk factors).
PATIENTS: list[tuple[str, str, str, str, date, str, str, dict[str, Any]]] = [
    (p["clinic"], p["mrn"], p["given_name"], p["family_name"], p["date_of_birth"], p["sex"], p["physician"],
     p["risk_factors"])
    for p in yaml.safe_load((Path(__file__).parent / "demo_patients.yaml").read_text(encoding="utf-8"))
]  # fmt: skip

def tiny_pdf(text: str) -> bytes:
    """A one-page PDF showing one line of ``text`` (ASCII), built here so the demo and tests need no files."""
    safe = text.encode("ascii", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 12 Tf 72 720 Td (" + safe + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += str(number).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 " + str(len(objects) + 1).encode() + b"\n0000000000 65535 f \n"
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += b"trailer\n<< /Size " + str(len(objects) + 1).encode() + b" /Root 1 0 R >>\n"
    out += b"startxref\n" + str(xref).encode() + b"\n%%EOF\n"
    return bytes(out)


# Mobile numbers in E.164 per clinic's area code (555-01xx: numbers set aside for fiction).
AREA_CODES = {"north": "312", "south": "213"}
# Each clinic's own MRN format: the numbers registered without an MRN continue the demo's.
NUMBERING = {"north": ("N-", 4), "south": ("S-", 4)}


def seed(ctx: DemoContext) -> None:
    by_clinic: dict[str, list[Patient]] = {}
    for n, (clinic_key, mrn, given, family, dob, sex, physician, risks) in enumerate(PATIENTS):
        clinic = ctx.clinics[clinic_key]
        # Every other patient prefers SMS (a mobile number and consent); the rest prefer email.
        texts = n % 2 == 0
        contact = {
            "mobile_phone": f"+1{AREA_CODES[clinic_key]}55501{n:02d}",
            "consent_sms": texts,
            "preferred_channel": "sms" if texts else "email",
        }
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
                **contact,
                "primary_physician": ctx.users[physician],
                "referral_source": "spine_surgeon",
                **risks,
            },
        )
        by_clinic.setdefault(clinic_key, []).append(patient)
        _seed_history(patient, HISTORIES.get(mrn, {}))
    ctx.extra["patients"] = by_clinic
    for clinic_key, (prefix, digits) in NUMBERING.items():
        taken = [int(p.mrn.removeprefix(prefix)) for p in by_clinic.get(clinic_key, []) if p.mrn.startswith(prefix)]
        PatientNumbering.objects.update_or_create(
            clinic=ctx.clinics[clinic_key],
            defaults={"prefix": prefix, "digits": digits, "last_number": max(taken, default=0)},
        )


# --- FBSS histories: what each demo patient went through before coming to the clinic -----------
# Per MRN: prior surgeries, evaluations and diagnoses. Written through the services (so every
# rule applies and each row has its history), and only when missing, so seeding twice adds nothing.

S = dict  # a row of keyword arguments, for brevity below


def D(finding: str, level: str, side: str = "") -> dict[str, str]:  # noqa: N802 - reads like a table
    """A finding at a disc level, for the imaging studies below."""
    return {"finding": finding, "level": level, "side": side}


HISTORIES: dict[str, dict[str, list[dict[str, Any]]]] = {
    "N-1001": {
        "surgeries": [
            S(date_year=2009, procedure="microdiscectomy", levels=["L4", "L5"], hardware=["none"],
              surgeon="Dr A. Whitfield", facility="Lakeside General", failure_causes=["reherniation"]),
            S(date_year=2012, date_month=10, procedure="fusion", fusion_approach="tlif", levels=["L4", "L5"],
              hardware=["pedicle_screws_rods", "cage"], surgeon="Dr A. Whitfield", facility="Lakeside General",
              complications=["pseudarthrosis"], failure_causes=["pseudarthrosis", "adjacent_segment"]),
        ],
        "evaluations": [
            S(kind="mri", performed_on=date(2024, 2, 12), findings={"with_contrast": True},
              spinal=[D("adjacent_segment_degeneration", "L3-L4"), D("epidural_fibrosis", "L5-S1", "left"),
                      D("foraminal_stenosis", "L5-S1", "left")],
              impression="Enhancing scar around the left L5 root; L3-L4 degeneration above the fusion.",
              pain_generators=["epidural_fibrosis", "adjacent_segment"], report=True),
            S(kind="ct", performed_on=date(2024, 3, 4), spinal=[D("pseudarthrosis", "L4-L5")],
              impression="No bridging bone across L4-L5.", pain_generators=["pseudarthrosis"]),
            S(kind="dexa", performed_on=date(2024, 3, 20), findings={"t_score": Decimal("-2.1"), "site": "lumbar_spine"},
              impression="Osteopenia."),
            S(kind="psych", performed_on=date(2024, 4, 2), findings={"instrument": "phq9", "score": 11},
              impression="Moderate depressive symptoms."),
        ],
        "diagnoses": [
            S(code="M96.1", is_primary=True, diagnosed_on=date(2024, 2, 20)),
            S(code="M96.0", diagnosed_on=date(2024, 3, 10)),
            S(code="Z79.891", diagnosed_on=date(2024, 2, 20)),
        ],
    },
    "N-1002": {
        "surgeries": [
            S(date_year=2018, date_month=5, date_day=14, procedure="laminectomy", levels=["L4", "L5", "S1"],
              hardware=["none"], surgeon="Dr K. Osei", facility="St Brendan's", failure_causes=["recurrent_stenosis"]),
            S(date_year=2020, date_month=1, procedure="fusion", fusion_approach="posterolateral",
              levels=["L4", "L5", "S1"], hardware=["pedicle_screws_rods"], surgeon="Dr K. Osei",
              facility="St Brendan's", complications=["hardware_failure"],
              failure_causes=["hardware_failure", "smoking", "obesity"]),
        ],
        "evaluations": [
            S(kind="xray", performed_on=date(2024, 1, 9), spinal=[D("hardware_loosening", "L5-S1", "right")],
              impression="Lucency around the right S1 screw.", pain_generators=["hardware"]),
            S(kind="emg", performed_on=date(2024, 1, 30),
              emg=[S(level="S1", side="right", chronicity="chronic")],
              impression="Chronic right S1 radiculopathy.", pain_generators=["nerve_root"]),
            S(kind="blood", performed_on=date(2024, 1, 30), blood=[
                S(test="crp", value=Decimal("4.0"), unit="mg/L"), S(test="esr", value=Decimal("12"), unit="mm/h"),
                S(test="hba1c", value=Decimal("6.1"), unit="%")],
              impression="No sign of infection."),
        ],
        "diagnoses": [
            S(code="M96.1", is_primary=True, diagnosed_on=date(2024, 1, 15)),
            S(code="M54.17", diagnosed_on=date(2024, 2, 1)),
            S(code="Z79.891", diagnosed_on=date(2024, 1, 15)),
        ],
    },
    "N-1003": {
        "surgeries": [
            S(date_year=2021, date_month=9, procedure="microdiscectomy", levels=["L5"], hardware=["none"],
              surgeon="Dr M. Lindahl", facility="Northside Day Surgery", failure_causes=["epidural_fibrosis"]),
        ],
        "evaluations": [
            S(kind="mri", performed_on=date(2024, 5, 6), findings={"with_contrast": True},
              spinal=[D("epidural_fibrosis", "L5-S1")],
              impression="Scar tissue only; no recurrent disc.", pain_generators=["epidural_fibrosis"]),
            S(kind="psych", performed_on=date(2024, 5, 20), findings={"instrument": "gad7", "score": 12},
              impression="Moderate anxiety."),
        ],
        "diagnoses": [
            S(code="M96.1", is_primary=True, diagnosed_on=date(2024, 5, 10)),
            S(code="M54.16", diagnosed_on=date(2024, 5, 10)),
            S(code="F41.1", diagnosed_on=date(2024, 5, 20)),
        ],
    },
    "N-1004": {
        "surgeries": [
            S(date_year=2008, procedure="decompression", levels=["L3", "L4"], hardware=["none"],
              facility="County Hospital", failure_causes=["untreated_pathology"]),
            S(date_year=2014, date_month=3, procedure="fusion", fusion_approach="plif", levels=["L3", "L4", "L5"],
              hardware=["pedicle_screws_rods", "cage"], facility="County Hospital",
              failure_causes=["adjacent_segment", "complex_surgery"]),
            S(date_year=2019, procedure="revision", levels=["L2", "L3"], hardware=["pedicle_screws_rods"],
              facility="University Spine Centre", failure_causes=["multiple_surgeries", "central_sensitisation"]),
        ],
        "evaluations": [
            S(kind="flexion_extension", performed_on=date(2023, 11, 2), spinal=[D("instability", "L1-L2")],
              impression="Motion at L1-L2 above the construct.", pain_generators=["instability", "adjacent_segment"]),
            S(kind="bone_scan", performed_on=date(2023, 12, 1), spinal=[D("increased_uptake", "L2-L3")],
              impression="Uptake at L2 endplates."),
            S(kind="exam", performed_on=date(2023, 10, 20), findings={"straight_leg_raise": "negative",
              "facet_loading_pain": True}, impression="Axial pain, worse on extension.",
              pain_generators=["facet_joint"]),
        ],
        "diagnoses": [
            S(code="M96.1", is_primary=True, diagnosed_on=date(2023, 10, 20)),
            S(code="G89.4", diagnosed_on=date(2023, 10, 20)),
        ],
    },
    "N-1005": {
        "surgeries": [
            S(date_year=2022, date_month=4, date_day=2, procedure="disc_replacement", levels=["L5", "S1"],
              hardware=["other"], surgeon="Dr P. Nair", facility="Northside Day Surgery",
              failure_causes=["sacroiliac_pain"]),
        ],
        "evaluations": [
            S(kind="exam", performed_on=date(2024, 6, 3), findings={"si_provocation": True,
              "straight_leg_raise": "negative"}, impression="Positive sacroiliac provocation, 4 of 5.",
              pain_generators=["sacroiliac_joint"]),
        ],
        "diagnoses": [
            S(code="M96.1", is_primary=True, diagnosed_on=date(2024, 6, 3)),
            S(code="M46.1", diagnosed_on=date(2024, 6, 3)),
        ],
    },
    "S-2001": {
        "surgeries": [
            S(date_year=2011, procedure="laminotomy", levels=["L5"], hardware=["none"], facility="Bayview Medical"),
            S(date_year=2013, procedure="microdiscectomy", levels=["L5"], hardware=["none"],
              facility="Bayview Medical", failure_causes=["reherniation"]),
            S(date_year=2016, date_month=8, procedure="fusion", fusion_approach="alif", levels=["L5", "S1"],
              hardware=["cage", "plate"], facility="Bayview Medical",
              failure_causes=["depression", "opioid_dependence", "smoking"]),
        ],
        "evaluations": [
            S(kind="mri", performed_on=date(2024, 7, 8), spinal=[D("recurrent_herniation", "L4-L5", "central"),
                      D("adjacent_segment_degeneration", "L4-L5")],
              impression="New L4-L5 protrusion above the ALIF.", pain_generators=["disc", "adjacent_segment"],
              report=True),
            S(kind="psych", performed_on=date(2024, 7, 15), findings={"instrument": "ort", "score": 9},
              impression="High opioid risk."),
        ],
        "diagnoses": [
            S(code="M96.1", is_primary=True, diagnosed_on=date(2024, 7, 10)),
            S(code="M51.16", diagnosed_on=date(2024, 7, 10)),
            S(code="Z79.891", diagnosed_on=date(2024, 7, 10)),
            S(code="F32.A", diagnosed_on=date(2024, 7, 15)),
        ],
    },
    "S-2002": {
        "surgeries": [
            S(date_year=2021, date_month=2, procedure="foraminotomy", levels=["L4", "L5"], hardware=["none"],
              surgeon="Dr E. Castillo", facility="Mission Spine", complications=["nerve_root_injury"],
              failure_causes=["nerve_root_injury", "neuropathic_pain"]),
        ],
        "evaluations": [
            S(kind="emg", performed_on=date(2024, 8, 19), emg=[
                S(level="L5", side="left", chronicity="chronic"),
                S(level="L4", side="left", chronicity="acute_on_chronic")],
              impression="Left L4 and L5 radiculopathy.", pain_generators=["nerve_root"]),
            S(kind="blood", performed_on=date(2024, 8, 19), blood=[S(test="vitamin_d", value=Decimal("14.0"), unit="ng/mL")],
              impression="Vitamin D deficiency."),
        ],
        "diagnoses": [
            S(code="M96.1", is_primary=True, diagnosed_on=date(2024, 8, 20)),
            S(code="M54.16", diagnosed_on=date(2024, 8, 20)),
            S(code="G89.29", diagnosed_on=date(2024, 8, 20)),
        ],
    },
    "S-2003": {
        "surgeries": [
            S(date_year=2023, date_month=1, date_day=17, procedure="microdiscectomy", levels=["L5"],
              hardware=["none"], surgeon="Dr E. Castillo", facility="Mission Spine",
              failure_causes=["wrong_level"]),
        ],
        "evaluations": [
            S(kind="mri", performed_on=date(2024, 9, 2), spinal=[D("recurrent_herniation", "L5-S1", "right"),
                      D("foraminal_stenosis", "L5-S1", "right")],
              impression="Untreated L5-S1 herniation.", pain_generators=["disc", "nerve_root"]),
        ],
        "diagnoses": [S(code="M96.1", is_primary=True, diagnosed_on=date(2024, 9, 5))],
    },
    "S-2004": {
        "surgeries": [
            S(date_year=2010, procedure="fusion", fusion_approach="xlif", levels=["L2", "L3", "L4"],
              hardware=["cage", "pedicle_screws_rods"], facility="Pacific Spine Institute",
              failure_causes=["adjacent_segment"]),
        ],
        "evaluations": [
            S(kind="dexa", performed_on=date(2024, 4, 11), findings={"t_score": Decimal("-2.8"), "site": "total_hip"},
              impression="Osteoporosis: screw purchase a concern for any revision."),
            S(kind="ct", performed_on=date(2024, 4, 25), spinal=[D("hardware_loosening", "L4-L5"),
              D("stenosis", "L4-L5", "central"), D("stenosis", "L5-S1", "central")], impression="Loose L4 screws; stenosis below the construct.",
              pain_generators=["hardware", "stenosis"]),
        ],
        "diagnoses": [
            S(code="M96.1", is_primary=True, diagnosed_on=date(2024, 4, 11)),
            S(code="M81.0", diagnosed_on=date(2024, 4, 11)),
            S(code="M48.062", diagnosed_on=date(2024, 4, 25)),
        ],
    },
}  # fmt: skip


def _seed_history(patient: Patient, history: dict[str, list[dict[str, Any]]]) -> None:
    by = patient.primary_physician
    for row in history.get("surgeries", []):
        if not PriorSurgery.objects.filter(
            patient=patient, date_year=row["date_year"], procedure=row["procedure"]
        ).exists():
            services.surgery_record(patient=patient, by=by, **row)
    for row in history.get("evaluations", []):
        fields = dict(row)
        report = fields.pop("report", False)
        rows: list[EmgFinding | BloodValue | SpinalFinding] = [EmgFinding(**r) for r in fields.pop("emg", [])]
        rows += [SpinalFinding(**r) for r in fields.pop("spinal", [])]
        rows += [BloodValue(**r) for r in fields.pop("blood", [])]
        if Evaluation.objects.filter(
            patient=patient, kind=fields["kind"], performed_on=fields["performed_on"]
        ).exists():
            continue
        attachments = []
        if report:
            text = f"{fields['kind'].upper()} report {fields['performed_on']:%Y-%m-%d}: {fields['impression']}"
            attachments.append(SimpleUploadedFile(f"{fields['kind']}-report.pdf", tiny_pdf(text), "application/pdf"))
        services.evaluation_record(
            patient=patient, by=by, ordering_clinician=by, reviewing_clinician=by, rows=rows,
            attachments=attachments, **fields,
        )  # fmt: skip
    for row in history.get("diagnoses", []):
        if not Diagnosis.objects.filter(patient=patient, code=row["code"]).exists():
            services.diagnosis_add(patient=patient, by=by, **row)
