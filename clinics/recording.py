"""The one way a service writes a record: validate it whole, attribute it, save it.

django-simple-history reads the author of a version from the instance's ``_history_user``; every
service goes through ``save_record`` (or ``delete_record``) so no version is left without one.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def _attribute(obj: models.Model, by: Any) -> None:
    # simple-history looks this attribute up on the instance; models do not declare it.
    record: Any = obj
    record._history_user = by


def save_record(obj: M, *, by: Any) -> M:
    """``full_clean`` (fields, ``clean``, constraints), attribute the version to ``by``, save."""
    obj.full_clean()
    if by is not None:
        _attribute(obj, by)
    obj.save()
    return obj


def delete_record(obj: models.Model, *, by: Any) -> None:
    """Delete ``obj``; its history keeps a last version attributed to ``by``."""
    if by is not None:
        _attribute(obj, by)
    obj.delete()


def save_fields(obj: models.Model, *, by: Any, fields: list[str]) -> None:
    """Save only ``fields`` of ``obj`` (already checked by the caller), attributed to ``by``.

    For marks on a record (entered in error) that must succeed even when the rest of the record
    would not pass today's rules; the history still gets a whole new version.
    """
    if by is not None:
        _attribute(obj, by)
    obj.save(update_fields=fields)
