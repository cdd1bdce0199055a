"""Write the load plan (bench/results/plan.json) and print the query count of one request per page.

    python bench/queries.py <plan.json> <number of survey tokens to make for survey_submission>

Runs with the test settings on the scale database, through Django's test client: each page is
requested twice as its user and the queries of the second request are counted (the first warms
per-process caches). Makes the run's survey tokens first (``bench/surveys.py``); the day view
shows the day the scale data is about. Prints {"page": count, ...} as JSON.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fbss_clinic.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.scale import SCALE_PASSWORD, long_history_patients, marker_day  # noqa: E402
from bench.surveys import prepare  # noqa: E402
from clinics.models import Membership  # noqa: E402
from clinics.roles import Role  # noqa: E402

FLOOR = "floor_healthz"
SURVEY_PAGE_TOKENS = 16  # one per simulated patient of survey_page (concurrency 8), and spares


def pages(day: str, survey: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    patient = long_history_patients()[0]
    clinic = patient.clinic
    staff: dict[str, list[str]] = {}
    for role, key in ((Role.PHYSICIAN, "physicians"), (Role.FRONT_DESK, "frontdesk")):
        staff[key] = list(
            Membership.objects.filter(clinic=clinic, role=role, is_active=True)
            .order_by("user__username")
            .values_list("user__username", flat=True)
        )
    # A family name that many patients share: the search returns a full first page.
    family = clinic.patients.order_by("id").values_list("family_name", flat=True).first() or "García"
    plan: list[dict[str, Any]] = [
        {"name": FLOOR, "method": "GET", "path": "/healthz", "role": "anonymous"},
        {"name": "login_page", "method": "GET", "path": "/accounts/login/", "role": "anonymous"},
        {"name": "patient_list", "method": "GET", "path": "/patients/", "role": "physician"},
        {"name": "patient_search", "method": "search", "path": "/patients/", "role": "physician",
         "data": {"text": family.lower(), "date_of_birth": ""}},
        {"name": "chart_long_history", "method": "GET", "path": f"/patients/{patient.public_id}/", "role": "physician"},
        {"name": "day_view", "method": "GET", "path": f"/schedule/day/{day}/", "role": "frontdesk"},
        {"name": "worklist", "method": "GET", "path": "/schedule/worklist/", "role": "frontdesk"},
        {"name": "clinic_outcomes", "method": "GET", "path": "/outcomes/", "role": "physician"},
        # One token per simulated patient ({token} is filled in by the load generator).
        {"name": "survey_page", "method": "GET", "path": f"/survey/{{token}}/{survey['page_number']}/", "role": "anonymous",
         "tokens": "page"},
        # A fresh token per request: the final "send" of a fully answered survey uses its link once.
        {"name": "survey_submission", "method": "form-post", "path": "/survey/{token}/send/", "role": "anonymous",
         "tokens": "submit", "data": {}, "ok": [302]},
    ]  # fmt: skip
    return plan, staff


class Tokens:
    """The survey tokens of the plan: ``page`` ones are reused; ``submit`` ones are used once each."""

    def __init__(self, survey: dict[str, Any]) -> None:
        self.survey = survey
        self.used = 0

    def path(self, page: dict[str, Any]) -> str:
        if "tokens" not in page:
            return str(page["path"])
        if page["tokens"] == "submit":
            token = self.survey["submit"][self.used]
            self.used += 1
        else:
            token = self.survey["page"][0]
        return str(page["path"]).replace("{token}", token)


def count(client: Client, page: dict[str, Any], tokens: Tokens) -> int:
    def once() -> int:
        path = tokens.path(page)
        with CaptureQueriesContext(connection) as ctx:
            if page["method"] == "search":
                response = client.post(path, page["data"])
                assert response.status_code == 302, response.status_code  # noqa: S101
                response = client.get(response["Location"])
            elif page["method"] == "form-post":
                response = client.post(path, page["data"])
            else:
                response = client.get(path)
        if response.status_code not in page.get("ok", [200]):
            raise SystemExit(f"{page['name']}: HTTP {response.status_code} for {page['path']}")
        return len(ctx.captured_queries)

    once()
    return once()


def main() -> None:
    from django.contrib.auth import get_user_model

    setup_test_environment()
    plan_path, submit_tokens = sys.argv[1], int(sys.argv[2])
    day = (marker_day() or timezone.localdate()).isoformat()
    survey = prepare(page=SURVEY_PAGE_TOKENS, submit=submit_tokens)
    plan, staff = pages(day, survey)
    users = get_user_model().objects
    clients: dict[str, Client] = {"anonymous": Client()}
    for role, key in (("physician", "physicians"), ("frontdesk", "frontdesk")):
        client = Client()
        client.force_login(users.get(username=staff[key][0]))
        clients[role] = client
    tokens = Tokens(survey)
    counts = {page["name"]: count(clients[page["role"]], page, tokens) for page in plan}
    # The plan holds the bench accounts' password and live survey tokens: bench data only, in
    # bench/results/ (not committed), and the tokens expire in two days.
    Path(plan_path).write_text(
        json.dumps(
            {"password": SCALE_PASSWORD, **staff, "pages": plan, "day": day,
             "tokens": {"page": survey["page"], "submit": survey["submit"]}, "submit_used": tokens.used},
            indent=1,
        ),
        encoding="utf-8",
    )  # fmt: skip
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
