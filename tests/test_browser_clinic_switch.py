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

    def switch_to(label: str) -> None:
        with page.expect_navigation():
            page.get_by_label("Active clinic").select_option(label=label)
        assert label.split(" ·")[0] in page.locator("h1").inner_text()

    def listed_patients() -> str:
        page.goto(f"{live_server.url}/patients/")
        return page.get_by_test_id("patient-table").inner_text()

    # The first clinic by name is active after sign-in.
    assert "North" in page.locator("h1").inner_text()
    names = listed_patients()
    assert "Northwood" in names and "Southgate" not in names

    switch_to("South · Physician")
    names = listed_patients()
    assert "Southgate" in names and "Northwood" not in names
    page.screenshot(path=str(artifacts_dir / "clinic-switch.png"), full_page=True)

    switch_to("North · Physician")
    names = listed_patients()
    assert "Northwood" in names and "Southgate" not in names
