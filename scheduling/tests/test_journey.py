"""The front desk's day in Chromium: from the worklist, book a follow-up into the next free slot,
see its reminder in the outbox on the appointment page, open the patient's confirm link from the
message as the patient would, confirm, then find it on the day view and check the patient in."""

import re
from datetime import date, time

import pytest

from notifications.models import Message
from scheduling.models import Appointment, AppointmentStatus, FollowUp, FollowUpStatus, WorkingHours
from treatments.models import InterventionStatus, Modality, PlanStatus
from treatments.tests.factories import InterventionFactory, TreatmentPlanFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_front_desk_books_a_follow_up_from_the_worklist_and_checks_the_patient_in(
    browser_login, live_server, calendar_a, physician_a, frontdesk_a, patient_a, artifacts_dir
):
    patient_a.consent_email = True
    patient_a.save()
    # Open all day, every day, so the next free slot is today whenever the suite runs.
    WorkingHours.objects.filter(provider=physician_a).delete()
    for weekday in range(7):
        WorkingHours.objects.create(
            clinic=calendar_a, provider=physician_a, weekday=weekday, start=time(0, 0), end=time(23, 55)
        )
    plan = TreatmentPlanFactory.create(
        patient=patient_a,
        author=physician_a,
        status=PlanStatus.ACTIVE,
        start_date=date(2026, 1, 5),
        review_date=date(2027, 1, 5),
    )
    InterventionFactory.create(
        plan=plan, modality=Modality.PROCEDURE, status=InterventionStatus.DONE, start_date=date(2026, 1, 5),
        details={"procedure_type": "esi_transforaminal"},
    )  # fmt: skip
    item = FollowUp.objects.get(patient=patient_a, event="injection")

    page = browser_login("frontdesk.a")
    page.get_by_role("link", name="Worklist", exact=True).first.click()
    row = page.get_by_test_id("worklist-item").filter(has_text="Follow-up after procedure")
    row.get_by_text(f"MRN {patient_a.mrn}").wait_for()
    page.screenshot(path=str(artifacts_dir / "scheduling-1-worklist.png"), full_page=True)

    row.get_by_role("link", name="Book").click()
    page.get_by_test_id("follow-up").wait_for()
    page.screenshot(path=str(artifacts_dir / "scheduling-2-book.png"), full_page=True)
    page.get_by_role("button", name="Book").click()
    page.get_by_text("Booked Follow-up on").wait_for()

    appointment = Appointment.objects.get(patient=patient_a)
    item.refresh_from_db()
    assert item.status == FollowUpStatus.BOOKED and item.appointment == appointment
    assert f"/schedule/day/{appointment.local_start().date().isoformat()}/" in page.url

    # The reminder is in the outbox, and the appointment page shows it.
    day_url = page.url
    page.goto(f"{live_server.url}/schedule/appointments/{appointment.public_id}/")
    reminder = page.get_by_test_id("reminder").first
    reminder.wait_for()
    assert "E-mail" in reminder.inner_text()
    assert reminder.get_by_test_id("reminder-status").inner_text() in ("Pending", "Sent")
    page.screenshot(path=str(artifacts_dir / "scheduling-3-appointment-reminders.png"), full_page=True)

    # The patient opens the link from the message (read as the patient would read the e-mail).
    message = Message.objects.filter(owner_ref=appointment.owner_ref).order_by("due_at").first()
    assert message is not None
    found = re.search(r"/a/[A-Za-z0-9_-]{43}/", message.body)
    assert found
    patient_page = page.context.browser.new_context().new_page()  # no staff session: a stranger's browser
    patient_page.goto(live_server.url + found.group(0))
    patient_page.get_by_test_id("link-when").wait_for()
    assert patient_a.family_name not in patient_page.content()
    patient_page.screenshot(path=str(artifacts_dir / "scheduling-4-patient-link.png"), full_page=True)
    patient_page.get_by_role("button", name="I will come").click()
    patient_page.get_by_test_id("link-done").wait_for()
    patient_page.screenshot(path=str(artifacts_dir / "scheduling-5-patient-confirmed.png"), full_page=True)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED
    patient_page.context.close()

    page.goto(day_url)
    entry = page.get_by_test_id("appointment").filter(has_text=patient_a.full_name)
    entry.get_by_text(appointment.local_start().strftime("%H:%M")).first.wait_for()
    assert entry.get_by_test_id("status").inner_text() == "Confirmed"
    page.screenshot(path=str(artifacts_dir / "scheduling-6-day-view.png"), full_page=True)

    entry.get_by_role("button", name="Check in").click()
    page.get_by_text("Checked in.", exact=True).wait_for()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN
    assert (
        page.get_by_test_id("appointment").filter(has_text=patient_a.full_name).get_by_test_id("status").inner_text()
        == "Checked in"
    )

    # At 390 px the columns scroll inside their own container; the page itself does not.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(artifacts_dir / "scheduling-7-day-view-390.png"), full_page=True)
    page.goto(f"{live_server.url}/schedule/worklist/")
    assert page.get_by_test_id("worklist-item").filter(has_text="Follow-up after procedure").count() == 0
