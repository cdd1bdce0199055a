"""Instrument definitions: the schema of the files in ``outcomes/instruments/`` and their parsing.

A definition is data, not code: items, answer options and their scores, how to score, the bands,
the meaningful-change thresholds, the alert rules, LOINC codes, attribution, licence and the
translations of every text. ``outcomes/instruments/README.md`` documents the format for people;
this module is the machine-checked version of the same rules. Every model forbids unknown keys,
so a misspelt key is refused instead of silently ignored.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, field_validator, model_validator

P = TypeVar("P", bound=BaseModel)

FORMAT_VERSION = 1
SHIPPED_DIR = Path(__file__).resolve().parent / "instruments"

KEY_RE = r"^[a-z][a-z0-9_]{0,39}$"
VERSION_RE = r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$"
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
LOINC_RE = r"^[0-9]{1,7}-[0-9]$"
# Staff-facing texts (score names, bands, alerts) always carry this language; patients' texts carry
# every language the definition lists.
STAFF_LANGUAGE = "en"

Key = Annotated[str, Field(pattern=KEY_RE)]
Loinc = Annotated[str, Field(pattern=LOINC_RE)]


class DefinitionError(ValueError):
    """A definition (or a licensed-text file) that cannot be used, with a message a person can act on."""


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# A translated text: language code -> text. Which languages it must carry is checked once for
# the whole definition (``InstrumentDefinition.languages``).
Text = dict[str, str]


class Option(StrictModel):
    """One answer of a choice item. ``value`` is what is stored; ``score`` what it counts (None: unscored)."""

    value: Annotated[str, Field(pattern=r"^[0-9A-Za-z_.-]{1,40}$")]
    score: int | None = None
    text: Text


class ChoiceItem(StrictModel):
    kind: Literal["choice"] = "choice"
    key: Key
    text: Text
    loinc: Loinc | None = None
    required: bool = True
    options: list[Option] = Field(min_length=2)

    @model_validator(mode="after")
    def _distinct_values(self) -> ChoiceItem:
        values = [option.value for option in self.options]
        if len(set(values)) != len(values):
            raise ValueError(f"item {self.key!r}: option values must be distinct")
        return self


class ScaleItem(StrictModel):
    """An integer scale such as a 0-10 numeric rating: the answer is the number, its score the same number."""

    kind: Literal["scale"]
    key: Key
    text: Text
    loinc: Loinc | None = None
    required: bool = True
    min: int
    max: int
    # Labels of some points of the scale (e.g. 0 "no pain", 10 "worst pain imaginable").
    anchors: dict[int, Text] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _range(self) -> ScaleItem:
        if self.min >= self.max:
            raise ValueError(f"item {self.key!r}: min must be below max")
        for point in self.anchors:
            if not self.min <= point <= self.max:
                raise ValueError(f"item {self.key!r}: anchor {point} is outside {self.min}-{self.max}")
        return self


def _item_kind(value: Any) -> str:
    # ``kind`` may be left out for the common case, a choice item.
    kind = value.get("kind", "choice") if isinstance(value, dict) else getattr(value, "kind", "choice")
    return kind if kind in {"choice", "scale"} else "unknown"


Item = Annotated[
    Annotated[ChoiceItem, Tag("choice")] | Annotated[ScaleItem, Tag("scale")],
    Discriminator(_item_kind, custom_error_type="item_kind", custom_error_message="kind must be choice or scale"),
]


class Band(StrictModel):
    """A band covers scores above the previous band's ``upto`` and up to its own (inclusive)."""

    key: Key
    upto: Decimal
    label: Text


class ScoreRange(StrictModel):
    min: Decimal
    max: Decimal


class MeaningfulChange(StrictModel):
    """A change meets the threshold when it meets EITHER the points or the percent rule."""

    points: Decimal | None = Field(default=None, gt=0)
    percent: Decimal | None = Field(default=None, gt=0)
    direction: Literal["lower_is_better", "higher_is_better"]
    source: str = ""

    @model_validator(mode="after")
    def _some_rule(self) -> MeaningfulChange:
        if self.points is None and self.percent is None:
            raise ValueError("meaningful_change needs points, percent or both")
        return self


def _exactly_one(first: object, second: object, message: str) -> None:
    if (first is None) == (second is None):
        raise ValueError(message)


class Responder(StrictModel):
    """A response is a responder when its score is at most / at least a value (exactly one given)."""

    at_most: Decimal | None = None
    at_least: Decimal | None = None
    label: Text

    @model_validator(mode="after")
    def _one_bound(self) -> Responder:
        _exactly_one(self.at_most, self.at_least, "responder needs exactly one of at_most or at_least")
        return self


class ScoreLoinc(StrictModel):
    panel: Loinc | None = None
    total: Loinc | None = None


