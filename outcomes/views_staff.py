"""The clinic's outcomes page and its CSV export (clinicians: VIEW_CLINICAL). Thin: the gate,
the filter form, the report selector, a template or a CSV writer."""

from __future__ import annotations

import csv
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinics.access import logs_access, require
from clinics.models import AccessLog, Clinic
from clinics.roles import Need

from .forms_staff import ReportFilterForm
from .reports import clinic_report, csv_rows


def _today(clinic: Clinic) -> date:
    return timezone.localtime(timezone.now(), clinic.tz).date()


@login_required
def outcomes_page(request: HttpRequest) -> HttpResponse:
    membership = require(request, Need.VIEW_CLINICAL)
    form = ReportFilterForm(request.GET or None, clinic=membership.clinic)
    report = clinic_report(membership.clinic, form.filters(), _today(membership.clinic))
    return render(
        request,
        "outcomes/report.html",
        {"form": form, "report": report, "query": request.GET.urlencode() if form.is_valid() else ""},
    )


@login_required
@logs_access(AccessLog.Action.EXPORT)
def outcomes_csv(request: HttpRequest) -> HttpResponse:
    """The same figures as the page, as CSV. Aggregates only: no patient appears in it, so its line
    in the access log names none."""
    membership = require(request, Need.VIEW_CLINICAL)
    form = ReportFilterForm(request.GET or None, clinic=membership.clinic)
    today = _today(membership.clinic)
    report = clinic_report(membership.clinic, form.filters(), today)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="outcomes-{today:%Y-%m-%d}.csv"'
    csv.writer(response).writerows(csv_rows(report))
    return response
