"""Model fields the apps share."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


def staff_ref(
    verbose_name: Any = None, *, editable: bool = True, on_delete: Any = models.PROTECT
) -> models.ForeignKey[Any, Any]:
    """A staff member a record names: who entered, ordered, reviewed, confirmed or cancelled it, or
    who is to see to it.

    Optional, with no reverse accessor on the user; PROTECT by default, so that a staff account
    that wrote clinical records cannot be deleted (it is deactivated instead).
    """
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=on_delete,
        null=True,
        blank=True,
        editable=editable,
        related_name="+",
    )
