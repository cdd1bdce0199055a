from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from clinics.access import actor, get_patient_for, log_access, require
from clinics.forms_util import add_conflict_error, add_service_errors
from clinics.roles import Need

from . import chart, selectors, services
from .forms import DEMOGRAPHIC_FIELDS, PatientForm, PatientSearchForm

SEARCH_SESSION_KEY = "patient_search"


@login_required
def patient_list(request: HttpRequest) -> HttpResponse:
    """Search posts its terms (names are patient data: never in a query string) into the session."""
    membership = require(request, Need.VIEW_PATIENT)
    if request.method == "POST":
        form = PatientSearchForm(request.POST)
        if form.is_valid():
            request.session[SEARCH_SESSION_KEY] = form.cleaned_data
            return redirect("patients:list")
    else:
        form = PatientSearchForm(initial=request.session.get(SEARCH_SESSION_KEY, {}))
    terms = request.session.get(SEARCH_SESSION_KEY, {})
    qs = selectors.search_patients(membership.clinic, text=terms.get("text", ""))
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "patients/list.html", {"page": page, "form": form})


@login_required
def patient_create(request: HttpRequest) -> HttpResponse:
    membership = require(request, Need.EDIT_DEMOGRAPHICS)
    form = PatientForm(request.POST or None, clinic=membership.clinic)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in DEMOGRAPHIC_FIELDS}
        try:
            patient = services.patient_register(clinic=membership.clinic, by=actor(request), **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except IntegrityError:
            add_conflict_error(form)
        else:
            messages.success(request, _("Patient registered."))
            return redirect("patients:chart", patient.public_id)
    return render(request, "patients/form.html", {"form": form, "title": _("Register a patient")})


@login_required
def patient_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    patient = get_patient_for(request, public_id, need=Need.EDIT_DEMOGRAPHICS)
    form = PatientForm(request.POST or None, instance=patient, clinic=patient.clinic)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in DEMOGRAPHIC_FIELDS}
        try:
            services.patient_update(patient=patient, by=actor(request), **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except IntegrityError:
            add_conflict_error(form)
        else:
            messages.success(request, _("Patient details saved."))
            return redirect("patients:chart", patient.public_id)
    return render(request, "patients/form.html", {"form": form, "patient": patient, "title": _("Edit patient details")})


@login_required
def patient_chart(request: HttpRequest, public_id: str) -> HttpResponse:
    patient = get_patient_for(request, public_id, need=Need.VIEW_PATIENT)
    log_access(request, patient)
    clinical = request.membership.can(Need.VIEW_CLINICAL)  # type: ignore[attr-defined]
    context = {
        "patient": patient,
        "clinical": clinical,
        "sections": chart.sections_for(patient, request),
        "timeline": chart.timeline_for(patient, request) if clinical else [],
        "badges": chart.header_badges_for(patient, request) if clinical else [],
    }
    return render(request, "patients/chart.html", context)
