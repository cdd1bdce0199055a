"""Clinical records that can be marked "entered in error" (never deleted).

A record written by mistake (the wrong patient, a mistyped dose) is not deleted: it is marked with
who marked it, when and why. It then leaves the chart, the timeline and every calculation
(readers use ``Model.objects.current()``) and stays in the record's history with the reason.

A model opts in by inheriting ``EnteredInError`` and naming the field of its author in
``author_field`` (``"created_by"`` by default). The author or a physician of the record's clinic
may mark it (``may_mark_entered_in_error``).
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fields import staff_ref
from .models import Membership
from .recording import save_fields
from .roles import Role

REASON_MAX = 500

M = TypeVar("M", bound="EnteredInError")


class EnteredInErrorQuerySet(models.QuerySet[Any]):
    def current(self) -> EnteredInErrorQuerySet:
        """The records that count: those not marked entered in error."""
        return self.filter(entered_in_error_at__isnull=True)

    def entered_in_error(self) -> EnteredInErrorQuerySet:
        return self.filter(entered_in_error_at__isnull=False)


class EnteredInError(models.Model):
    """Abstract: the three fields of the mark and the ``current()`` queryset method."""

    # The field naming the person who wrote the record (a ForeignKey to the user).
    author_field: ClassVar[str] = "created_by"

    entered_in_error_at = models.DateTimeField(_("entered in error at"), null=True, blank=True, editable=False)
    entered_in_error_by = staff_ref(_("marked entered in error by"), editable=False)
    entered_in_error_reason = models.CharField(
        _("reason it was entered in error"), max_length=REASON_MAX, blank=True, editable=False
    )

    objects = EnteredInErrorQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_entered_in_error(self) -> bool:
        return self.entered_in_error_at is not None


def record_clinic_id(record: models.Model) -> int | None:
    """The id of the clinic a patient-bound record belongs to, through its ``clinic_field`` path."""
    parts = str(getattr(type(record), "clinic_field")).split("__")  # noqa: B009 - a class attribute by convention
    obj: Any = record
    for part in parts[:-1]:
        obj = getattr(obj, part)
    return getattr(obj, f"{parts[-1]}_id", None)


def author_id_of(record: EnteredInError) -> int | None:
    return getattr(record, f"{record.author_field}_id", None)


def may_mark_entered_in_error(*, record: EnteredInError, membership: Membership | None) -> bool:
    """The author of ``record`` or a physician, both active members of the record's clinic."""
    if membership is None or not membership.is_active or record.is_entered_in_error:
        return False
    if membership.clinic_id != record_clinic_id(record):
        return False
    if membership.role == Role.PHYSICIAN:
        return True
    author = author_id_of(record)
    return author is not None and author == membership.user_id


@transaction.atomic
def mark_entered_in_error(*, record: M, by: Any, reason: str) -> M:
    """Mark ``record`` entered in error with ``reason``; 403 (PermissionDenied) unless allowed.

    Only the three fields of the mark are saved: a record that an older rule allowed can still be
    marked. The new version in the history carries the mark, its author and the reason.
    """
    clinic_id = record_clinic_id(record)
    membership = Membership.objects.filter(user=by, clinic_id=clinic_id, is_active=True).first() if clinic_id else None
    if not may_mark_entered_in_error(record=record, membership=membership):
        if record.is_entered_in_error:
            raise ValidationError(_("This record is already marked entered in error."))
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"entered_in_error_reason": [_("Say why the record was entered in error.")]})
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"entered_in_error_reason": [_("Keep the reason under %(max)d characters.") % {"max": REASON_MAX}]}
        )
    record.entered_in_error_at = timezone.now()
    record.entered_in_error_by = by
    record.entered_in_error_reason = reason
    save_fields(record, by=by, fields=["entered_in_error_at", "entered_in_error_by", "entered_in_error_reason"])
    return record


class EnteredInErrorForm(forms.Form):
    reason = forms.CharField(
        label=_("Why was this entered in error?"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: wrong patient, duplicate entry, wrong date. Kept in the record's history."),
    )
