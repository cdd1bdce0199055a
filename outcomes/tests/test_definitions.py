"""The definition format: shipped files are valid, malformed ones are refused with a clear message."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from outcomes.definitions import (
    SHIPPED_DIR,
    ChoiceItem,
    DefinitionError,
    load_definition_file,
    parse_definition,
    shipped_definition_paths,
)

SHIPPED_KEYS = {"phq9", "gad7", "odi", "nrs_back", "nrs_leg", "pgic", "clinic_questions"}


def raw(name: str) -> dict[str, Any]:
    data = yaml.safe_load((SHIPPED_DIR / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_every_shipped_definition_is_valid_and_the_set_is_complete() -> None:
    keys = {load_definition_file(path).key for path in shipped_definition_paths()}
    assert keys == SHIPPED_KEYS


def test_shipped_loinc_codes_are_the_ones_clinical_md_lists() -> None:
    phq9 = load_definition_file(SHIPPED_DIR / "phq9-1.yaml")
    assert phq9.loinc_panel == "44249-1"
    total, phq2 = phq9.scores
    assert (total.loinc.panel, total.loinc.total) == ("44249-1", "44261-6")
    assert (phq2.loinc.panel, phq2.loinc.total) == ("55757-9", "55758-7")
    assert phq9.item("item9").loinc == "44260-8"
    assert load_definition_file(SHIPPED_DIR / "gad7-1.yaml").scores[0].loinc.total == "70274-6"
    odi = load_definition_file(SHIPPED_DIR / "odi-1.yaml")
    assert (odi.loinc_panel, odi.scores[0].loinc.total) == ("97908-8", "97909-6")


def test_no_shipped_odi_file_contains_real_statements() -> None:
    odi_files = [path for path in shipped_definition_paths() if load_definition_file(path).key == "odi"]
    assert odi_files
    pattern = re.compile(r"^Placeholder statement [1-6] of section [A-Z][a-z ]+ \u2014 load your licensed text$")
    for path in odi_files:
        definition = load_definition_file(path)
        assert definition.placeholder
        for item in definition.items:
            assert isinstance(item, ChoiceItem)
            assert len(item.options) == 6
            for option in item.options:
                for text in option.text.values():
                    assert pattern.match(text), f"{path.name} {item.key}: not a placeholder: {text[:20]}..."
    # Nor anywhere else in the shipped folder: no other file mentions an ODI section's options.
    for path in SHIPPED_DIR.iterdir():
        if path.suffix == ".yaml" and path not in odi_files:
            assert "key: odi" not in path.read_text(encoding="utf-8")


def test_every_shipped_wording_from_pfizer_carries_its_attribution() -> None:
    for name in ("phq9-1.yaml", "gad7-1.yaml"):
        definition = load_definition_file(SHIPPED_DIR / name)
        assert "Pfizer" in definition.attribution
        assert "without copyright restriction" in definition.licence


def refused(data: Any, *fragments: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(data, source="broken.yaml")
    message = str(caught.value)
    assert message.startswith("broken.yaml")
    for fragment in fragments:
        assert fragment in message, message


def test_an_unknown_key_is_refused_naming_it() -> None:
    data = raw("phq9-1.yaml")
    data["items"][0]["colour"] = "red"
    refused(data, "items.0.choice.colour", "Extra inputs are not permitted")


def test_a_missing_required_key_is_refused() -> None:
    data = raw("gad7-1.yaml")
    del data["attribution"]
    refused(data, "attribution", "Field required")


def test_a_score_naming_an_unknown_item_is_refused() -> None:
    data = raw("gad7-1.yaml")
    data["scores"][0]["items"][-1] = "item8"
    refused(data, "unknown item 'item8'")


def test_a_range_that_does_not_match_the_items_is_refused() -> None:
    data = raw("phq9-1.yaml")
    data["scores"][0]["range"]["max"] = 30
    refused(data, "does not match its items (0-27)")


def test_bands_that_do_not_increase_or_end_short_are_refused() -> None:
    data = raw("phq9-1.yaml")
    bands = data["scores"][0]["bands"]
    bands[1]["upto"], bands[2]["upto"] = bands[2]["upto"], bands[1]["upto"]
    refused(data, "band limits (upto) must increase")
    data = raw("phq9-1.yaml")
    data["scores"][0]["bands"][-1]["upto"] = 26
    refused(data, "the last band must end at the range maximum 27")


def test_a_missing_translation_is_refused_naming_the_text() -> None:
    data = raw("gad7-1.yaml")
    data["languages"] = ["en", "es"]
    refused(data, "title: no text in es")


def test_an_alert_on_an_unknown_item_is_refused() -> None:
    data = raw("phq9-1.yaml")
    data["alerts"][0]["item"] = "item10"
    refused(data, "alert 'self_harm' names unknown item 'item10'")


def test_an_unknown_scoring_method_is_refused() -> None:
    data = raw("nrs_back-1.yaml")
    data["scores"][0]["method"] = "median"
    refused(data, "scores.0", "method")


def test_duplicate_option_values_are_refused() -> None:
    data = copy.deepcopy(raw("pgic-1.yaml"))
    data["items"][0]["options"][1]["value"] = "1"
    refused(data, "option values must be distinct")


def test_a_bad_loinc_code_is_refused() -> None:
    data = raw("gad7-1.yaml")
    data["scores"][0]["loinc"]["total"] = "GAD7"
    refused(data, "scores.0.sum.loinc.total")


def test_a_file_must_be_named_after_its_key_and_version(tmp_path: Path) -> None:
    target = tmp_path / "gad7-2.yaml"
    target.write_text((SHIPPED_DIR / "gad7-1.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(DefinitionError, match="must be named gad7-1.yaml"):
        load_definition_file(target)


def test_invalid_yaml_is_refused_with_the_file_name(tmp_path: Path) -> None:
    target = tmp_path / "bad-1.yaml"
    target.write_text("key: [unclosed\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"^bad-1.yaml: not valid YAML"):
        load_definition_file(target)


def test_the_checksum_ignores_comments_and_layout(tmp_path: Path) -> None:
    original = load_definition_file(SHIPPED_DIR / "pgic-1.yaml")
    target = tmp_path / "pgic-1.yaml"
    target.write_text("# a new comment\n" + yaml.safe_dump(raw("pgic-1.yaml"), sort_keys=True), encoding="utf-8")
    assert load_definition_file(target).checksum() == original.checksum()
    changed = raw("pgic-1.yaml")
    changed["items"][0]["options"][0]["text"]["en"] = "Hugely better"
    assert parse_definition(changed, source="x").checksum() != original.checksum()


def test_an_unknown_item_kind_is_refused() -> None:
    data = raw("nrs_back-1.yaml")
    data["items"][0]["kind"] = "slider"
    refused(data, "items.0", "kind must be choice or scale")


def test_percent_method_needs_items_scored_from_zero() -> None:
    data = raw("odi-1.yaml")
    for option in data["items"][0]["options"]:
        option["score"] += 1
    refused(data, "percent_of_answered needs items whose lowest score is 0")


def test_a_staff_text_without_english_is_refused() -> None:
    data = raw("phq9-1.yaml")
    data["alerts"][0]["message"] = {"es": "Contacte al paciente hoy."}
    refused(data, "alert self_harm: no text in en")
