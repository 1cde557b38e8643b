"""Re-extraction without the network: today's extractor over the pages the archive captured.

Each article's captured response (archive/warc.py) is read back, decoded as the crawl decoded
it (its Content-Type, its content encoding undone) and extracted with the source's current
rules (its spider's hints and the data directory's overrides, crawler/rules.py). An article
whose content fields come out different gets a new version through the archive's normal
version mechanism, recording the extractor that made it; the index is then brought in line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from archive.dedupe import fingerprint
from archive.store import CONTENT_FIELDS, ArchiveError, ArchiveStore
from archive.warc import CaptureError, read_capture
from crawler.extract import FoundDate, Rejection, SourceHints, extract
from crawler.items import ArticleItem
from crawler.rules import apply_overrides
from search import engines_to_update
from search.index import document_for

INDEX_BATCH = 500
ACCEPT_ANY_LANGUAGE = frozenset({"*"})  # archived articles passed the language filter once


@dataclass
class ReextractReport:
    read: int = 0
    changed: int = 0
    by_field: Counter = field(default_factory=Counter)
    without_capture: int = 0
    unreadable: list[str] = field(default_factory=list)  # "id: why"
    rejected: list[str] = field(default_factory=list)  # "id: reason": kept as they were
    indexed: int = 0
    dry_run: bool = False
    changed_ids: list[str] = field(default_factory=list)


def source_hints(source: str) -> SourceHints:
    """The hints the source's spider extracts with (any language); a generic site's defaults."""
    from crawler.runner import UnknownSourceError, load_source

    try:
        return load_source(source).hints_for(ACCEPT_ANY_LANGUAGE)
    except UnknownSourceError:  # a --site crawl: the generic spider's hints
        return SourceHints(source=source, accept_languages=ACCEPT_ANY_LANGUAGE)


def _listed(record: dict[str, Any]) -> FoundDate | None:
    """The date a feed or sitemap gave, which the page alone may not say."""
    if record.get("date_source") not in ("feed", "sitemap"):
        return None
    try:
        day = date.fromisoformat(record["published"][:10])
    except (KeyError, ValueError):
        return None
    return FoundDate(day, record["date_source"], record.get("date_raw") or "")


def _fetched(record: dict[str, Any]) -> datetime:
    try:
        return datetime.fromisoformat(record["fetched_at"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return datetime.now(UTC)


def reextract_record(data_dir: Path, record: dict[str, Any],
                     rules: dict[str, tuple[SourceHints, str]]) -> dict[str, Any] | Rejection:
    """The record as today's extractor makes it from its capture (CaptureError if unreadable)."""
    source = record["source"]
    if source not in rules:
        rules[source] = apply_overrides(source_hints(source), data_dir)
    hints, version = rules[source]
    capture = read_capture(data_dir, record["capture"])
    fetched = _fetched(record)
    result = extract(capture.decoded(), record["url"], hints,
                     encoding=capture.header("Content-Type"), now=fetched,
                     listed=_listed(record))
    if isinstance(result, Rejection):
        return result
    fresh = ArticleItem.from_article(result, source, fetched_at=fetched,
                                     extractor=version).record()
    fresh["fetched_at"] = record["fetched_at"]  # the page is the one fetched then
    return fresh


def reextract(data_dir: Path, *, sources: Iterable[str] = (), since: date | None = None,
              dry_run: bool = False,
              on_progress: Callable[[int], None] | None = None) -> ReextractReport:
    """Re-extract the selected articles' captures; new versions for those that changed.

    The caller holds the crawl lock (archive/lock.py): this writes the archive and the index.
    """
    data_dir = Path(data_dir)
    store = ArchiveStore(data_dir / "archive")
    report = ReextractReport(dry_run=dry_run)
    wanted = set(sources)
    rules: dict[str, tuple[SourceHints, str]] = {}
    pending: list[dict[str, Any]] = []
    engines = [] if dry_run else engines_to_update(data_dir)
    for path in store.current_paths():
        record = store.read(path)
        if wanted and record.get("source") not in wanted:
            continue
        if since and record.get("published", "")[:10] < since.isoformat():
            continue
        report.read += 1
        if on_progress:
            on_progress(report.read)
        if not record.get("capture"):
            report.without_capture += 1
            continue
        try:
            fresh = reextract_record(data_dir, record, rules)
        except CaptureError as error:
            report.unreadable.append(f"{record['id']}: {error}")
            continue
        if isinstance(fresh, Rejection):
            report.rejected.append(f"{record['id']}: {fresh}")
            continue
        changed = [name for name in CONTENT_FIELDS if fresh.get(name) != record.get(name)]
        if not changed:
            continue
        report.changed += 1
        report.by_field.update(changed)
        report.changed_ids.append(record["id"])
        if dry_run:
            continue
        updated = {**record, **fresh, "capture": record["capture"],
                   "simhash": fingerprint(fresh["text"]),
                   "duplicate_of": record.get("duplicate_of")}
        try:
            store.save(updated)
        except ArchiveError as error:  # e.g. a date the archive cannot file: kept as it was
            report.rejected.append(f"{record['id']}: {error}")
            continue
        saved = store.path_of(record["id"])
        pending.append(document_for(updated, store.relative(saved)))
        if len(pending) >= INDEX_BATCH:
            report.indexed += _index(engines, pending)
            pending = []
    if pending:
        report.indexed += _index(engines, pending)
    return report


def _index(engines, documents: list[dict[str, Any]]) -> int:
    for engine in engines:
        engine.update(documents)
    return len(documents)
