"""User journey in Chromium: a physician of two clinics switches between them."""

import pytest

from clinics.models import Membership
from clinics.roles import Role
from clinics.tests.factories import ClinicFactory, member
from patients.tests.factories import PatientFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_physician_of_two_clinics_sees_each_clinics_patients_only(browser_login, live_server, artifacts_dir) -> None:
    north = ClinicFactory.create(name="North", time_zone="America/Chicago")
    south = ClinicFactory.create(name="South", time_zone="America/Los_Angeles")
    both = member(north, Role.PHYSICIAN, "physician.both")
    Membership.objects.create(user=both, clinic=south, role=Role.PHYSICIAN)
    PatientFactory.create(clinic=north, given_name="Nora", family_name="Northwood")
    PatientFactory.create(clinic=south, given_name="Sam", family_name="Southgate")

    page = browser_login("physician.both")
    page.get_by_label("Active clinic").select_option(label="North · Physician")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/patients/")
    table = page.get_by_test_id("patient-table")
    assert "Northwood" in table.inner_text()
    assert "Southgate" not in table.inner_text()

    page.get_by_label("Active clinic").select_option(label="South · Physician")
    page.wait_for_url(f"{live_server.url}/")
    assert "South" in page.locator("h1").inner_text()
    page.goto(f"{live_server.url}/patients/")
    table = page.get_by_test_id("patient-table")
    assert "Southgate" in table.inner_text()
    assert "Northwood" not in table.inner_text()
    page.screenshot(path=str(artifacts_dir / "clinic-switch.png"), full_page=True)
