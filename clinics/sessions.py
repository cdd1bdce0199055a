"""Sign-in sessions: when they began, which ones a user holds, and ending them all.

A user's session keys are recorded at sign-in (``UserSession``) so that deactivating a member
ends each of their sessions directly, whatever the session engine, without scanning every
session in the store.
"""

from __future__ import annotations

import time
from datetime import timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.http import HttpRequest
from django.utils import timezone

from .models import UserSession

SIGNED_IN_AT_SESSION_KEY = "signed_in_at"


def _session_store() -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore


def record_sign_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """Note when the session began (for the absolute lifetime) and that it belongs to ``user``."""
    from .middleware import LAST_SEEN_SESSION_KEY
    from .twofactor import TWO_FACTOR_SESSION_KEY, two_factor_state

    session = request.session
    # Both clocks start now, so the first page after sign-in has nothing to write to the session.
    session[SIGNED_IN_AT_SESSION_KEY] = session[LAST_SEEN_SESSION_KEY] = time.time()
    state = two_factor_state(user)
    if state:
        session[TWO_FACTOR_SESSION_KEY] = state
    if session.session_key is None:
        session.save()
    if session.session_key is None:  # a session engine without server-side keys (signed cookies)
        return
    stale = timezone.now() - timedelta(seconds=settings.SESSION_MAX_AGE_SECONDS)
    UserSession.objects.filter(user=user, created_at__lt=stale).delete()
    UserSession.objects.get_or_create(session_key=session.session_key, defaults={"user": user})


def forget_sign_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    key = request.session.session_key
    if key:
        UserSession.objects.filter(session_key=key).delete()


def end_sessions_of(user: Any) -> int:
    """End every session ``user`` signed in with; returns how many there were."""
    store = _session_store()
    rows = list(UserSession.objects.filter(user=user))
    for row in rows:
        store(session_key=row.session_key).delete()
    UserSession.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)


def connect() -> None:
    user_logged_in.connect(record_sign_in, dispatch_uid="clinics.sessions.record_sign_in")
    user_logged_out.connect(forget_sign_in, dispatch_uid="clinics.sessions.forget_sign_in")
