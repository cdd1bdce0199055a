from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from clinics.access import active_membership, actor, get_for, get_patient_for, logs_access, require
from clinics.forms_util import submit
from clinics.models import AccessLog
from clinics.records import EnteredInErrorForm, mark_entered_in_error, may_mark_entered_in_error
from clinics.roles import Need

from . import chart, icd, selectors, services
from .choices import EvaluationKind
from .forms import (
    SORTS,
    DiagnosisForm,
    EvaluationForm,
    PatientFilterForm,
    PatientSearchForm,
    PriorSurgeryForm,
    patient_form_for,
)
from .services import KEEP

SEARCH_SESSION_KEY = "patient_search"
PAGE_SIZE = 25


@login_required
def patient_list(request: HttpRequest) -> HttpResponse:
    """Search posts its terms (names are patient data: never in a query string) into the session.

    Filters (status, physician), the order and the page are not patient data and go in the
    query string, so a filtered list can be bookmarked.
    """
    membership = require(request, Need.VIEW_PATIENT)
    clinical = membership.can(Need.VIEW_CLINICAL)
    if request.method == "POST":
        form = PatientSearchForm(request.POST)
        if form.is_valid():
            request.session[SEARCH_SESSION_KEY] = {} if "clear" in request.POST else form.to_session()
            query = request.GET.urlencode()
            return redirect(reverse("patients:list") + (f"?{query}" if query else ""))
    else:
        form = PatientSearchForm(initial=request.session.get(SEARCH_SESSION_KEY, {}))
    terms = request.session.get(SEARCH_SESSION_KEY, {})
    try:
        dob = date.fromisoformat(terms["date_of_birth"]) if terms.get("date_of_birth") else None
    except (TypeError, ValueError):
        dob = None
    filters = PatientFilterForm(request.GET or None, clinic=membership.clinic, clinical=clinical)
    chosen: dict[str, Any] = filters.cleaned_data if filters.is_valid() else {}
    sort = chosen.get("sort") or "name"
    qs = selectors.search_patients(
        membership.clinic,
        text=str(terms.get("text", "")),
        date_of_birth=dob,
        status=chosen.get("status") or "",
        physician=chosen.get("physician"),
        order_by=SORTS[sort],
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page_query = urlencode(
        {
            key: value
            for key, value in {
                "status": chosen.get("status"),
                "physician": chosen["physician"].pk if chosen.get("physician") else "",
                "sort": chosen.get("sort"),
            }.items()
            if value
        }
    )
    context = {
        "page": page,
        "form": form,
        "filters": filters,
        "page_query": page_query,
        "clinical": clinical,
        "searching": bool(terms.get("text") or terms.get("date_of_birth")),
    }
    return render(request, "patients/list.html", context)


@login_required
def patient_create(request: HttpRequest) -> HttpResponse:
    membership = require(request, Need.EDIT_DEMOGRAPHICS)
    form = patient_form_for(membership)(request.POST or None, clinic=membership.clinic)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        if patient := submit(form, services.patient_register, clinic=membership.clinic, by=actor(request), **fields):
            messages.success(request, _("Patient registered."))
            return redirect("patients:chart", patient.public_id)
    return render(request, "patients/form.html", {"form": form, "title": _("Register a patient")})


@login_required
def patient_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    patient = get_patient_for(request, public_id, need=Need.EDIT_DEMOGRAPHICS)
    form = patient_form_for(active_membership(request))(request.POST or None, instance=patient, clinic=patient.clinic)
    if request.method == "POST" and form.is_valid():
        # Only the fields of the role's form: a risk factor posted by the front desk is not read.
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        if submit(form, services.patient_update, patient=patient, by=actor(request), **fields):
            messages.success(request, _("Patient details saved."))
            return redirect("patients:chart", patient.public_id)
    return render(request, "patients/form.html", {"form": form, "patient": patient, "title": _("Edit patient details")})


@login_required
def patient_chart(request: HttpRequest, public_id: str) -> HttpResponse:
    patient = get_for(request, selectors.patients_for_chart(), public_id, need=Need.VIEW_PATIENT)
    clinical = active_membership(request).can(Need.VIEW_CLINICAL)
    badges = chart.header_badges_for(patient, request) if clinical else []
    timeline = chart.timeline_for(patient, request) if clinical else []
    context = {
        "patient": patient,
        "clinical": clinical,
        "sections": chart.sections_for(patient, request),
        "timeline": timeline[: chart.TIMELINE_ON_CHART],
        "timeline_more": len(timeline) > chart.TIMELINE_ON_CHART,
        "badges": [b for b in badges if b.kind != "diagnosis"],
        "diagnosis_badges": [b for b in badges if b.kind == "diagnosis"],
    }
    return render(request, "patients/chart.html", context)


@login_required
def patient_history(request: HttpRequest, public_id: str) -> HttpResponse:
    """The whole history: every timeline entry, every record and who changed what in it. Read
    only when opened; the chart shows the newest part and links here."""
    patient = get_for(request, selectors.patients_for_chart(), public_id, need=Need.VIEW_CLINICAL)
    chart.open_full_history(request)
    context = {
        "patient": patient,
        "timeline": chart.timeline_for(patient, request),
        "diagnoses": selectors.diagnosis_rows(selectors.diagnoses_of(patient)),
        "surgeries": selectors.surgery_rows(selectors.surgeries_of(patient)),
        "evaluations": selectors.evaluation_rows(selectors.evaluations_of(patient)),
        "errors": selectors.entered_in_error_of(patient),
    }
    return render(request, "patients/history.html", context)


# --- Clinical records: one create and one edit view per kind of record ----------------------------


def _save_record(request: HttpRequest, form: Any, save: Any, *, fields: list[str], success: str, **extra: Any) -> bool:
    """Call the service with the form's values; put what it refuses back on the form."""
    values = {name: form.cleaned_data[name] for name in fields}
    if submit(form, save, by=actor(request), **values, **extra) is None:
        return False
    messages.success(request, success)
    return True


def _render_form(
    request: HttpRequest, form: Any, patient: Any, title: str, *, record: Any = None, **extra: Any
) -> HttpResponse:
    mark_url = ""
    if record is not None and may_mark_entered_in_error(record=record, membership=active_membership(request)):
        mark_url = reverse(
            f"patients:{ERROR_KINDS_BY_MODEL[type(record).__name__]}_entered_in_error", args=[record.public_id]
        )
    context = {"form": form, "patient": patient, "title": title, "mark_url": mark_url, **extra}
    return render(request, "patients/record_form.html", context)


def _chart_anchor(patient: Any, anchor: str) -> str:
    return f"{reverse('patients:chart', args=[patient.public_id])}#{anchor}"


SURGERY_FIELDS = list(PriorSurgeryForm.Meta.fields)
EVALUATION_FIELDS = list(EvaluationForm.Meta.fields)
DIAGNOSIS_FIELDS = list(DiagnosisForm.Meta.fields)


@login_required
def surgery_create(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = get_patient_for(request, patient_id, need=Need.EDIT_CLINICAL)
    form = PriorSurgeryForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        saved = _save_record(
            request, form, services.surgery_record, fields=list(SURGERY_FIELDS), success=_("Surgery added."),
            patient=patient,
        )  # fmt: skip
        if saved:
            return redirect(_chart_anchor(patient, "section-surgeries"))
    return _render_form(request, form, patient, _("Add a prior surgery"))


@login_required
def surgery_edit(request: HttpRequest, surgery_id: str) -> HttpResponse:
    surgery = get_for(request, selectors.surgeries_for_edit(), surgery_id, need=Need.EDIT_CLINICAL)
    form = PriorSurgeryForm(request.POST or None, instance=surgery, patient=surgery.patient)
    if request.method == "POST" and form.is_valid():
        saved = _save_record(
            request, form, services.surgery_update, fields=list(SURGERY_FIELDS), success=_("Surgery saved."),
            surgery=surgery,
        )  # fmt: skip
        if saved:
            return redirect(_chart_anchor(surgery.patient, f"surgery-{surgery.public_id}"))
    return _render_form(request, form, surgery.patient, _("Edit prior surgery"), record=surgery)


@login_required
def evaluation_create(request: HttpRequest, patient_id: str) -> HttpResponse:
    """Add an evaluation; its kind (``?kind=mri``, not patient data) decides the findings fields."""
    patient = get_patient_for(request, patient_id, need=Need.EDIT_CLINICAL)
    kind = request.GET.get("kind", "")
    if kind not in EvaluationKind.values:
        return render(request, "patients/evaluation_kind.html", {"patient": patient, "kinds": EvaluationKind.choices})
    form = EvaluationForm(request.POST or None, request.FILES or None, patient=patient, kind=kind)
    if request.method == "POST" and form.is_valid():
        saved = _save_record(
            request, form, services.evaluation_record, fields=list(EVALUATION_FIELDS),
            success=_("Evaluation added."), patient=patient, kind=kind, findings=form.findings,
            rows=form.row_instances() or [], attachments=form.cleaned_data["attachments"],
        )  # fmt: skip
        if saved:
            return redirect(_chart_anchor(patient, "section-evaluations"))
    title = _("Add an evaluation: %(kind)s") % {"kind": EvaluationKind(kind).label}
    return _render_form(request, form, patient, title)


@login_required
def evaluation_edit(request: HttpRequest, evaluation_id: str) -> HttpResponse:
    evaluation = get_for(request, selectors.evaluations_for_edit(), evaluation_id, need=Need.EDIT_CLINICAL)
    form = EvaluationForm(
        request.POST or None, request.FILES or None, instance=evaluation, patient=evaluation.patient,
        kind=evaluation.kind,
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        saved = _save_record(
            request, form, services.evaluation_update, fields=list(EVALUATION_FIELDS),
            success=_("Evaluation saved."), evaluation=evaluation, findings=form.findings,
            rows=KEEP if (rows := form.row_instances()) is None else rows, attachments=form.cleaned_data["attachments"],
        )  # fmt: skip
        if saved:
            return redirect(_chart_anchor(evaluation.patient, f"evaluation-{evaluation.public_id}"))
    title = _("Edit evaluation: %(kind)s") % {"kind": evaluation.get_kind_display()}
    return _render_form(
        request, form, evaluation.patient, title, record=evaluation, attachments=evaluation.attachments.all()
    )


def _icd_matches(request: HttpRequest) -> tuple[str, list[tuple[str, str]] | None]:
    """Words posted by the code finder without JavaScript (posted: beside a patient's id in the
    URL, a diagnosis word would say something about the patient)."""
    words = request.POST.get("find", "")[:100].strip() if request.method == "POST" else ""
    return words, (icd.search(words) if words else None)


def _finding_codes(request: HttpRequest) -> bool:
    """The finder's own form was posted, not the diagnosis: show codes, save nothing."""
    return request.method == "POST" and "find" in request.POST


@login_required
@require_GET
def icd_search(request: HttpRequest) -> JsonResponse:
    """Billable ICD-10-CM codes found by words or by the start of a code, for the diagnosis form."""
    require(request, Need.WRITE_DIAGNOSIS)
    words = request.GET.get("q", "")[:100]
    results = [{"code": code, "description": text} for code, text in icd.search(words)]
    return JsonResponse({"results": results})


@login_required
def diagnosis_create(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = get_patient_for(request, patient_id, need=Need.WRITE_DIAGNOSIS)
    words, offered = _icd_matches(request)
    data = None if _finding_codes(request) else request.POST or None
    form = DiagnosisForm(data, patient=patient, offered=offered)
    if request.method == "POST" and form.is_valid():
        saved = _save_record(
            request, form, services.diagnosis_add, fields=list(DIAGNOSIS_FIELDS), success=_("Diagnosis added."),
            patient=patient,
        )  # fmt: skip
        if saved:
            return redirect(_chart_anchor(patient, "section-diagnoses"))
    return _render_form(request, form, patient, _("Add a diagnosis"), icd_find=words, icd_offered=offered)


@login_required
def diagnosis_edit(request: HttpRequest, diagnosis_id: str) -> HttpResponse:
    diagnosis = get_for(request, selectors.diagnoses_for_edit(), diagnosis_id, need=Need.WRITE_DIAGNOSIS)
    words, offered = _icd_matches(request)
    data = None if _finding_codes(request) else request.POST or None
    form = DiagnosisForm(data, instance=diagnosis, patient=diagnosis.patient, offered=offered)
    if request.method == "POST" and form.is_valid():
        saved = _save_record(
            request, form, services.diagnosis_update, fields=list(DIAGNOSIS_FIELDS), success=_("Diagnosis saved."),
            diagnosis=diagnosis,
        )  # fmt: skip
        if saved:
            return redirect(_chart_anchor(diagnosis.patient, f"diagnosis-{diagnosis.public_id}"))
    return _render_form(
        request, form, diagnosis.patient, _("Edit diagnosis"), record=diagnosis, icd_find=words, icd_offered=offered
    )


# Which records can be marked entered in error from a page: the selector that fetches one, and
# the section of the chart to return to.
ERROR_KINDS = {
    "surgery": (selectors.surgeries_for_edit, "section-surgeries"),
    "evaluation": (selectors.evaluations_for_edit, "section-evaluations"),
    "diagnosis": (selectors.diagnoses_for_edit, "section-diagnoses"),
}
ERROR_KINDS_BY_MODEL = {"PriorSurgery": "surgery", "Evaluation": "evaluation", "Diagnosis": "diagnosis"}


@login_required
def surgery_entered_in_error(request: HttpRequest, surgery_id: str) -> HttpResponse:
    return _entered_in_error(request, "surgery", surgery_id)


@login_required
def evaluation_entered_in_error(request: HttpRequest, evaluation_id: str) -> HttpResponse:
    return _entered_in_error(request, "evaluation", evaluation_id)


@login_required
def diagnosis_entered_in_error(request: HttpRequest, diagnosis_id: str) -> HttpResponse:
    return _entered_in_error(request, "diagnosis", diagnosis_id)


def _entered_in_error(request: HttpRequest, kind: str, public_id: str) -> HttpResponse:
    """Mark a record entered in error, with a reason: its author or a physician only (else 403)."""
    fetch, anchor = ERROR_KINDS[kind]
    record: Any = get_for(request, fetch(), public_id, need=Need.EDIT_CLINICAL)
    if not may_mark_entered_in_error(record=record, membership=active_membership(request)):
        raise PermissionDenied
    form = EnteredInErrorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        marked = submit(
            form, mark_entered_in_error, record=record, by=actor(request), reason=form.cleaned_data["reason"]
        )
        if marked is not None:
            messages.success(request, _("Marked entered in error. The record is kept in the history."))
            return redirect(_chart_anchor(record.patient, anchor))
    context = {"form": form, "patient": record.patient, "record": record, "title": _("Mark entered in error")}
    return render(request, "patients/entered_in_error.html", context)


@login_required
@require_GET
@logs_access(AccessLog.Action.DOWNLOAD)
def attachment_download(request: HttpRequest, attachment_id: str) -> FileResponse:
    """A report, through the gate only (which logs it); always a download, never rendered inline."""
    attachment = get_for(request, selectors.attachments_for_download(), attachment_id, need=Need.VIEW_CLINICAL)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
