"""Checks for reports attached to evaluations: the type is read from the content, not the name."""

from __future__ import annotations

import os

import filetype
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

# 10 MB covers a scanned multi-page report; anything larger is usually a whole imaging study,
# which belongs in the imaging archive, not in the chart.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_FILES_PER_SAVE = 5

ALLOWED = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
EXTENSIONS = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


def safe_name(name: str) -> str:
    """The file's own name without folders or odd characters (shown to staff, sent on download)."""
    base = os.path.basename(name.replace("\\", "/"))
    try:
        cleaned = get_valid_filename(base)
    except Exception:  # noqa: BLE001 - Django refuses names like "..": fall back to a neutral name
        cleaned = "report"
    return cleaned[-120:]


def inspect_upload(upload: UploadedFile) -> str:
    """The content type of an acceptable report, or ValidationError saying what is wrong with it."""
    name = safe_name(upload.name or "")
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="empty")
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("“%(name)s” is larger than %(limit)s MB. Attach a smaller file.")
            % {"name": name, "limit": MAX_UPLOAD_BYTES // (1024 * 1024)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    guessed = filetype.guess_mime(head)
    if guessed not in ALLOWED:
        raise ValidationError(
            _("“%(name)s” is not a PDF, JPEG or PNG file. Only these types can be attached.") % {"name": name},
            code="file_type",
        )
    expected = EXTENSIONS.get(os.path.splitext(name)[1].lower())
    if expected is None:
        raise ValidationError(
            _("“%(name)s” must be named .pdf, .jpg, .jpeg or .png.") % {"name": name}, code="file_name"
        )
    if expected != guessed:
        raise ValidationError(
            _(
                "“%(name)s” is named as a %(named)s file but its content is %(actual)s. Check that you chose the right file."
            )
            % {"name": name, "named": ALLOWED[expected], "actual": ALLOWED[guessed]},
            code="file_mismatch",
        )
    return guessed
