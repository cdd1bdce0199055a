"""A clinic's licensed ODI text, and its combination with the shipped ODI structure.

The platform ships the ODI's structure and scoring with placeholder statements
(``instruments/odi-1.yaml``). A clinic that holds a licence writes its statements into a file of
the format below (documented for people in ``instruments/README.md``) and runs
``manage.py import_odi_text <file>``, which makes a new instrument version: the shipped
structure, items, scoring, bands and LOINC codes, with the clinic's text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from .definitions import (
    LANGUAGE_RE,
    SHIPPED_DIR,
    VERSION_RE,
    ChoiceItem,
    DefinitionError,
    InstrumentDefinition,
    StrictModel,
    Text,
    load_definition_file,
    parse_as,
    parse_definition,
    read_yaml,
)

STATEMENTS_PER_SECTION = 6
PLACEHOLDER_MARK = "placeholder statement"


class Section(StrictModel):
    # The section's heading per language; may be left out for a language the structure already has.
    title: Text = Field(default_factory=dict)
    # Per language, the six statements in score order: the first scores 0, the last 5.
    statements: dict[str, list[str]]


class LicensedOdiText(StrictModel):
    format: Literal[1]
    instrument: Literal["odi"]
    structure: Annotated[str, Field(pattern=VERSION_RE)] = "1"
    version: Annotated[str, Field(pattern=VERSION_RE)]
    languages: list[str] = Field(min_length=1)
    title: Text = Field(default_factory=dict)
    short_title: Text = Field(default_factory=dict)
    instructions: Text = Field(default_factory=dict)
    attribution: str = Field(min_length=1)
    licence: str = Field(min_length=1)
    sections: dict[str, Section]

    @model_validator(mode="after")
    def _complete(self) -> LicensedOdiText:
        for code in self.languages:
            if not LANGUAGE_RE.match(code):
                raise ValueError(f"{code!r} is not a language code such as 'en' or 'pt-BR'")
        for name, section in self.sections.items():
            for code in self.languages:
                statements = section.statements.get(code)
                if statements is None:
                    raise ValueError(f"section {name}: no statements in {code}")
                if len(statements) != STATEMENTS_PER_SECTION:
                    raise ValueError(
                        f"section {name} ({code}): {len(statements)} statements, expected {STATEMENTS_PER_SECTION}"
                    )
                for number, statement in enumerate(statements, start=1):
                    if not isinstance(statement, str) or not statement.strip():
                        raise ValueError(f"section {name} ({code}): statement {number} is missing or empty")
                    if PLACEHOLDER_MARK in statement.lower():
                        raise ValueError(
                            f"section {name} ({code}): statement {number} is a placeholder, not licensed text"
                        )
            extra = sorted(set(section.statements) - set(self.languages))
            if extra:
                raise ValueError(f"section {name}: statements in {', '.join(extra)}, which is not in languages")
        return self


def parse_licensed_text(data: Any, *, source: str) -> LicensedOdiText:
    return parse_as(LicensedOdiText, data, source=source, what="ODI text file")


def _text(given: Text, fallback: Text, languages: list[str], where: str) -> Text:
    result = {}
    for code in languages:
        value = given.get(code) or fallback.get(code)
        if not value:
            raise DefinitionError(f"{where}: no text in {code} (the file must give it)")
        result[code] = value
    return result


def combine(structure: InstrumentDefinition, text: LicensedOdiText, *, source: str) -> InstrumentDefinition:
    """The structure's definition with the licensed statements and headings in place of the placeholders."""
    sections = {item.key for item in structure.items}
    missing = sorted(sections - set(text.sections))
    unknown = sorted(set(text.sections) - sections)
    if missing:
        raise DefinitionError(f"{source}: sections missing: {', '.join(missing)} (all {len(sections)} are needed)")
    if unknown:
        raise DefinitionError(f"{source}: unknown sections: {', '.join(unknown)}")
    data = structure.as_json()
    languages = text.languages
    data.update(
        version=text.version,
        languages=languages,
        placeholder=False,
        attribution=text.attribution,
        licence=text.licence,
        title=_text(text.title, {}, languages, f"{source}: title"),
        short_title=_text(text.short_title, structure.short_title, languages, f"{source}: short_title"),
    )
    if text.instructions:
        data["instructions"] = _text(text.instructions, {}, languages, f"{source}: instructions")
    else:
        data.pop("instructions", None)
    for item, item_data in zip(structure.items, data["items"], strict=True):
        if not isinstance(item, ChoiceItem) or len(item.options) != STATEMENTS_PER_SECTION:
            raise DefinitionError(f"the ODI structure's section {item.key} is not six options")
        section = text.sections[item.key]
        item_data["text"] = _text(section.title, item.text, languages, f"{source}: section {item.key} title")
        for index, option_data in enumerate(item_data["options"]):
            option_data["text"] = {code: section.statements[code][index] for code in languages}
    return parse_definition(data, source=source)


def load_licensed_text(path: Path, *, shipped_dir: Path = SHIPPED_DIR) -> InstrumentDefinition:
    """Read a licensed-text file and return the combined definition, validated; nothing is saved."""
    text = parse_licensed_text(read_yaml(path), source=path.name)
    structure_path = shipped_dir / f"odi-{text.structure}.yaml"
    if not structure_path.exists():
        raise DefinitionError(f"{path.name}: no shipped ODI structure version {text.structure}")
    structure = load_definition_file(structure_path)
    if not structure.placeholder:
        raise DefinitionError(f"{structure_path.name} is not a placeholder structure")
    return combine(structure, text, source=path.name)
