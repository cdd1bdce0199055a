"""Turning what a service refused into messages on the form that the person is looking at."""

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _

T = TypeVar("T")


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


def submit(form: forms.BaseForm, write: Callable[..., T], /, **kwargs: Any) -> T | None:
    """Call a service ``write(**kwargs)`` for a valid form and return what it saved.

    When the service refuses (ValidationError) or the database does (a unique constraint that
    another request beat us to), the reason goes on the form and the answer is None: the person
    sees their values again with a message, never a 500. Services are atomic, so nothing of a
    refused write is kept, and the request's own transaction goes on.
    """
    try:
        return write(**kwargs)
    except ValidationError as exc:
        add_service_errors(form, exc)
    except IntegrityError:
        add_conflict_error(form)
    return None


class DateInput(forms.DateInput):
    """The browser's own date picker; the value travels as ISO 8601 whatever the locale."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def person_name(user: Any) -> str:
    """How staff are named in pickers and histories: full name, else the username."""
    return user.get_full_name() or user.get_username()


class UserChoiceField(forms.ModelChoiceField):
    """A choice of a staff member, shown by name (pass the queryset of who may be chosen)."""

    def label_from_instance(self, obj: Any) -> str:
        return person_name(obj)


def check_order(form: forms.BaseForm, data: dict[str, Any], first: str, then: str, message: str) -> None:
    """Put ``message`` on ``then`` when both dates are given and ``then`` comes before ``first``."""
    start, end = data.get(first), data.get(then)
    if start and end and end < start:
        form.add_error(then, message)


F = TypeVar("F", bound=forms.Field)


def field_of(form: forms.BaseForm, name: str, kind: type[F]) -> F:
    """The form's field ``name`` as the class it is, to set what only that class has (a queryset,
    choices) with the type checker's help: ``field_of(self, "room", forms.ModelChoiceField)``."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{type(form).__name__}.{name} is a {type(field).__name__}, not a {kind.__name__}")
    return field
