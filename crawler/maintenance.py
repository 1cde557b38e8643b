"""Keep the index in line with the archive: the check, the repair, and the repair at crawl start."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from archive.check import ArchiveReport, check_archive
from search import SearchIndex, reindex


@dataclass
class DataReport:
    archive: ArchiveReport
    index_error: str | None = None
    missing_from_index: set[str] = field(default_factory=set)
    extra_in_index: set[str] = field(default_factory=set)

    @property
    def index_in_line(self) -> bool:
        return not (self.index_error or self.missing_from_index or self.extra_in_index)

    @property
    def ok(self) -> bool:
        return self.index_in_line and not self.archive.problems


def indexed_ids(data_dir: Path) -> set[str]:
    return SearchIndex(data_dir / "index").indexed_ids()


def check_data(data_dir: Path) -> DataReport:
    """Everything ``crescent check`` verifies."""
    report = DataReport(archive=check_archive(data_dir / "archive"))
    try:
        in_index = indexed_ids(data_dir)
    except Exception as error:  # a damaged index can fail in many ways; it is rebuildable
        report.index_error = f"{type(error).__name__}: {error}"
        return report
    report.missing_from_index = report.archive.current_ids - in_index
    report.extra_in_index = in_index - report.archive.current_ids
    return report


def repair(data_dir: Path) -> int:
    """Remove temporary files and rebuild the index from the archive; returns articles indexed."""
    for temp in check_archive(data_dir / "archive").temp_files:
        temp.unlink(missing_ok=True)
    return reindex(data_dir)


def repair_index_if_behind(data_dir: Path) -> int | None:
    """At crawl start: rebuild the index if it does not hold exactly the archive's articles."""
    if not (data_dir / "archive").is_dir():
        return None
    from archive.store import ArchiveStore

    archived = ArchiveStore(data_dir / "archive").ids()
    try:
        if indexed_ids(data_dir) == archived:
            return None
    except Exception:  # unreadable index: rebuilt below
        pass
    return reindex(data_dir)
