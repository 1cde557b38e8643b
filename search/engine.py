"""The search engine interface: what Whoosh and tantivy both do, and which one a data dir uses.

An engine indexes archive documents (analysed by ``search.analysis``), deletes them, and answers a
parsed query (a Whoosh query tree, the one syntax both engines accept) with filters: a page of
hits, facet counts, and counts per day and language for coverage over time.
"""

from __future__ import annotations

import tomllib
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from whoosh.query import Query

from archive.export import RecordFilter

ENGINES = ("whoosh", "tantivy")
DEFAULT_ENGINE = "whoosh"
CONFIG_FILE = "config.toml"  # DATA/config.toml: [search] engine = "tantivy"
# Past this many articles Whoosh stops serving well (bench-scale, docs/performance.md): its
# rebuild takes most of an hour and a frequent word's search hundreds of milliseconds.
WHOOSH_COMFORT = 500_000
FACET_FIELDS = ("source", "language", "month")


class QueryError(ValueError):
    """A query the user must fix: malformed syntax, unknown field."""


class EngineError(ValueError):
    """An engine name or data-directory configuration the user must fix."""


@dataclass(frozen=True)
class Filters(RecordFilter):
    """Languages, sources and a publication-day range (the archive's record filter)."""

    def day_range(self) -> tuple[int, int] | None:
        if not (self.since or self.until):
            return None
        return (day_number(self.since) if self.since else 0,
                day_number(self.until) if self.until else 99_991_231)


def day_number(day: date | str) -> int:
    """2025-11-19 → 20251119: the integer both engines filter and sort on."""
    text = day.isoformat() if isinstance(day, date) else day[:10]
    return int(text.replace("-", ""))


@dataclass
class Stored:
    """What an engine returns for one hit."""

    id: str
    url: str
    source: str
    language: str
    title: str
    day: int
    path: str
    score: float | None


@dataclass
class Page:
    total: int
    hits: list[Stored]


class Engine(ABC):
    """One engine's index in one directory."""

    name: str

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    @abstractmethod
    def exists(self) -> bool: ...

    @abstractmethod
    def update(self, documents: Iterable[dict[str, Any]]) -> int:
        """Add or replace documents (keyed by id) in one commit; returns how many."""

    @abstractmethod
    def delete(self, ids: Iterable[str]) -> int:
        """Remove documents by id; returns how many ids were asked for."""

    @abstractmethod
    def rebuild(self, documents: Iterable[dict[str, Any]]) -> int:
        """Build a fresh index beside the old one and swap it in; returns how many."""

    @abstractmethod
    def search(self, query: Query, filters: Filters, *, limit: int, page: int,
               sort: str) -> Page: ...

    @abstractmethod
    def facets(self, query: Query, filters: Filters) -> dict[str, Counter]:
        """Counts of matching documents by source, language and month."""

    def search_with_facets(self, query: Query, filters: Filters, *, limit: int, page: int,
                           sort: str) -> tuple[Page, dict[str, Counter]]:
        """A page of hits and the facet counts of the same query (the search page's two
        answers). An engine that finds every match to rank them (Whoosh) counts the facets
        from that same set instead of running the query again."""
        return (self.search(query, filters, limit=limit, page=page, sort=sort),
                self.facets(query, filters))

    @abstractmethod
    def day_counts(self, query: Query, filters: Filters, split: str = "language",
                   month_only: bool = False) -> Counter:
        """Counts of matching documents by (day number, language) or, with ``split="source"``,
        by (day number, source). ``month_only``: only months matter (an engine may count each
        month on its first day)."""

    @abstractmethod
    def indexed_ids(self) -> set[str]: ...

    @abstractmethod
    def present_ids(self, ids: Collection[str]) -> set[str]:
        """Those of ``ids`` the index holds (live documents)."""

    @abstractmethod
    def matching_ids(self, query: Query, filters: Filters, ids: Collection[str]) -> set[str]:
        """Those of ``ids`` that ``query`` matches under ``filters``: a query over a few
        documents of a large index (the watches' new articles), costing what those few cost."""

    @abstractmethod
    def doc_count(self) -> int: ...


def index_directory(data_dir: Path, engine: str) -> Path:
    return data_dir / ("index" if engine == "whoosh" else f"index-{engine}")


def configured_engine(data_dir: Path) -> str:
    """The engine named in ``DATA/config.toml`` (``[search] engine = "…"``), else Whoosh."""
    path = Path(data_dir) / CONFIG_FILE
    if not path.is_file():
        return DEFAULT_ENGINE
    try:
        config = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise EngineError(f"cannot read {path}: {error}") from None
    name = config.get("search", {}).get("engine", DEFAULT_ENGINE)
    if name not in ENGINES:
        raise EngineError(f"unknown engine {name!r} in {path} (engines: {', '.join(ENGINES)})")
    return name


def open_engine(data_dir: Path, name: str | None = None) -> Engine:
    """The named engine (or the data directory's configured one) over ``data_dir``."""
    name = name or configured_engine(data_dir)
    if name == "whoosh":
        from search.whoosh_engine import WhooshEngine

        return WhooshEngine(index_directory(data_dir, name))
    if name == "tantivy":
        from search.tantivy_engine import TantivyEngine

        return TantivyEngine(index_directory(data_dir, name))
    raise EngineError(f"unknown engine {name!r} (engines: {', '.join(ENGINES)})")


def size_warning(engine: Engine, articles: int | None = None) -> str | None:
    """One line for a Whoosh index past what Whoosh serves well, naming tantivy; else None."""
    if engine.name != "whoosh":
        return None
    if articles is None:
        articles = engine.doc_count() if engine.exists() else 0
    if articles <= WHOOSH_COMFORT:
        return None
    return (f"warning: Whoosh holds {articles:,} articles, more than it serves well "
            f"({WHOOSH_COMFORT:,}): searches slow to hundreds of ms and a rebuild takes most of "
            "an hour. Switch to tantivy: `crescent reindex --engine tantivy`, then "
            "[search] engine = \"tantivy\" in DATA/config.toml")


def engines_to_update(data_dir: Path) -> list[Engine]:
    """The configured engine and every other engine that already has an index here."""
    chosen = configured_engine(data_dir)
    engines = [open_engine(data_dir, chosen)]
    for name in ENGINES:
        # No directory, no index: the engine's library is not even imported (tantivy's maps
        # 2 MiB into every crawl process otherwise).
        if name != chosen and index_directory(data_dir, name).is_dir():
            other = open_engine(data_dir, name)
            if other.exists():
                engines.append(other)
    return engines
