import csv
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import selectors
from .access import logs_access, require
from .forms import LoginForm, SwitchClinicForm
from .forms_audit import LogFilter, LogFilterForm
from .http import ClinicRequest
from .middleware import ACTIVE_CLINIC_SESSION_KEY, PENDING_POSTS_SESSION_KEY, SIGNED_OUT_REASON_SESSION_KEY
from .models import AccessLog, Membership
from .panels import panels_for
from .roles import Need


@transaction.non_atomic_requests
@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers: touches neither the database nor the broker."""
    return JsonResponse({"status": "ok"})


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_redirect_url(self, request: HttpRequest | None = None) -> str:
        # "next" may name the sign-in page itself (a bookmarked /accounts/login/?next=/accounts/login/):
        # sending a signed-in person there would loop, which Django's LoginView refuses with an error.
        url = super().get_redirect_url()
        if url and urlsplit(url).path == self.request.path:
            return ""
        return url

    def get_context_data(self, **kwargs: object) -> dict:
        context = super().get_context_data(**kwargs)
        reason = self.request.session.pop(SIGNED_OUT_REASON_SESSION_KEY, None)
        # The page's own idle countdown (static/js/idle.js) sends ?reason=idle: a flag, nothing more.
        if reason is None and self.request.GET.get("reason") == "idle":
            reason = "idle"
        context["signed_out_reason"] = reason
        context["session_max_hours"] = settings.SESSION_MAX_AGE_SECONDS // 3600
        return context


@login_required
@require_POST
def keepalive(request: HttpRequest) -> HttpResponse:
    """A request that only keeps the session from the idle limit ("Stay signed in")."""
    return HttpResponse(status=204)


@login_required
def home(request: ClinicRequest) -> HttpResponse:
    membership = request.membership
    if membership is None:
        return render(request, "clinics/no_clinic.html", status=403)
    return render(request, "clinics/home.html", {"panels": panels_for(request, membership)})


@login_required
@require_POST
def switch_clinic(request: ClinicRequest) -> HttpResponse:
    form = SwitchClinicForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    wanted = next((m for m in request.memberships if m.clinic.public_id == form.cleaned_data["clinic"]), None)
    if wanted is None:
        messages.error(request, _("You are not a member of that clinic."))
        return redirect("home")
    request.session[ACTIVE_CLINIC_SESSION_KEY] = wanted.clinic_id
    messages.success(request, _("You are now working at %(clinic)s.") % {"clinic": wanted.clinic.name})
    # A form submitted at the other clinic: show it again to send, with a fresh CSRF token.
    resume = request.POST.get("resume", "")
    pending = request.session.get(PENDING_POSTS_SESSION_KEY, {})
    if resume and resume in pending:
        kept = pending.pop(resume)
        request.session[PENDING_POSTS_SESSION_KEY] = pending
        if kept["clinic"] == wanted.clinic_id:
            return render(request, "clinics/resume_post.html", {"path": kept["path"], "data": kept["data"]})
    # Stay on a page that makes sense in the new clinic: anything patient-bound would 404 there,
    # unless the page asked to switch was that record's ("stay").
    target = request.POST.get("next", "")
    stay = request.POST.get("stay") == "1"
    if (
        target
        and url_has_allowed_host_and_scheme(target, {request.get_host()})
        and (stay or "/patients/" not in target)
    ):
        return redirect(target)
    return redirect("home")


# --- The audit trail and the access log (clinic admins) -------------------------------------------

ACCESS_LOG_FILTERS_SESSION_KEY = "access_log_filters"
AUDIT_FILTERS_SESSION_KEY = "audit_filters"
AUDIT_ACTION_CHOICES = [("created", _lazy("created")), ("changed", _lazy("changed")), ("deleted", _lazy("deleted"))]


def _log_filters(
    request: HttpRequest, membership: Membership, session_key: str, actions: list[tuple[str, Any]]
) -> tuple[LogFilterForm, LogFilter, HttpResponse | None]:
    """The filter form of a log page and the filter in force (kept in the session, never in a URL).

    A valid POST replaces the kept filter and redirects; an invalid one shows its messages while
    the list stays filtered as before.
    """
    clinic = membership.clinic
    kept = LogFilterForm(request.session.get(session_key) or None, clinic=clinic, actions=actions)
    in_force = kept.to_filter() if kept.is_bound and kept.is_valid() else LogFilter()
    if request.method != "POST":
        return kept, in_force, None
    if "clear" in request.POST:
        request.session.pop(session_key, None)
        return kept, LogFilter(), redirect(_first_page(request))
    form = LogFilterForm(request.POST, clinic=clinic, actions=actions)
    if form.is_valid():
        request.session[session_key] = form.to_session()
        return form, form.to_filter(), redirect(_first_page(request))
    return form, in_force, None


def _first_page(request: HttpRequest) -> str:
    """The page's first page, keeping its record type (the audit's ``model``): a new filter starts over."""
    model = request.GET.get("model")
    return request.path + (f"?{urlencode({'model': model})}" if model else "")


def _page_links(request: HttpRequest, page: selectors.LogPage) -> dict[str, str]:
    """Query strings of the older and newer pages, keeping the other parameters (not patient data)."""
    keep: dict[str, str] = {k: str(v) for k, v in request.GET.items() if k not in ("before", "after")}
    return {
        "older": urlencode({**keep, "before": page.older}) if page.older else "",
        "newer": urlencode({**keep, "after": page.newer}) if page.newer else "",
        "first": urlencode(keep),
    }


def _audit_model(request: HttpRequest) -> tuple[str | None, dict[str, Any]]:
    labels = {m._meta.label: m._meta.verbose_name for m in selectors.audited_models()}
    model_label = request.GET.get("model")
    return (model_label if model_label in labels else None), labels


@login_required
@require_http_methods(["GET", "POST"])
def audit(request: HttpRequest) -> HttpResponse:
    membership = require(request, Need.ADMINISTER)
    form, filters, done = _log_filters(request, membership, AUDIT_FILTERS_SESSION_KEY, AUDIT_ACTION_CHOICES)
    if done:
        return done
    model_label, labels = _audit_model(request)
    page = selectors.audit_page(
        membership.clinic, filters, reader=membership, model_label=model_label,
        before=selectors.Cursor.decode(request.GET.get("before")), after=selectors.Cursor.decode(request.GET.get("after")),
    )  # fmt: skip
    context = {
        "entries": page.entries, "links": _page_links(request, page), "form": form, "filtered": not filters.is_empty,
        "labels": sorted(labels.items()), "model_label": model_label, "withheld": selectors.WITHHELD,
        "export_query": urlencode({"model": model_label}) if model_label else "",
    }  # fmt: skip
    return render(request, "clinics/audit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def access_log(request: HttpRequest) -> HttpResponse:
    membership = require(request, Need.ADMINISTER)
    form, filters, done = _log_filters(request, membership, ACCESS_LOG_FILTERS_SESSION_KEY, AccessLog.Action.choices)
    if done:
        return done
    page = selectors.access_log_page(
        membership.clinic, filters,
        before=selectors.Cursor.decode(request.GET.get("before")), after=selectors.Cursor.decode(request.GET.get("after")),
    )  # fmt: skip
    context = {
        "entries": page.entries,
        "links": _page_links(request, page),
        "form": form,
        "filtered": not filters.is_empty,
    }
    return render(request, "clinics/access_log.html", context)


class _Echo:
    """A file that hands back what is written to it: csv.writer's rows, streamed one at a time."""

    def write(self, value: str) -> str:
        return value


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula (a name may begin with "=")."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(rows: Iterable[list[object]], name: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow([_cell(v) for v in row]) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _when(at: Any, tz: Any) -> str:
    # In the clinic's zone, given explicitly: a streamed body is written after the middleware that activates it.
    return str(at.astimezone(tz).isoformat(timespec="seconds"))


