"""Turning what a service refused into messages on the form that the person is looking at."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def add_conflict_error(form: forms.BaseForm) -> None:
    """Someone else's write got there first (a unique constraint fired at commit)."""
    form.add_error(None, _("This conflicts with a record saved a moment ago. Check the values and save again."))
