"""The patient's journey in Chromium at a phone's size (390x844): open the e-mailed link, answer
the pain scales, close the browser, open the link again and resume at PHQ-9, send, and see the
confirmation (with the crisis resources, as item 9 was answered above 0). Screenshots are kept."""

from __future__ import annotations

import re
from typing import Any

import pytest

from notifications.models import Message
from outcomes.models import InvitationStatus, SafetyAlert, SurveyInvitation
from outcomes.tests.survey_data import consenting, enrolled, load_instruments, short_schedule

PHONE = {"width": 390, "height": 844}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_patient_answers_on_a_phone_resumes_after_closing_the_browser_and_sees_the_confirmation(
    live_server: Any, browser: Any, settings: Any, clinic_a: Any, patient_a: Any, physician_a: Any, artifacts_dir: Any
) -> None:
    settings.FBSS_PUBLIC_URL = live_server.url
    load_instruments()
    physician_a.email = "physician.a@clinic-a.example.org"
    physician_a.save()
    invitation = enrolled(consenting(patient_a), short_schedule(clinic_a))
    body = Message.objects.get(purpose="survey_invitation").body
    found = re.search(r"(http\S+/survey/[A-Za-z0-9_-]{43}/)", body)
    assert found, "the e-mail carries the link"
    link = found.group(1)
    assert link.startswith(live_server.url)

    requested: list[str] = []

    def phone() -> Any:
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        page = context.new_page()
        page.on("request", lambda request: requested.append(request.url))
        return context, page

    context, page = phone()
    page.goto(link)
    page.get_by_text("Questionnaire 1 of 3").wait_for()
    page.screenshot(path=str(artifacts_dir / "survey-1-nrs-back.png"), full_page=True)
    page.get_by_role("radio", name="7", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_text("Questionnaire 2 of 3").wait_for()
    page.get_by_role("radio", name="5", exact=True).check()
    page.screenshot(path=str(artifacts_dir / "survey-2-nrs-leg.png"), full_page=True)
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_text("Questionnaire 3 of 3").wait_for()
    context.close()  # the patient closes the browser halfway

    context, page = phone()
    page.goto(link)
    page.get_by_text("Questionnaire 3 of 3").wait_for()  # resumed where they were
    for n in range(1, 10):
        answer = "Several days" if n in (2, 9) else "Not at all"
        page.locator(f'fieldset[data-item="item{n}"]').get_by_role("radio", name=answer, exact=True).check()
    page.screenshot(path=str(artifacts_dir / "survey-3-phq9-resumed.png"), full_page=True)
    page.get_by_role("button", name="Save and review").click()
    page.get_by_role("button", name="Send my answers").wait_for()
    page.screenshot(path=str(artifacts_dir / "survey-4-review.png"), full_page=True)
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_test_id("thanks").wait_for()
    assert page.get_by_test_id("crisis").is_visible()
    page.screenshot(path=str(artifacts_dir / "survey-5-confirmation.png"), full_page=True)
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()

    invitation = SurveyInvitation.objects.get(pk=invitation.pk)
    assert invitation.status == InvitationStatus.COMPLETED
    assert SafetyAlert.objects.filter(patient=patient_a).count() == 1
    assert requested and all(url.startswith(live_server.url) for url in requested), "no third-party request"

    # The same link opened again: already sent, nothing to answer.
    context, page = phone()
    page.goto(link)
    page.get_by_text("Already sent").wait_for()
    context.close()
