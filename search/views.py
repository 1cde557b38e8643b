"""What the CLI and the web page both show of queries: the engine with its checks, facets and
coverage tables in their JSON and CSV shapes, every matching id (for exports)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from search.engine import Engine, EngineError, Filters, open_engine
from search.query import Timeline, search

PAGE_OF_IDS = 1000


def open_for_search(data_dir: Path, engine: str | None = None) -> Engine:
    """The engine to query; an archive without that engine's index is an EngineError that says
    how to build it (an empty result would hide it)."""
    chosen = open_engine(data_dir, engine)
    archive = Path(data_dir) / "archive"
    if not chosen.exists() and archive.is_dir() and any(archive.iterdir()):
        raise EngineError(f"no {chosen.name} index in {data_dir}: build it with "
                          f"`crescent reindex --engine {chosen.name} --data {data_dir}`")
    return chosen


def facets_json(counts: dict[str, Counter]) -> dict[str, dict[str, int]]:
    """Facet counts as the CLI's ``--json --facets`` prints them: most frequent first, ties by
    name (tantivy's order; Whoosh's followed the order its matching set was built in)."""
    return {name: dict(sorted(counter.items(), key=_by_count_then_name))
            for name, counter in counts.items()}


def _by_count_then_name(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


def timeline_csv(table: Timeline) -> str:
    """The coverage table as CSV: period, query, one column per language (or source), total."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=["period", "query", *table.languages, "total"])
    writer.writeheader()
    writer.writerows(table.rows())
    return buffer.getvalue()


def timeline_json(table: Timeline) -> dict[str, Any]:
    """The coverage table as one object: its period, split, queries, columns and rows."""
    return {"by": table.by, "split": table.split, "queries": table.names,
            "columns": table.languages, "rows": table.rows()}


def matching_ids(data_dir: Path, text: str, filters: Filters, *, engine: Engine,
                 exact: bool = False) -> set[str]:
    """Ids of every article matching ``text`` (paged through the engine, no snippets)."""
    results = search(data_dir, text, filters, limit=PAGE_OF_IDS, snippets=False, engine=engine,
                     exact=exact)
    ids = {hit.id for hit in results.hits}
    page = 1
    while len(ids) < results.total and page * PAGE_OF_IDS < results.total:
        page += 1
        more = search(data_dir, text, filters, limit=PAGE_OF_IDS, page=page, snippets=False,
                      engine=engine, exact=exact)
        ids |= {hit.id for hit in more.hits}
    return ids


def period_range(first: str, last: str, by: str) -> list[str]:
    """Every period from ``first`` to ``last`` (as ``search.query.period_of`` names them), so a
    chart's axis shows the empty periods too."""
    if by == "month":
        year, month = int(first[:4]), int(first[5:7])
        out = []
        while f"{year:04d}-{month:02d}" <= last:
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out
    if by == "day":
        day, end = date.fromisoformat(first), date.fromisoformat(last)
        return [(day + timedelta(days=n)).isoformat() for n in range((end - day).days + 1)]
    start = date.fromisocalendar(int(first[:4]), int(first[6:8]), 1)
    end = date.fromisocalendar(int(last[:4]), int(last[6:8]), 1)
    out = []
    while start <= end:
        iso = start.isocalendar()
        out.append(f"{iso.year:04d}-W{iso.week:02d}")
        start += timedelta(days=7)
    return out
