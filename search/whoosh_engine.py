"""The Whoosh engine (the default): pure Python, the index under ``DATA/index``.

Filters by language, source and date never go through Whoosh's range queries (almost all of a
date-filtered query's time in stock Whoosh): the day, language and source of every document are
read once per opened index from its columns into memory, and a filter becomes a set of document
numbers cut from a day-sorted array with bisect.
"""

from __future__ import annotations

import bisect
import os
import shutil
import threading
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.query import Every, Query

from search.analysis import ANALYZED_LANGUAGES, analyzer_for
from search.engine import Engine, Filters, Page, Stored, day_number

LANGUAGE_FIELDS = (*ANALYZED_LANGUAGES, "xx")
INDEX_NAME = "articles"
WRITER_TIMEOUT_S = 60.0  # another process (a second crawl, a reindex) may hold the lock
REBUILD_LIMIT_MB = 512


def build_schema() -> Schema:
    fields: dict[str, Any] = {
        "id": ID(stored=True, unique=True),
        "url": ID(stored=True),
        "source": ID(stored=True, sortable=True),
        "language": ID(stored=True, sortable=True),
        "month": ID(stored=True, sortable=True),
        "day": NUMERIC(int, bits=32, stored=True, sortable=True, signed=False),
        "title": STORED(),
        "path": STORED(),
        "fold": TEXT(analyzer=analyzer_for("tr", "fold"), phrase=True),
        "names": TEXT(analyzer=analyzer_for(None, "name"), phrase=True),
        "exact": TEXT(analyzer=analyzer_for(None, "exact"), phrase=True),
    }
    for lang in LANGUAGE_FIELDS:
        analyzer = analyzer_for(None if lang == "xx" else lang)
        fields[f"title_{lang}"] = TEXT(analyzer=analyzer, phrase=True)
        fields[f"text_{lang}"] = TEXT(analyzer=analyzer, phrase=True)
    return Schema(**fields)


def whoosh_document(document: dict[str, Any]) -> dict[str, Any]:
    """An engine document (``search.index.document_for``) as Whoosh fields."""
    lang = document["field_language"]
    both = f"{document['title']}\n{document['text']}"
    fields = {
        "id": document["id"], "url": document["url"], "source": document["source"],
        "language": document["language"], "month": document["month"],
        "day": document["day"], "title": document["title"], "path": document["path"],
        f"title_{lang}": document["title"], f"text_{lang}": document["text"],
        "names": both, "exact": both,
    }
    if lang == "tr":
        fields["fold"] = both
    return fields


class _Columns:
    """Day, language and source of every document of one reader, for filters and counts."""

    def __init__(self, reader) -> None:
        self.days: list[int] = list(reader.column_reader("day"))
        self.languages: list[str] = list(reader.column_reader("language"))
        self.sources: list[str] = list(reader.column_reader("source"))
        order = sorted(range(len(self.days)), key=self.days.__getitem__)
        self.sorted_days = [self.days[n] for n in order]
        self.by_day = order
        self._sets: dict[tuple[str, str], frozenset[int]] = {}

    def docs_with(self, column: str, value: str) -> frozenset[int]:
        key = (column, value)
        if key not in self._sets:
            values = self.languages if column == "language" else self.sources
            self._sets[key] = frozenset(n for n, v in enumerate(values) if v == value)
        return self._sets[key]

    def allowed(self, filters: Filters) -> set[int] | None:
        """The document numbers the filters let through (None: all)."""
        sets: list[Any] = []
        if filters.languages:
            sets.append(set().union(*(self.docs_with("language", v) for v in filters.languages)))
        if filters.sources:
            sets.append(set().union(*(self.docs_with("source", v) for v in filters.sources)))
        days = filters.day_range()
        if days:
            lo = bisect.bisect_left(self.sorted_days, days[0])
            hi = bisect.bisect_right(self.sorted_days, days[1])
            sets.append(self.by_day[lo:hi])
        if not sets:
            return None
        sets.sort(key=len)
        allowed = set(sets[0])
        for other in sets[1:]:
            allowed.intersection_update(other)
        return allowed


