"""Phone numbers in E.164, validated with ``phonenumbers``."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import conf


def normalize_phone(raw: str, *, region: str | None = None) -> str:
    """``raw`` as E.164 (``+14155550123``), or ValidationError if it is not a valid number.

    A number without ``+country`` is read in ``region`` (default FBSS_SMS_DEFAULT_REGION).
    """
    try:
        number = phonenumbers.parse(raw, region or conf.default_phone_region())
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Enter a valid phone number, with its country code."), code="invalid_phone") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number, with its country code."), code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
