"""Datasets for archivists: filter the archive, write JSON Lines or CSV with a manifest (what,
from where, when, checksum), count what is there."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import IO, Any, BinaryIO

EXPORT_FIELDS = (
    "id", "url", "source", "language", "language_confidence", "title", "published",
    "date_source", "modified", "authors", "description", "fetched_at", "content_sha256",
    "word_count", "version", "duplicate_of", "text",
)


@dataclass(frozen=True)
class RecordFilter:
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None

    def matches(self, record: dict[str, Any]) -> bool:
        day = record.get("published", "")[:10]
        return (
            (not self.languages or record.get("language") in self.languages)
            and (not self.sources or record.get("source") in self.sources)
            and (not self.since or day >= self.since.isoformat())
            and (not self.until or day <= self.until.isoformat())
        )


def select(records: Iterable[dict[str, Any]], flt: RecordFilter) -> Iterator[dict[str, Any]]:
    return (record for record in records if flt.matches(record))


def write_jsonl(records: Iterable[dict[str, Any]], out: IO[str]) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count


def write_csv(records: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """One row per article, a header, every field; lists joined with '; '."""
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, extrasaction="ignore")
    writer.writeheader()
    count = 0
    for record in records:
        row = {name: record.get(name) for name in EXPORT_FIELDS}
        row["authors"] = "; ".join(record.get("authors") or [])
        writer.writerow(row)
        count += 1
    return count


# Format name → writer of records to a text sink. The CLI's --format choices and the web page's
# export links both come from here: a format added here appears in both.
FORMATS: dict[str, Callable[[Iterable[dict[str, Any]], IO[str]], int]] = {
    "jsonl": write_jsonl, "csv": write_csv}
MEDIA_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv"}


def selection(*, query: str | None, exact: bool, engine: str | None,
              flt: RecordFilter) -> dict[str, Any]:
    """How a dataset was chosen, as its manifest records it."""
    return {"query": query, "exact": exact, "engine": engine,
            "languages": sorted(flt.languages), "sources": sorted(flt.sources),
            "since": flt.since.isoformat() if flt.since else None,
            "until": flt.until.isoformat() if flt.until else None}


class DigestingWriter:
    """A text sink for the writers above: UTF-8 to ``handle``, keeping the SHA-256 and size of
    exactly the bytes written (the dataset is streamed, never held whole in memory)."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, text: str | bytes) -> int:
        data = text.encode("utf-8") if isinstance(text, str) else text  # bytes: warc, wacz
        self.digest.update(data)
        self.size += len(data)
        self.handle.write(data)
        return len(text)


@dataclass
class DatasetTally:
    """What went into a dataset, counted as the records stream past (see :func:`tally`)."""

    articles: int = 0
    by_source: Counter = field(default_factory=Counter)
    by_language: Counter = field(default_factory=Counter)
    published: list[str] = field(default_factory=list)  # first, last
    fetched: list[str] = field(default_factory=list)

    def add(self, record: dict[str, Any]) -> None:
        self.articles += 1
        self.by_source[record.get("source")] += 1
        self.by_language[record.get("language")] += 1
        for bounds, value in ((self.published, record.get("published")),
                              (self.fetched, record.get("fetched_at"))):
            if isinstance(value, str) and value:
                bounds[:] = [min(bounds[0], value), max(bounds[1], value)] if bounds else [
                    value, value]


def tally(records: Iterable[dict[str, Any]], into: DatasetTally) -> Iterator[dict[str, Any]]:
    for record in records:
        into.add(record)
        yield record


def manifest(*, file_name: str, fmt: str, writer: DigestingWriter, counted: DatasetTally,
             selection: dict[str, Any], version: str) -> dict[str, Any]:
    """The manifest of a written dataset: checksum, counts, date range and how it was chosen."""
    return {
        "file": file_name,
        "format": fmt,
        "sha256": writer.digest.hexdigest(),
        "bytes": writer.size,
        "articles": counted.articles,
        "fields": list(EXPORT_FIELDS) if fmt == "csv" else "every field of each archive record",
        "published": dict(zip(("first", "last"), counted.published, strict=False)) or None,
        "fetched": dict(zip(("first", "last"), counted.fetched, strict=False)) or None,
        "by_source": dict(sorted(counted.by_source.items(), key=str)),
        "by_language": dict(sorted(counted.by_language.items(), key=str)),
        "selection": selection,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "created_by": f"crescent {version}",
    }


@dataclass
class ArchiveSummary:
    total: int
    by_source: Counter
    by_language: Counter
    by_month: Counter
    by_source_language: Counter


def summarise(records: Iterable[dict[str, Any]]) -> ArchiveSummary:
    by_source: Counter = Counter()
    by_language: Counter = Counter()
    by_month: Counter = Counter()
    by_pair: Counter = Counter()
    total = 0
    for record in records:
        total += 1
        by_source[record["source"]] += 1
        by_language[record["language"]] += 1
        by_month[record["published"][:7]] += 1
        by_pair[(record["source"], record["language"])] += 1
    return ArchiveSummary(total, by_source, by_language, by_month, by_pair)
