"""Staff administration pages of the clinic admin (Need.ADMINISTER, the active clinic only)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from . import selectors
from . import staff as services
from .access import actor, get_for, require
from .forms_staff import ExistingMemberForm, NewMemberForm, RoleForm, TwoFactorRolesForm
from .forms_util import submit
from .models import Membership
from .roles import Need


def _membership(request: HttpRequest, membership_id: str) -> Membership:
    # 404 for a membership of another clinic, 403 for a member who is not the clinic's admin.
    return get_for(request, selectors.memberships_with_user(), membership_id, need=Need.ADMINISTER)


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    membership = require(request, Need.ADMINISTER)
    return render(request, "clinics/staff.html", {"staff": services.members_of(membership.clinic)})


@login_required
def staff_add(request: HttpRequest) -> HttpResponse:
    membership = require(request, Need.ADMINISTER)
    form = NewMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        added = submit(form, services.member_add_new, clinic=membership.clinic, by=actor(request), **form.cleaned_data)
        if added is not None:
            services.send_password_link(user=added.user, domain=request.get_host(), use_https=request.is_secure())
            messages.success(
                request,
                _("%(name)s was added; a link to set a password went to their email.")
                % {"name": added.user.get_full_name()},
            )
            return redirect("clinic_staff_detail", membership_id=added.public_id)
    return render(request, "clinics/staff_add.html", {"form": form, "title": _("Add a new account")})


@login_required
def staff_add_existing(request: HttpRequest) -> HttpResponse:
    membership = require(request, Need.ADMINISTER)
    form = ExistingMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        added = submit(form, _add_existing, request=request, **form.cleaned_data)
        if added is not None:
            messages.success(
                request, _("%(name)s was added.") % {"name": added.user.get_full_name() or added.user.username}
            )
            return redirect("clinic_staff_detail", membership_id=added.public_id)
    return render(
        request,
        "clinics/staff_add.html",
        {"form": form, "title": _("Add an existing account"), "clinic": membership.clinic},
    )


def _add_existing(*, request: HttpRequest, identifier: str, role: str) -> Membership:
    membership = require(request, Need.ADMINISTER)
    user = services.find_user(identifier)
    return services.member_add_existing(clinic=membership.clinic, by=actor(request), user=user, role=role)


@login_required
def staff_detail(request: HttpRequest, membership_id: str) -> HttpResponse:
    member = _membership(request, membership_id)
    return _detail(request, member, RoleForm(initial={"role": member.role}))


def _detail(request: HttpRequest, member: Membership, role_form: RoleForm, status: int = 200) -> HttpResponse:
    from . import twofactor

    context = {
        "member": member,
        "role_form": role_form,
        "locked": services.is_locked_out(member.user),
        "has_two_factor": twofactor.has_device(member.user),
        "is_self": member.user_id == request.user.pk,
    }
    return render(request, "clinics/staff_detail.html", context, status=status)


@login_required
@require_POST
def staff_change_role(request: HttpRequest, membership_id: str) -> HttpResponse:
    member = _membership(request, membership_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        changed = submit(
            form, services.member_change_role, membership=member, by=actor(request), role=form.cleaned_data["role"]
        )
        if changed is not None:
            messages.success(request, _("The role was changed."))
            return redirect("clinic_staff_detail", membership_id=member.public_id)
    return _detail(request, member, form, status=400)


def _bound_role_form(member: Membership) -> RoleForm:
    # The page's role form, bound and valid, so that what a service refuses can be shown on it.
    form = RoleForm({"role": member.role})
    form.is_valid()
    return form


def _action(
    request: HttpRequest, membership_id: str, service: Callable[..., Membership], done: str | Promise
) -> HttpResponse:
    member = _membership(request, membership_id)
    form = _bound_role_form(member)
    if submit(form, service, membership=member, by=actor(request)) is None:
        return _detail(request, member, form, status=400)
    if member.user_id == request.user.pk and service in _ENDS_SESSIONS:
        # The admin ended their own sessions, this one included.
        logout(request)
        return redirect("login")
    messages.success(request, str(done))
    return redirect("clinic_staff_detail", membership_id=member.public_id)


_ENDS_SESSIONS = (services.member_deactivate, services.member_reset_two_factor)


def _action_view(service: Callable[..., Membership], done: Promise) -> Callable[[HttpRequest, str], HttpResponse]:
    """A one-button page of the member's detail: POST only, ``service`` then ``done`` (a message)."""

    @login_required
    @require_POST
    def view(request: HttpRequest, membership_id: str) -> HttpResponse:
        return _action(request, membership_id, service, done)

    return view


staff_deactivate = _action_view(
    services.member_deactivate, _l("The membership was deactivated and the person's sessions ended.")
)
staff_reactivate = _action_view(services.member_reactivate, _l("The membership was reactivated."))
staff_unlock = _action_view(services.member_unlock, _l("The account was unlocked."))
staff_reset_two_factor = _action_view(
    services.member_reset_two_factor, _l("Two-factor sign-in was reset; the person enrols again.")
)


@login_required
@require_POST
def staff_password_link(request: HttpRequest, membership_id: str) -> HttpResponse:
    member = _membership(request, membership_id)
    form = _bound_role_form(member)
    sent = submit(
        form,
        services.member_send_password_link,
        membership=member,
        by=actor(request),
        domain=request.get_host(),
        use_https=request.is_secure(),
    )
    if sent is None:
        return _detail(request, member, form, status=400)
    messages.success(request, _("A link to set a password was sent to %(email)s.") % {"email": member.user.email})
    return redirect("clinic_staff_detail", membership_id=member.public_id)


@login_required
def two_factor_settings(request: HttpRequest) -> HttpResponse:
    membership = require(request, Need.ADMINISTER)
    form = TwoFactorRolesForm(request.POST or None, initial={"roles": membership.clinic.two_factor_roles})
    if request.method == "POST" and form.is_valid():
        saved = submit(
            form,
            services.clinic_set_two_factor_roles,
            clinic=membership.clinic,
            by=actor(request),
            roles=form.cleaned_data["roles"],
        )
        if saved is not None:
            messages.success(request, _("Saved. It applies from each person's next sign-in."))
            return redirect("clinic_two_factor_settings")
    return render(request, "clinics/two_factor_settings.html", {"form": form})
