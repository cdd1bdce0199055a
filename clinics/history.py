"""What changed, by whom, in words: the one reading of django-simple-history's versions.

``versions_of(model, records)`` takes historical rows of one model (any objects, any order) and
returns, for each version, who made it, when, whether it created, changed or deleted the record,
and for a change each field's value before and after as people read it: choice labels, related
rows by name, dates formatted, yes/no, lists of choices as their labels. It is built on
``HistoricalRecord.diff_against``. A JSON field whose keys are fields of their own (an
intervention's details) is spelt out by an ``Expander`` its app passes in.

Related rows and the authors are looked up in one query per related model, whatever the number
of versions, so a page showing a history keeps a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from simple_history.utils import get_history_manager_for_model

EMPTY = "—"
LONGEST = 200

# Bookkeeping columns nobody needs to read in a history.
HIDDEN: frozenset[str] = frozenset({"id", "public_id", "created_at", "updated_at", "added_at"})

ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


class FieldChange(NamedTuple):
    label: str
    old: str
    new: str


# (field label, old value, new value) -> the changes to show for one structured field.
Expander = Callable[[Any, Any, Any], list[FieldChange]]


@dataclass(frozen=True)
class Version:
    record: Any  # the historical row, for the caller's own labels
    at: datetime
    user: Any  # the author (a user) or None
    action: str  # created, changed, deleted
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def who(self) -> str:
        return person(self.user)


def person(user: Any) -> str:
    if user is None:
        return EMPTY
    return str(user.get_full_name() or user.get_username())


def history(model: type[models.Model]) -> models.QuerySet[Any]:
    """All historical rows of ``model`` (its history manager, typed)."""
    manager: Any = get_history_manager_for_model(model)
    return manager.all()


def _cut(text: str) -> str:
    return text if len(text) <= LONGEST else text[: LONGEST - 1] + "…"


def in_words(model_field: Any, value: Any, *, related: Mapping[Any, Any] | None = None) -> str:
    """One stored value as people read it."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    choices = dict(getattr(model_field, "flatchoices", None) or []) if getattr(model_field, "choices", None) else {}
    if isinstance(value, list):
        return _cut(", ".join(str(choices.get(v, v)) for v in value))
    if getattr(model_field, "is_relation", False):
        return _cut(str(related.get(value, value))) if related else str(value)
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if value in choices:
        return _cut(str(choices[value]))
    return plain(value)


def plain(value: Any) -> str:
    """A value without a field to describe it (a JSON member)."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, dict):
        return _cut("; ".join(f"{k}: {plain(v)}" for k, v in value.items()))
    if isinstance(value, list):
        return _cut(", ".join(plain(v) for v in value))
    return _cut(str(value))


def versions_of(
    model: type[models.Model],
    records: Iterable[Any],
    *,
    hidden: Collection[str] = HIDDEN,
    expand: Mapping[str, Expander] | None = None,
    users: Mapping[Any, Any] | None = None,
) -> list[Version]:
    """The versions of ``records`` (historical rows of ``model``), oldest first.

    A change that touched only hidden fields, and gave no reason, is left out. ``expand`` maps a field name to the
    function that spells out its change field by field. ``users`` (id -> user) spares the
    lookup of the authors when the caller already holds them (see ``authors_of``).
    """
    expand = expand or {}
    ordered = sorted(records, key=lambda r: (r.history_date, r.history_id))
    pk_name = model._meta.pk.attname if model._meta.pk else "id"
    previous: dict[Any, Any] = {}
    raw: list[tuple[Any, list[tuple[str, Any, Any]]]] = []
    for record in ordered:
        key = getattr(record, pk_name)
        old = previous.get(key)
        previous[key] = record
        diffs: list[tuple[str, Any, Any]] = []
        if record.history_type == "~" and old is not None:
            delta = record.diff_against(old, excluded_fields=hidden)
            diffs = [(c.field, c.old, c.new) for c in delta.changes]
            # A version that changed nothing visible is noise, unless it says why it was saved
            # (staff administration records "Unlocked the account" that way).
            if not diffs and not getattr(record, "history_change_reason", None):
                continue
        raw.append((record, diffs))

    related = _related_names(model, raw)
    if users is None:
        users = authors_of(r for r, _d in raw)
    versions = []
    for record, diffs in raw:
        changes: list[FieldChange] = []
        for name, old, new in diffs:
            model_field = model._meta.get_field(name)
            label = str(getattr(model_field, "verbose_name", name))
            if name in expand:
                changes.extend(expand[name](record, old, new))
                continue
            names = related.get(name)
            changes.append(
                FieldChange(label, in_words(model_field, old, related=names), in_words(model_field, new, related=names))
            )
        versions.append(
            Version(
                record=record,
                at=record.history_date,
                user=users.get(record.history_user_id),
                action=ACTIONS.get(record.history_type, record.history_type),
                changes=changes,
            )
        )
    return versions


def authors_of(records: Iterable[Any], *, also: Iterable[Any] = ()) -> dict[Any, Any]:
    """The users who made ``records`` (and those of ``also``, ids), in one query."""
    ids = {r.history_user_id for r in records if r.history_user_id} | {pk for pk in also if pk}
    return get_user_model().objects.in_bulk(ids) if ids else {}


def _related_names(model: type[models.Model], raw: list[tuple[Any, list[tuple[str, Any, Any]]]]) -> dict[str, dict]:
    """For each changed foreign key, its old and new rows by id (one query per related model)."""
    wanted: dict[str, set[Any]] = defaultdict(set)
    for _record, diffs in raw:
        for name, old, new in diffs:
            model_field = model._meta.get_field(name)
            if model_field.is_relation and model_field.related_model is not None:
                wanted[name].update(v for v in (old, new) if v is not None)
    found: dict[str, dict] = {}
    for name, ids in wanted.items():
        related_model = model._meta.get_field(name).related_model
        assert related_model is not None and not isinstance(related_model, str)  # noqa: S101 - narrows the type
        rows = related_model._default_manager.in_bulk(ids)
        found[name] = {pk: (person(row) if hasattr(row, "get_username") else str(row)) for pk, row in rows.items()}
    return found


def grouped(versions: list[Version], pk_name: str = "id") -> dict[Any, list[Version]]:
    """Versions per record id, newest first (for pages that show each row's own history)."""
    by_id: dict[Any, list[Version]] = defaultdict(list)
    for version in versions:
        by_id[getattr(version.record, pk_name)].append(version)
    return {pk: list(reversed(items)) for pk, items in by_id.items()}
