"""Per-request tenancy, session limits, the second sign-in factor, the request size limit and the access log."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode

from .access import InOtherClinic, write_access_log
from .http import ClinicRequest
from .models import Membership

ACTIVE_CLINIC_SESSION_KEY = "active_clinic_id"
LAST_SEEN_SESSION_KEY = "last_seen"
# Forms submitted to a record of another of the user's clinics, kept until they switch there.
PENDING_POSTS_SESSION_KEY = "pending_posts"
MAX_PENDING_POSTS = 3
# Why the last session ended, for the sign-in page to say: "idle" or "expired".
SIGNED_OUT_REASON_SESSION_KEY = "signed_out_reason"


def _last_seen_step() -> float:
    """How stale the stored "last seen" time may get: 15 s, or a twentieth of a short idle limit.

    Sign-out after inactivity can come this much earlier than the idle limit, never later.
    """
    return min(15.0, settings.IDLE_TIMEOUT_SECONDS / 20)


class IdleTimeoutMiddleware:
    """Log the user out after IDLE_TIMEOUT_SECONDS without a request, or SESSION_MAX_AGE_SECONDS after sign-in.

    The session cookie also ends with the browser (SESSION_EXPIRE_AT_BROWSER_CLOSE); the idle
    limit covers a browser left open on a shared front-desk computer, the absolute one a session
    kept alive all day. Pages count the idle limit down themselves too (static/js/idle.js).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from .sessions import SIGNED_IN_AT_SESSION_KEY

        if request.user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(LAST_SEEN_SESSION_KEY)
            signed_in_at = request.session.setdefault(SIGNED_IN_AT_SESSION_KEY, now)
            reason = None
            if now - float(signed_in_at) > settings.SESSION_MAX_AGE_SECONDS:
                reason = "expired"
            elif last_seen is not None and now - float(last_seen) > settings.IDLE_TIMEOUT_SECONDS:
                reason = "idle"
            if reason:
                logout(request)
                request.session[SIGNED_OUT_REASON_SESSION_KEY] = reason
            elif last_seen is None or now - float(last_seen) >= _last_seen_step():
                # Written at most every few seconds, not on every request: the session row is
                # saved only when it changed (SESSION_SAVE_EVERY_REQUEST is off).
                request.session[LAST_SEEN_SESSION_KEY] = now
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages for a signed-in person are never kept by the browser or a proxy (back button, shared screen)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        signed_in = request.user.is_authenticated
        response = self.get_response(request)
        if signed_in or request.user.is_authenticated:
            add_never_cache_headers(response)
        return response


class RequestSizeLimitMiddleware:
    """Answer 413 to a request whose declared body exceeds REQUEST_MAX_BYTES, without reading it.

    DATA_UPLOAD_MAX_MEMORY_SIZE does not count uploaded files; this covers the whole body.
    Django reads no more than CONTENT_LENGTH, so a body without one is read as empty.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            limit_mb = settings.REQUEST_MAX_BYTES // (1024 * 1024)
            return render(request, "413.html", {"limit_mb": limit_mb}, status=413)
        return self.get_response(request)


class TwoFactorMiddleware:
    """Until a session has passed its second factor (see clinics.twofactor), only that step's pages work."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from .twofactor import ENROL, TWO_FACTOR_SESSION_KEY, VERIFY

        state = request.session.get(TWO_FACTOR_SESSION_KEY) if request.user.is_authenticated else None
        if state in (VERIFY, ENROL):
            is_verified = getattr(request.user, "is_verified", None)
            if is_verified is not None and is_verified():
                del request.session[TWO_FACTOR_SESSION_KEY]
            else:
                target = reverse("two_factor_verify" if state == VERIFY else "two_factor_setup")
                allowed = {target, reverse("logout"), reverse("healthz")}
                if request.path not in allowed:
                    # Only the path comes along: a query string may hold a search for a patient.
                    return redirect(f"{target}?{urlencode({'next': request.path})}")
        return self.get_response(request)


class ActiveClinicMiddleware:
    """Set ``request.membership`` and ``request.clinic`` from the clinic chosen in the header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        clinic_request = cast(ClinicRequest, request)
        clinic_request.membership = None
        clinic_request.clinic = None
        clinic_request.memberships = []
        if request.user.is_authenticated:
            memberships = list(
                Membership.objects.filter(user=request.user, is_active=True)
                .select_related("clinic", "user")
                .order_by("clinic__name")
            )
            clinic_request.memberships = memberships
            if memberships:
                wanted = request.session.get(ACTIVE_CLINIC_SESSION_KEY)
                chosen = next((m for m in memberships if m.clinic_id == wanted), memberships[0])
                if wanted is not None and wanted != chosen.clinic_id:
                    # No longer a member there: forget it (the first clinic by name is the default).
                    request.session[ACTIVE_CLINIC_SESSION_KEY] = chosen.clinic_id
                clinic_request.membership = chosen
                clinic_request.clinic = chosen.clinic
                timezone.activate(chosen.clinic.tz)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A record of another of the user's clinics: offer to switch there, keeping what was typed.

        A submitted form's values wait in the session (server side, never in a URL) under a
        random key until the switch; uploaded files cannot be kept and the page says so.
        """
        if not isinstance(exception, InOtherClinic):
            return None
        resume = ""
        if request.method == "POST":
            resume = secrets.token_urlsafe(16)
            pending = dict(list(request.session.get(PENDING_POSTS_SESSION_KEY, {}).items())[-(MAX_PENDING_POSTS - 1) :])
            pending[resume] = {
                "path": request.get_full_path(),
                "clinic": exception.clinic.pk,
                "data": {k: request.POST.getlist(k) for k in request.POST if k != "csrfmiddlewaretoken"},
            }
            request.session[PENDING_POSTS_SESSION_KEY] = pending
        context = {
            "other": exception.clinic,
            "next": request.get_full_path(),
            "resume": resume,
            "had_files": bool(request.FILES),
        }
        return render(request, "clinics/other_clinic.html", context, status=409)


class AccessLogMiddleware:
    """After a page, download, print or export succeeded (2xx), write the access log of what it showed.

    The gate (``clinics.access.get_for``) notes each patient a view fetched; this writes one line
    per patient in one query, so no view has to remember to. A failed request (403, 404, a form's
    redirect) writes nothing: the page that follows the redirect is logged itself.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if 200 <= response.status_code < 300:
            write_access_log(request)
        return response
