"""The one way a service writes a record: validate it whole, attribute it, save it.

django-simple-history reads the author of a version from the instance's ``_history_user``; every
service goes through ``save_record`` (or ``delete_record``) so no version is left without one.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def attribute(obj: models.Model, *, by: Any, reason: str | None = None) -> None:
    """Name ``by`` (and ``reason``, when given) on the next version of ``obj`` that is saved.

    For the few writes that validate in their own way before saving (an appointment checks its
    relations itself); everything else calls ``save_record``.
    """
    # simple-history looks these attributes up on the instance; models do not declare them.
    record: Any = obj
    record._history_user = by
    if reason is not None:
        record._change_reason = reason


def save_record(obj: M, *, by: Any, reason: str | None = None) -> M:
    """``full_clean`` (fields, ``clean``, constraints), attribute the version to ``by``, save.

    ``reason`` is kept with the version (the history shows it) when given.
    """
    obj.full_clean()
    if by is not None:
        attribute(obj, by=by, reason=reason)
    obj.save()
    return obj


def delete_record(obj: models.Model, *, by: Any) -> None:
    """Delete ``obj``; its history keeps a last version attributed to ``by``."""
    if by is not None:
        attribute(obj, by=by)
    obj.delete()


def save_fields(obj: models.Model, *, by: Any, fields: list[str]) -> None:
    """Save only ``fields`` of ``obj`` (already checked by the caller), attributed to ``by``.

    For marks on a record (entered in error) that must succeed even when the rest of the record
    would not pass today's rules; the history still gets a whole new version.
    """
    if by is not None:
        attribute(obj, by=by)
    obj.save(update_fields=fields)
