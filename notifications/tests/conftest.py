from __future__ import annotations

from typing import Any

import pytest
from django.core import mail


@pytest.fixture
def mailoutbox(settings: Any) -> list[Any]:
    """Django's in-memory outbox, emptied (pytest-django's own works too; this one is explicit)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    return mail.outbox
