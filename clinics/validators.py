"""Validators for text typed by people. Text is escaped on output anyway; markup is refused at
input so that what staff read back is what was meant, and pasted HTML or scripts never settle in
a record or an export."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?][^>]*>|<\s*/?\s*[a-zA-Z!?]|javascript:|&#?[a-zA-Z0-9]+;", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def no_markup(value: str) -> None:
    if _MARKUP.search(value):
        raise ValidationError(_("Please remove HTML or markup (text between < and >)."), code="markup")
    if _CONTROL.search(value):
        raise ValidationError(_("Please remove control characters."), code="control_characters")
