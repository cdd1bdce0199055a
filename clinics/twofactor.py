"""Two-factor sign-in: TOTP (an authenticator app) with single-use backup codes, on django-otp.

Which staff must use it is each clinic's choice of roles (``Clinic.two_factor_roles``). Whether a
signed-in session still owes its second factor is decided once, at password sign-in, and kept in
the session (``TWO_FACTOR_SESSION_KEY``), so ordinary requests cost no query:

- ``"verify"``: the user has a confirmed device and must enter a code before any page works;
- ``"enrol"``: a clinic requires it of the user's role, there is no device yet, and the user can
  reach nothing but the enrolment page.

Wrong codes count per account; at ``AXES_FAILURE_LIMIT`` (FBSS_LOGIN_FAILURE_LIMIT) the account
locks for ``AXES_COOLOFF_TIME`` hours like a password lockout, and the clinic admin's "unlock"
clears both.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Membership, StaffProfile

TWO_FACTOR_SESSION_KEY = "two_factor"
VERIFY = "verify"
ENROL = "enrol"
BACKUP_CODE_COUNT = 10


def profile_of(user: Any) -> StaffProfile:
    profile, _ = StaffProfile.objects.get_or_create(user=user)
    return profile


def required_for(user: Any) -> bool:
    """True when any active membership's clinic requires a second factor of its role."""
    memberships = Membership.objects.filter(user=user, is_active=True).select_related("clinic")
    return any(m.role in (m.clinic.two_factor_roles or []) for m in memberships)


def confirmed_totp(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_device(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_state(user: Any) -> str | None:
    """What a fresh password sign-in of ``user`` still owes: VERIFY, ENROL or nothing."""
    if has_device(user):
        return VERIFY
    exempt = StaffProfile.objects.filter(user=user, two_factor_exempt=True).exists()
    if not exempt and required_for(user):
        return ENROL
    return None


def is_locked(user: Any) -> bool:
    profile = StaffProfile.objects.filter(user=user).first()
    if profile is None or profile.second_factor_locked_at is None:
        return False
    cooloff = timedelta(hours=settings.AXES_COOLOFF_TIME)
    return timezone.now() < profile.second_factor_locked_at + cooloff


@transaction.atomic
def record_failure(*, user: Any) -> bool:
    """Count one wrong code; True when this failure locks the account."""
    profile, _ = StaffProfile.objects.select_for_update().get_or_create(user=user)
    if profile.second_factor_locked_at is not None and not is_locked(user):
        # A lock that has cooled off starts a fresh count.
        profile.second_factor_failures = 0
        profile.second_factor_locked_at = None
    profile.second_factor_failures += 1
    locked = profile.second_factor_failures >= settings.AXES_FAILURE_LIMIT
    if locked:
        profile.second_factor_locked_at = timezone.now()
    profile.full_clean()
    profile.save()
    return locked


@transaction.atomic
def clear_failures(*, user: Any) -> None:
    """Forget wrong codes: ours and django-otp's own per-device delay."""
    StaffProfile.objects.filter(user=user).update(second_factor_failures=0, second_factor_locked_at=None)
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=user).update(throttling_failure_count=0, throttling_failure_timestamp=None)


@transaction.atomic
def pending_totp(*, user: Any) -> TOTPDevice:
    """The user's unconfirmed authenticator (a new secret until a first code confirms it)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice(user=user, name="Authenticator app", confirmed=False)
        device.full_clean()
        device.save()
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an inline SVG QR code, drawn here (nothing leaves the server)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")


@transaction.atomic
def confirm_totp(*, user: Any, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm a pending device with its first code; returns fresh backup codes, or None when wrong."""
    if device.user_id != user.pk or device.confirmed or not device.verify_token(token):
        return None
    device.confirmed = True
    device.save()
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return new_backup_codes(user=user)


@transaction.atomic
def new_backup_codes(*, user: Any) -> list[str]:
    """Replace the user's backup codes with BACKUP_CODE_COUNT new single-use ones (shown once)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def backup_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def verify(*, user: Any, token: str) -> Any:
    """The device that accepts ``token`` (a 6-digit TOTP code or a backup code), or None."""
    token = "".join(token.split()).lower()
    # Authenticator codes are 6 digits; backup codes are 8 letters and digits.
    if token.isdigit() and len(token) == 6:
        device: Any = confirmed_totp(user)
    else:
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None and device.verify_token(token):
        return device
    return None


@transaction.atomic
def remove_devices(*, user: Any) -> None:
    """Forget the user's authenticator and backup codes (a lost phone); they enrol again."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def b32_secret(device: TOTPDevice) -> str:
    """The secret for typing into an app by hand, in groups of four."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
