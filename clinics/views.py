from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import selectors
from .access import require
from .forms import LoginForm, SwitchClinicForm
from .http import ClinicRequest
from .middleware import ACTIVE_CLINIC_SESSION_KEY, PENDING_POSTS_SESSION_KEY, SIGNED_OUT_REASON_SESSION_KEY
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


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    membership = require(request, Need.ADMINISTER)
    labels = {m._meta.label: m._meta.verbose_name for m in selectors.audited_models()}
    model_label = request.GET.get("model")
    if model_label not in labels:
        model_label = None
    entries = selectors.audit_trail_of(membership.clinic, model_label=model_label)
    return render(
        request,
        "clinics/audit.html",
        {"entries": entries, "labels": sorted(labels.items()), "model_label": model_label},
    )


@login_required
def access_log(request: HttpRequest) -> HttpResponse:
    membership = require(request, Need.ADMINISTER)
    page = Paginator(selectors.access_log_of(membership.clinic), 50).get_page(request.GET.get("page"))
    return render(request, "clinics/access_log.html", {"page": page})
