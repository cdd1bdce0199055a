"""Staff administration by a clinic's admin: members, roles, deactivation, unlocking, password links.

Every change is written as a history row of the membership (django-simple-history) with who did
it and a reason, so the clinic's audit trail shows it. A clinic admin acts only on memberships
of their active clinic (views fetch them through the gate); nothing here can make anyone a
superuser or staff of Django's admin.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from . import twofactor
from .models import Clinic, Membership
from .recording import save_record
from .roles import Role
from .sessions import end_sessions_of


class StaffPasswordResetForm(PasswordResetForm):
    """Django's reset form, also for accounts that never had a password (added by a clinic admin)."""

    def get_users(self, email: str) -> Any:
        user_model = get_user_model()
        email_field = user_model.get_email_field_name()
        users = user_model._default_manager.filter(**{f"{email_field}__iexact": email, "is_active": True})
        return (u for u in users if getattr(u, email_field).casefold() == email.casefold())


# --- reads -----------------------------------------------------------------------------------


def members_of(clinic: Clinic) -> models.QuerySet[Membership]:
    return (
        Membership.objects.filter(clinic=clinic).select_related("user").order_by("-is_active", "role", "user__username")
    )


def find_user(identifier: str) -> Any:
    """The one active account whose username is ``identifier`` exactly, or whose email it is."""
    user_model = get_user_model()
    identifier = identifier.strip()
    by_username = user_model._default_manager.filter(username=identifier).first()
    if by_username is not None:
        return by_username
    by_email = list(user_model._default_manager.filter(email__iexact=identifier)[:2])
    if len(by_email) > 1:
        raise ValidationError({"identifier": _("Several accounts use this email address: enter the username.")})
    if not by_email:
        raise ValidationError({"identifier": _("No account has this username or email address.")})
    return by_email[0]


def is_locked_out(user: Any) -> bool:
    """Locked by failed passwords (django-axes) or by failed second-factor codes."""
    cooloff = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
    by_password = AccessAttempt.objects.filter(
        username=user.get_username(), failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=cooloff
    ).exists()
    return by_password or twofactor.is_locked(user)


# --- writes ----------------------------------------------------------------------------------


def _lock_clinic(clinic: Clinic) -> None:
    # Staff changes of one clinic run one at a time, so "the last admin" stays true at commit.
    Clinic.objects.select_for_update().filter(pk=clinic.pk).first()


def _keeps_an_admin(membership: Membership, *, role: str, is_active: bool) -> None:
    if membership.role != Role.CLINIC_ADMIN or not membership.is_active:
        return
    if role == Role.CLINIC_ADMIN and is_active:
        return
    others = (
        Membership.objects.filter(clinic_id=membership.clinic_id, role=Role.CLINIC_ADMIN, is_active=True)
        .exclude(pk=membership.pk)
        .exists()
    )
    if not others:
        raise ValidationError(_("The clinic needs at least one active clinic admin: add another one first."))


@transaction.atomic
def member_add_new(
    *, clinic: Clinic, by: Any, username: str, first_name: str, last_name: str, email: str, role: str
) -> Membership:
    """Create an account (no password yet: a password link sets it) with ``role`` at ``clinic``."""
    _lock_clinic(clinic)
    user_model = get_user_model()
    if user_model._default_manager.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account already uses this email address: add the existing account.")})
    user = user_model(username=username, first_name=first_name, last_name=last_name, email=email)
    user.set_unusable_password()
    user.full_clean()
    user.save()
    membership = Membership(user=user, clinic=clinic, role=role)
    return save_record(membership, by=by, reason=_("Added a new account"))


@transaction.atomic
def member_add_existing(*, clinic: Clinic, by: Any, user: Any, role: str) -> Membership:
    """Give an existing account (e.g. of another clinic) ``role`` at ``clinic``."""
    _lock_clinic(clinic)
    if not user.is_active:
        raise ValidationError({"identifier": _("This account is disabled.")})
    membership = Membership.objects.filter(clinic=clinic, user=user).first()
    if membership is not None and membership.is_active:
        raise ValidationError({"identifier": _("This person is already a member of the clinic.")})
    if membership is None:
        membership = Membership(user=user, clinic=clinic, role=role)
        return save_record(membership, by=by, reason=_("Added an existing account"))
    membership.role = role
    membership.is_active = True
    return save_record(membership, by=by, reason=_("Reactivated"))


@transaction.atomic
def member_change_role(*, membership: Membership, by: Any, role: str) -> Membership:
    _lock_clinic(membership.clinic)
    membership.refresh_from_db()
    if role == membership.role:
        return membership
    _keeps_an_admin(membership, role=role, is_active=membership.is_active)
    membership.role = role
    return save_record(membership, by=by, reason=_("Changed the role"))


@transaction.atomic
def member_deactivate(*, membership: Membership, by: Any) -> Membership:
    """End the membership and every session of the person (they may still work at other clinics)."""
    _lock_clinic(membership.clinic)
    membership.refresh_from_db()
    if not membership.is_active:
        return membership
    _keeps_an_admin(membership, role=membership.role, is_active=False)
    membership.is_active = False
    save_record(membership, by=by, reason=_("Deactivated"))
    end_sessions_of(membership.user)
    return membership


@transaction.atomic
def member_reactivate(*, membership: Membership, by: Any) -> Membership:
    _lock_clinic(membership.clinic)
    membership.refresh_from_db()
    if membership.is_active:
        return membership
    membership.is_active = True
    return save_record(membership, by=by, reason=_("Reactivated"))


@transaction.atomic
def member_unlock(*, membership: Membership, by: Any) -> Membership:
    """Lift a lockout after failed passwords (django-axes) or failed second-factor codes."""
    axes_reset(username=membership.user.get_username())
    twofactor.clear_failures(user=membership.user)
    return save_record(membership, by=by, reason=_("Unlocked the account"))


@transaction.atomic
def member_reset_two_factor(*, membership: Membership, by: Any) -> Membership:
    """Forget the person's authenticator and backup codes (a lost phone) and end their sessions."""
    twofactor.remove_devices(user=membership.user)
    end_sessions_of(membership.user)
    return save_record(membership, by=by, reason=_("Reset two-factor sign-in"))


def send_password_link(*, user: Any, domain: str, use_https: bool) -> None:
    """Email ``user`` a one-use link to set a password (Django's token and confirm page).

    A staff email, sent through Django's email backend directly (not the patient outbox).
    """
    form = StaffPasswordResetForm()
    context = {
        "email": user.email,
        "domain": domain,
        "site_name": domain,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if use_https else "http",
    }
    form.send_mail(
        "registration/password_reset_subject.txt",
        "registration/password_reset_email.html",
        context,
        None,
        user.email,
    )


@transaction.atomic
def member_send_password_link(*, membership: Membership, by: Any, domain: str, use_https: bool) -> Membership:
    if not membership.user.email:
        raise ValidationError(_("This account has no email address."))
    send_password_link(user=membership.user, domain=domain, use_https=use_https)
    return save_record(membership, by=by, reason=_("Sent a password link"))


@transaction.atomic
def clinic_set_two_factor_roles(*, clinic: Clinic, by: Any, roles: list[str]) -> Clinic:
    """Which roles of ``clinic`` must sign in with a second factor (from their next sign-in)."""
    clinic = Clinic.objects.select_for_update().get(pk=clinic.pk)
    clinic.two_factor_roles = [role for role in Role.values if role in roles]
    return save_record(clinic, by=by, reason=_("Changed the roles that need two-factor sign-in"))
