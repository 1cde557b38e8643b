"""SQLite exports (sqlite-utils): an ``articles`` table with indexes and an FTS5 full-text
index, ready for ``datasette FILE.db``; rows are inserted in batches as they stream past."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

from archive.export import ExportJob, WrittenFile, file_digest
from archive.formats.columns import columns
from archive.formats.files import atomic_path

TABLE = "articles"
FTS_COLUMNS = ("title", "description", "text")
# unicode61 splits words at apostrophes (' and ’), so the Turkish suffix written after a name
# is a word of its own: Kızılay finds Kızılay'ın and Kızılay’ın; remove_diacritics 2 lets
# Kizilay find Kızılay's neighbours with ş, ç, ğ, ö, ü too (ı has no diacritic to remove).
# Other inflections are found with a prefix query: gönüllü* finds gönüllüler.
TOKENIZE = "unicode61 remove_diacritics 2"
INDEXES = (("source", "published"), ("language", "published"), ("published",), ("fetched_at",),
           ("url",))
BATCH = 1000
SQL_TYPES = {"integer": int, "number": float}


def sqlite_columns() -> dict[str, type]:
    return {c.name: SQL_TYPES.get(c.kind, str) for c in columns("sqlite")}


def _rows(records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    names = list(sqlite_columns())
    for record in records:
        row = {}
        for name in names:
            value = record.get(name)
            # Lists and objects (authors, a capture) as JSON text, which Datasette shows as such.
            row[name] = json.dumps(value, ensure_ascii=False) if isinstance(
                value, list | dict) else value
        yield row


def write_sqlite(records: Iterable[dict[str, Any]], target: Path,
                 job: ExportJob) -> list[WrittenFile]:
    with atomic_path(target) as temp:
        db = sqlite_utils.Database(temp)
        try:
            # A temporary file, renamed into place only once complete and synced: no journal.
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            table = db.table(TABLE)
            table.create(sqlite_columns(), pk="id", not_null=["id"])
            table.insert_all(_rows(records), batch_size=BATCH)
            for index in INDEXES:  # after the inserts: one sort each instead of a tree per row
                table.create_index(list(index))
            table.enable_fts(list(FTS_COLUMNS), tokenize=TOKENIZE, create_triggers=True)
            db.execute("PRAGMA journal_mode = DELETE")  # the file as anyone opens it
            db.conn.commit()
        finally:
            db.close()
    return [file_digest(target)]
