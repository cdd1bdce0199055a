"""Every URL that takes an object id rejects the outsider with 404 and sends the anonymous to login.

The URL patterns are discovered from the resolver, so views added later are covered without
editing this file. Ids come from the demo data (every app seeds realistic records), so each URL
is exercised with a real object of the North clinic; the outsider is South's physician.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from clinics.access import clinic_path
from clinics.models import Clinic

# A URL kwarg names the model it points to: ``plan_id`` -> a model whose name ends in "plan".
# ``public_id`` is the patient (the patient's own pages).
KWARG_ALIASES = {"public_id": "patient"}


def _routes(patterns: list, prefix: str = "") -> list[str]:
    routes = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            routes += _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            routes.append(prefix + str(entry.pattern))
    return routes


def object_id_urls() -> list[tuple[str, tuple[str, ...]]]:
    """(route, uuid kwarg names) for every pattern that takes a UUID, nested resolvers included."""
    found = {(route, tuple(re.findall(r"<uuid:(\w+)>", route))) for route in _routes(get_resolver().url_patterns)}
    return sorted((route, kwargs) for route, kwargs in found if kwargs)


def patient_bound_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if hasattr(m, "clinic_field") and hasattr(m, "public_id")]


def _model_for(kwarg: str) -> type[models.Model]:
    stem = KWARG_ALIASES.get(kwarg, kwarg.removesuffix("_id")).replace("_", "")
    matches = [m for m in patient_bound_models() if m.__name__.lower().endswith(stem)]
    assert matches, f"no patient-bound model matches the URL kwarg {kwarg!r}: name kwargs after their model"
    return min(matches, key=lambda m: len(m.__name__))


def _ids_for(kwargs: tuple[str, ...], clinic: Clinic) -> dict[str, uuid.UUID]:
    """Real, mutually consistent ids of ``clinic``'s objects for a URL's kwargs."""
    ids: dict[str, uuid.UUID] = {}
    # Fill the most specific object first; its parents (patient, plan...) follow from it.
    for kwarg in sorted(kwargs, key=lambda k: k in ("patient_id", "public_id")):
        if kwarg in ids:
            continue
        model = _model_for(kwarg)
        obj: Any = model._default_manager.filter(**{clinic_path(model): clinic}).first()
        assert obj is not None, f"the demo has no {model.__name__} at {clinic}: seed one so its URLs get tested"
        ids[kwarg] = obj.public_id
        for other in kwargs:
            if other in ids:
                continue
            parent = getattr(obj, KWARG_ALIASES.get(other, other.removesuffix("_id")), None)
            if parent is not None and hasattr(parent, "public_id"):
                ids[other] = parent.public_id
    return ids


def _fill(route: str, ids: dict[str, uuid.UUID]) -> str:
    path = route
    for name, value in ids.items():
        path = path.replace(f"<uuid:{name}>", str(value))
    assert "<" not in path, f"unfilled converter in {path}"
    return "/" + path.lstrip("^").rstrip("$")


@pytest.fixture(scope="module")
def _demo_once(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """The demo, seeded once for the whole module inside a transaction that is rolled back at the end.

    Each test runs in its own savepoint within it (pytest-django's ``db``), so the tests stay
    independent while the seed (two years of survey history included) is paid for once.
    """
    from django.contrib.auth import get_user_model

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_demo", verbosity=0)
            users = get_user_model().objects
            yield {
                "north": Clinic.objects.get(name__startswith="North"),
                "insider": users.get(username="physician.north"),
                "outsider": users.get(username="physician.south"),
            }
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(_demo_once: dict[str, Any], db: None) -> dict[str, Any]:
    return _demo_once


def _client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_project_has_object_urls_to_check() -> None:
    routes = [route for route, _ in object_id_urls()]
    assert any("patients/" in r for r in routes), routes


@pytest.mark.parametrize(("route", "kwargs"), object_id_urls(), ids=lambda v: v if isinstance(v, str) else "")
def test_object_url_rejects_outsider_and_anonymous(demo: dict[str, Any], route: str, kwargs: tuple[str, ...]) -> None:
    path = _fill(route, _ids_for(kwargs, demo["north"]))

    # The URL is real: someone of the clinic does not get a 404 (403 for a role is fine).
    insider_status = _client_for(demo["insider"]).get(path).status_code
    assert insider_status != 404, f"{path} is 404 for the insider too, so the outsider check would prove nothing"
    assert insider_status < 500

    outsider = _client_for(demo["outsider"])
    statuses = {outsider.get(path).status_code, outsider.post(path, {}).status_code}
    # A POST-only view answers a GET with 405 before it looks anything up; the POST must be 404.
    assert statuses <= {404, 405} and 404 in statuses, f"{path}: outsider got {statuses}"

    anonymous = Client().get(path)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
