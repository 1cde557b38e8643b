"""The Whoosh index under ``DATA/index``: derived from the archive, rebuildable at any time."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema
from whoosh.writing import IndexWriter

from search.analysis import ANALYZED_LANGUAGES, analyzer_for, field_language

LANGUAGE_FIELDS = (*ANALYZED_LANGUAGES, "xx")
TITLE_FIELDS = tuple(f"title_{lang}" for lang in LANGUAGE_FIELDS)
TEXT_FIELDS = tuple(f"text_{lang}" for lang in LANGUAGE_FIELDS)
INDEX_NAME = "articles"
WRITER_TIMEOUT_S = 60.0  # another process (a second crawl, a reindex) may hold the lock


def build_schema() -> Schema:
    fields: dict[str, Any] = {
        "id": ID(stored=True, unique=True),
        "url": ID(stored=True),
        "source": ID(stored=True, sortable=True),
        "language": ID(stored=True, sortable=True),
        "month": ID(stored=True, sortable=True),
        "published": DATETIME(stored=True, sortable=True),
        "title": STORED(),
        "path": STORED(),
    }
    for lang in LANGUAGE_FIELDS:
        analyzer = analyzer_for(None if lang == "xx" else lang)
        fields[f"title_{lang}"] = TEXT(analyzer=analyzer, phrase=True, field_boost=2.0)
        fields[f"text_{lang}"] = TEXT(analyzer=analyzer, phrase=True)
    return Schema(**fields)


def document_for(record: dict[str, Any], relative_path: str) -> dict[str, Any]:
    """The index document of an archived article."""
    lang = field_language(record.get("language"))
    published = datetime.fromisoformat(record["published"][:10])
    return {
        "id": record["id"],
        "url": record["url"],
        "source": record["source"],
        "language": record["language"],
        "month": record["published"][:7],
        "published": published,
        "title": record["title"],
        "path": relative_path,
        f"title_{lang}": record["title"],
        f"text_{lang}": record["text"],
    }


class SearchIndex:
    """Opens (or creates) the index in ``directory`` and writes to it in batches."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def exists(self) -> bool:
        return whoosh_index.exists_in(self.directory, indexname=INDEX_NAME)

    def open(self):
        if not self.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            return whoosh_index.create_in(self.directory, build_schema(), indexname=INDEX_NAME)
        return whoosh_index.open_dir(self.directory, indexname=INDEX_NAME)

    def writer(self) -> IndexWriter:
        return self.open().writer(timeout=WRITER_TIMEOUT_S, limitmb=128)

    def update(self, documents: Iterable[dict[str, Any]]) -> int:
        """Add or replace documents (keyed by id) in one commit; returns how many."""
        documents = list(documents)
        if not documents:
            return 0
        writer = self.writer()
        try:
            for document in documents:
                writer.update_document(**document)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return len(documents)

    def doc_count(self) -> int:
        if not self.exists():
            return 0
        with self.open().searcher() as searcher:
            return searcher.doc_count()

    def indexed_ids(self) -> set[str]:
        if not self.exists():
            return set()
        with self.open().searcher() as searcher:
            return {fields["id"] for fields in searcher.all_stored_fields()}


def rebuild(directory: Path, documents: Iterable[dict[str, Any]]) -> int:
    """Build a fresh index beside the old one and swap it in, so a failed rebuild loses nothing."""
    directory = Path(directory)
    fresh = directory.with_name(directory.name + ".new")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    index = whoosh_index.create_in(fresh, build_schema(), indexname=INDEX_NAME)
    writer = index.writer(limitmb=256)
    count = 0
    for document in documents:
        writer.add_document(**document)
        count += 1
    writer.commit()
    old = directory.with_name(directory.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if directory.exists():
        directory.rename(old)
    fresh.rename(directory)
    shutil.rmtree(old, ignore_errors=True)
    return count
