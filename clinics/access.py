"""The one access gate. Every patient-bound object a view touches is fetched here.

A patient-bound model names the path from itself to its clinic in a class attribute
``clinic_field`` (``"clinic"`` on Patient, ``"patient__clinic"`` on a patient's records) and
carries a ``public_id`` UUID. Outside the user's *active* clinic the answer is 404, never 403,
so ids cannot be probed; inside it, a role that lacks the need gets 403.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, TypeVar

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from .models import AccessLog, Membership
from .roles import Need

if TYPE_CHECKING:
    from django.http import HttpRequest

M = TypeVar("M", bound=models.Model)


class InOtherClinic(Exception):  # noqa: N818 - a signal to the middleware, not an error
    """The object is at another clinic where the user is an active member (not the active one).

    The middleware answers with a page offering to switch there (``ActiveClinicMiddleware``);
    for anyone without a membership there the gate still answers 404.
    """

    def __init__(self, clinic: Any) -> None:
        super().__init__("object at another clinic of the user")
        self.clinic = clinic


def _raise_if_in_other_clinic(request: HttpRequest, model: type[models.Model], public_id: uuid.UUID | str) -> None:
    active = active_membership(request)
    others = {m.clinic_id: m.clinic for m in getattr(request, "memberships", []) if m.clinic_id != active.clinic_id}
    if not others:
        return
    path = clinic_path(model)
    found = model._default_manager.filter(public_id=public_id, **{f"{path}__in": list(others)})
    clinic_id = found.values_list(path, flat=True).first()
    if clinic_id is not None:
        raise InOtherClinic(others[clinic_id])


def active_membership(request: HttpRequest) -> Membership:
    """The user's membership at the active clinic, or 404 for someone who has none."""
    membership: Membership | None = getattr(request, "membership", None)
    if membership is None or not request.user.is_authenticated:
        raise Http404
    return membership


def actor(request: HttpRequest) -> Any:
    """The signed-in user acting at the active clinic (what services record as ``by``)."""
    return active_membership(request).user


def require(request: HttpRequest, need: Need) -> Membership:
    """The active membership, or 403 when its role lacks ``need`` (for pages with no object)."""
    membership = active_membership(request)
    if not membership.can(need):
        raise PermissionDenied
    return membership


# The class attribute naming a patient-bound model's path to its clinic.
CLINIC_FIELD = "clinic_field"


def clinic_path(model: type[models.Model]) -> str:
    """The lookup from ``model`` to its clinic, e.g. ``"plan__patient__clinic"``."""
    return str(getattr(model, CLINIC_FIELD))


def scoped(request: HttpRequest, model_or_qs: type[M] | models.QuerySet[M]) -> models.QuerySet[M]:
    """Rows of a patient-bound model that belong to the active clinic."""
    membership = active_membership(request)
    qs = model_or_qs._default_manager.all() if isinstance(model_or_qs, type) else model_or_qs
    return qs.filter(**{clinic_path(qs.model): membership.clinic})


def get_for(
    request: HttpRequest,
    model_or_qs: type[M] | models.QuerySet[M],
    public_id: uuid.UUID | str,
    *,
    need: Need,
) -> M:
    """One patient-bound row by public id: 404 outside the active clinic, 403 without ``need``.

    A row at another clinic of the user's own raises ``InOtherClinic`` (a page offering to switch).
    """
    membership = active_membership(request)
    try:
        obj = scoped(request, model_or_qs).get(public_id=public_id)
    except (models.ObjectDoesNotExist, ValueError) as exc:
        model = model_or_qs if isinstance(model_or_qs, type) else model_or_qs.model
        if not isinstance(exc, ValueError):
            _raise_if_in_other_clinic(request, model, public_id)
        raise Http404 from exc
    if not membership.can(need):
        raise PermissionDenied
    return obj


def get_patient_for(request: HttpRequest, public_id: uuid.UUID | str, *, need: Need = Need.VIEW_PATIENT) -> Any:
    """The patient with ``public_id`` in the user's active clinic (see ``get_for``)."""
    patient_model = apps.get_model("patients", "Patient")
    return get_for(request, patient_model, public_id, need=need)


def log_access(request: HttpRequest, patient: Any, action: str = AccessLog.Action.VIEW_CHART) -> None:
    """Write one line of the access log for a patient the user just saw."""
    membership = active_membership(request)
    AccessLog.objects.create(
        clinic=membership.clinic,
        user=membership.user,
        patient_public_id=patient.public_id,
        action=action,
    )
