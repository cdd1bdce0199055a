"""Write the load plan (bench/results/plan.json) and print the query count of one request per page.

    python bench/queries.py <plan.json> <YYYY-MM-DD day of the day view>

Runs with the test settings on the scale database, through Django's test client: each page is
requested twice as its user and the queries of the second request are counted (the first warms
per-process caches). Prints {"page": count, ...} as JSON.
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
from django.urls import get_resolver  # noqa: E402

from bench.scale import SCALE_PASSWORD, long_history_patients  # noqa: E402
from clinics.models import Membership  # noqa: E402
from clinics.roles import Role  # noqa: E402

FLOOR = "floor_healthz"


def pages(day: str) -> tuple[list[dict[str, Any]], list[str], dict[str, list[str]]]:
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
    ]  # fmt: skip
    namespaces = set(get_resolver().namespace_dict)
    routes = {str(p.pattern) for p in get_resolver().url_patterns}
    not_built = []
    if "outcomes" not in namespaces:
        not_built.append("clinic_outcomes")
    if not any(r.startswith(("survey", "s/")) for r in routes):
        not_built += ["survey_page", "survey_submission"]
    else:
        not_built += ["survey_page", "survey_submission"]  # routes exist: add them to the plan
    return plan, not_built, staff


def count(client: Client, page: dict[str, Any]) -> int:
    def once() -> int:
        with CaptureQueriesContext(connection) as ctx:
            if page["method"] == "search":
                response = client.post(page["path"], page["data"])
                assert response.status_code == 302, response.status_code  # noqa: S101
                response = client.get(response["Location"])
            else:
                response = client.get(page["path"])
        if response.status_code != 200:
            raise SystemExit(f"{page['name']}: HTTP {response.status_code} for {page['path']}")
        return len(ctx.captured_queries)

    once()
    return once()


def main() -> None:
    from django.contrib.auth import get_user_model

    setup_test_environment()
    plan_path, day = sys.argv[1], sys.argv[2]
    plan, not_built, staff = pages(day)
    users = get_user_model().objects
    clients: dict[str, Client] = {"anonymous": Client()}
    for role, key in (("physician", "physicians"), ("frontdesk", "frontdesk")):
        client = Client()
        client.force_login(users.get(username=staff[key][0]))
        clients[role] = client
    counts = {page["name"]: count(clients[page["role"]], page) for page in plan}
    Path(plan_path).write_text(
        json.dumps({"password": SCALE_PASSWORD, **staff, "pages": plan, "not_built": not_built}, indent=1),
        encoding="utf-8",
    )
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
