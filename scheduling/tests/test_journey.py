"""The front desk's day in Chromium: from the worklist, book a follow-up into the next free slot,
find it on the day view, and check the patient in. (Reminders and the confirm link join after
the outbox is merged.)"""

from datetime import date, time

import pytest

from scheduling.models import Appointment, AppointmentStatus, FollowUp, FollowUpStatus, WorkingHours
from treatments.models import InterventionStatus, Modality, PlanStatus
from treatments.tests.factories import InterventionFactory, TreatmentPlanFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_front_desk_books_a_follow_up_from_the_worklist_and_checks_the_patient_in(
    browser_login, live_server, calendar_a, physician_a, frontdesk_a, patient_a, artifacts_dir
):
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
    entry = page.get_by_test_id("appointment").filter(has_text=patient_a.full_name)
    entry.get_by_text(appointment.local_start().strftime("%H:%M")).first.wait_for()
    page.screenshot(path=str(artifacts_dir / "scheduling-3-day-view.png"), full_page=True)

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
    page.screenshot(path=str(artifacts_dir / "scheduling-4-day-view-390.png"), full_page=True)
    page.goto(f"{live_server.url}/schedule/worklist/")
    assert page.get_by_test_id("worklist-item").filter(has_text="Follow-up after procedure").count() == 0
