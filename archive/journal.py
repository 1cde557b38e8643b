"""The archive's journal: one line per article as it first enters the archive (and per reprint
link made later), so that readers such as watches look only at what is new since their place.

``DATA/archive-journal.jsonl`` is append-only. A reader's place is a byte offset: everything
after it is new to that reader, whatever the articles' publication dates. A line is written
(and fsynced) *before* the article file, so a kill between the two leaves a line whose article
is missing (readers skip it; the article is archived as new, and journaled again, by the next
crawl) and never an archived article without its line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

JOURNAL_NAME = "archive-journal.jsonl"
MAX_LINE = 4096  # ids, source names and URLs only; a longer line is not ours


@dataclass(frozen=True)
class Entry:
    """One journal line: ``kind`` is "new" (first archived) or "duplicate" (reprint link)."""

    kind: str
    id: str
    at: str  # UTC, ISO 8601, when the archive took it
    source: str = ""
    duplicate_of: str = ""
    path: str = ""  # the article file, relative to DATA/archive, when it was written


def journal_path(archive_root: Path) -> Path:
    """The journal beside ``DATA/archive`` (outside it: the archive holds article files only)."""
    return Path(archive_root).parent / JOURNAL_NAME


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def append(path: Path, entry: Entry) -> None:
    """Append one line in a single write (O_APPEND: writers in several processes interleave
    whole lines) and fsync it before the caller writes the article."""
    fields = {"kind": entry.kind, "id": entry.id, "at": entry.at}
    if entry.source:
        fields["source"] = entry.source
    if entry.duplicate_of:
        fields["duplicate_of"] = entry.duplicate_of
    if entry.path:
        fields["path"] = entry.path
    line = (json.dumps(fields, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    path.parent.mkdir(parents=True, exist_ok=True)  # a store whose data directory is new
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def end_offset(path: Path) -> int:
    """Where a reader that starts now begins: the journal's size."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def read_from(path: Path, offset: int, *, limit: int | None = None) -> Iterator[tuple[Entry, int]]:
    """Entries after byte ``offset``, each with the offset just past its line (a reader's next
    place). A last line without its newline (a write in progress) is not read yet; a garbled
    line is skipped. ``limit`` bounds how many entries one call yields."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return
    with handle:
        size = os.fstat(handle.fileno()).st_size
        if offset > size:  # the journal was replaced: everything in the new one is new
            offset = 0
        handle.seek(offset)
        position, count = offset, 0
        for raw in handle:
            if not raw.endswith(b"\n"):
                return
            position += len(raw)
            entry = _parse(raw)
            if entry is None:
                continue
            yield entry, position
            count += 1
            if limit is not None and count >= limit:
                return


def _parse(raw: bytes) -> Entry | None:
    if len(raw) > MAX_LINE:
        return None
    try:
        fields = json.loads(raw)
        entry = Entry(kind=str(fields["kind"]), id=str(fields["id"]), at=str(fields["at"]),
                      source=str(fields.get("source", "")),
                      duplicate_of=str(fields.get("duplicate_of", "")),
                      path=str(fields.get("path", "")))
    except (ValueError, KeyError, TypeError):
        return None
    return entry if entry.kind in ("new", "duplicate") else None
