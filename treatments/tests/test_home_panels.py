"""The front desk's "To book" list on the home page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients.tests.factories import PatientFactory
from treatments.models import InterventionStatus, Modality, PlanStatus
from treatments.tests.factories import InterventionFactory, TreatmentPlanFactory, medication

pytestmark = pytest.mark.django_db


def to_book_panel(html: str) -> str:
    """Just the "To book" list of the home page (other panels name patients too)."""
    start = html.index('data-testid="to-book"')
    return html[start : html.index("</ul>", start)]


def active_plan(clinic, author, family_name):
    patient = PatientFactory.create(clinic=clinic, family_name=family_name)
    return TreatmentPlanFactory.create(patient=patient, author=author, status=PlanStatus.ACTIVE)


def test_front_desk_home_lists_planned_sessions_of_active_plans(login, frontdesk_a, physician_a, clinic_a):
    plan = active_plan(clinic_a, physician_a, "Bookme")
    InterventionFactory.create(plan=plan, modality=Modality.PHYSICAL_THERAPY, start_date=datetime.date(2025, 4, 1))
    medication(plan, "oxycodone", "5")

    html = login(frontdesk_a).get("/").content.decode()
    panel = to_book_panel(html)

    assert "To book" in html
    assert "Bookme" in panel
    assert "Physical therapy" in panel and "from 2025-04-01" in panel
    assert "Oxycodone" not in panel and "oxycodone" not in panel


def test_the_list_leaves_out_drafts_done_items_and_other_clinics(
    login, frontdesk_a, physician_a, clinic_a, clinic_b, outsider
):
    draft = TreatmentPlanFactory.create(
        patient=PatientFactory.create(clinic=clinic_a, family_name="Draftish"), author=physician_a
    )
    InterventionFactory.create(plan=draft)
    done = active_plan(clinic_a, physician_a, "Donewith")
    InterventionFactory.create(plan=done, status=InterventionStatus.DONE)
    elsewhere = active_plan(clinic_b, outsider, "Elsewhere")
    InterventionFactory.create(plan=elsewhere)

    panel = to_book_panel(login(frontdesk_a).get("/").content.decode())

    assert "Nothing waiting to be booked." in panel
    for name in ("Draftish", "Donewith", "Elsewhere"):
        assert name not in panel


def test_the_home_page_query_count_does_not_grow_with_the_list(login, frontdesk_a, physician_a, clinic_a):
    client = login(frontdesk_a)

    def home_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx.captured_queries)

    InterventionFactory.create(plan=active_plan(clinic_a, physician_a, "First"))
    few = home_queries()
    for k in range(30):
        InterventionFactory.create(plan=active_plan(clinic_a, physician_a, f"Many{k}"))
    assert home_queries() == few
