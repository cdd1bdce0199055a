"""The request as our views see it: the middleware adds the user's memberships and active clinic."""

from __future__ import annotations

from django.http import HttpRequest

from .models import Clinic, Membership


class ClinicRequest(HttpRequest):
    """An ``HttpRequest`` after ``ActiveClinicMiddleware``: use it to annotate views and loaders.

    ``membership`` and ``clinic`` are None for a user without an active membership (and for
    anonymous requests); ``memberships`` lists the user's active memberships, active clinic first
    in name order.
    """

    membership: Membership | None
    clinic: Clinic | None
    memberships: list[Membership]
