"""Loading definitions into the database, and importing a clinic's licensed ODI text."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.test import Client

from outcomes.definitions import SHIPPED_DIR, ChoiceItem, DefinitionError, shipped_definition_paths
from outcomes.licensed_text import load_licensed_text
from outcomes.models import Instrument, InstrumentVersion, VersionSource
from outcomes.scoring import score
from outcomes.services import instrument_version_load, instruments_load_shipped
from outcomes.tests.survey_data import ODI_SECTIONS

pytestmark = pytest.mark.django_db


def load(directory: Path = SHIPPED_DIR) -> str:
    out = StringIO()
    call_command("load_instruments", directory=directory, stdout=out)
    return out.getvalue()


@pytest.fixture
def copy_of_shipped(tmp_path: Path) -> Path:
    target = tmp_path / "instruments"
    target.mkdir()
    for path in shipped_definition_paths():
        shutil.copy(path, target / path.name)
    return target


def test_load_instruments_loads_every_shipped_definition() -> None:
    output = load()
    count = len(shipped_definition_paths())
    assert f"{count} new, 0 unchanged" in output
    assert InstrumentVersion.objects.count() == count
    phq9 = InstrumentVersion.objects.get(instrument__key="phq9", version="1")
    assert phq9.source == VersionSource.SHIPPED
    assert len(phq9.checksum) == 64
    assert phq9.parsed().item("item9").loinc == "44260-8"
    assert InstrumentVersion.objects.get(instrument__key="odi").placeholder


def test_a_stored_definition_reads_back_to_the_same_checksum() -> None:
    load()
    for version in InstrumentVersion.objects.all():
        assert version.parsed().checksum() == version.checksum


def test_load_instruments_twice_changes_nothing() -> None:
    load()
    before = list(InstrumentVersion.objects.values_list("pk", "checksum", "loaded_at"))
    output = load()
    assert f"0 new, {len(before)} unchanged" in output
    assert list(InstrumentVersion.objects.values_list("pk", "checksum", "loaded_at")) == before


def test_a_changed_file_with_the_same_version_is_refused_and_nothing_is_loaded(copy_of_shipped: Path) -> None:
    load(copy_of_shipped)
    path = copy_of_shipped / "gad7-1.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Trouble relaxing", "Trouble resting"), encoding="utf-8")
    # A new instrument in the same run must not be loaded either: all or nothing.
    extra = yaml.safe_load((copy_of_shipped / "nrs_back-1.yaml").read_text(encoding="utf-8"))
    extra["key"] = "nrs_neck"
    (copy_of_shipped / "nrs_neck-1.yaml").write_text(yaml.safe_dump(extra), encoding="utf-8")
    with pytest.raises(CommandError, match="gad7 version 1 is already loaded with different content"):
        load(copy_of_shipped)
    assert not Instrument.objects.filter(key="nrs_neck").exists()
    stored = InstrumentVersion.objects.get(instrument__key="gad7", version="1")
    assert stored.parsed().item("item4").text["en"] == "Trouble relaxing"


def test_a_changed_definition_under_a_new_version_is_loaded_beside_the_old(copy_of_shipped: Path) -> None:
    load(copy_of_shipped)
    data = yaml.safe_load((copy_of_shipped / "gad7-1.yaml").read_text(encoding="utf-8"))
    data["version"] = "2"
    data["items"][3]["text"]["en"] = "Trouble resting"
    (copy_of_shipped / "gad7-2.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    assert "1 new" in load(copy_of_shipped)
    assert list(InstrumentVersion.objects.filter(instrument__key="gad7").values_list("version", flat=True)) == [
        "1",
        "2",
    ]


def test_a_malformed_definition_is_refused_with_a_clear_message_and_nothing_is_loaded(copy_of_shipped: Path) -> None:
    data = yaml.safe_load((copy_of_shipped / "phq9-1.yaml").read_text(encoding="utf-8"))
    data["scores"][0]["bands"][0]["upto"] = "four"
    (copy_of_shipped / "phq9-1.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        load(copy_of_shipped)
    message = str(caught.value)
    assert "Nothing was loaded" in message
    assert "phq9-1.yaml is not a valid instrument definition" in message
    assert "scores.0.sum.bands.0.upto" in message
    assert InstrumentVersion.objects.count() == 0


def test_an_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="no instrument definitions"):
        instruments_load_shipped(directory=tmp_path)


# --- Licensed ODI text ---------------------------------------------------------------------------


def licensed_text(**changes: Any) -> dict[str, Any]:
    """A licensed-text file in the documented format, with neutral test statements (not the ODI's)."""
    data: dict[str, Any] = {
        "format": 1,
        "instrument": "odi",
        "structure": "1",
        "version": "test-licensed-1",
        "languages": ["en", "es"],
        "title": {"en": "Test disability questionnaire", "es": "Cuestionario de prueba"},
        "short_title": {"es": "ODI"},
        "attribution": "Test text for the import, not the ODI",
        "licence": "Test licence reference 0000",
        "sections": {
            key: {
                "title": {"es": f"Seccion {number}"},
                "statements": {
                    "en": [f"Test statement {n} for {key}" for n in range(6)],
                    "es": [f"Frase de prueba {n} de {key}" for n in range(6)],
                },
            }
            for number, key in enumerate(ODI_SECTIONS, start=1)
        },
    }
    data.update(changes)
    return data


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "odi-text.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def import_text(path: Path) -> str:
    out = StringIO()
    call_command("import_odi_text", str(path), stdout=out)
    return out.getvalue()


def test_import_odi_text_makes_a_new_version_with_the_shipped_structure(tmp_path: Path) -> None:
    load()
    output = import_text(write(tmp_path, licensed_text()))
    assert "Imported odi version test-licensed-1 (en, es)" in output
    version = InstrumentVersion.objects.get(instrument__key="odi", version="test-licensed-1")
    assert version.source == VersionSource.IMPORTED
    assert not version.placeholder
    definition = version.parsed()
    walking = definition.item("walking")
    assert walking.text == {"en": "Walking", "es": "Seccion 4"}
    assert isinstance(walking, ChoiceItem)
    assert walking.options[5].text["es"] == "Frase de prueba 5 de walking"
    # Scoring, bands and codes come from the structure unchanged.
    shipped = InstrumentVersion.objects.get(instrument__key="odi", version="1").parsed()
    assert definition.scores == shipped.scores
    answers: dict[str, str | None] = dict.fromkeys(ODI_SECTIONS, "2")
    answers["sex_life"] = None
    assert score(definition, answers).total == score(shipped, answers).total


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["sections"]["walking"]["statements"]["en"].pop(),
            "section walking (en): 5 statements, expected 6",
        ),
        (
            lambda d: d["sections"]["lifting"]["statements"]["es"].__setitem__(2, " "),
            "section lifting (es): statement 3 is missing or empty",
        ),
        (lambda d: d["sections"]["sitting"]["statements"].pop("es"), "section sitting: no statements in es"),
        (lambda d: d["sections"].pop("travelling"), "sections missing: travelling"),
        (lambda d: d["sections"].__setitem__("gardening", d["sections"]["walking"]), "unknown sections: gardening"),
        (lambda d: d["sections"]["standing"]["title"].pop("es"), "section standing title: no text in es"),
        (
            lambda d: d["sections"]["sleeping"]["statements"]["en"].__setitem__(
                0, "Placeholder statement 1 of section Sleeping"
            ),
            "statement 1 is a placeholder",
        ),
    ],
    ids=[
        "five-statements",
        "empty-statement",
        "missing-language",
        "missing-section",
        "unknown-section",
        "missing-title",
        "placeholder",
    ],
)
def test_import_odi_text_refuses_incomplete_text(tmp_path: Path, mutate: Any, message: str) -> None:
    load()
    data = licensed_text()
    mutate(data)
    with pytest.raises(CommandError) as caught:
        import_text(write(tmp_path, data))
    assert "Nothing was imported" in str(caught.value)
    assert message in str(caught.value)
    assert not InstrumentVersion.objects.filter(source=VersionSource.IMPORTED).exists()


