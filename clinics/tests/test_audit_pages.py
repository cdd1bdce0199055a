"""The clinic admin's access log and audit trail: all of it in pages, filtered, resolved, exported."""

from __future__ import annotations

import csv
import datetime
import html
import io
import re
from typing import Any

import pytest
from django.test import Client

from clinics.models import AccessLog
from clinics.recording import save_record
from clinics.roles import Role
from clinics.tests.factories import member
from patients.tests.factories import PatientFactory, PriorSurgeryFactory


def _text(response: Any) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def _lines(clinic: Any, user: Any, patients: list[Any], *, action: str = AccessLog.Action.VIEW) -> list[AccessLog]:
    return AccessLog.objects.bulk_create(
        AccessLog(clinic=clinic, user=user, patient_public_id=p.public_id, action=action, page="patients:chart")
        for p in patients
    )


def _rows(client: Client, path: str) -> list[str]:
    return re.findall(r'data-testid="(?:access-log|audit)-row"', client.get(path).content.decode())


def _csv(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


# --- Who may read them -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/clinic/audit/", "/clinic/access-log/", "/clinic/audit/export.csv", "/clinic/access-log/export.csv"]
)
@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.CLINIC_ADMIN])
def test_only_the_clinic_admin_reads_or_exports_the_logs(login, clinic_a, role, path) -> None:
    assert login(member(clinic_a, role, f"reader.{role}")).get(path).status_code == 403


def test_another_clinics_lines_never_appear_in_the_page_or_the_export(
    login, clinic_a, clinic_b, patient_a, clinic_admin_a, outsider
) -> None:
    theirs = PatientFactory.create(clinic=clinic_b, family_name="Elsewhere")
    _lines(clinic_b, outsider, [theirs])
    _lines(clinic_a, clinic_admin_a, [patient_a])
    client = login(clinic_admin_a)

    page = client.get("/clinic/access-log/")
    exported = _csv(client.get("/clinic/access-log/export.csv"))
    audit = client.get("/clinic/audit/")

    assert patient_a.family_name in _text(page) and "Elsewhere" not in _text(page)
    assert str(theirs.public_id) not in page.content.decode()
    assert [r for r in exported[1:] if r[4] == patient_a.mrn] and not [r for r in exported if theirs.mrn in r]
    assert "Elsewhere" not in _text(audit) and str(theirs.public_id) not in audit.content.decode()


# --- The access log -------------------------------------------------------------------------------


def test_the_access_log_shows_the_patients_name_and_mrn_resolved_when_read(
    login, clinic_a, patient_a, physician_a, clinic_admin_a
) -> None:
    login(physician_a).get(f"/patients/{patient_a.public_id}/")
    patient_a.family_name = "Renamed"
    save_record(patient_a, by=physician_a)

    text = _text(login(clinic_admin_a).get("/clinic/access-log/"))

    # The log holds the id only: the name shown is today's, not the one at the time of the view.
    assert f"Renamed, {patient_a.given_name} MRN {patient_a.mrn}" in text
    assert AccessLog.objects.filter(patient_public_id=patient_a.public_id).count() == 1


def test_the_access_log_and_its_export_name_the_page_in_words(
    login, clinic_a, patient_a, physician_a, clinic_admin_a
) -> None:
    login(physician_a).get(f"/patients/{patient_a.public_id}/history/")
    client = login(clinic_admin_a)

    cells = re.findall(r'data-testid="access-log-page">([^<]*)<', client.get("/clinic/access-log/").content.decode())
    exported = _csv(client.get("/clinic/access-log/export.csv"))

    assert cells == ["Chart history"]
    assert [row[3] for row in exported[1:] if row[4] == patient_a.mrn] == ["Chart history"]


def test_the_access_log_pages_through_all_of_it_newest_first(login, clinic_a, clinic_admin_a, physician_a) -> None:
    patients = PatientFactory.create_batch(3, clinic=clinic_a)
    _lines(clinic_a, physician_a, patients * 40)  # 120 lines
    client = login(clinic_admin_a)

    seen: list[int] = []
    path = "/clinic/access-log/"
    while path:
        body = client.get(path).content.decode()
        seen.append(len(re.findall(r'data-testid="access-log-row"', body)))
        older = re.search(r'href="\?([^"]+)" data-testid="log-older"', body)
        path = f"/clinic/access-log/?{older.group(1).replace('&amp;', '&')}" if older else ""

    assert seen == [50, 50, 20]