class _ScoreBase(StrictModel):
    key: Key
    title: Text
    range: ScoreRange
    bands: list[Band] = Field(default_factory=list)
    meaningful_change: MeaningfulChange | None = None
    responder: Responder | None = None
    loinc: ScoreLoinc = Field(default_factory=ScoreLoinc)


class SumScore(_ScoreBase):
    """The sum of the items' scores; not scorable when more than ``max_missing`` items are unanswered."""

    method: Literal["sum"]
    items: list[Key] = Field(min_length=1)
    max_missing: int = Field(default=0, ge=0)


class PercentScore(_ScoreBase):
    """Sum of answered items / sum of their maximum scores x 100, rounded half up (the ODI's method)."""

    method: Literal["percent_of_answered"]
    items: list[Key] = Field(min_length=1)
    max_missing: int = Field(default=0, ge=0)
    decimals: int = Field(default=1, ge=0, le=1)  # stored scores carry at most one decimal
    rounding: Literal["half_up"] = "half_up"


class SingleScore(_ScoreBase):
    """One item's score as given (an NRS, the PGIC)."""

    method: Literal["single"]
    item: Key


ScoreSpec = Annotated[SumScore | PercentScore | SingleScore, Field(discriminator="method")]


class AlertRule(StrictModel):
    """Raised when an item's score is above ``above`` (or at least ``at_least``), whatever else is answered."""

    key: Key
    item: Key
    level: Literal["urgent", "attention"]
    above: int | None = None
    at_least: int | None = None
    message: Text

    @model_validator(mode="after")
    def _one_condition(self) -> AlertRule:
        _exactly_one(self.above, self.at_least, f"alert {self.key!r} needs exactly one of above or at_least")
        return self


