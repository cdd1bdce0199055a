"""The one access gate. Every patient-bound object a view touches is fetched here.

A patient-bound model names the path from itself to its clinic in a class attribute
``clinic_field`` (``"clinic"`` on Patient, ``"patient__clinic"`` on a patient's records) and
carries a ``public_id`` UUID. Outside the user's *active* clinic the answer is 404, never 403,
so ids cannot be probed; inside it, a role that lacks the need gets 403.

The gate is also where the access log starts: ``get_for`` notes on the request which patient
each object it hands out belongs to, and ``AccessLogMiddleware`` writes one line per patient
once the page, download, print or export has succeeded (2xx). No view writes the log itself;
``logs_access`` only names an action other than "viewed" (a print, a download, an export).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404

from .models import AccessLog, Membership
from .roles import Need

if TYPE_CHECKING:
    from django.http import HttpRequest

M = TypeVar("M", bound=models.Model)
V = TypeVar("V", bound=Callable[..., Any])

PATIENT_MODEL = "patients.Patient"
# Where the gate notes the patients a request read: {public id: None}, in the order read.
PATIENTS_READ = "access_patients_read"
# The attribute ``logs_access`` sets on a view.
ACCESS_ACTION = "access_action"
# The annotation carrying the patient's public id of a row the gate fetches (no extra query).
_PATIENT_ANNOTATION = "gate_patient_public_id"


class InOtherClinic(Exception):  # noqa: N818 - a signal to the middleware, not an error
    """The object is at another clinic where the user is an active member (not the active one).

    The middleware answers with a page offering to switch there (``ActiveClinicMiddleware``);
    for anyone without a membership there the gate still answers 404.
    """

    def __init__(self, clinic: Any) -> None:
        super().__init__("object at another clinic of the user")
        self.clinic = clinic


def _raise_if_in_other_clinic(
    request: HttpRequest, model: type[models.Model], public_id: uuid.UUID | str, need: Need
) -> None:
    """Offer the switch only to a clinic where the user's role may open the page: anyone else
    learns nothing of what is there, not even that it exists (a draft plan, for the front desk)."""
    active = active_membership(request)
    others = {
        m.clinic_id: m.clinic
        for m in getattr(request, "memberships", [])
        if m.clinic_id != active.clinic_id and m.can(need)
    }
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


def patient_path(model: type[models.Model]) -> str | None:
    """The lookup from ``model`` to its patient: ``""`` for the patient itself, e.g. ``"plan__patient"``
    for a plan's goal, None for a row that belongs to no patient (a membership, a survey schedule)."""
    if model._meta.label == PATIENT_MODEL:
        return ""
    path = str(getattr(model, CLINIC_FIELD, ""))
    if path.endswith("patient__clinic"):
        return path.removesuffix("__clinic")
    try:
        field = model._meta.get_field("patient")
    except FieldDoesNotExist:
        return None
    related = field.related_model
    if field.is_relation and related is not None and not isinstance(related, str):
        return "patient" if related._meta.label == PATIENT_MODEL else None
    return None


def note_patient_read(request: HttpRequest, patient_public_id: uuid.UUID) -> None:
    """Remember that this request shows the patient's data (``AccessLogMiddleware`` writes it)."""
    read: dict[uuid.UUID, None] = request.__dict__.setdefault(PATIENTS_READ, {})
    read[patient_public_id] = None


def patients_read(request: HttpRequest) -> list[uuid.UUID]:
    """The public ids of the patients the gate handed out during this request."""
    return list(request.__dict__.get(PATIENTS_READ, {}))


def logs_access(action: str) -> Callable[[V], V]:
    """Name the access-log action of a view that prints, downloads or exports (the default is "viewed").

    A view so marked that shows no one patient (a clinic-wide export) still gets one line, without a
    patient. Put it above or below ``login_required``: Django's decorators carry the mark along.
    """

    def mark(view: V) -> V:
        setattr(view, ACCESS_ACTION, action)
        return view

    return mark


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
    qs = scoped(request, model_or_qs)
    path = patient_path(qs.model)
    if path:
        qs = qs.annotate(**{_PATIENT_ANNOTATION: models.F(f"{path}__public_id")})
    try:
        obj = qs.get(public_id=public_id)
    except (models.ObjectDoesNotExist, ValueError) as exc:
        model = model_or_qs if isinstance(model_or_qs, type) else model_or_qs.model
        if not isinstance(exc, ValueError):
            _raise_if_in_other_clinic(request, model, public_id, need)
        raise Http404 from exc
    if not membership.can(need):
        raise PermissionDenied
    if path is not None:
        note_patient_read(request, getattr(obj, "public_id" if path == "" else _PATIENT_ANNOTATION))
    return obj


def get_patient_for(request: HttpRequest, public_id: uuid.UUID | str, *, need: Need = Need.VIEW_PATIENT) -> Any:
    """The patient with ``public_id`` in the user's active clinic (see ``get_for``)."""
    patient_model = apps.get_model("patients", "Patient")
    return get_for(request, patient_model, public_id, need=need)


def find_patient_for(request: HttpRequest, *, mrn: str, need: Need) -> Any | None:
    """The patient with this MRN in the active clinic, or None; 403 without ``need``.

    For the pages that take a patient by MRN instead of by link (booking from the front desk):
    the patient found is noted for the access log like any other the gate hands out.
    """
    membership = active_membership(request)
    if not membership.can(need):
        raise PermissionDenied
    patient = scoped(request, apps.get_model("patients", "Patient")).filter(mrn=mrn.strip()).first()
    if patient is not None:
        note_patient_read(request, patient.public_id)
    return patient


def write_access_log(request: HttpRequest) -> int:
    """The access-log lines of a request that succeeded, in one query; how many were written.

    One line per patient the gate handed out, with the view's action (``logs_access``) or
    "viewed". A marked view that read no patient (a clinic-wide export) writes one line without
    a patient. A list (patients, the day, the worklist) reads its rows through selectors, not
    the gate, and writes nothing: it is not a view of any one patient's record.
    """
    membership = getattr(request, "membership", None)
    match = getattr(request, "resolver_match", None)
    if membership is None or match is None or not request.user.is_authenticated:
        return 0
    marked = getattr(match.func, ACCESS_ACTION, None)
    read: list[uuid.UUID | None] = list(patients_read(request))
    if not read and marked is None:
        return 0
    rows = [
        AccessLog(
            clinic=membership.clinic,
            user=membership.user,
            patient_public_id=patient,
            action=marked or AccessLog.Action.VIEW,
            page=(match.view_name or "")[: AccessLog.PAGE_LENGTH],
        )
        for patient in (read or [None])
    ]
    AccessLog.objects.bulk_create(rows)
    return len(rows)