def test_a_page_of_the_access_log_comes_back_from_the_newer_link(login, clinic_a, clinic_admin_a, physician_a) -> None:
    _lines(clinic_a, physician_a, PatientFactory.create_batch(2, clinic=clinic_a) * 30)  # 60 lines
    client = login(clinic_admin_a)
    first = client.get("/clinic/access-log/").content.decode()
    older = re.search(r'href="\?([^"]+)" data-testid="log-older"', first)
    assert older
    second = client.get(f"/clinic/access-log/?{older.group(1).replace('&amp;', '&')}").content.decode()
    newer = re.search(r'href="\?([^"]+)" data-testid="log-newer"', second)
    assert newer

    back = client.get(f"/clinic/access-log/?{newer.group(1).replace('&amp;', '&')}").content.decode()

    assert len(re.findall(r'data-testid="access-log-row"', back)) == 50
    assert 'data-testid="log-newer"' not in back


def test_the_access_log_page_keeps_its_query_count_with_many_rows(
    login, clinic_a, clinic_admin_a, django_assert_max_num_queries
) -> None:
    readers = [member(clinic_a, Role.PHYSICIAN, f"reader{i}") for i in range(5)]
    patients = PatientFactory.create_batch(60, clinic=clinic_a)
    for reader in readers:
        _lines(clinic_a, reader, patients)  # 300 lines, 60 patients, 5 users
    client = login(clinic_admin_a)
    client.post("/clinic/access-log/", {"action": AccessLog.Action.VIEW})

    # Session, user, memberships; the page (users joined), its patients, the form's users; the
    # session's save; four savepoints. Measured 11 with 300 lines of 60 patients and 5 users.
    with django_assert_max_num_queries(11):
        rows = _rows(client, "/clinic/access-log/")

    assert len(rows) == 50


def test_the_access_log_filters_by_patient_user_action_and_period(
    login, clinic_a, clinic_admin_a, physician_a, therapist_a
) -> None:
    anna = PatientFactory.create(clinic=clinic_a, family_name="Ångström", given_name="Anna", mrn="A-100")
    bert = PatientFactory.create(clinic=clinic_a, family_name="Berg", given_name="Bert", mrn="B-200")
    _lines(clinic_a, physician_a, [anna, bert])
    _lines(clinic_a, therapist_a, [anna])
    printed = _lines(clinic_a, physician_a, [bert], action=AccessLog.Action.PRINT)[0]
    AccessLog.objects.filter(pk=printed.pk).update(at=datetime.datetime(2026, 3, 10, 15, tzinfo=datetime.UTC))
    client = login(clinic_admin_a)

    def filtered(**data: Any) -> int:
        client.post("/clinic/access-log/", {"clear": "1"})
        assert client.post("/clinic/access-log/", data).status_code == 302
        return len(_rows(client, "/clinic/access-log/"))

    assert filtered(patient="angstrom") == 2  # name, case and accents folded
    assert filtered(patient="b-200") == 2  # the MRN
    assert filtered(user=therapist_a.pk) == 1
    assert filtered(action=AccessLog.Action.PRINT) == 1
    assert filtered(date_from="2026-03-10", date_to="2026-03-10") == 1
    assert filtered(date_from="2026-03-11") == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date_from": "2026-02-30"}, "Enter a valid date."),
        ({"date_from": "0001-01-01"}, "Enter a date between"),
        ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "The period ends before it starts."),
        ({"user": "999999"}, "Select a valid choice."),
        ({"action": "<script>"}, "Select a valid choice."),
    ],
)
def test_a_bad_filter_is_a_message_and_the_list_stays_as_it_was(
    login, clinic_a, clinic_admin_a, physician_a, data, message
) -> None:
    _lines(clinic_a, physician_a, PatientFactory.create_batch(2, clinic=clinic_a))
    client = login(clinic_admin_a)
    for path in ("/clinic/access-log/", "/clinic/audit/"):
        response = client.post(path, data)
        assert response.status_code == 200
        assert message in response.content.decode()
    assert len(_rows(client, "/clinic/access-log/")) == 2


