"""The one gate, the active clinic, the audit trail, the access log and the operators' admin."""

import logging

import pytest
from django.test import Client

from clinics.logging import ScrubQueryStringFilter
from clinics.models import AccessLog, Membership
from clinics.roles import Need, Role
from clinics.tests.factories import member
from patients.models import Patient
from patients.tests.factories import PatientFactory


def test_chart_opens_for_a_physician_of_the_clinic(login, physician_a, patient_a) -> None:
    response = login(physician_a).get(f"/patients/{patient_a.public_id}/")
    assert response.status_code == 200
    assert patient_a.family_name.encode() in response.content


def test_it_rejects_the_outsider_with_404(login, outsider, clinic_a) -> None:
    # A name no generated staff name can share (the page names the signed-in outsider).
    patient = PatientFactory.create(clinic=clinic_a, family_name="Quillfeatherby")
    response = login(outsider).get(f"/patients/{patient.public_id}/")
    assert response.status_code == 404
    assert b"Quillfeatherby" not in response.content


def test_a_malformed_id_is_404_not_500(login, physician_a) -> None:
    assert login(physician_a).get("/patients/not-a-uuid/").status_code == 404


def test_front_desk_may_not_edit_when_role_lacks_it(login, therapist_a, patient_a) -> None:
    response = login(therapist_a).get(f"/patients/{patient_a.public_id}/edit/")
    assert response.status_code == 403


def test_front_desk_registers_and_edits_demographics(login, frontdesk_a, patient_a) -> None:
    assert login(frontdesk_a).get(f"/patients/{patient_a.public_id}/edit/").status_code == 200


def test_a_member_of_two_clinics_sees_only_the_active_clinics_patients(login, clinic_a, clinic_b) -> None:
    both = member(clinic_a, Role.PHYSICIAN, "physician.both")
    Membership.objects.create(user=both, clinic=clinic_b, role=Role.PHYSICIAN)
    in_a = PatientFactory.create(clinic=clinic_a, family_name="Aardvark")
    in_b = PatientFactory.create(clinic=clinic_b, family_name="Bittern")
    client = login(both)

    client.post("/clinic/switch/", {"clinic": str(clinic_a.public_id)})
    listing = client.get("/patients/").content
    assert b"Aardvark" in listing and b"Bittern" not in listing
    # Another of their own clinics: a page offering to switch (issue 8), nothing of the record.
    other = client.get(f"/patients/{in_b.public_id}/")
    assert other.status_code == 409 and b"Bittern" not in other.content

    client.post("/clinic/switch/", {"clinic": str(clinic_b.public_id)})
    listing = client.get("/patients/").content
    assert b"Bittern" in listing and b"Aardvark" not in listing
    assert client.get(f"/patients/{in_a.public_id}/").status_code == 409
    assert client.get(f"/patients/{in_b.public_id}/").status_code == 200


def test_switching_to_a_clinic_one_is_not_a_member_of_is_refused(login, physician_a, clinic_a, clinic_b) -> None:
    client = login(physician_a)
    response = client.post("/clinic/switch/", {"clinic": str(clinic_b.public_id)}, follow=True)
    assert b"not a member of that clinic" in response.content
    assert client.get("/").wsgi_request.membership.clinic == clinic_a


def test_switch_clinic_with_garbage_is_a_400(login, physician_a) -> None:
    assert login(physician_a).post("/clinic/switch/", {"clinic": "<script>"}).status_code == 400


def test_a_deactivated_membership_no_longer_opens_the_clinic(login, physician_a, patient_a) -> None:
    client = login(physician_a)
    Membership.objects.filter(user=physician_a).update(is_active=False)
    assert client.get(f"/patients/{patient_a.public_id}/").status_code == 404


def test_viewing_a_chart_writes_the_access_log(login, physician_a, patient_a, clinic_a) -> None:
    login(physician_a).get(f"/patients/{patient_a.public_id}/")
    entry = AccessLog.objects.get()
    assert (entry.user, entry.clinic, entry.patient_public_id, entry.action) == (
        physician_a,
        clinic_a,
        patient_a.public_id,
        AccessLog.Action.VIEW,
    )


def test_an_outsiders_attempt_is_not_logged_as_a_view(login, outsider, patient_a) -> None:
    login(outsider).get(f"/patients/{patient_a.public_id}/")
    assert not AccessLog.objects.exists()