def test_import_odi_text_refuses_a_version_that_exists(tmp_path: Path) -> None:
    load()
    import_text(write(tmp_path, licensed_text()))
    with pytest.raises(CommandError, match="odi version test-licensed-1 already exists"):
        import_text(write(tmp_path, licensed_text()))
    with pytest.raises(CommandError, match="odi version 1 already exists"):
        import_text(write(tmp_path, licensed_text(version="1")))


def test_licensed_text_file_validation_does_not_touch_the_database(
    tmp_path: Path, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        definition = load_licensed_text(write(tmp_path, licensed_text()))
    assert definition.languages == ["en", "es"]


def test_operators_see_versions_in_the_admin_but_cannot_change_them(
    django_user_model: Any, django_assert_max_num_queries: Any
) -> None:
    load()
    # Many rows, so a query per row would show in the count.
    gad7 = InstrumentVersion.objects.get(instrument__key="gad7").parsed()
    for number in range(2, 32):
        instrument_version_load(
            definition=gad7.model_copy(update={"version": str(number)}), source=VersionSource.SHIPPED
        )
    root = django_user_model.objects.create_superuser("root", "root@example.org", "root-password-123")
    client = Client()
    client.force_login(root)
    with django_assert_max_num_queries(12):
        page = client.get("/django-admin/outcomes/instrumentversion/")
    assert page.status_code == 200
    assert b"phq9" in page.content
    version = InstrumentVersion.objects.get(instrument__key="gad7", version="1")
    assert client.get(f"/django-admin/outcomes/instrumentversion/{version.pk}/delete/").status_code == 403
    assert client.get("/django-admin/outcomes/instrumentversion/add/").status_code == 403
