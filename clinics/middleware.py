"""Per-request tenancy and the idle session limit."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .access import InOtherClinic
from .http import ClinicRequest
from .models import Membership

ACTIVE_CLINIC_SESSION_KEY = "active_clinic_id"
LAST_SEEN_SESSION_KEY = "last_seen"
# Forms submitted to a record of another of the user's clinics, kept until they switch there.
PENDING_POSTS_SESSION_KEY = "pending_posts"
MAX_PENDING_POSTS = 3


class IdleTimeoutMiddleware:
    """Log the user out after IDLE_TIMEOUT_SECONDS without a request.

    The session cookie also ends with the browser (SESSION_EXPIRE_AT_BROWSER_CLOSE); this covers
    a browser left open on a shared front-desk computer.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(LAST_SEEN_SESSION_KEY)
            if last_seen is not None and now - float(last_seen) > settings.IDLE_TIMEOUT_SECONDS:
                logout(request)
                request.session["idle_logged_out"] = True
            else:
                request.session[LAST_SEEN_SESSION_KEY] = now
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
