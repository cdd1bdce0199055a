"""Every URL pattern that shows a patient's data writes exactly one access-log line for that patient.

The patterns come from the resolver, so a page added later is walked without editing this file;
a pattern that shows no patient must be listed in NOT_A_PATIENT_PAGE with the reason, so a new
page cannot slip past the log silently. Objects come from the demo (seeded once for the module,
as in test_outsider_urls), and the reader is North's physician, who may open every patient page.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from clinics.access import clinic_path, patient_path
from clinics.models import AccessLog
from clinics.pages import has_page_name, page_name
from tests import test_outsider_urls as outsider_walk
from tests.test_outsider_urls import _fill, _ids_for, _model_for

# The demo, seeded once for this module too (the fixtures of the outsider walk).
_demo_once = outsider_walk._demo_once
demo = outsider_walk.demo

CHANGE = "a change sent by POST: it redirects to a page, and that page is logged"
LIST = "a list or calendar of many patients, read through selectors: no one patient's record (not logged)"

# URL name -> why the pattern shows no one patient's data. Everything else is walked below.
NOT_A_PATIENT_PAGE: dict[str, str] = {
    "healthz": "liveness only",
    "login": "signing in",
    "logout": "signing out",
    "keepalive": "keeps the session alive",
    "two_factor_verify": "the second sign-in step",
    "two_factor_setup": "enrolling an authenticator",
    "two_factor_backup_codes": "the user's own backup codes",
    "password_reset": "a password reset request",
    "password_reset_done": "a password reset request",
    "password_reset_confirm": "a password reset request",
    "password_reset_complete": "a password reset request",
    "home": "the user's panels: counts and links, no record",
    "switch_clinic": CHANGE,
    "clinic_staff": "staff, not patients",
    "clinic_staff_add": "staff, not patients",
    "clinic_staff_add_existing": "staff, not patients",
    "clinic_two_factor_settings": "the clinic's settings",
    "clinic_staff_detail": "a member of staff",
    "clinic_staff_role": CHANGE,
    "clinic_staff_deactivate": CHANGE,
    "clinic_staff_reactivate": CHANGE,
    "clinic_staff_unlock": CHANGE,
    "clinic_staff_reset_two_factor": CHANGE,
    "clinic_staff_password_link": CHANGE,
    "clinic_audit": "the audit trail: patients' names appear, resolved for the admin; its CSV is logged",
    "clinic_audit_csv": "a clinic-wide export: logged as EXPORT without a patient (tested below)",
    "clinic_access_log": "the access log itself; its CSV is logged",
    "clinic_access_log_csv": "a clinic-wide export: logged as EXPORT without a patient (tested below)",
    "patients:list": LIST,
    "patients:create": "registering a new patient: nothing to read yet",
    "patients:icd_search": "ICD-10 codes, no patient",
    "treatments:activate": CHANGE,
    "treatments:team_remove": CHANGE,
    "scheduling:today": "a redirect to the day",
    "scheduling:day_pick": LIST,
    "scheduling:day": LIST,
    "scheduling:week": LIST,
    "scheduling:arrivals": LIST,
    "scheduling:worklist": LIST,
    "scheduling:next_free": "free slots, no patient",
    "scheduling:rules": "the clinic's follow-up rules",
    "scheduling:reminder_settings": "the clinic's reminder settings",
    "scheduling:book": "an empty booking form; the patient is typed by MRN",
    "scheduling:follow_up_dismiss": CHANGE,
    "scheduling:cancel": CHANGE,
    "scheduling:reminder_resend": CHANGE,
    "scheduling:confirm": CHANGE,
    "scheduling:check_in": CHANGE,
    "scheduling:no_show": CHANGE,
    "scheduling:complete": CHANGE,
    "appointment_link": "the patient's own answer to a reminder (no staff user)",
    "outcome_reports:page": "aggregates of the clinic, no patient",
    "outcome_reports:csv": "a clinic-wide export: logged as EXPORT without a patient (tested below)",
    "surveys:schedules": "the clinic's survey schedules",
    "surveys:schedule": "one survey schedule of the clinic",
    "surveys:enrol": CHANGE,
    "surveys:stop": CHANGE,
    "surveys:enrolment_end": CHANGE,
    "surveys:resend": CHANGE,
    "surveys:alert_ack": CHANGE,
    "survey:kiosk": "the patient's own survey (no staff user)",
    "survey:start": "the patient's own survey (no staff user)",
    "survey:page": "the patient's own survey (no staff user)",
    "survey:submit": "the patient's own survey (no staff user)",
    "survey:done": "the patient's own survey (no staff user)",
}
# Django's admin is for the installation's operators (superusers), not clinic staff.
OPERATOR_PREFIX = "django-admin/"
# Pages that show a patient in answer to a POST (the handover page draws the survey's QR code).
POST_PAGES: dict[str, dict[str, str]] = {"surveys:handover": {"mode": "qr"}}
# Pages that show only a record in some state (an open worklist item, a plan not closed, a
# medication taken outside a plan): which of the demo's records to open (lookups on the path's
# first object). The rest open the first record of their kind.
def _open_now() -> dict[str, Any]:
    now = timezone.now()
    return {"status__in": ["pending", "open"], "opens_at__lte": now, "expires_at__gt": now}


WHICH: dict[str, Any] = {
    "scheduling:book_follow_up": lambda: {"status": "open"},
    "surveys:handover": _open_now,
    "treatments:intervention_edit": lambda: {"plan__status__in": ["draft", "active"]},
    "treatments:medication_edit": lambda: {"intervention__isnull": True},
    "treatments:medication_entered_in_error": lambda: {"intervention__isnull": True},
    "treatments:medication_stop": lambda: {"intervention__isnull": True, "stop_date__isnull": True},
}
# What a page's line says, when not "viewed".
ACTIONS = {
    "treatments:print": AccessLog.Action.PRINT,
    "patients:attachment_download": AccessLog.Action.DOWNLOAD,
}


def _patterns(patterns: list, prefix: str = "", namespace: str = "") -> list[tuple[str, str]]:
    """(URL name with namespace, route) of every pattern, nested resolvers included."""
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += _patterns(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            found.append((f"{namespace}{entry.name}" if entry.name else "", prefix + str(entry.pattern)))
    return found


def all_patterns() -> list[tuple[str, str]]:
    return sorted(p for p in _patterns(get_resolver().url_patterns) if not p[1].startswith(OPERATOR_PREFIX))


def patient_pages() -> list[tuple[str, str]]:
    return [(name, route) for name, route in all_patterns() if name not in NOT_A_PATIENT_PAGE]


def test_every_pattern_is_walked_or_listed_with_why_it_shows_no_patient() -> None:
    names = [name for name, _route in all_patterns()]
    assert "" not in names, "name every URL pattern, so this walk can list it"
    assert not set(NOT_A_PATIENT_PAGE) - set(names), "NOT_A_PATIENT_PAGE lists patterns that no longer exist"
    for name, route in patient_pages():
        kwargs = re.findall(r"<uuid:(\w+)>", route)
        assert kwargs, f"{name} ({route}) takes no object: list it in NOT_A_PATIENT_PAGE or give it one"
        assert patient_path(_model_for(kwargs[0])) is not None, f"{name} shows no patient: list it"


def _ids(name: str, route: str, clinic: Any) -> dict[str, uuid.UUID]:
    """Ids for the route's kwargs: the demo's first fitting record and its parents."""
    kwargs = tuple(re.findall(r"<uuid:(\w+)>", route))
    if name not in WHICH:
        return _ids_for(kwargs, clinic)
    model = _model_for(kwargs[0])
    obj: Any = model._default_manager.filter(**{clinic_path(model): clinic}, **WHICH[name]()).first()
    assert obj is not None, f"the demo has no {model.__name__} fit for {name}: seed one"
    assert len(kwargs) == 1, "a route with several objects: extend _ids"
    return {kwargs[0]: obj.public_id}


def _patient_of(route: str, ids: dict[str, uuid.UUID]) -> uuid.UUID:
    """The patient of the most specific object in the path (its first uuid)."""
    kwarg = re.findall(r"<uuid:(\w+)>", route)[0]
    model = _model_for(kwarg)
    path = patient_path(model)
    field = f"{path}__public_id" if path else "public_id"
    return model._default_manager.filter(public_id=ids[kwarg]).values_list(field, flat=True).get()


@pytest.mark.parametrize(("name", "route"), patient_pages(), ids=lambda v: v if ":" in v else "")
def test_a_patient_page_writes_exactly_one_line_for_its_patient(demo: dict[str, Any], name: str, route: str) -> None:
    ids = _ids(name, route, demo["north"])
    path = _fill(route, ids)
    client = Client()
    client.force_login(demo["insider"])
    last = AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0

    response = client.post(path, POST_PAGES[name]) if name in POST_PAGES else client.get(path)

    assert response.status_code == 200, f"{path}: {response.status_code}"
    lines = list(AccessLog.objects.filter(id__gt=last))
    assert len(lines) == 1, f"{path} wrote {len(lines)} lines"
    line = lines[0]
    assert line.patient_public_id == _patient_of(route, ids)
    assert (line.user, line.clinic, line.action, line.page) == (
        demo["insider"],
        demo["north"],
        ACTIONS.get(name, AccessLog.Action.VIEW),
        name,
    )


EXPORTS = ["clinic_audit_csv", "clinic_access_log_csv", "outcome_reports:csv"]


@pytest.mark.parametrize("name", [name for name, _route in patient_pages()] + EXPORTS)
def test_every_logged_page_has_a_name_people_read(name: str) -> None:
    assert has_page_name(name), f"register a name for {name} in its app's chart_parts.PAGE_NAMES"
    assert page_name(name) != name


def test_a_page_without_a_registered_name_shows_its_url_name() -> None:
    assert page_name("nowhere:unnamed") == "nowhere:unnamed"

