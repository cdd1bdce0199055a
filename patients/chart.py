"""The patient chart: one page per patient, assembled from parts that the apps contribute.

``patients`` sits below ``treatments``, ``scheduling`` and ``outcomes``, so it cannot import
them. Each app registers its parts here from its ``AppConfig.ready``:

- a **section** (a card on the chart with its own template and data),
- a **timeline source** (dated entries merged into the one timeline, newest first),
- a **header source** (badges and flags at the top: total MME, an active trial, ...).

Every loader receives the patient (already fetched through the access gate) and the request,
and must run a fixed number of queries whatever the length of the history: use
``select_related``/``prefetch_related`` and never query inside a loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from django.http import HttpRequest
from django.utils.functional import Promise

from clinics.access import active_membership
from clinics.roles import Need


@dataclass(frozen=True)
class TimelineEntry:
    when: date | datetime
    kind: str  # a short machine word: "surgery", "evaluation", "plan", "procedure", ...
    title: str
    detail: str = ""
    url: str = ""
    # Sorts entries of the same day; datetimes sort by their date first.
    sort_key: tuple = field(default_factory=tuple)
    # How to show the date when it is less precise than ``when`` ("2014", "2014-06"): partial
    # dates sort on their first day but are shown as remembered.
    when_label: str = ""

    @property
    def day(self) -> date:
        return self.when.date() if isinstance(self.when, datetime) else self.when


@dataclass(frozen=True)
class HeaderBadge:
    label: str
    level: str = "secondary"  # a Bootstrap contextual colour: danger, warning, info, secondary
    title: str = ""
    # "flag" badges sit in the row of flags; "diagnosis" badges in the line of diagnoses.
    kind: str = "flag"


@dataclass(frozen=True)
class Section:
    key: str
    title: str | Promise  # a lazy translation is fine: it is rendered per request
    template: str
    load: Callable[[Any, HttpRequest], dict[str, Any]]
    need: Need = Need.VIEW_CLINICAL
    order: int = 100


_SECTIONS: dict[str, Section] = {}
_TIMELINE: dict[str, Callable[[Any, HttpRequest], list[TimelineEntry]]] = {}
_HEADER: dict[str, Callable[[Any, HttpRequest], list[HeaderBadge]]] = {}


def register_section(section: Section) -> None:
    _SECTIONS[section.key] = section


def register_timeline(key: str, source: Callable[[Any, HttpRequest], list[TimelineEntry]]) -> None:
    _TIMELINE[key] = source


def register_header(key: str, source: Callable[[Any, HttpRequest], list[HeaderBadge]]) -> None:
    _HEADER[key] = source


T = TypeVar("T")


def memo(request: HttpRequest, key: str, load: Callable[[], T]) -> T:
    """``load()`` once per request: lets a section, the timeline and the header share one query."""
    cache: dict[str, Any] = request.__dict__.setdefault("_chart_memo", {})
    if key not in cache:
        cache[key] = load()
    loaded: T = cache[key]
    return loaded


def sections_for(patient: Any, request: HttpRequest) -> list[tuple[Section, dict[str, Any]]]:
    membership = active_membership(request)
    return [
        (section, section.load(patient, request))
        for section in sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))
        if membership.can(section.need)
    ]


def _comparable(sort_key: tuple) -> tuple:
    """Each app picks its own sort keys (numbers, clock times as text): rank by type first, so
    entries of different apps on the same day compare instead of raising TypeError."""
    return tuple((0, part) if isinstance(part, int | float) else (1, str(part)) for part in sort_key)


# The chart shows the newest entries of the timeline and the newest evaluations; the whole of a
# long history is on the history page (``views.patient_history``), read only when opened. A source
# may load only its newest TIMELINE_ON_CHART rows for the chart: no older one can be among them.
TIMELINE_ON_CHART = 30
EVALUATIONS_ON_CHART = 10


def open_full_history(request: HttpRequest) -> None:
    """Mark ``request`` as the history page's: the sources load every row, not the newest."""
    request.__dict__["_chart_full_history"] = True


def rows_limit(request: HttpRequest) -> int | None:
    """How many of its newest rows a timeline source needs: enough for the chart, or all (None)."""
    return None if request.__dict__.get("_chart_full_history") else TIMELINE_ON_CHART + 1


def timeline_for(patient: Any, request: HttpRequest) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    for source in _TIMELINE.values():
        entries.extend(source(patient, request))
    return sorted(entries, key=lambda e: (e.day, _comparable(e.sort_key)), reverse=True)


def header_badges_for(patient: Any, request: HttpRequest) -> list[HeaderBadge]:
    badges: list[HeaderBadge] = []
    for source in _HEADER.values():
        badges.extend(source(patient, request))
    return badges