def test_a_malformed_page_cursor_is_the_first_page(login, clinic_a, clinic_admin_a, physician_a) -> None:
    _lines(clinic_a, physician_a, PatientFactory.create_batch(3, clinic=clinic_a))
    client = login(clinic_admin_a)
    for junk in ("x", "2026-01-01|a|b", "2026-01-01T00:00|x|1", "|||"):
        assert len(_rows(client, f"/clinic/access-log/?before={junk}")) == 3


def test_the_access_log_export_is_the_filtered_log_and_is_itself_logged(
    login, clinic_a, clinic_admin_a, physician_a, therapist_a
) -> None:
    patient = PatientFactory.create(clinic=clinic_a, family_name="=HYPERLINK", mrn="X-1")
    _lines(clinic_a, physician_a, [patient])
    _lines(clinic_a, therapist_a, [patient])
    client = login(clinic_admin_a)
    client.post("/clinic/access-log/", {"user": physician_a.pk})

    rows = _csv(client.get("/clinic/access-log/export.csv"))

    assert rows[0][:6] == ["When", "User", "Action", "Page", "MRN", "Patient"]
    assert [(r[1], r[2], r[4]) for r in rows[1:]] == [("physician.a", "Viewed", "X-1")]
    assert rows[1][5].startswith("'=HYPERLINK")  # never a formula in a spreadsheet
    export = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert (export.user, export.patient_public_id, export.page) == (clinic_admin_a, None, "clinic_access_log_csv")


def test_the_outcomes_export_is_logged_as_an_export_without_a_patient(login, clinic_a, physician_a) -> None:
    assert login(physician_a).get("/outcomes/export.csv").status_code == 200
    line = AccessLog.objects.get()
    assert (line.action, line.patient_public_id, line.user) == (AccessLog.Action.EXPORT, None, physician_a)


@pytest.mark.parametrize("path", ["/patients/", "/schedule/worklist/", "/schedule/arrivals/"])
def test_a_list_of_patients_writes_no_line(login, clinic_a, physician_a, patient_a, path) -> None:
    assert login(physician_a).get(path).status_code == 200
    assert not AccessLog.objects.exists()


def test_a_refused_page_writes_no_line(login, frontdesk_a, patient_a) -> None:
    surgery = PriorSurgeryFactory.create(patient=patient_a)
    assert login(frontdesk_a).get(f"/patients/surgeries/{surgery.public_id}/edit/").status_code == 403
    assert not AccessLog.objects.exists()


# --- The audit trail ------------------------------------------------------------------------------


def test_the_audit_trail_pages_over_every_record_type_newest_first(login, clinic_a, clinic_admin_a) -> None:
    patients = PatientFactory.create_batch(40, clinic=clinic_a)
    for p in patients:
        PriorSurgeryFactory.create(patient=p)  # 80 versions over two tables, + the clinic and the admin's membership
    client = login(clinic_admin_a)

    seen, stamps, path = [], [], "/clinic/audit/"
    while path:
        body = client.get(path).content.decode()
        seen.append(len(re.findall(r'data-testid="audit-row"', body)))
        stamps += re.findall(r'<tr data-testid="audit-row"><td class="text-nowrap">([^<]+)</td>', body)
        older = re.search(r'href="\?([^"]+)" data-testid="log-older"', body)
        path = f"/clinic/audit/?{older.group(1).replace('&amp;', '&')}" if older else ""

    assert seen == [50, 32]
    assert stamps == sorted(stamps, reverse=True)