def _patient_cells(patient: Any, public_id: Any) -> list[object]:
    if patient is None:
        return ["", "", public_id or ""]
    return [patient.mrn, f"{patient.family_name}, {patient.given_name}", public_id]


@login_required
@require_GET
@logs_access(AccessLog.Action.EXPORT)
def access_log_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered access log as CSV, streamed; the export is itself a line of the log."""
    membership = require(request, Need.ADMINISTER)
    _form, filters, _done = _log_filters(request, membership, ACCESS_LOG_FILTERS_SESSION_KEY, AccessLog.Action.choices)

    def rows() -> Iterator[list[object]]:
        yield [_("When"), _("User"), _("Action"), _("Page"), _("MRN"), _("Patient"), _("Patient id")]
        for row in selectors.access_log_rows(membership.clinic, filters):
            patient = getattr(row, "patient", None)
            cells = [_when(row.at, membership.clinic.tz), row.user.get_username(), row.get_action_display(), row.page_name]
            yield cells + _patient_cells(patient, row.patient_public_id)

    return _csv(rows(), f"access-log-{timezone.localdate():%Y-%m-%d}.csv")


@login_required
@require_GET
@logs_access(AccessLog.Action.EXPORT)
def audit_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered audit trail as CSV, one row per changed field, streamed; logged as an export."""
    membership = require(request, Need.ADMINISTER)
    _form, filters, _done = _log_filters(request, membership, AUDIT_FILTERS_SESSION_KEY, AUDIT_ACTION_CHOICES)
    model_label, _labels = _audit_model(request)

    def rows() -> Iterator[list[object]]:
        yield [
            _("When"), _("User"), _("Action"), _("Record"), _("Id"), _("MRN"), _("Patient"), _("Patient id"),
            _("Field"), _("Before"), _("After"), _("Reason"),
        ]  # fmt: skip
        for e in selectors.audit_rows(membership.clinic, filters, reader=membership, model_label=model_label):
            head = [
                _when(e.at, membership.clinic.tz),
                e.user.get_username() if e.user else "",
                e.action,
                e.model_label,
                e.object_label,
            ]
            head += _patient_cells(e.patient, e.patient_public_id)
            for cells in [[c.label, c.old, c.new] for c in e.changes] or [["", "", ""]]:
                yield head + cells + [e.reason]

    return _csv(rows(), f"audit-trail-{timezone.localdate():%Y-%m-%d}.csv")
