"""The second sign-in step and enrolment of an authenticator app (see clinics.twofactor)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from . import twofactor
from .forms_staff import CodeForm


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url("home")


def _locked(request: HttpRequest) -> HttpResponse:
    logout(request)
    return render(request, "registration/locked_out.html", status=429)


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """After the password: a code from the authenticator app or a backup code."""
    user = request.user
    if twofactor.is_locked(user):
        return _locked(request)
    if not twofactor.has_device(user):
        return redirect("home")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = twofactor.verify(user=user, token=form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            twofactor.clear_failures(user=user)
            request.session.pop(twofactor.TWO_FACTOR_SESSION_KEY, None)
            return redirect(_next(request))
        if twofactor.record_failure(user=user):
            return _locked(request)
        form.add_error("code", _("That code is not right, or it was used already. Wait for a new code and try again."))
    return render(request, "clinics/two_factor_verify.html", {"form": form, "next": _next(request)})


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code, confirm with a first code, keep the backup codes."""
    user = request.user
    if twofactor.is_locked(user):
        return _locked(request)
    if twofactor.has_device(user):
        verified = getattr(user, "is_verified", lambda: False)()
        return render(
            request,
            "clinics/two_factor_setup.html",
            {"enrolled": True, "verified": verified, "backup_left": twofactor.backup_codes_left(user)},
        )
    device = twofactor.pending_totp(user=user)
    form = CodeForm(request.POST or None, help_text=_("The 6-digit code your app shows now."))
    if request.method == "POST" and form.is_valid():
        codes = twofactor.confirm_totp(user=user, device=device, token=form.cleaned_data["code"])
        if codes is not None:
            otp_login(request, device)
            twofactor.clear_failures(user=user)
            request.session.pop(twofactor.TWO_FACTOR_SESSION_KEY, None)
            messages.success(request, _("Two-factor sign-in is on."))
            return render(request, "clinics/two_factor_backup_codes.html", {"codes": codes, "next": _next(request)})
        if twofactor.record_failure(user=user):
            return _locked(request)
        form.add_error("code", _("That code is not right. Check the time on your phone and try the next code."))
    required = request.session.get(twofactor.TWO_FACTOR_SESSION_KEY) == twofactor.ENROL
    context = {
        "form": form,
        "qr_svg": twofactor.qr_svg(device),
        "secret": twofactor.b32_secret(device),
        "required": required,
        "next": _next(request),
    }
    return render(request, "clinics/two_factor_setup.html", context)


@login_required
def new_backup_codes(request: HttpRequest) -> HttpResponse:
    """Replace the backup codes (only in a session that passed its second factor)."""
    if request.method != "POST" or not getattr(request.user, "is_verified", lambda: False)():
        return redirect("two_factor_setup")
    codes = twofactor.new_backup_codes(user=request.user)
    return render(request, "clinics/two_factor_backup_codes.html", {"codes": codes, "next": resolve_url("home")})