class WhooshEngine(Engine):
    """Whoosh index with per-language stemmed fields, ASCII, name and exact fields."""

    name = "whoosh"

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self._searcher = None
        self._columns: _Columns | None = None

    # --- writing ------------------------------------------------------------------------
    def exists(self) -> bool:
        return whoosh_index.exists_in(self.directory, indexname=INDEX_NAME)

    def open(self):
        if not self.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            return whoosh_index.create_in(self.directory, build_schema(), indexname=INDEX_NAME)
        return whoosh_index.open_dir(self.directory, indexname=INDEX_NAME)

    def update(self, documents: Iterable[dict[str, Any]]) -> int:
        documents = list(documents)
        if not documents:
            return 0
        writer = self.open().writer(timeout=WRITER_TIMEOUT_S, limitmb=32)
        try:
            for document in documents:
                writer.update_document(**whoosh_document(document))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        self._close()
        return len(documents)

    def delete(self, ids: Iterable[str]) -> int:
        ids = list(ids)
        if not ids or not self.exists():
            return 0
        writer = self.open().writer(timeout=WRITER_TIMEOUT_S)
        try:
            for doc_id in ids:
                writer.delete_by_term("id", doc_id)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        self._close()
        return len(ids)

    def rebuild(self, documents: Iterable[dict[str, Any]]) -> int:
        fresh = self.directory.with_name(self.directory.name + ".new")
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir(parents=True)
        index = whoosh_index.create_in(fresh, build_schema(), indexname=INDEX_NAME)
        # A large in-memory pool, and the analysis spread over the cores in worker processes
        # (one segment each, not merged at the end). Forking is only safe with no other thread.
        procs = min(2, os.cpu_count() or 1) if threading.active_count() == 1 else 1
        writer = index.writer(limitmb=REBUILD_LIMIT_MB // procs, procs=procs,
                              multisegment=procs > 1)
        count = 0
        try:
            for document in documents:
                writer.add_document(**whoosh_document(document))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        self._close()
        _swap(fresh, self.directory)
        return count

    # --- reading ------------------------------------------------------------------------
    def _close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self._searcher = None
        self._columns = None

    def searcher(self):
        """A searcher kept open between queries (reopened when the index has changed)."""
        if self._searcher is not None and not self._searcher.up_to_date():
            self._close()
        if self._searcher is None:
            self._searcher = self.open().searcher()
            self._columns = None
        return self._searcher

    def columns(self) -> _Columns:
        searcher = self.searcher()
        if self._columns is None:
            self._columns = _Columns(searcher.reader())
        return self._columns

    def search(self, query: Query, filters: Filters, *, limit: int, page: int,
               sort: str) -> Page:
        if not self.exists():
            return Page(0, [])
        searcher = self.searcher()
        allowed = self.columns().allowed(filters)
        kwargs: dict[str, Any] = {"filter": allowed}
        if sort == "date":
            kwargs.update(sortedby="day", reverse=True)
        results = searcher.search_page(query, page, pagelen=limit, **kwargs)
        hits = []
        for hit in results:
            stored = hit.fields()
            hits.append(Stored(
                id=stored["id"], url=stored["url"], source=stored["source"],
                language=stored["language"], title=stored["title"], day=stored["day"],
                path=stored["path"], score=None if sort == "date" else float(hit.score or 0.0)))
        return Page(results.total, hits)

    def _matching(self, query: Query, filters: Filters) -> Iterable[int]:
        searcher = self.searcher()
        allowed = self.columns().allowed(filters)
        if isinstance(query, Every):
            return allowed if allowed is not None else range(searcher.doc_count_all())
        docs = searcher.docs_for_query(query)
        return docs if allowed is None else (n for n in docs if n in allowed)

    def facets(self, query: Query, filters: Filters) -> dict[str, Counter]:
        counts: dict[str, Counter] = {name: Counter() for name in ("source", "language", "month")}
        if not self.exists():
            return counts
        columns = self.columns()
        deleted = self._deleted()
        for n in self._matching(query, filters):
            if n in deleted:
                continue
            counts["source"][columns.sources[n]] += 1
            counts["language"][columns.languages[n]] += 1
            counts["month"][_month(columns.days[n])] += 1
        return counts

    def day_counts(self, query: Query, filters: Filters) -> Counter:
        counts: Counter = Counter()
        if not self.exists():
            return counts
        columns = self.columns()
        deleted = self._deleted()
        for n in self._matching(query, filters):
            if n not in deleted:
                counts[(columns.days[n], columns.languages[n])] += 1
        return counts

    def _deleted(self) -> set[int]:
        reader = self.searcher().reader()
        if not reader.has_deletions():
            return set()
        return {n for n in range(reader.doc_count_all()) if reader.is_deleted(n)}

    def indexed_ids(self) -> set[str]:
        if not self.exists():
            return set()
        with self.open().searcher() as searcher:
            return {fields["id"] for fields in searcher.all_stored_fields()}

    def doc_count(self) -> int:
        if not self.exists():
            return 0
        with self.open().searcher() as searcher:
            return searcher.doc_count()

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.directory.rglob("*") if p.is_file())


def _month(day: int) -> str:
    return f"{day // 10000:04d}-{day // 100 % 100:02d}"


def _swap(fresh: Path, directory: Path) -> None:
    old = directory.with_name(directory.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if directory.exists():
        directory.rename(old)
    os.replace(fresh, directory)
    shutil.rmtree(old, ignore_errors=True)


__all__ = ["WhooshEngine", "build_schema", "day_number"]
