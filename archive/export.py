"""Datasets for archivists: filter the archive, write JSON Lines or CSV, count what is there."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

EXPORT_FIELDS = (
    "id", "url", "source", "language", "language_confidence", "title", "published",
    "date_source", "modified", "authors", "description", "fetched_at", "content_sha256",
    "word_count", "version", "text",
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
