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


class _Loader(yaml.SafeLoader):
    """YAML with ``!decimal '4.0'`` for exact decimals (T-scores, blood values)."""


def _decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    assert isinstance(node, yaml.ScalarNode)  # noqa: S101 - the tag is only used on scalars
    return Decimal(loader.construct_scalar(node))


_Loader.add_constructor("!decimal", _decimal)
_DATA: list[dict[str, Any]] = yaml.load(
    (Path(__file__).parent / "demo_patients.yaml").read_text(encoding="utf-8"),
    Loader=_Loader,  # noqa: S506 - a SafeLoader with one more tag
)

# (clinic key, MRN, given, family, date of birth, sex, physician's username, risk factors).
PATIENTS: list[tuple[str, str, str, str, date, str, str, dict[str, Any]]] = [
    (p["clinic"], p["mrn"], p["given_name"], p["family_name"], p["date_of_birth"], p["sex"], p["physician"],
     p["risk_factors"])
    for p in _DATA
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

HISTORIES: dict[str, dict[str, list[dict[str, Any]]]] = {p["mrn"]: p["history"] for p in _DATA if "history" in p}


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