def test_an_audit_page_reads_past_versions_that_changed_nothing_to_show_fifty_lines(
    login, clinic_a, clinic_admin_a, physician_a
) -> None:
    patients = PatientFactory.create_batch(60, clinic=clinic_a)  # 60 versions "created"
    for p in patients:
        save_record(p, by=physician_a)  # 60 newer versions that change nothing: not shown
    client = login(clinic_admin_a)

    seen, path = [], "/clinic/audit/"
    while path:
        body = client.get(path).content.decode()
        seen.append(len(re.findall(r'data-testid="audit-row"', body)))
        older = re.search(r'href="\?([^"]+)" data-testid="log-older"', body)
        path = f"/clinic/audit/?{older.group(1).replace('&amp;', '&')}" if older else ""

    # 60 creations, the clinic's and the admin's and physician's memberships: 50 on the first page.
    assert seen[0] == 50
    assert sum(seen) == 60 + 3


def test_the_audit_trail_keeps_its_query_count_with_many_rows(
    login, clinic_a, clinic_admin_a, physician_a, django_assert_max_num_queries
) -> None:
    patients = PatientFactory.create_batch(60, clinic=clinic_a, primary_physician=physician_a)
    for p in patients:
        PriorSurgeryFactory.create(patient=p)
        p.family_name = f"{p.family_name}x"
        p.primary_physician = clinic_admin_a
        save_record(p, by=physician_a)
    client = login(clinic_admin_a)

    # Per audited model (18) one query for its rows; per model on the page its earlier versions and
    # the related rows of changed keys; the authors; the patients; the form's users; session and
    # savepoints. Measured 33 with 30 and with 90 patients of three versions each.
    with django_assert_max_num_queries(33):
        rows = _rows(client, "/clinic/audit/")

    assert len(rows) == 50


def test_the_audit_trail_filters_by_patient_user_action_and_period(
    login, clinic_a, clinic_admin_a, physician_a, frontdesk_a
) -> None:
    anna = PatientFactory.create(clinic=clinic_a, family_name="Ångström", mrn="A-1")
    bert = PatientFactory.create(clinic=clinic_a, family_name="Berg", mrn="B-2")
    PriorSurgeryFactory.create(patient=anna)
    anna.email = "anna@example.org"
    save_record(anna, by=frontdesk_a)
    bert.email = "bert@example.org"
    save_record(bert, by=physician_a)
    client = login(clinic_admin_a)

    def filtered(**data: Any) -> str:
        client.post("/clinic/audit/", {"clear": "1"})
        assert client.post("/clinic/audit/", data).status_code == 302
        return _text(client.get("/clinic/audit/"))

    def rows(text: str) -> list[str]:
        return re.findall(r"MRN ([AB]-\d)", text)

    assert rows(filtered(patient="angstr")) == ["A-1"] * 3  # created, her surgery, changed
    assert rows(filtered(user=frontdesk_a.pk)) == ["A-1"]
    changed = filtered(action="changed")
    assert sorted(rows(changed)) == ["A-1", "B-2"] and "anna@example.org" in changed
    assert rows(filtered(date_to="2020-01-01")) == []


def test_the_audit_export_has_each_change_before_and_after_and_is_logged(
    login, clinic_a, clinic_admin_a, physician_a
) -> None:
    patient = PatientFactory.create(clinic=clinic_a, email="old@example.org", mrn="E-1")
    patient.email = "new@example.org"
    save_record(patient, by=physician_a)
    client = login(clinic_admin_a)

    rows = _csv(client.get("/clinic/audit/export.csv"))

    header = rows[0]
    change = next(dict(zip(header, r, strict=True)) for r in rows[1:] if r[header.index("Field")] == "email")
    assert (change["User"], change["Action"], change["MRN"]) == ("physician.a", "changed", "E-1")
    assert (change["Before"], change["After"]) == ("old@example.org", "new@example.org")
    export = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert (export.patient_public_id, export.page) == (None, "clinic_audit_csv")


def test_the_clinics_own_settings_are_in_the_audit_trail_with_before_and_after(
    login, clinic_a, clinic_admin_a
) -> None:
    from clinics.staff import clinic_set_two_factor_roles

    clinic_set_two_factor_roles(clinic=clinic_a, by=clinic_admin_a, roles=[Role.THERAPIST])

    text = _text(login(clinic_admin_a).get("/clinic/audit/"))

    assert "changed · Changed the roles that need two-factor sign-in Clinic Clinic A" in text
    assert "→ therapist" in text
