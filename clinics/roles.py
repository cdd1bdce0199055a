"""Roles at a clinic and what each may do. The one place that maps a role to its permissions.

Who may do what (``PERMISSIONS`` below is the rule; this table says it in words):

| need              | front desk | physician | therapist | psychologist | nurse | clinic admin |
| ----------------- | ---------- | --------- | --------- | ------------ | ----- | ------------ |
| VIEW_PATIENT      | yes        | yes       | yes       | yes          | yes   | yes          |
| EDIT_DEMOGRAPHICS | yes        | yes       |           |              | yes   | yes          |
| VIEW_CLINICAL     |            | yes       | yes       | yes          | yes   |              |
| EDIT_CLINICAL     |            | yes       | yes       | yes          | yes   |              |
| WRITE_DIAGNOSIS   |            | yes       |           |              |       |              |
| WRITE_PLAN        |            | yes       |           |              |       |              |
| BOOK              | yes        | yes       |           |              | yes   | yes          |
| ADMINISTER        |            |           |           |              |       | yes          |

Least privilege inside a clinic (issue 11):

- The patient's risk factors (smoking, height and weight, work status and workers' compensation,
  opioids at intake, history of depression or anxiety) are clinical data: read with
  ``VIEW_CLINICAL``, written with ``EDIT_CLINICAL``. The front desk and the clinic admin edit a
  patient's demographics without ever seeing or sending them (``patients.forms.patient_form_for``)
  and the services refuse a change of them by anyone else (``patients.services``).
- Draft treatment plans are clinical work in progress: without ``VIEW_CLINICAL`` a draft does not
  exist (404 on its pages, absent from every list); what is to be booked comes from active plans.
- Diagnoses are added and changed (which one is primary included) with ``WRITE_DIAGNOSIS``.
"""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    FRONT_DESK = "front_desk", _("Front desk")
    PHYSICIAN = "physician", _("Physician")
    THERAPIST = "therapist", _("Physical therapist")
    PSYCHOLOGIST = "psychologist", _("Psychologist")
    NURSE = "nurse", _("Nurse")
    CLINIC_ADMIN = "clinic_admin", _("Clinic admin")


class Need(StrEnum):
    """What a view needs to do with a patient-bound object."""

    # See that the patient exists: name, demographics, contact details (every role).
    VIEW_PATIENT = "view_patient"
    # Register a patient and edit demographics and contact details.
    EDIT_DEMOGRAPHICS = "edit_demographics"
    # Read clinical records: surgeries, evaluations, risk factors, draft and active plans, scores.
    VIEW_CLINICAL = "view_clinical"
    # Write clinical records (surgeries, evaluations, risk factors, interventions of one's own discipline).
    EDIT_CLINICAL = "edit_clinical"
    # Add and change diagnoses, and choose which one is primary.
    WRITE_DIAGNOSIS = "write_diagnosis"
    # Create, activate, change and close treatment plans.
    WRITE_PLAN = "write_plan"
    # Book and change appointments.
    BOOK = "book"
    # Read the clinic's audit trail and access log, manage staff.
    ADMINISTER = "administer"


CLINICIANS = frozenset({Role.PHYSICIAN, Role.THERAPIST, Role.PSYCHOLOGIST, Role.NURSE})

PERMISSIONS: dict[Need, frozenset[str]] = {
    Need.VIEW_PATIENT: frozenset(Role.values),
    Need.EDIT_DEMOGRAPHICS: frozenset({Role.FRONT_DESK, Role.PHYSICIAN, Role.NURSE, Role.CLINIC_ADMIN}),
    Need.VIEW_CLINICAL: CLINICIANS,
    Need.EDIT_CLINICAL: CLINICIANS,
    Need.WRITE_DIAGNOSIS: frozenset({Role.PHYSICIAN}),
    Need.WRITE_PLAN: frozenset({Role.PHYSICIAN}),
    Need.BOOK: frozenset({Role.FRONT_DESK, Role.NURSE, Role.PHYSICIAN, Role.CLINIC_ADMIN}),
    Need.ADMINISTER: frozenset({Role.CLINIC_ADMIN}),
}


def role_can(role: str, need: Need) -> bool:
    return role in PERMISSIONS[need]


# Which discipline's interventions a clinician may update (treatment plans use this).
class Discipline(models.TextChoices):
    PAIN_MEDICINE = "pain_medicine", _("Pain medicine")
    PHYSICAL_THERAPY = "physical_therapy", _("Physical therapy")
    PSYCHOLOGY = "psychology", _("Psychology")
    SPINE_SURGERY = "spine_surgery", _("Spine surgery")
    NURSING = "nursing", _("Nursing")
    OTHER = "other", _("Other")


ROLE_DISCIPLINE: dict[str, str] = {
    Role.PHYSICIAN: Discipline.PAIN_MEDICINE,
    Role.THERAPIST: Discipline.PHYSICAL_THERAPY,
    Role.PSYCHOLOGIST: Discipline.PSYCHOLOGY,
    Role.NURSE: Discipline.NURSING,
}
