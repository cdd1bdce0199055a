"""Patient links: one token mechanism for every link a patient opens without logging in.

``issue`` returns a random token (``secrets.token_urlsafe(32)``, 256 bits) that goes into a URL
*path* (``/a/<token>/``, ``/survey/<token>/``), never a query string; only its SHA-256 is stored.
A token is looked up by its hash, so comparing it costs the same whatever its first characters
are, and the database holds nothing that opens a link.

``resolve`` says whether a link can be used (without using it); ``consume`` uses it once,
atomically: of two simultaneous requests with one single-use token, exactly one wins. Both return
a :class:`Resolution` whose ``problem`` tells a page what to say ("expired", "already used").
The log filter in ``notifications/logging.py`` cuts tokens out of logged paths.
"""

from __future__ import annotations

import enum
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import PatientLink

# token_urlsafe(32) gives 43 characters; anything else cannot be one of ours.
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


class Problem(enum.Enum):
    NOT_FOUND = "not_found"
    WRONG_PURPOSE = "wrong_purpose"
    EXPIRED = "expired"
    USED = "used"


@dataclass(frozen=True)
class Resolution:
    link: PatientLink | None
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue(*, purpose: str, owner_ref: str, expires_at: datetime, max_uses: int = 1) -> str:
    """Create a link and return its raw token (shown once, in the URL; never stored)."""
    raw = secrets.token_urlsafe(32)
    link = PatientLink(
        token_hash=_hash(raw), purpose=purpose, owner_ref=owner_ref, expires_at=expires_at, max_uses=max_uses
    )
    link.full_clean()
    with transaction.atomic():
        link.save()
    return raw


def _judge(link: PatientLink | None, *, purpose: str, now: datetime) -> Problem | None:
    if link is None:
        return Problem.NOT_FOUND
    if link.purpose != purpose:
        return Problem.WRONG_PURPOSE
    if link.used_count >= link.max_uses:
        return Problem.USED
    if link.expires_at <= now:
        return Problem.EXPIRED
    return None


def _find(raw: str) -> PatientLink | None:
    if not isinstance(raw, str) or not TOKEN_RE.match(raw):
        return None
    return PatientLink.objects.filter(token_hash=_hash(raw)).first()


def resolve(raw: str, *, purpose: str) -> Resolution:
    """Whether ``raw`` is a usable link of ``purpose`` now; does not use it."""
    link = _find(raw)
    problem = _judge(link, purpose=purpose, now=timezone.now())
    return Resolution(link=link if problem in (None, Problem.EXPIRED, Problem.USED) else None, problem=problem)


def consume(raw: str, *, purpose: str) -> Resolution:
    """Use the link once. One conditional UPDATE, so a replay or a simultaneous second use loses.

    Call it inside the transaction that does what the link is for (confirm the appointment), so
    that both happen or neither does.
    """
    now = timezone.now()
    link = _find(raw)
    problem = _judge(link, purpose=purpose, now=now)
    if link is None or problem is not None:
        return Resolution(link=link if problem in (Problem.EXPIRED, Problem.USED) else None, problem=problem)
    # One conditional UPDATE is atomic by itself: no savepoint, and no re-read when it won.
    won = PatientLink.objects.filter(
        pk=link.pk, purpose=purpose, used_count__lt=F("max_uses"), expires_at__gt=now
    ).update(used_count=F("used_count") + 1, used_at=now)
    if not won:
        link.refresh_from_db()
        return Resolution(link=link, problem=_judge(link, purpose=purpose, now=now) or Problem.USED)
    link.used_count += 1
    link.used_at = now
    return Resolution(link=link, problem=None)


def revoke(*, owner_ref: str, purpose: str | None = None) -> int:
    """Expire the owner's links now (e.g. the appointment was rescheduled); returns how many."""
    rows = PatientLink.objects.filter(owner_ref=owner_ref, expires_at__gt=timezone.now())
    if purpose is not None:
        rows = rows.filter(purpose=purpose)
    return rows.update(expires_at=timezone.now())  # one UPDATE: atomic by itself
