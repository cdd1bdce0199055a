"""The role matrix written in ``clinics/roles.py``'s docstring is the rule ``PERMISSIONS`` applies."""

from __future__ import annotations

from clinics import roles
from clinics.roles import PERMISSIONS, Need, Role

COLUMNS = [Role.FRONT_DESK, Role.PHYSICIAN, Role.THERAPIST, Role.PSYCHOLOGIST, Role.NURSE, Role.CLINIC_ADMIN]


def documented_matrix() -> dict[str, frozenset[str]]:
    """need name -> roles marked "yes" in the docstring's table."""
    rows: dict[str, frozenset[str]] = {}
    for line in (roles.__doc__ or "").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != len(COLUMNS) + 1 or cells[0] not in Need.__members__:
            continue
        rows[cells[0]] = frozenset(str(role) for role, cell in zip(COLUMNS, cells[1:], strict=True) if cell == "yes")
    return rows


def test_the_docstring_documents_every_need() -> None:
    assert set(documented_matrix()) == set(Need.__members__)


def test_the_documented_matrix_is_the_rule() -> None:
    documented = documented_matrix()
    for need in Need:
        assert documented[need.name] == PERMISSIONS[need], need.name


def test_only_clinicians_read_and_write_clinical_data() -> None:
    clinicians = {Role.PHYSICIAN, Role.THERAPIST, Role.PSYCHOLOGIST, Role.NURSE}
    assert PERMISSIONS[Need.VIEW_CLINICAL] == PERMISSIONS[Need.EDIT_CLINICAL] == clinicians


def test_only_physicians_write_diagnoses() -> None:
    assert PERMISSIONS[Need.WRITE_DIAGNOSIS] == {Role.PHYSICIAN}
