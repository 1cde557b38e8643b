"""Resumable crawls: Scrapy's JOBDIR, trusted only if the previous run closed it cleanly.

A SIGKILL leaves Scrapy's disk queue without its index file and the seen-requests file half
flushed; resuming from that would silently skip work. So each run removes a marker when it
starts and writes it when the spider closes; a job directory without the marker, or whose queue
cannot be read back, is set aside and the crawl starts a fresh walk (articles already archived
are skipped anyway).
"""

from __future__ import annotations

import json
import logging
import pickle
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from queuelib.queue import FifoDiskQueue
from scrapy import signals

from archive.atomic import atomic_write_bytes

logger = logging.getLogger(__name__)
CLEAN_MARKER = "crescent-clean.json"


def job_dir(data_dir: Path, source: str) -> Path:
    return data_dir / "jobs" / source


def queue_is_readable(directory: Path) -> bool:
    """Pop every request of a copy of the job's disk queues; False if anything is broken."""
    queue_root = directory / "requests.queue"
    if not queue_root.exists():
        return True
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "q"
        shutil.copytree(queue_root, copy)
        try:
            json.loads((copy / "active.json").read_text()) if (copy / "active.json").exists() \
                else None
            for info in copy.rglob("info.json"):
                queue = FifoDiskQueue(str(info.parent))
                while (raw := queue.pop()) is not None:
                    pickle.loads(raw)
                queue.close()
        except Exception:  # any failure means the state cannot be trusted
            return False
    return True


def prepare_resume(data_dir: Path, source: str) -> tuple[Path, str]:
    """The JOBDIR to use and what was decided: 'resumed', 'fresh' or 'discarded'."""
    directory = job_dir(data_dir, source)
    if not directory.exists():
        return directory, "fresh"
    if (directory / CLEAN_MARKER).exists() and queue_is_readable(directory):
        return directory, "resumed"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    broken = directory.with_name(f"{source}.broken-{stamp}")
    directory.rename(broken)
    logger.warning("job state of %s was left inconsistent (killed?): moved to %s; starting a "
                   "fresh walk that skips archived articles", source, broken)
    shutil.rmtree(broken, ignore_errors=True)
    return directory, "discarded"


class JobStateMarker:
    """Extension: removes the clean marker when a resumable spider opens, writes it on close."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy.exceptions import NotConfigured

        jobdir = crawler.settings.get("JOBDIR")
        if not jobdir:
            raise NotConfigured
        extension = cls(Path(jobdir))
        crawler.signals.connect(extension.opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    def opened(self, spider) -> None:
        (self.directory / CLEAN_MARKER).unlink(missing_ok=True)

    def closed(self, spider, reason) -> None:
        if reason == "finished":
            # Nothing left to resume: the next run starts afresh (and skips what is archived).
            shutil.rmtree(self.directory, ignore_errors=True)
            return
        marker = {"closed_at": datetime.now(UTC).isoformat(), "reason": reason}
        atomic_write_bytes(self.directory / CLEAN_MARKER, json.dumps(marker).encode())
