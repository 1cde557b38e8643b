"""Full-text search over the archive: per-language analysis, two engines (Whoosh, tantivy)."""

from __future__ import annotations

from pathlib import Path

from archive.store import ArchiveStore
from search.engine import (
    DEFAULT_ENGINE,
    ENGINES,
    Engine,
    EngineError,
    Filters,
    QueryError,
    configured_engine,
    engines_to_update,
    open_engine,
)
from search.index import SearchIndex, document_for
from search.query import Hit, Results, Timeline, facets, search, timeline

__all__ = ["DEFAULT_ENGINE", "ENGINES", "Engine", "EngineError", "Filters", "Hit", "QueryError",
           "Results", "SearchIndex", "Timeline", "configured_engine", "engines_to_update",
           "facets", "open_engine", "reindex", "search", "timeline"]


def archive_documents(data_dir: Path):
    """Every current archived article as an index document."""
    store = ArchiveStore(data_dir / "archive")
    return (document_for(record, store.relative(store.path_of(record["id"])))
            for record in store.iter_records())


def reindex(data_dir: Path, engine: str | None = None) -> int:
    """Rebuild the index from ``DATA/archive`` alone; returns the number of articles.

    Without ``engine``: the configured engine's index and every other engine's index that exists.
    """
    engines = [open_engine(data_dir, engine)] if engine else engines_to_update(data_dir)
    count = 0
    for chosen in engines:
        count = chosen.rebuild(archive_documents(data_dir))
    return count
