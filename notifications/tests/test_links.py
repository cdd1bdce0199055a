"""Patient-link tokens: random, hashed, expiring, single use, one winner under concurrency."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from conftest import all_at_once
from notifications import links
from notifications.links import Problem
from notifications.logging import ScrubLinkTokenFilter
from notifications.models import PatientLink

pytestmark = pytest.mark.django_db


def _issue(**overrides: Any) -> str:
    fields: dict[str, Any] = {
        "purpose": "appointment_confirm",
        "owner_ref": "scheduling.appointment:1",
        "expires_at": timezone.now() + timedelta(days=2),
        **overrides,
    }
    return links.issue(**fields)


def test_only_the_hash_of_a_token_is_stored() -> None:
    raw = _issue()
    link = PatientLink.objects.get()
    assert len(raw) == 43
    assert link.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    stored = [str(v) for row in PatientLink.objects.values() for v in row.values()]
    assert not any(raw in value for value in stored)


def test_a_valid_token_resolves_and_is_consumed_once() -> None:
    raw = _issue()
    assert links.resolve(raw, purpose="appointment_confirm").ok
    first = links.consume(raw, purpose="appointment_confirm")
    assert first.ok and first.link is not None
    assert first.link.owner_ref == "scheduling.appointment:1"
    assert first.link.used_count == 1 and first.link.used_at is not None


def test_a_replayed_token_is_refused_as_already_used() -> None:
    raw = _issue()
    assert links.consume(raw, purpose="appointment_confirm").ok
    replay = links.consume(raw, purpose="appointment_confirm")
    assert replay.problem is Problem.USED
    assert links.resolve(raw, purpose="appointment_confirm").problem is Problem.USED
    assert PatientLink.objects.get().used_count == 1


def test_a_link_may_allow_several_uses() -> None:
    raw = _issue(max_uses=3)
    results = [links.consume(raw, purpose="appointment_confirm").problem for _ in range(4)]
    assert results == [None, None, None, Problem.USED]


def test_an_expired_token_is_refused_as_expired() -> None:
    raw = _issue(expires_at=timezone.now() + timedelta(hours=1))
    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
        assert links.resolve(raw, purpose="appointment_confirm").problem is Problem.EXPIRED
        assert links.consume(raw, purpose="appointment_confirm").problem is Problem.EXPIRED
    assert PatientLink.objects.get().used_count == 0


def test_a_token_of_another_purpose_is_refused() -> None:
    raw = _issue(purpose="survey")
    result = links.consume(raw, purpose="appointment_confirm")
    assert result.problem is Problem.WRONG_PURPOSE
    assert result.link is None
    assert PatientLink.objects.get().used_count == 0


def test_guessed_tokens_are_refused() -> None:
    raw = _issue()
    guesses = [
        secrets.token_urlsafe(32),
        raw[:-1] + ("A" if raw[-1] != "A" else "B"),
        raw[:20],
        raw + "x",
        "",
        "../../etc/passwd",
        hashlib.sha256(raw.encode()).hexdigest(),  # the stored hash is not a key
    ]
    for guess in guesses:
        assert links.consume(guess, purpose="appointment_confirm").problem is Problem.NOT_FOUND, guess
    assert PatientLink.objects.get().used_count == 0


def test_revoke_expires_the_owners_links() -> None:
    raw = _issue()
    other = _issue(owner_ref="scheduling.appointment:2")
    assert links.revoke(owner_ref="scheduling.appointment:1") == 1
    assert links.resolve(raw, purpose="appointment_confirm").problem is Problem.EXPIRED
    assert links.resolve(other, purpose="appointment_confirm").ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_consumes_of_one_token_give_one_winner() -> None:
    raw = _issue()
    threads_n = 8
    results = all_at_once(threads_n, lambda _i: links.consume(raw, purpose="appointment_confirm").problem)
    assert sorted(results, key=str) == sorted([None] + [Problem.USED] * (threads_n - 1), key=str)
    assert PatientLink.objects.get().used_count == 1


def test_tokens_in_logged_paths_are_scrubbed() -> None:
    raw = _issue()
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", (f"/a/{raw}/",), None)
    server = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s %s', (f"GET /survey/{raw}/page/2/ HTTP/1.1", "200", "12"), None
    )
    for r in (record, server):
        assert ScrubLinkTokenFilter().filter(r)
        assert raw not in r.getMessage()
        assert "[token]" in r.getMessage()


def test_the_console_handler_scrubs_link_tokens() -> None:
    """The configured handler, not just the filter class: a 404 on a link path logs no token."""
    raw = _issue()
    console = next(h for h in logging.getLogger().handlers if any(isinstance(f, ScrubLinkTokenFilter) for f in h.filters))
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", (f"/a/{raw}/",), None)
    assert console.filter(record)
    assert raw not in console.format(record)
