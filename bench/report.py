"""Figures and their formatting for ``make bench`` (the exact line format is pinned by a test)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return float(sorted_values[rank - 1])


def _n(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


@dataclass(frozen=True)
class Row:
    page: str
    concurrency: int
    p50_ms: float | None = None
    p95_ms: float | None = None
    rps: float | None = None
    floor_p95_ms: float | None = None
    queries: int | None = None
    errors: int = 0
    note: str = ""

    @property
    def ratio_to_floor(self) -> float | None:
        if self.p95_ms is None or not self.floor_p95_ms:
            return None
        return self.p95_ms / self.floor_p95_ms


def format_line(row: Row) -> str:
    """``bench: <page> c=<c> p50_ms=<n> p95_ms=<n> rps=<n> ratio_to_floor=<n> queries=<n>``.

    A page that is not built yet says so in place of the figures; the page name's spaces become
    underscores so that each field is one word.
    """
    page = row.page.replace(" ", "_")
    if row.note:
        return f"bench: {page} c={row.concurrency} {row.note.replace(' ', '_')}"
    assert row.p50_ms is not None and row.p95_ms is not None and row.rps is not None  # noqa: S101
    ratio = row.ratio_to_floor
    queries = "n/a" if row.queries is None else str(row.queries)
    return (
        f"bench: {page} c={row.concurrency} p50_ms={_n(row.p50_ms)} p95_ms={_n(row.p95_ms)} rps={_n(row.rps)} "
        f"ratio_to_floor={'n/a' if ratio is None else f'{ratio:.1f}'} queries={queries}"
    )


@dataclass(frozen=True)
class Dispatch:
    messages_per_s: float
    duplicates: int
    lost: int
    sent: int

    @classmethod
    def from_keys(cls, *, expected: Sequence[str], received: Sequence[str], seconds: float) -> Dispatch:
        counts = Counter(received)
        duplicates = sum(n - 1 for n in counts.values() if n > 1)
        lost = sum(1 for key in expected if key not in counts)
        sent = len(counts)
        return cls(messages_per_s=sent / seconds if seconds else 0.0, duplicates=duplicates, lost=lost, sent=sent)

    def line(self) -> str:
        return f"bench: dispatch messages_per_s={_n(self.messages_per_s)} duplicates={self.duplicates} lost={self.lost}"


def markdown_table(rows: Sequence[Row], dispatch: Dispatch | None) -> str:
    lines = [
        "| page | c | p50 ms | p95 ms | req/s | p95 / floor p95 | queries | errors |",
        "| ---- | -: | -----: | -----: | ----: | --------------: | ------: | -----: |",
    ]
    for row in rows:
        if row.note:
            lines.append(f"| {row.page} | {row.concurrency} | {row.note} | | | | | |")
            continue
        ratio = row.ratio_to_floor
        lines.append(
            f"| {row.page} | {row.concurrency} | {_n(row.p50_ms or 0)} | {_n(row.p95_ms or 0)} | {_n(row.rps or 0)} "
            f"| {'n/a' if ratio is None else f'{ratio:.1f}'} | {'n/a' if row.queries is None else row.queries} | {row.errors} |"
        )
    if dispatch is not None:
        lines.append("")
        lines.append(
            f"Outbox: {dispatch.sent} messages sent by two Celery workers to the SMTP sink at "
            f"{_n(dispatch.messages_per_s)} messages/s; {dispatch.duplicates} duplicates, {dispatch.lost} lost."
        )
    return "\n".join(lines)
