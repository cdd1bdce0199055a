"""The staff side of surveys: the admin's schedule pages, enrolling, the stop switch, resending, and
handing a survey over as a QR code or on a kiosk. Outsiders get 404, roles without the need 403."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from notifications.models import Message
from outcomes import surveys
from outcomes.models import PatientSurveyPreference, SurveyEnrolment, SurveyInvitation, SurveyWave
from outcomes.tests.survey_data import consenting, enrolled, load_instruments, local_today, short_schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def schedule(clinic_a: Any) -> Any:
    load_instruments()
    return short_schedule(clinic_a)


def test_the_clinic_admin_sees_and_edits_the_schedules_and_others_cannot(
    clinic_a: Any, clinic_admin_a: Any, physician_a: Any, outsider: Any, login: Any
) -> None:
    load_instruments()
    admin = login(clinic_admin_a)
    page = admin.get("/outcomes/schedules/")
    assert page.status_code == 200 and b"Default" in page.content and b"24 months" in page.content
    assert login(physician_a).get("/outcomes/schedules/").status_code == 403
    default = surveys.ensure_clinic_defaults(clinic_a)
    url = f"/outcomes/schedules/{default.public_id}/"
    assert login(outsider).get(url).status_code in (403, 404)
    wave = SurveyWave.objects.get(schedule=default, key="6w")
    saved = admin.post(url, {
        "form": f"wave-{wave.pk}", f"w{wave.pk}-key": "6w", f"w{wave.pk}-label": "Six weeks",
        f"w{wave.pk}-offset_days": "45", f"w{wave.pk}-window_days": "10", f"w{wave.pk}-instruments": ["phq9", "nrs_back"],
    })  # fmt: skip
    assert saved.status_code == 302
    wave.refresh_from_db()
    assert (wave.label, wave.offset_days, wave.window_days, wave.instruments) == ("Six weeks", 45, 10, ["phq9", "nrs_back"])
    refused = admin.post(url, {
        "form": "wave-new", "wnew-key": "bad", "wnew-label": "<b>x</b>", "wnew-offset_days": "-3", "wnew-window_days": "0",
    })  # fmt: skip
    assert refused.status_code == 200 and SurveyWave.objects.filter(schedule=default).count() == 6


def test_the_admin_sets_the_crisis_resources(clinic_a: Any, clinic_admin_a: Any, login: Any) -> None:
    load_instruments()
    answer = login(clinic_admin_a).post(
        "/outcomes/schedules/", {"form": "crisis", "crisis_text": "Call the county line.", "crisis_phone": "+1 555 0100"}
    )
    assert answer.status_code == 302
    assert surveys.clinic_settings(clinic_a).crisis_text == "Call the county line."


def test_a_clinician_enrols_a_patient_from_the_chart(
    schedule: Any, patient_a: Any, physician_a: Any, frontdesk_a: Any, outsider: Any, login: Any
) -> None:
    url = f"/outcomes/patients/{patient_a.public_id}/surveys/enrol/"
    data = {"schedule": str(schedule.public_id), "anchor_date": local_today(patient_a.clinic).isoformat()}
    assert login(outsider).post(url, data).status_code == 404
    assert login(frontdesk_a).post(url, data).status_code == 403
    assert login(physician_a).post(url, {"schedule": str(schedule.public_id), "anchor_date": "not a date"}).status_code == 302
    assert not SurveyEnrolment.objects.exists()
    assert login(physician_a).post(url, data).status_code == 302
    assert SurveyInvitation.objects.filter(patient=patient_a).count() == 3
    chart = login(physician_a).get(f"/patients/{patient_a.public_id}/")
    assert chart.status_code == 200 and b'data-testid="chart-invitations"' in chart.content


def test_the_front_desk_stops_surveys_at_the_patients_wish(schedule: Any, patient_a: Any, frontdesk_a: Any, outsider: Any, login: Any) -> None:
    url = f"/outcomes/patients/{patient_a.public_id}/surveys/stop/"
    assert login(outsider).post(url, {"stop": "1"}).status_code == 404
    assert login(frontdesk_a).post(url, {"stop": "1"}).status_code == 302
    assert PatientSurveyPreference.objects.get(patient=patient_a).stop_surveys is True
    login(frontdesk_a).post(url, {"stop": "0"})
    assert PatientSurveyPreference.objects.get(patient=patient_a).stop_surveys is False


def test_the_front_desk_resends_an_open_survey_once_per_click(schedule: Any, patient_a: Any, frontdesk_a: Any, outsider: Any, login: Any) -> None:
    invitation = enrolled(consenting(patient_a), schedule)
    url = f"/outcomes/invitations/{invitation.public_id}/resend/"
    assert login(outsider).post(url).status_code == 404
    desk = login(frontdesk_a)
    assert desk.post(url).status_code == 302
    desk.post(url)  # a double click in the same minute
    assert Message.objects.filter(purpose="survey_invitation").count() == 2  # the first invitation and one resend


def test_the_handover_shows_a_qr_code_of_a_fresh_link_and_the_old_link_stops(
    schedule: Any, patient_a: Any, frontdesk_a: Any, login: Any, client: Client
) -> None:
    invitation = enrolled(consenting(patient_a), schedule)
    old = re.search(r"/survey/([A-Za-z0-9_-]{43})/", Message.objects.get(purpose="survey_invitation").body)
    assert old
    page = login(frontdesk_a).post(f"/outcomes/invitations/{invitation.public_id}/handover/")
    assert page.status_code == 200 and b"<svg" in page.content
    assert client.get(f"/survey/{old.group(1)}/").status_code == 410


def test_the_kiosk_hand_over_signs_staff_out_and_ends_on_a_neutral_screen(
    schedule: Any, patient_a: Any, frontdesk_a: Any, login: Any
) -> None:
    invitation = enrolled(consenting(patient_a), schedule)
    device = login(frontdesk_a)
    to_survey = device.post(f"/outcomes/invitations/{invitation.public_id}/handover/", {"mode": "kiosk"})
    path = to_survey["Location"]
    assert re.fullmatch(r"/survey/[A-Za-z0-9_-]{43}/", path)
    assert device.get("/patients/").status_code == 302  # the staff session is gone
    first = device.get(path, follow=True)
    assert b"clinic device" in first.content
    device.post(f"{path}1/", {"pain": "3"})
    device.post(f"{path}2/", {"pain": "3"})
    device.post(f"{path}3/", {f"item{n}": "0" for n in range(1, 10)})
    done = device.post(f"{path}send/", follow=True)
    assert b'data-testid="kiosk-finish"' in done.content
    neutral = device.post("/survey/kiosk/", follow=True)
    assert b'data-testid="kiosk-idle"' in neutral.content
    for secret in (patient_a.family_name, patient_a.given_name, patient_a.mrn):
        assert secret.encode() not in neutral.content
