"""clinics.history: every version says who, when, and each changed field's values in words."""

import datetime
import re

from clinics.history import history, versions_of
from clinics.models import Membership
from clinics.recording import save_record
from clinics.roles import Role
from patients.models import Patient


def test_a_change_names_the_related_row_not_its_id(patient_a, physician_a, therapist_a, frontdesk_a):
    patient_a.primary_physician = therapist_a
    save_record(patient_a, by=frontdesk_a)

    versions = versions_of(Patient, history(Patient).filter(id=patient_a.pk))

    latest = versions[-1]
    assert latest.user == frontdesk_a and latest.action == "changed"
    change = next(c for c in latest.changes if c.label == "primary physician")
    assert change.old == physician_a.get_full_name() and change.new == therapist_a.get_full_name()


def test_a_change_shows_choice_labels_and_yes_or_no(clinic_a, nurse_a, clinic_admin_a):
    membership = Membership.objects.get(user=nurse_a, clinic=clinic_a)
    membership.role = Role.PSYCHOLOGIST
    membership.is_active = False
    save_record(membership, by=clinic_admin_a)

    changes = versions_of(Membership, history(Membership).filter(id=membership.pk))[-1].changes

    assert ("role", "Nurse", "Psychologist") in changes
    assert ("active", "yes", "no") in changes


def test_a_change_formats_dates(patient_a, physician_a):
    patient_a.date_of_birth = datetime.date(1970, 1, 2)
    save_record(patient_a, by=physician_a)

    changes = versions_of(Patient, history(Patient).filter(id=patient_a.pk))[-1].changes

    birth = next(c for c in changes if c.label == "date of birth")
    assert birth.new == "Jan. 2, 1970"


def test_a_save_without_a_visible_change_is_not_listed(patient_a, physician_a):
    save_record(patient_a, by=physician_a)  # nothing changed

    versions = versions_of(Patient, history(Patient).filter(id=patient_a.pk))

    assert [v.action for v in versions] == ["created"]


def test_the_audit_trail_shows_a_demographic_change_before_and_after(login, patient_a, physician_a, clinic_admin_a):
    old_name = patient_a.family_name
    patient_a.family_name = "Quetzal"
    save_record(patient_a, by=physician_a)

    text = re.sub(r"<[^>]+>", "", login(clinic_admin_a).get("/clinic/audit/").content.decode())

    assert f"Family name: {old_name} → Quetzal" in text


def test_the_audit_trail_names_a_changed_risk_factor_but_withholds_its_values_from_the_admin(
    login, patient_a, physician_a, clinic_admin_a
):
    patient_a.history_of_depression = True
    save_record(patient_a, by=physician_a)

    text = re.sub(r"<[^>]+>", "", login(clinic_admin_a).get("/clinic/audit/").content.decode())

    assert "History of depression: … → …" in text
    assert "History of depression: no → yes" not in text
