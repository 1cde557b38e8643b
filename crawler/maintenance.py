"""Keep the indexes in line with the archive: the check, the repair, the repair at crawl start.

Every engine the crawl writes to (the configured one, and any other with an index here) is
checked; a repair rebuilds an engine from the archive alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from archive.check import ArchiveReport, check_archive
from archive.lock import LockedError, crawl_lock
from archive.store import ArchiveStore
from archive.warc import WarcReport, check_warc, recover
from search import engines_to_update, reindex


@dataclass
class IndexReport:
    engine: str
    error: str | None = None
    missing: set[str] = field(default_factory=set)
    extra: set[str] = field(default_factory=set)

    @property
    def in_line(self) -> bool:
        return not (self.error or self.missing or self.extra)


@dataclass
class DataReport:
    archive: ArchiveReport
    indexes: list[IndexReport] = field(default_factory=list)
    warc: WarcReport = field(default_factory=WarcReport)

    @property
    def index_in_line(self) -> bool:
        return all(report.in_line for report in self.indexes)

    @property
    def ok(self) -> bool:
        return self.index_in_line and not self.archive.problems and not self.warc.problems


def compare_index(engine, archived: set[str]) -> IndexReport:
    report = IndexReport(engine=engine.name)
    try:
        indexed = engine.indexed_ids() if engine.exists() else set()
    except Exception as error:  # a damaged index fails in many ways; it is rebuildable
        report.error = f"{type(error).__name__}: {error}"
        return report
    report.missing = archived - indexed
    report.extra = indexed - archived
    return report


def check_data(data_dir: Path) -> DataReport:
    """Everything ``crescent check`` verifies."""
    archive = check_archive(data_dir / "archive")
    indexes = [compare_index(engine, archive.current_ids)
               for engine in engines_to_update(data_dir)]
    records = _readable_records(ArchiveStore(data_dir / "archive"))
    try:  # WARC files open under a running crawl are being written, not torn
        with crawl_lock(data_dir, wait=False):
            warc = check_warc(data_dir, records)
    except LockedError:
        warc = check_warc(data_dir, records, include_open=False)
    return DataReport(archive=archive, indexes=indexes, warc=warc)


def _readable_records(store: ArchiveStore):
    for path in store.current_paths():
        try:
            yield store.read(path)
        except ValueError:  # reported by the archive check
            continue


def repair(data_dir: Path) -> int:
    """Remove temporary files, cut torn WARC files back to their last whole record (when no
    crawl is writing them) and rebuild every index from the archive; returns articles."""
    for temp in check_archive(data_dir / "archive").temp_files:
        temp.unlink(missing_ok=True)
    try:
        with crawl_lock(data_dir, wait=False):
            recover(data_dir)
    except LockedError:
        pass  # the crawl's own start cut them; the files open now are its own
    return reindex(data_dir)


def repair_index_if_behind(data_dir: Path, store: ArchiveStore | None = None) -> int | None:
    """At crawl start: rebuild each index that does not hold exactly the archive's articles.

    ``store``: the crawl's ArchiveStore of ``data_dir``, so that the archive is walked once.
    """
    if not (data_dir / "archive").is_dir():
        return None
    archived = (store if store is not None else ArchiveStore(data_dir / "archive")).ids()
    repaired = None
    for engine in engines_to_update(data_dir):
        if not compare_index(engine, archived).in_line:
            repaired = reindex(data_dir, engine.name)
    return repaired
