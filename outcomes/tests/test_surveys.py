"""Schedules, invitations, reminders, the send-time checks, the patient's pages and the safety alert."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from notifications import dispatch, links
from notifications.models import Message, Status
from outcomes import surveys
from outcomes.models import (
    InvitationStatus,
    Response,
    ResponseScore,
    SafetyAlert,
    SurveyEnrolment,
    SurveyInvitation,
)
from outcomes.survey_flow import SurveyClosed, invitation_submit, page_save, pages_for
from outcomes.tests.survey_data import (
    PHQ9_CALM,
    PHQ9_ITEM9,
    consenting,
    enrolled,
    load_instruments,
    local_today,
    short_schedule,
)
from patients.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

TOKEN_IN_BODY = re.compile(r"/survey/([A-Za-z0-9_-]{43})/")


@pytest.fixture
def schedule(clinic_a: Any) -> Any:
    load_instruments()
    return short_schedule(clinic_a)


@pytest.fixture
def patient(patient_a: Any, physician_a: Any) -> Any:
    physician_a.email = "physician.a@clinic-a.example.org"
    physician_a.save()
    return consenting(patient_a)


def _token(message: Message) -> str:
    found = TOKEN_IN_BODY.search(message.body)
    assert found, "the message carries a survey link"
    return found.group(1)


def _invite_message(invitation: SurveyInvitation) -> Message:
    return Message.objects.filter(owner_ref=surveys.invitation_owner_ref(invitation), purpose="survey_invitation").latest("pk")


def _answer_all(client: Client, token: str, *, phq9: dict[str, str] = PHQ9_CALM) -> Any:
    assert client.post(f"/survey/{token}/1/", {"pain": "6"}).status_code == 302
    assert client.post(f"/survey/{token}/2/", {"pain": "4"}).status_code == 302
    assert client.post(f"/survey/{token}/3/", phq9).status_code == 302
    return client.post(f"/survey/{token}/send/")


# --- Schedules and waves ---------------------------------------------------------------------------


def test_a_clinic_gets_the_default_schedule_once_with_the_clinical_waves(clinic_a: Any) -> None:
    first = surveys.ensure_clinic_defaults(clinic_a)
    again = surveys.ensure_clinic_defaults(clinic_a)
    assert first.pk == again.pk
    waves = list(first.waves.all())
    assert [(w.key, w.offset_days, w.window_days) for w in waves] == [
        ("baseline", 0, 14), ("6w", 42, 14), ("3m", 91, 14), ("6m", 182, 14), ("12m", 365, 14), ("24m", 730, 14),
    ]  # fmt: skip
    assert waves[0].instruments == ["nrs_back", "nrs_leg", "odi", "phq9", "gad7", "clinic_questions"]
    assert all("pgic" in w.instruments for w in waves[1:]) and "pgic" not in waves[0].instruments


def test_enrolling_creates_one_invitation_per_wave_with_its_due_date_and_window(schedule: Any, patient: Any) -> None:
    anchor = local_today(patient.clinic) + timedelta(days=5)
    enrolment = surveys.enrol(patient=patient, schedule=schedule, anchor_date=anchor, by=None)
    rows = {i.wave.key: i for i in SurveyInvitation.objects.filter(enrolment=enrolment).select_related("wave")}
    assert {k: i.due_date for k, i in rows.items()} == {
        "baseline": anchor, "6w": anchor + timedelta(days=42), "3m": anchor + timedelta(days=91),
    }  # fmt: skip
    baseline = rows["baseline"]
    assert baseline.opens_at.astimezone(patient.clinic.tz).date() == anchor
    assert baseline.opens_at.astimezone(patient.clinic.tz).hour == 0
    assert baseline.expires_at - baseline.opens_at == timedelta(days=14)
    assert all(i.status == InvitationStatus.PENDING for i in rows.values())
    # Enrolling again on the same schedule makes no second set.
    surveys.enrol(patient=patient, schedule=schedule, anchor_date=anchor, by=None)
    assert SurveyInvitation.objects.filter(patient=patient).count() == 3
    assert SurveyEnrolment.objects.filter(patient=patient).count() == 1


def test_a_wave_whose_window_closed_before_enrolment_is_created_expired_and_never_sent(schedule: Any, patient: Any) -> None:
    anchor = local_today(patient.clinic) - timedelta(days=45)
    enrolment = surveys.enrol(patient=patient, schedule=schedule, anchor_date=anchor, by=None)
    surveys.survey_tick()
    statuses = dict(SurveyInvitation.objects.filter(enrolment=enrolment).values_list("wave__key", "status"))
    assert statuses == {"baseline": "expired", "6w": "open", "3m": "pending"}
    assert Message.objects.filter(purpose="survey_invitation").count() == 1


def test_moving_the_anchor_moves_the_waves_not_answered_and_keeps_the_answered_one(
    schedule: Any, patient: Any, client: Client
) -> None:
    baseline = enrolled(patient, schedule)
    _answer_all(client, _token(_invite_message(baseline)))
    baseline.refresh_from_db()
    assert baseline.status == InvitationStatus.COMPLETED
    old_due = baseline.due_date
    new_anchor = baseline.enrolment.anchor_date + timedelta(days=10)
    surveys.anchor_move(enrolment=baseline.enrolment, anchor_date=new_anchor, by=None)
    rows = {i.wave.key: i for i in SurveyInvitation.objects.filter(enrolment=baseline.enrolment).select_related("wave")}
    assert rows["baseline"].due_date == old_due and rows["baseline"].status == InvitationStatus.COMPLETED
    assert rows["6w"].due_date == new_anchor + timedelta(days=42)
    assert rows["3m"].due_date == new_anchor + timedelta(days=91)


def test_moving_the_anchor_withdraws_the_open_waves_link_and_message(schedule: Any, patient: Any, client: Client) -> None:
    baseline = enrolled(patient, schedule)
    token = _token(_invite_message(baseline))
    surveys.anchor_move(enrolment=baseline.enrolment, anchor_date=baseline.due_date + timedelta(days=7), by=None)
    baseline.refresh_from_db()
    assert baseline.status == InvitationStatus.PENDING
    assert client.get(f"/survey/{token}/").status_code == 410  # the old link expired with the move


# --- Invitations, reminders and the send-time check -----------------------------------------------


def test_the_tick_opens_the_due_wave_and_queues_one_invitation_without_clinical_detail(schedule: Any, patient: Any) -> None:
    baseline = enrolled(patient, schedule)
    surveys.survey_tick()  # a second run queues nothing more
    assert baseline.status == InvitationStatus.OPEN and baseline.invited_at is not None
    messages = list(Message.objects.filter(purpose="survey_invitation"))
    assert len(messages) == 1
    body = messages[0].body
    assert "Your clinic asks how you are doing." in body and patient.clinic.name in body
    for secret in ("PHQ", "pain", "depress", patient.family_name, patient.given_name):
        assert secret.lower() not in (body + messages[0].subject).lower()
    assert messages[0].recipient == patient.email


def test_reminders_go_on_days_three_and_seven_and_stop_at_the_cap(schedule: Any, patient: Any) -> None:
    baseline = enrolled(patient, schedule)
    opens = baseline.opens_at

    def reminders() -> int:
        return Message.objects.filter(purpose="survey_reminder").count()

    surveys.survey_tick(now=opens + timedelta(days=2, hours=23))
    assert reminders() == 0
    surveys.survey_tick(now=opens + timedelta(days=3, minutes=1))
    surveys.survey_tick(now=opens + timedelta(days=3, minutes=6))
    assert reminders() == 1
    surveys.survey_tick(now=opens + timedelta(days=7, minutes=1))
    assert reminders() == 2
    surveys.survey_tick(now=opens + timedelta(days=12))
    baseline.refresh_from_db()
    assert reminders() == 2 and baseline.reminders_sent == 2


def test_completing_the_survey_cancels_the_pending_reminder_and_the_check_skips_a_late_one(
    schedule: Any, patient: Any, client: Client
) -> None:
    baseline = enrolled(patient, schedule)
    later = timezone.now() + timedelta(days=3, minutes=1)
    surveys.survey_tick(now=max(later, baseline.opens_at + timedelta(days=3, minutes=1)))
    reminder = Message.objects.get(purpose="survey_reminder")
    reminder.due_at = timezone.now() + timedelta(hours=1)  # not yet sent
    reminder.save()
    token = _token(_invite_message(baseline))
    assert _answer_all(client, token).status_code == 302
    reminder.refresh_from_db()
    assert reminder.status == Status.CANCELLED
    # A message that was already claimed when the survey completed is skipped by the check.
    assert surveys.still_wanted(reminder) == "survey completed"


def test_the_stop_switch_stops_invitations_and_the_check_skips_what_was_queued(
    schedule: Any, patient: Any, mailoutbox: list[Any]
) -> None:
    baseline = enrolled(patient, schedule)
    message = _invite_message(baseline)
    surveys.surveys_stop_set(patient=patient, stop=True, by=None)
    message.refresh_from_db()
    assert message.status == Status.CANCELLED
    # Another patient's invitation queued before their switch flips is skipped at send time.
    other = consenting(PatientFactory.create(clinic=patient.clinic))
    invitation = enrolled(other, schedule)
    queued = _invite_message(invitation)
    surveys.PatientSurveyPreference.objects.create(patient=other, stop_surveys=True)
    dispatch.dispatch_due()
    queued.refresh_from_db()
    assert (queued.status, queued.last_error) == (Status.SKIPPED, "surveys stopped")
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"status": "discharged"}, "patient not active"),
        ({"status": "deceased"}, "patient not active"),
        ({"consent_email": False}, "no consent to email"),
    ],
)
def test_the_send_time_check_skips_when_the_patient_is_no_longer_reachable(
    schedule: Any, patient: Any, mailoutbox: list[Any], change: dict[str, Any], reason: str
) -> None:
    baseline = enrolled(patient, schedule)
    message = _invite_message(baseline)
    for field, value in change.items():
        setattr(patient, field, value)
    patient.save()
    dispatch.dispatch_due()
    message.refresh_from_db()
    assert (message.status, message.last_error) == (Status.SKIPPED, reason)
    assert mailoutbox == []


def test_a_wanted_invitation_is_sent_by_the_outbox(schedule: Any, patient: Any, mailoutbox: list[Any]) -> None:
    baseline = enrolled(patient, schedule)
    dispatch.dispatch_due()
    assert _invite_message(baseline).status == Status.SENT
    assert [m.to for m in mailoutbox] == [[patient.email]]


def test_the_wave_expires_after_its_window_and_its_link_then_says_so(schedule: Any, patient: Any, client: Client) -> None:
    baseline = enrolled(patient, schedule)
    token = _token(_invite_message(baseline))
    surveys.survey_tick(now=baseline.expires_at + timedelta(minutes=1))
    baseline.refresh_from_db()
    assert baseline.status == InvitationStatus.EXPIRED
    page = client.get(f"/survey/{token}/")
    assert page.status_code == 410 and b'data-reason="expired"' in page.content


# --- Tokens ----------------------------------------------------------------------------------------


def test_a_guessed_token_gets_the_not_found_page(schedule: Any, patient: Any, client: Client) -> None:
    enrolled(patient, schedule)
    for guess in ["A" * 43, "short", "x" * 100, "%00"]:
        page = client.get(f"/survey/{guess}/")
        assert page.status_code == 404 and b'data-reason="not_found"' in page.content


def test_a_link_of_another_purpose_is_not_a_survey(schedule: Any, patient: Any, client: Client) -> None:
    raw = links.issue(purpose="appointment", owner_ref="scheduling.appointment:1", expires_at=timezone.now() + timedelta(days=1))
    assert client.get(f"/survey/{raw}/").status_code == 404


def test_a_replayed_link_after_completion_gets_the_already_sent_page_and_changes_nothing(
    schedule: Any, patient: Any, client: Client
) -> None:
    baseline = enrolled(patient, schedule)
    token = _token(_invite_message(baseline))
    assert _answer_all(client, token).status_code == 302
    before = list(ResponseScore.objects.order_by("pk").values_list("pk", "total"))
    fresh = Client()
    for url in (f"/survey/{token}/", f"/survey/{token}/1/", f"/survey/{token}/send/", f"/survey/{token}/done/"):
        page = fresh.get(url)
        assert page.status_code == 410 and b'data-reason="completed"' in page.content, url
    assert fresh.post(f"/survey/{token}/1/", {"pain": "0"}).status_code == 410
    assert fresh.post(f"/survey/{token}/send/").status_code == 410
    assert list(ResponseScore.objects.order_by("pk").values_list("pk", "total")) == before
    assert Response.objects.get(invitation=baseline, instrument_version__instrument__key="nrs_back").answers.get().value == "6"


def test_a_patients_token_reaches_only_their_own_survey(schedule: Any, patient: Any, client: Client) -> None:
    mine = enrolled(patient, schedule)
    other = consenting(PatientFactory.create(clinic=patient.clinic))
    theirs = enrolled(other, schedule)
    my_token = _token(_invite_message(mine))
    client.post(f"/survey/{my_token}/1/", {"pain": "3"})
    assert Response.objects.filter(invitation=theirs).count() == 0
    assert Response.objects.get(invitation=mine).patient == patient
    # A token cannot submit another invitation either (the service checks the link's owner).
    for page in pages_for(theirs):
        page_save(invitation=theirs, page=page, answers={"pain": "1"} if page.number < 3 else PHQ9_CALM)
    with pytest.raises(SurveyClosed):
        invitation_submit(invitation=theirs, raw_token=my_token)
    theirs.refresh_from_db()
    assert theirs.status == InvitationStatus.OPEN


# --- The patient's pages ---------------------------------------------------------------------------


def test_pages_save_one_by_one_resume_where_left_and_submit_once(schedule: Any, patient: Any, client: Client) -> None:
    baseline = enrolled(patient, schedule)
    token = _token(_invite_message(baseline))
    assert client.get(f"/survey/{token}/")["Location"] == f"/survey/{token}/1/"
    client.post(f"/survey/{token}/1/", {"pain": "7"})
    # Another browser (no cookies) resumes at page 2.
    assert Client().get(f"/survey/{token}/")["Location"] == f"/survey/{token}/2/"
    page = client.get(f"/survey/{token}/2/")
    assert b"Questionnaire 2 of 3" in page.content
    assert client.post(f"/survey/{token}/2/", {"pain": "5"})["Location"] == f"/survey/{token}/3/"
    missing = client.post(f"/survey/{token}/3/", {**PHQ9_CALM, "item4": ""})
    assert missing.status_code == 400 and b"Please answer this question." in missing.content
    assert client.get(f"/survey/{token}/send/")["Location"] == f"/survey/{token}/3/"
    client.post(f"/survey/{token}/3/", PHQ9_CALM)
    done = client.post(f"/survey/{token}/send/")
    assert done["Location"] == f"/survey/{token}/done/"
    thanks = client.get(done["Location"])
    assert thanks.status_code == 200 and b'data-testid="thanks"' in thanks.content and b'data-testid="crisis"' not in thanks.content
    baseline.refresh_from_db()
    assert baseline.status == InvitationStatus.COMPLETED and baseline.completed_at is not None
    scores = dict(ResponseScore.objects.filter(response__invitation=baseline, key="total").values_list("response__instrument_version__instrument__key", "total"))
    assert scores == {"phq9": 0}
    assert Response.objects.filter(invitation=baseline, submitted_at__isnull=False).count() == 3


def test_an_answer_not_offered_is_refused_on_the_page_and_other_answers_are_kept(schedule: Any, patient: Any, client: Client) -> None:
    baseline = enrolled(patient, schedule)
    token = _token(_invite_message(baseline))
    page = client.post(f"/survey/{token}/3/", {**PHQ9_CALM, "item2": "9", "item1": "2"})
    assert page.status_code == 400 and b"Choose one of the answers offered." in page.content
    answers = dict(Response.objects.get(invitation=baseline).answers.values_list("item_key", "value"))
    assert answers["item1"] == "2" and "item2" not in answers


def test_the_survey_page_is_accessible_and_self_contained(schedule: Any, patient: Any, client: Client) -> None:
    baseline = enrolled(patient, schedule)
    token = _token(_invite_message(baseline))
    html = client.get(f"/survey/{token}/3/").content.decode()
    assert html.count("<fieldset") == 10 and html.count("<legend") == 10  # nine items and the optional one
    radios = re.findall(r'<input type="radio" id="([^"]+)"', html)
    assert radios and all(f'for="{rid}"' in html for rid in radios)
    assert '<html lang="en">' in html and 'name="viewport"' in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "no third-party request"
    assert "<script" not in html and "navbar" not in html


def test_the_score_stores_its_change_from_baseline_and_previous_with_the_flags(schedule: Any, patient: Any) -> None:
    def answer(invitation: SurveyInvitation, back: str) -> None:
        for page in pages_for(invitation):
            page_save(invitation=invitation, page=page, answers={"pain": back} if page.number < 3 else PHQ9_CALM)
        raw = surveys.handover_link(invitation=invitation)
        invitation_submit(invitation=invitation, raw_token=raw)

    baseline = enrolled(patient, schedule)
    answer(baseline, "8")
    with time_machine.travel(baseline.opens_at + timedelta(days=43, hours=1)):
        surveys.survey_tick()
        six_weeks = SurveyInvitation.objects.get(enrolment=baseline.enrolment, wave__key="6w")
        answer(six_weeks, "5")
    row = ResponseScore.objects.get(response__invitation=six_weeks, response__instrument_version__instrument__key="nrs_back")
    assert (row.total, row.change_from_baseline, row.change_from_previous) == (5, -3, -3)
    assert (row.improved, row.worsened) == (True, False)


# --- Safety ----------------------------------------------------------------------------------------


def test_item_nine_raises_the_alert_when_the_page_is_saved_even_if_never_submitted(
    schedule: Any, patient: Any, physician_a: Any, client: Client
) -> None:
    # Names no ordinary word contains, so "not in the e-mail" cannot pass or fail by chance.
    patient.given_name, patient.family_name = "Quirinella", "Zwackhammer"
    patient.save()
    baseline = enrolled(patient, schedule)
    token = _token(_invite_message(baseline))
    client.post(f"/survey/{token}/3/", PHQ9_ITEM9)
    alert = SafetyAlert.objects.get(patient=patient)
    assert (alert.kind, alert.level, alert.is_open) == ("self_harm", "urgent", True)
    email = Message.objects.get(purpose="survey_safety_alert")
    assert email.urgent and email.recipient == physician_a.email
    assert "Urgent: a patient's survey needs your attention" in email.body
    assert f"/outcomes/alerts/{alert.public_id}/" in email.body
    for secret in (patient.family_name, patient.given_name, "PHQ", "item", "harm", "dead"):
        assert secret.lower() not in (email.subject + email.body).lower()
    # The next page already shows the crisis resources; saving PHQ-9 again raises nothing new.
    assert b'data-testid="crisis"' in client.get(f"/survey/{token}/1/").content
    client.post(f"/survey/{token}/3/", PHQ9_ITEM9)
    assert SafetyAlert.objects.count() == 1 and Message.objects.filter(purpose="survey_safety_alert").count() == 1


def test_the_confirmation_shows_the_clinics_crisis_resources(schedule: Any, patient: Any, client: Client) -> None:
    settings_row = surveys.clinic_settings(patient.clinic)
    settings_row.crisis_text = "Call the county crisis line, day and night."
    settings_row.crisis_phone = "+1 555 0100"
    settings_row.save()
    baseline = enrolled(patient, schedule)
    token = _token(_invite_message(baseline))
    done = client.get(_answer_all(client, token, phq9=PHQ9_ITEM9)["Location"]).content.decode()
    assert 'data-testid="crisis"' in done and "county crisis line" in done and 'href="tel:+1 555 0100"' in done


def test_without_a_primary_physician_the_clinics_physicians_are_told(schedule: Any, patient: Any, physician_a: Any, client: Client) -> None:
    from clinics.roles import Role
    from clinics.tests.factories import member

    second = member(patient.clinic, Role.PHYSICIAN, "physician.second")
    second.email = "second@clinic-a.example.org"
    second.save()
    patient.primary_physician = None
    patient.save()
    baseline = enrolled(patient, schedule)
    client.post(f"/survey/{_token(_invite_message(baseline))}/3/", PHQ9_ITEM9)
    assert set(Message.objects.filter(purpose="survey_safety_alert").values_list("recipient", flat=True)) == {
        physician_a.email, second.email,
    }  # fmt: skip


def test_a_clinician_acknowledges_the_alert_with_who_and_when(
    schedule: Any, patient: Any, physician_a: Any, frontdesk_a: Any, outsider: Any, login: Any, client: Client
) -> None:
    baseline = enrolled(patient, schedule)
    client.post(f"/survey/{_token(_invite_message(baseline))}/3/", PHQ9_ITEM9)
    alert = SafetyAlert.objects.get()
    url = f"/outcomes/alerts/{alert.public_id}/acknowledge/"
    assert login(outsider).post(url).status_code == 404
    assert login(frontdesk_a).post(url).status_code == 403
    assert login(physician_a).get(url).status_code == 405
    staff = login(physician_a)
    assert staff.post(url).status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == physician_a and alert.acknowledged_at is not None
    assert b"Acknowledged by" in staff.get(f"/outcomes/alerts/{alert.public_id}/").content