def test_changes_to_a_patient_are_audited_with_who(login, frontdesk_a, patient_a) -> None:
    client = login(frontdesk_a)
    data = {
        "given_name": patient_a.given_name, "family_name": "Renamed", "mrn": patient_a.mrn,
        "date_of_birth": patient_a.date_of_birth.isoformat(), "sex": "female", "preferred_channel": "email",
        "preferred_language": "en", "status": "active", "status_date": "2026-01-05", "smoking_status": "never",
        "work_status": "unknown", "email": patient_a.email, "consent_email": "on",
    }  # fmt: skip
    response = client.post(f"/patients/{patient_a.public_id}/edit/", data)
    assert response.status_code == 302, response.content
    latest = Patient.history.filter(public_id=patient_a.public_id).latest("history_date")
    assert latest.history_type == "~"
    assert latest.history_user == frontdesk_a
    assert latest.family_name == "Renamed"


def test_clinic_admin_reads_audit_and_access_log_of_own_clinic_only(
    login, clinic_a, clinic_b, patient_a, clinic_admin_a
) -> None:
    admin = clinic_admin_a
    other_patient = PatientFactory.create(clinic=clinic_b)
    AccessLog.objects.create(clinic=clinic_b, user=admin, patient_public_id=other_patient.public_id)
    AccessLog.objects.create(clinic=clinic_a, user=admin, patient_public_id=patient_a.public_id)
    client = login(admin)

    audit = client.get("/clinic/audit/")
    assert audit.status_code == 200
    assert str(patient_a.public_id).encode() in audit.content
    assert str(other_patient.public_id).encode() not in audit.content

    log = client.get("/clinic/access-log/")
    assert str(patient_a.public_id).encode() in log.content
    assert str(other_patient.public_id).encode() not in log.content


@pytest.mark.parametrize("path", ["/clinic/audit/", "/clinic/access-log/", "/clinic/staff/"])
def test_only_a_clinic_admin_reads_the_audit_pages(login, physician_a, path: str) -> None:
    assert login(physician_a).get(path).status_code == 403


def test_django_admin_is_for_superusers_only(login, clinic_admin_a, django_user_model) -> None:
    staff = clinic_admin_a
    staff.is_staff = True
    staff.save()
    assert login(staff).get("/django-admin/").status_code == 302

    root = django_user_model.objects.create_superuser("root", "root@example.org", "root-password-123")
    client = Client()
    client.force_login(root)
    assert client.get("/django-admin/").status_code == 200


def test_healthz_touches_no_database(client) -> None:
    # No db fixture: pytest-django makes any database access in this test raise.
    response = client.get("/healthz")
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("role", "expected", "absent"),
    [
        (Role.FRONT_DESK, b"Find a patient", b"My patients"),
        (Role.PHYSICIAN, b"My patients", b"Clinic administration"),
        (Role.CLINIC_ADMIN, b"Clinic administration", b"My patients"),
    ],
)
def test_home_page_follows_the_role(login, clinic_a, role, expected, absent) -> None:
    user = member(clinic_a, role, f"home.{role}")
    content = login(user).get("/").content
    assert expected in content
    assert absent not in content


def test_role_permissions_follow_the_issue() -> None:
    from clinics.roles import role_can

    assert role_can(Role.FRONT_DESK, Need.EDIT_DEMOGRAPHICS)
    assert not role_can(Role.FRONT_DESK, Need.EDIT_CLINICAL)
    assert not role_can(Role.FRONT_DESK, Need.WRITE_PLAN)
    assert role_can(Role.PHYSICIAN, Need.WRITE_PLAN)
    assert not role_can(Role.THERAPIST, Need.WRITE_PLAN)
    assert role_can(Role.CLINIC_ADMIN, Need.ADMINISTER)


def test_log_records_lose_their_query_strings() -> None:
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/x?name=Jane",), None)
    ScrubQueryStringFilter().filter(record)
    assert "Jane" not in record.getMessage()


def test_times_are_shown_in_the_active_clinics_time_zone(login, clinic_a, patient_a, clinic_admin_a) -> None:
    import datetime

    admin = clinic_admin_a
    entry = AccessLog.objects.create(clinic=clinic_a, user=admin, patient_public_id=patient_a.public_id)
    # 05:30 UTC on New Year's Day is still New Year's Eve in Chicago (UTC-6).
    AccessLog.objects.filter(pk=entry.pk).update(at=datetime.datetime(2026, 1, 1, 5, 30, tzinfo=datetime.UTC))
    content = login(admin).get("/clinic/access-log/").content
    assert b"2025-12-31 23:30" in content
    assert b"2026-01-01 05:30" not in content
