"""A small server-side SVG renderer for a patient's scores over time (no JavaScript, no library).

The chart is a stack of panels, one per score, that share ONE time axis: the instruments have
different ranges (ODI 0-100, NRS 0-10, PHQ-9 0-27, GAD-7 0-21), so each panel has its own y scale
while every date sits at the same x in every panel. Treatment events are vertical lines drawn
through all panels, numbered at the top; the numbers are explained in the legend below.

Each series is told apart without colour: its own marker shape and line dash, and its name is
written in its panel. Every point carries a ``<title>`` (hover, and read by screen readers).
The elements are built with ElementTree, so every text is escaped.

Structure the tests rely on: ``<g class="series" data-series="KEY">`` holds the series' polyline
and one ``class="point"`` element per score; ``<rect class="band" data-series="KEY">`` is the
meaningful-change band; ``<line class="event">`` one per treatment event.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

SVG_NS = "http://www.w3.org/2000/svg"

# Marker shape, line dash and colour per series position (shape and dash carry the meaning).
STYLES: tuple[tuple[str, str, str], ...] = (
    ("circle", "", "#0b5394"),
    ("square", "6 3", "#b45f06"),
    ("triangle", "2 3", "#38761d"),
    ("diamond", "8 3 2 3", "#741b47"),
    ("cross", "1 0", "#444444"),
)


@dataclass(frozen=True)
class Point:
    when: date
    value: Decimal
    title: str  # the hover text, e.g. "2025-03-01: ODI 42.0 (severe)"


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    points: Sequence[Point]
    y_min: Decimal
    y_max: Decimal
    band: tuple[Decimal, Decimal] | None = None  # (low, high) around the baseline
    band_title: str = ""
    marker: str = "circle"
    dash: str = ""
    colour: str = "#0b5394"


@dataclass(frozen=True)
class Event:
    when: date
    label: str
    kind: str = ""


@dataclass(frozen=True)
class Layout:
    width: int = 760
    panel_height: int = 96
    panel_gap: int = 26
    left: int = 44
    right: int = 16
    top: int = 22
    axis: int = 30


def style_for(index: int) -> tuple[str, str, str]:
    return STYLES[index % len(STYLES)]


def _fmt(number: float) -> str:
    return f"{number:.1f}".rstrip("0").rstrip(".")


def month_ticks(first: date, last: date) -> list[date]:
    """First days of months between the two dates, thinned to at most about eight ticks."""
    months = (last.year - first.year) * 12 + last.month - first.month
    step = next(s for s in (1, 2, 3, 6, 12, 24, 60) if months / s <= 8)
    ticks = []
    year, month = first.year, first.month
    while True:
        if (year * 12 + month - 1) % step == 0:
            tick = date(year, month, 1)
            if tick > last:
                break
            if tick >= first:
                ticks.append(tick)
        month += 1
        if month > 12:
            year, month = year + 1, 1
        if date(year, month, 1) > last:
            break
    return ticks


def _marker(parent: ET.Element, shape: str, x: float, y: float, colour: str) -> ET.Element:
    r = 4.0
    if shape == "circle":
        el = ET.SubElement(parent, "circle", cx=_fmt(x), cy=_fmt(y), r=_fmt(r))
    elif shape == "square":
        el = ET.SubElement(parent, "rect", x=_fmt(x - r), y=_fmt(y - r), width=_fmt(2 * r), height=_fmt(2 * r))
    else:
        if shape == "triangle":
            coords = [(x, y - r - 1), (x + r + 1, y + r), (x - r - 1, y + r)]
        elif shape == "diamond":
            coords = [(x, y - r - 1), (x + r + 1, y), (x, y + r + 1), (x - r - 1, y)]
        else:  # cross, as a plus-shaped polygon
            a, b = r + 1, 1.6
            coords = [(x - b, y - a), (x + b, y - a), (x + b, y - b), (x + a, y - b), (x + a, y + b), (x + b, y + b),
                      (x + b, y + a), (x - b, y + a), (x - b, y + b), (x - a, y + b), (x - a, y - b), (x - b, y - b)]  # fmt: skip
        el = ET.SubElement(parent, "polygon", points=" ".join(f"{_fmt(px)},{_fmt(py)}" for px, py in coords))
    el.set("fill", colour)
    el.set("stroke", "#ffffff")
    el.set("stroke-width", "1")
    return el


def render(
    series: Sequence[Series],
    events: Sequence[Event],
    *,
    title: str,
    today: date,
    empty_text: str = "No scores yet",
    layout: Layout | None = None,
) -> str:
    """The SVG document (a string) of ``series`` on one time axis with ``events`` as vertical lines."""
    lay = layout or Layout()
    dates = [p.when for s in series for p in s.points] + [e.when for e in events]
    first = min(dates, default=today - timedelta(days=365))
    last = max([*dates, today]) if dates else today
    if (last - first).days < 60:
        first = last - timedelta(days=60)
    # A little room either side, so the first and last markers are not cut by the frame.
    span_days = (last - first).days
    pad = max(7, span_days // 40)
    first, last = first - timedelta(days=pad), last + timedelta(days=pad)
    span = (last - first).days

    plot_w = lay.width - lay.left - lay.right
    height = lay.top + len(series) * (lay.panel_height + lay.panel_gap) + lay.axis

    def x_of(day: date) -> float:
        return lay.left + (day - first).days / span * plot_w

    root = ET.Element(
        "svg",
        xmlns=SVG_NS,
        viewBox=f"0 0 {lay.width} {height}",
        width="100%",
        role="img",
        preserveAspectRatio="xMinYMin meet",
        style="max-width: 100%; height: auto; font-family: sans-serif;",
    )
    root.set("aria-labelledby", "outcomes-chart-title")
    ET.SubElement(root, "title", id="outcomes-chart-title").text = title
    bottom = lay.top + len(series) * (lay.panel_height + lay.panel_gap) - lay.panel_gap

    # The time axis: ticks and dates under the last panel, light verticals through all panels.
    axis = ET.SubElement(root, "g", {"class": "time-axis", "font-size": "11", "fill": "#333333"})
    for tick in month_ticks(first, last):
        tx = x_of(tick)
        ET.SubElement(axis, "line", {"class": "grid", "x1": _fmt(tx), "x2": _fmt(tx), "y1": str(lay.top),
                                     "y2": str(bottom), "stroke": "#e6e6e6"})  # fmt: skip
        ET.SubElement(axis, "line", x1=_fmt(tx), x2=_fmt(tx), y1=str(bottom), y2=str(bottom + 5), stroke="#333333")
        label = ET.SubElement(axis, "text", {"class": "tick", "x": _fmt(tx), "y": str(bottom + 17),
                                             "text-anchor": "middle"})  # fmt: skip
        label.text = f"{tick:%Y-%m}"

    for index, s in enumerate(series):
        y0 = lay.top + index * (lay.panel_height + lay.panel_gap)
        lo, hi = float(s.y_min), float(s.y_max)

        def y_of(value: Decimal, y0: int = y0, lo: float = lo, hi: float = hi) -> float:
            return y0 + lay.panel_height - (float(value) - lo) / ((hi - lo) or 1) * lay.panel_height

        panel = ET.SubElement(root, "g", {"class": "panel", "data-series": s.key})
        ET.SubElement(panel, "rect", x=str(lay.left), y=str(y0), width=str(plot_w), height=str(lay.panel_height),
                      fill="none", stroke="#999999")  # fmt: skip
        name = ET.SubElement(panel, "text", {"x": str(lay.left), "y": str(y0 - 5), "font-size": "12",
                                             "font-weight": "bold", "fill": "#222222"})  # fmt: skip
        name.text = s.label
        for value in (s.y_min, (s.y_min + s.y_max) / 2, s.y_max):
            ty = y_of(value)
            y_label = ET.SubElement(panel, "text", {"x": str(lay.left - 6), "y": _fmt(ty + 4), "font-size": "10",
                                                    "text-anchor": "end", "fill": "#333333"})  # fmt: skip
            y_label.text = _fmt(float(value))
        if s.band is not None:
            band_low, band_high = s.band
            top_y, bottom_y = y_of(band_high), y_of(band_low)
            band = ET.SubElement(panel, "rect", {
                "class": "band", "data-series": s.key, "data-low": str(band_low), "data-high": str(band_high),
                "x": str(lay.left), "y": _fmt(top_y), "width": str(plot_w), "height": _fmt(bottom_y - top_y),
                "fill": s.colour, "fill-opacity": "0.12", "stroke": s.colour, "stroke-opacity": "0.5",
                "stroke-dasharray": "3 3",
            })  # fmt: skip
            ET.SubElement(band, "title").text = s.band_title
        group = ET.SubElement(panel, "g", {"class": "series", "data-series": s.key})
        if not s.points:
            empty = ET.SubElement(group, "text", {"x": _fmt(lay.left + plot_w / 2), "y": _fmt(y0 + lay.panel_height / 2),
                                                  "text-anchor": "middle", "font-size": "11", "fill": "#555555"})  # fmt: skip
            empty.text = empty_text
            continue
        coords = " ".join(f"{_fmt(x_of(p.when))},{_fmt(y_of(p.value))}" for p in s.points)
        line = ET.SubElement(group, "polyline", points=coords, fill="none", stroke=s.colour)
        line.set("stroke-width", "2")
        if s.dash:
            line.set("stroke-dasharray", s.dash)
        for p in s.points:
            marker = _marker(group, s.marker, x_of(p.when), y_of(p.value), s.colour)
            marker.set("class", "point")
            marker.set("data-date", p.when.isoformat())
            marker.set("data-value", str(p.value))
            ET.SubElement(marker, "title").text = p.title

    # Treatment events: one vertical line each through every panel, numbered at the top.
    marks = ET.SubElement(root, "g", {"class": "events", "font-size": "10"})
    for number, event in enumerate(events, start=1):
        ex = x_of(event.when)
        line = ET.SubElement(marks, "line", {"class": "event", "data-date": event.when.isoformat(),
                                             "data-kind": event.kind, "x1": _fmt(ex), "x2": _fmt(ex),
                                             "y1": str(lay.top - 12), "y2": str(bottom), "stroke": "#7f0000",
                                             "stroke-width": "1.5", "stroke-dasharray": "5 2"})  # fmt: skip
        ET.SubElement(line, "title").text = f"{event.when:%Y-%m-%d}: {event.label}"
        tag = ET.SubElement(marks, "text", {"class": "event-label", "x": _fmt(ex + 2), "y": str(lay.top - 12 + 8),
                                            "fill": "#7f0000"})  # fmt: skip
        tag.text = str(number)
    return ET.tostring(root, encoding="unicode")


def legend_marker(shape: str, dash: str, colour: str) -> str:
    """A tiny SVG of a series' marker and dash, for the HTML legend beside the chart."""
    root = ET.Element("svg", {"xmlns": SVG_NS, "width": "34", "height": "14", "viewBox": "0 0 34 14",
                              "aria-hidden": "true", "focusable": "false"})  # fmt: skip
    line = ET.SubElement(root, "line", x1="1", x2="33", y1="7", y2="7", stroke=colour)
    line.set("stroke-width", "2")
    if dash:
        line.set("stroke-dasharray", dash)
    _marker(root, shape, 17, 7, colour)
    return ET.tostring(root, encoding="unicode")