class InstrumentDefinition(StrictModel):
    format: Literal[1]
    key: Key
    version: Annotated[str, Field(pattern=VERSION_RE)]
    languages: list[str] = Field(min_length=1)
    title: Text
    short_title: Text
    instructions: Text | None = None
    attribution: str = Field(min_length=1)
    licence: str = Field(min_length=1)
    # True for a definition whose texts are stand-ins (the shipped ODI): fine for demo and tests,
    # never for patients.
    placeholder: bool = False
    loinc_panel: Loinc | None = None
    items: list[Item] = Field(min_length=1)
    scores: list[ScoreSpec] = Field(default_factory=list)
    alerts: list[AlertRule] = Field(default_factory=list)

    @field_validator("languages")
    @classmethod
    def _languages(cls, languages: list[str]) -> list[str]:
        for code in languages:
            if not LANGUAGE_RE.match(code):
                raise ValueError(f"{code!r} is not a language code such as 'en' or 'pt-BR'")
        if len(set(languages)) != len(languages):
            raise ValueError("a language is listed twice")
        return languages

    @model_validator(mode="after")
    def _consistent(self) -> InstrumentDefinition:
        item_keys = [item.key for item in self.items]
        if len(set(item_keys)) != len(item_keys):
            raise ValueError("item keys must be distinct")
        items = {item.key: item for item in self.items}
        score_keys = [score.key for score in self.scores]
        if len(set(score_keys)) != len(score_keys):
            raise ValueError("score keys must be distinct")
        for score in self.scores:
            self._check_score(score, items)
        alert_keys = [alert.key for alert in self.alerts]
        if len(set(alert_keys)) != len(alert_keys):
            raise ValueError("alert keys must be distinct")
        for alert in self.alerts:
            if alert.item not in items:
                raise ValueError(f"alert {alert.key!r} names unknown item {alert.item!r}")
            if item_max(items[alert.item]) is None:
                raise ValueError(f"alert {alert.key!r} names item {alert.item!r}, which has no scores")
        for where, text, for_patients in self._texts():
            for code, value in text.items():
                if not LANGUAGE_RE.match(code):
                    raise ValueError(f"{where}: {code!r} is not a language code")
                if not value.strip():
                    raise ValueError(f"{where}: the {code} text is empty")
            if for_patients:
                missing = [code for code in self.languages if code not in text]
                extra = sorted(set(text) - set(self.languages))
                if missing:
                    raise ValueError(f"{where}: no text in {', '.join(missing)}")
                if extra:
                    raise ValueError(f"{where}: text in {', '.join(extra)}, which is not in languages")
            elif STAFF_LANGUAGE not in text:
                raise ValueError(f"{where}: no text in {STAFF_LANGUAGE} (staff-facing texts need it)")
        return self

    def _check_score(
        self, score: SumScore | PercentScore | SingleScore, items: dict[str, ChoiceItem | ScaleItem]
    ) -> None:
        names = [score.item] if isinstance(score, SingleScore) else score.items
        for name in names:
            if name not in items:
                raise ValueError(f"score {score.key!r} names unknown item {name!r}")
            if item_max(items[name]) is None:
                raise ValueError(f"score {score.key!r} counts item {name!r}, which has no scores")
        if len(set(names)) != len(names):
            raise ValueError(f"score {score.key!r} counts an item twice")
        if not isinstance(score, SingleScore) and score.max_missing >= len(names):
            raise ValueError(f"score {score.key!r}: max_missing must leave at least one item")
        if isinstance(score, PercentScore):
            if any(item_min(items[name]) != 0 for name in names):
                raise ValueError(f"score {score.key!r}: percent_of_answered needs items whose lowest score is 0")
            expected = (Decimal(0), Decimal(100))
        else:
            expected = (
                Decimal(sum(item_min(items[name]) or 0 for name in names)),
                Decimal(sum(item_max(items[name]) or 0 for name in names)),
            )
        if (score.range.min, score.range.max) != expected:
            raise ValueError(
                f"score {score.key!r}: range {score.range.min}-{score.range.max} does not match "
                f"its items ({expected[0]}-{expected[1]})"
            )
        if score.bands:
            limits = [band.upto for band in score.bands]
            if any(later <= earlier for earlier, later in zip(limits, limits[1:], strict=False)):
                raise ValueError(f"score {score.key!r}: band limits (upto) must increase")
            if limits[0] < score.range.min or limits[-1] != score.range.max:
                raise ValueError(f"score {score.key!r}: the last band must end at the range maximum {score.range.max}")
            if len({band.key for band in score.bands}) != len(score.bands):
                raise ValueError(f"score {score.key!r}: band keys must be distinct")

    def _texts(self) -> Iterator[tuple[str, Text, bool]]:
        """Every text with where it is and whether patients read it (True) or only staff (False)."""
        yield "title", self.title, True
        yield "short_title", self.short_title, True
        if self.instructions is not None:
            yield "instructions", self.instructions, True
        for item in self.items:
            yield f"item {item.key}", item.text, True
            if isinstance(item, ChoiceItem):
                for option in item.options:
                    yield f"item {item.key} option {option.value}", option.text, True
            else:
                for point, text in item.anchors.items():
                    yield f"item {item.key} anchor {point}", text, True
        for score in self.scores:
            yield f"score {score.key}", score.title, False
            for band in score.bands:
                yield f"score {score.key} band {band.key}", band.label, False
            if score.responder is not None:
                yield f"score {score.key} responder", score.responder.label, False
        for alert in self.alerts:
            yield f"alert {alert.key}", alert.message, False

    # Small facts used by scoring and, later, by forms.
    def item(self, key: str) -> ChoiceItem | ScaleItem:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)

    def as_json(self) -> dict[str, Any]:
        """The definition as stored in ``InstrumentVersion.definition`` (JSON types only)."""
        return self.model_dump(mode="json")

    def checksum(self) -> str:
        """SHA-256 of the canonical JSON: comments and layout of the file do not change it."""
        canonical = json.dumps(self.as_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def item_min(item: ChoiceItem | ScaleItem) -> int | None:
    if isinstance(item, ScaleItem):
        return item.min
    scores = [option.score for option in item.options if option.score is not None]
    return min(scores) if scores else None


def item_max(item: ChoiceItem | ScaleItem) -> int | None:
    if isinstance(item, ScaleItem):
        return item.max
    scores = [option.score for option in item.options if option.score is not None]
    return max(scores) if scores else None


def describe_errors(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        lines.append(f"  {where}: {problem['msg']}")
    return "\n".join(lines)


def parse_as(model: type[P], data: Any, *, source: str, what: str) -> P:
    """Validate already-parsed data as ``model``; raise DefinitionError naming the source, ``what``
    it should have been and every problem."""
    if not isinstance(data, dict):
        raise DefinitionError(f"{source}: expected a mapping of keys at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise DefinitionError(f"{source} is not a valid {what}:\n{describe_errors(error)}") from None


def parse_definition(data: Any, *, source: str) -> InstrumentDefinition:
    """Validate already-parsed data; raise DefinitionError naming the source and every problem."""
    return parse_as(InstrumentDefinition, data, source=source, what="instrument definition")


def read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise DefinitionError(f"{path.name}: cannot read the file ({error.__class__.__name__})") from None
    except yaml.YAMLError as error:
        raise DefinitionError(f"{path.name}: not valid YAML ({error})") from None


def load_definition_file(path: Path) -> InstrumentDefinition:
    """Read and validate one file; its name must be ``<key>-<version>.yaml``."""
    definition = parse_definition(read_yaml(path), source=path.name)
    expected = f"{definition.key}-{definition.version}.yaml"
    if path.name != expected:
        raise DefinitionError(
            f"{path.name}: a definition of {definition.key} version {definition.version} must be named {expected}"
        )
    return definition


def shipped_definition_paths(directory: Path = SHIPPED_DIR) -> list[Path]:
    return sorted(directory.glob("*.yaml"))
