"""Full-text search over the archive: per-language analysis, a Whoosh index, queries."""

from __future__ import annotations

from pathlib import Path

from archive.store import ArchiveStore
from search.index import SearchIndex, document_for, rebuild
from search.query import Filters, Hit, QueryError, Results, search

__all__ = ["Filters", "Hit", "QueryError", "Results", "SearchIndex", "reindex", "search"]


def reindex(data_dir: Path) -> int:
    """Rebuild ``DATA/index`` from ``DATA/archive`` alone; returns the number of articles."""
    store = ArchiveStore(data_dir / "archive")
    documents = (
        document_for(record, store.relative(store.path_of(record["id"])))
        for record in store.iter_records()
    )
    return rebuild(data_dir / "index", documents)
