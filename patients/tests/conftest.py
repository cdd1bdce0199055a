"""Fixtures of the patient record's tests (the three people come from the root conftest)."""

from __future__ import annotations

import pytest

from patients.demo import tiny_pdf


@pytest.fixture
def pdf_bytes() -> bytes:
    return tiny_pdf("MRI lumbar spine: epidural fibrosis at L5.")


PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n"
    + b"\x00\x00\x00\rIHDR"
    + b"\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    + b"\x00" * 32
)
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
