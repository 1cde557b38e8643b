"""The coverage chart as geometry for a server-rendered SVG: bars, axes, ticks, labels, legend.

Without a split, each period has one bar per query side by side (a colour per query). Split by
language or source, each query gets its own panel of stacked bars (a colour per language or
source) on the same scale, so queries compare at a glance.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from search.query import Timeline
from search.views import period_range

WIDTH, PANEL_HEIGHT = 960, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 64
MAX_PERIODS = 400
MAX_LABELS = 14
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    period: str
    query: str
    count: int
    part: str = ""  # the language or source of a stacked segment


@dataclass
class Panel:
    title: str
    top: float
    bars: list[Bar] = field(default_factory=list)
    ticks: list[tuple[float, int]] = field(default_factory=list)  # (y, value)
    labels: list[tuple[float, str]] = field(default_factory=list)  # (x, period)
    base: float = 0.0
    scale_top: int = 1


@dataclass
class Chart:
    width: int
    height: int
    left: int
    right: int
    panels: list[Panel]
    legend: list[tuple[str, str]]  # (colour, label)
    peak: int
    periods: list[str]
    note: str = ""


def nice_step(peak: int, ticks: int = 5) -> int:
    """A 1, 2 or 5 × 10ⁿ step giving at most ``ticks`` steps up to ``peak``."""
    raw = max(1.0, peak / ticks)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    return int(10 * power)


def build(table: Timeline, split: str, first: str | None = None,
          last: str | None = None) -> Chart | None:
    """The chart of ``table`` (``split`` "" or the table's split); None when nothing matched.

    ``first``/``last`` widen the axis to a chosen date range's periods."""
    present = table.periods()
    if not present:
        return None
    start = min([p for p in (first, present[0]) if p])
    end = max([p for p in (last, present[-1]) if p])
    periods = period_range(start, end, table.by)
    if len(periods) > MAX_PERIODS:
        periods = period_range(present[0], present[-1], table.by)
    if len(periods) > MAX_PERIODS:
        return Chart(WIDTH, 0, LEFT, RIGHT, [], [], 0, periods,
                     note=f"{len(periods)} periods are too many to draw (at most {MAX_PERIODS}):"
                          " choose a longer period or a shorter date range; the table below "
                          "has every count")
    names = table.names
    # Counts are read with .get: most (period, query, column) cells of a long chart are empty,
    # and a Counter answers a missing key through a Python method (~3,000 calls a page).
    # Each (period, query)'s total summed once: Timeline.total sums the columns on every call,
    # and the chart asks twice for each of ~650 bars.
    totals: Counter = Counter()
    columns = set(table.languages)
    for (period, name, column), count in table.counts.items():
        if column in columns:
            totals[(period, name)] = totals.get((period, name), 0) + count
    plot_width = WIDTH - LEFT - RIGHT
    slot = plot_width / len(periods)
    panels: list[Panel] = []
    legend: list[tuple[str, str]]
    if not split:
        peak = max(totals.get((p, n), 0) for p in present for n in names)
        legend = [(PALETTE[i % len(PALETTE)], name) for i, name in enumerate(names)]
        panel = _panel("", 0, peak, periods, slot)
        bar_width = slot * 0.85 / len(names)
        for index, period in enumerate(periods):
            for number, name in enumerate(names):
                count = totals.get((period, name), 0)
                if not count:
                    continue
                height = _height(count, panel)
                x = LEFT + index * slot + slot * 0.075 + number * bar_width
                panel.bars.append(Bar(x, panel.base - height, bar_width, height,
                                      PALETTE[number % len(PALETTE)], period, name, count))
        panels.append(panel)
    else:
        parts = table.languages
        counts = table.counts
        peak = max(totals.get((p, n), 0) for p in present for n in names)
        legend = [(PALETTE[i % len(PALETTE)], part) for i, part in enumerate(parts)]
        for number, name in enumerate(names):
            panel = _panel(name, number * PANEL_HEIGHT, peak, periods, slot)
            for index, period in enumerate(periods):
                y = panel.base
                for part_number, part in enumerate(parts):
                    count = counts.get((period, name, part), 0)
                    if not count:
                        continue
                    height = _height(count, panel)
                    y -= height
                    panel.bars.append(Bar(LEFT + index * slot + slot * 0.1, y, slot * 0.8,
                                          height, PALETTE[part_number % len(PALETTE)], period,
                                          name, count, part))
            panels.append(panel)
    return Chart(WIDTH, PANEL_HEIGHT * len(panels), LEFT, RIGHT, panels, legend, peak, periods)


def _panel(title: str, top: float, peak: int, periods: list[str], slot: float) -> Panel:
    step = nice_step(peak)
    scale_top = max(step, math.ceil(peak / step) * step)
    panel = Panel(title=title, top=top, base=top + PANEL_HEIGHT - BOTTOM, scale_top=scale_top)
    height = PANEL_HEIGHT - TOP - BOTTOM
    panel.ticks = [(panel.base - height * value / scale_top, value)
                   for value in range(0, scale_top + 1, step)]
    every = max(1, math.ceil(len(periods) / MAX_LABELS))
    panel.labels = [(LEFT + i * slot + slot / 2, period)
                    for i, period in enumerate(periods) if i % every == 0]
    return panel


def _height(count: int, panel: Panel) -> float:
    return (PANEL_HEIGHT - TOP - BOTTOM) * count / panel.scale_top


# --- markup ----------------------------------------------------------------------------------
# A 5-query monthly chart over 11 years is ~650 bars and its table 660 rows: as template loops,
# ~15,000 escaped outputs each yielded up through the layout, 19 of the page's 23 ms. Here each
# element is one f-string. Escaping is the template's: every text (a query, a period, a
# language or source, a colour) goes through markupsafe.escape, each distinct one once; only
# numbers formatted here (coordinates, counts) are written as they are. The output is the
# template loops' own, byte for byte (tests/test_web_speed.py renders both).

class _Escaped(dict):
    """markupsafe.escape of each text, computed once."""

    def __missing__(self, text: str) -> str:
        value = self[text] = str(escape(text))
        return value


def bar_elements(panel: Panel) -> Markup:
    """The panel's bars as SVG ``rect`` elements, one a line."""
    esc = _Escaped()
    lines = []
    for bar in panel.bars:
        period, query, part, count = esc[bar.period], esc[bar.query], esc[bar.part], int(bar.count)
        title = f"{period} · {query}" + (f" · {part}" if bar.part else "") + f": {count}"
        lines.append(f'  <rect class="bar" x="{bar.x:.2f}" y="{bar.y:.3f}" '
                     f'width="{bar.width:.2f}" height="{bar.height:.3f}" fill="{esc[bar.colour]}" '
                     f'data-period="{period}" data-query="{query}" data-part="{part}" '
                     f'data-count="{count}"><title>{title}</title></rect>\n')
    return Markup("".join(lines))


def count_rows(table: Timeline) -> Markup:
    """The coverage table's body rows (``Timeline.rows()``: period, query, a cell per column,
    the total), one a line."""
    esc = _Escaped()
    counts = table.counts
    columns = [(column, esc[column]) for column in table.languages]
    lines = []
    for period in table.periods():
        shown = esc[period]
        for name in table.names:
            query = esc[name]
            cells = []
            total = 0
            for column, label in columns:
                count = int(counts.get((period, name, column), 0))
                total += count
                cells.append(f'<td class="n" data-column="{label}">{count}</td>')
            lines.append(f'<tr data-period="{shown}" data-query="{query}"><td>{shown}</td>'
                         f'<td>{query}</td>{"".join(cells)}<td class="n total">{total}</td>'
                         "</tr>\n")
    return Markup("".join(lines))
