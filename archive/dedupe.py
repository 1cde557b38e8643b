"""Near-duplicate texts across sources (a press release reprinted by an agency), by SimHash.

Fingerprints are 64-bit SimHashes of word 3-shingles of the text (not the title), so a reprint
under a new headline or with an added footer stays within a few bits: measured on the replica
corpus, a reprint with an extra footer paragraph is 7 bits away, the closest unrelated pair 17.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
from simhash import Simhash

from archive.atomic import remove_temp_files
from archive.fingerprints import CachedFingerprint, cache_path, lookup, read_cache, write_cache
from archive.store import ArchiveError, ArchiveStore, SaveResult
from archive.warc import Capture, CaptureError, CaptureWriter, recover

logger = logging.getLogger(__name__)
SHINGLE_WORDS = 3
MAX_DISTANCE = 10  # bits of 64


def fingerprint(text: str) -> str:
    """The text's SimHash as 16 hex digits."""
    words = re.findall(r"\w+", text.casefold())
    shingles = [" ".join(words[i : i + SHINGLE_WORDS])
                for i in range(max(1, len(words) - SHINGLE_WORDS + 1))]
    return f"{Simhash(shingles).value:016x}"


class NearDuplicates:
    """The archive's fingerprints in a numpy array: one vectorised XOR-popcount per lookup
    (about a millisecond for 100,000 articles), instead of a bucketed SimHash index."""

    def __init__(self, records: Iterable[dict[str, Any]] = ()) -> None:
        self.values = np.zeros(1024, dtype=np.uint64)
        self.ids: list[str] = []
        self.sources: list[str] = []
        self.published: list[str] = []
        self.positions: dict[str, int] = {}
        # Sources and days repeat across articles: one string each (~120 bytes an article less).
        self._shared: dict[str, str] = {}
        for record in records:
            self.add(record)

    def add(self, record: dict[str, Any]) -> None:
        """Add an article, or replace what the table holds of it (a new version)."""
        self.add_fingerprint(record["id"], record.get("simhash") or fingerprint(record["text"]),
                             record["source"], record["published"])

    def add_fingerprint(self, article_id: str, simhash: str, source: str,
                        published: str) -> None:
        source = self._shared.setdefault(source, source)
        published = self._shared.setdefault(published, published)
        position = self.positions.get(article_id)
        if position is None:
            position = self.positions[article_id] = len(self.ids)
            if position == len(self.values):
                self.values = np.resize(self.values, len(self.values) * 2)
            self.ids.append(article_id)
            self.sources.append(source)
            self.published.append(published)
        else:
            self.sources[position], self.published[position] = source, published
        self.values[position] = int(simhash, 16)

    def fingerprint_of(self, position: int) -> tuple[str, str, str, str]:
        """(id, simhash, source, published) of the article at ``position``."""
        return (self.ids[position], f"{int(self.values[position]):016x}",
                self.sources[position], self.published[position])

    def _near(self, record: dict[str, Any]) -> list[int]:
        value = np.uint64(int(record["simhash"], 16))
        distances = np.bitwise_count(self.values[: len(self.ids)] ^ value)
        return [int(i) for i in np.flatnonzero(distances <= MAX_DISTANCE)
                if self.ids[i] != record["id"] and self.sources[i] != record["source"]]

    def original_of(self, record: dict[str, Any]) -> str | None:
        """Id of the earliest near-duplicate from another source, if it is not later than this."""
        candidates = sorted((self.published[i], self.ids[i]) for i in self._near(record))
        if not candidates or candidates[0][0] > record["published"]:
            return None
        return candidates[0][1]

    def later_copies_of(self, record: dict[str, Any]) -> list[str]:
        """Ids from other sources published after ``record`` with (nearly) the same text."""
        return sorted(self.ids[i] for i in self._near(record)
                      if self.published[i] > record["published"])


class SharedArchive:
    """The archive store, its near-duplicate index and one writer thread, shared by a crawl.

    Several spiders run in one process; each must see what the others wrote (a reprint is only
    found if the original is in the same index), and writes must not interleave. All writes go
    through one thread, off the reactor, so fsyncs never stall downloads. Scrapy deep-copies
    settings per crawler, so this object declares itself uncopyable: copies are itself.
    """

    def __init__(self, root, store: ArchiveStore | None = None,
                 captures: CaptureWriter | None = None) -> None:
        """``store``: an ArchiveStore of ``root`` that has already walked it, to walk it once.
        ``captures``: where article pages are written as WARC (None: not captured)."""
        self.store = store if store is not None else ArchiveStore(root)
        self.store.cleanup()
        self.captures = captures
        if captures is not None:
            recover(captures.data_dir)  # WARC files a killed crawl left open: cut and closed
        self.near = NearDuplicates()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive-writer")
        self._loading: Future | None = None
        self._closing = False
        self._cache = cache_path(self.store.root)
        # Each table position's file stamp for the cache (size -1: none), as arrays: a dict of
        # tuples held 20 MiB for 100,000 articles. The files this crawl writes are stamped again
        # when it closes.
        self._mtimes = np.zeros(1024, dtype=np.int64)
        self._sizes = np.full(1024, -1, dtype=np.int64)
        self._touched: set[str] = set()
        self._loaded = False

    def start_loading(self) -> Future:
        """Read the archive's fingerprints in the writer thread, as its first work.

        Reading every article takes ~4 s for 100,000 of them: the crawl starts meanwhile, and
        every save comes after the load (one thread, in order). Nothing starts a thread before
        this is called (or the first save): the extraction workers fork from a single thread.
        """
        if self._loading is None:
            self._loading = self._writer.submit(self._load_fingerprints)
        return self._loading

    def _load_fingerprints(self) -> None:
        started, read = time.monotonic(), 0
        remove_temp_files(self._cache.parent)  # of a cache write a kill interrupted
        cached = read_cache(self._cache)
        for path in self.store.current_paths():
            if self._closing:
                return
            try:
                stamp = path.stat()
                hit = lookup(cached, path.name[:16], stamp.st_mtime_ns, stamp.st_size)
                if hit:
                    self.near.add_fingerprint(hit.article_id, hit.simhash, hit.source,
                                              hit.published)
                    article_id = hit.article_id
                else:
                    record = self.store.read(path)
                    self.near.add(record)
                    article_id, read = record["id"], read + 1
                self._stamp(self.near.positions[article_id], stamp)
            except (OSError, ArchiveError, KeyError, TypeError, ValueError) as error:
                logger.warning("not deduplicated against %s: %s", path, error)  # `check` names it
        self._loaded = True
        stamped = int(np.count_nonzero(self._sizes >= 0))
        if read or len(cached) != stamped:
            self._write_cache()
        logger.info("fingerprints of %d archived articles loaded in %.1f s (%d read from their "
                    "files, the rest from %s)", stamped, time.monotonic() - started, read,
                    self._cache.name)

    def _stamp(self, position: int, stamp: os.stat_result | None) -> None:
        if position >= len(self._sizes):
            grown = max(2 * len(self._sizes), position + 1)
            self._mtimes = np.resize(self._mtimes, grown)
            self._sizes = np.concatenate([self._sizes, np.full(grown - len(self._sizes), -1)])
        self._mtimes[position] = stamp.st_mtime_ns if stamp else 0
        self._sizes[position] = stamp.st_size if stamp else -1

    def _cache_entries(self) -> Iterator[CachedFingerprint]:
        for position in np.flatnonzero(self._sizes >= 0):
            article_id, simhash, source, published = self.near.fingerprint_of(int(position))
            yield CachedFingerprint(article_id, int(self._mtimes[position]),
                                    int(self._sizes[position]), simhash, source, published)

    def _write_cache(self) -> None:
        try:
            write_cache(self._cache, self._cache_entries())
        except OSError as error:  # a read-only state folder only costs the next crawl's reading
            logger.warning("fingerprint cache not written: %s", error)

    def _stamp_touched(self) -> None:
        """Stamp the files this crawl wrote, so the cache vouches for them too."""
        for article_id in self._touched:
            path = self.store.path_of(article_id)
            position = self.near.positions.get(article_id)
            if position is None:
                continue
            try:
                self._stamp(position, path.stat() if path is not None else None)
            except OSError:
                self._stamp(position, None)
        self._touched.clear()

    async def save(self, record: dict[str, Any],
                   capture: tuple[Capture, list[Capture]] | None = None
                   ) -> tuple[SaveResult, int]:
        """Store ``record`` in the writer thread; returns the result and duplicate links made.

        ``capture``: the page the article was extracted from and the redirects before it,
        written to WARC first; the record stores the pointer to it.
        """
        self.start_loading()
        return await asyncio.wrap_future(self._writer.submit(self.save_now, record, capture))

    def keep_page(self, source: str, capture: Capture, redirects: list[Capture]) -> None:
        """Write a capture no article points at (``--warc all``), in the writer thread."""
        if self.captures is not None and not self._closing:
            future = self._writer.submit(self.captures.write_page, source, capture, redirects)
            future.add_done_callback(_log_failure)

    def save_now(self, record: dict[str, Any],
                 capture: tuple[Capture, list[Capture]] | None = None
                 ) -> tuple[SaveResult, int]:
        self.start_loading().result()  # at once in the writer thread: the load ran first
        record = dict(record)
        record["simhash"] = fingerprint(record["text"])
        record["duplicate_of"] = self.original_of(record)
        current_capture = None
        if capture is not None and self.captures is not None:
            current = self.store.load(record["id"]) or {}
            current_capture = current.get("capture")
            page, redirects = capture
            try:  # on disk (fsynced) before the article that points at it
                record["capture"] = self.captures.write(record["source"], page,
                                                        current_capture, redirects)
            except (OSError, CaptureError) as error:
                logger.error("page of %s not captured: %s", record["id"], error)
        result = self.store.save(record)
        if (result is SaveResult.UNCHANGED and record.get("capture")
                and not current_capture):  # archived before captures were kept
            self.store.annotate(record["id"], capture=record["capture"])
        links = 0
        if result is not SaveResult.UNCHANGED:
            self._touched.add(record["id"])
            self.near.add(record)  # a new version replaces the old one's fingerprint
        if result is SaveResult.NEW:
            links += bool(record["duplicate_of"])
            for later in self.near.later_copies_of(record):
                links += self._point_to_earliest(later)
        return result, links

    def original_of(self, record: dict[str, Any]) -> str | None:
        return self.near.original_of(record)

    def _point_to_earliest(self, article_id: str) -> int:
        later = self.store.load(article_id) or {}
        later.setdefault("simhash", fingerprint(later.get("text", "")))
        earliest = self.near.original_of(later) if later else None
        if earliest and earliest != later.get("duplicate_of"):
            self.store.annotate(article_id, duplicate_of=earliest)
            self._touched.add(article_id)
            return 1
        return 0

    def close(self) -> None:
        """Finish the queued saves, then bring the fingerprint cache up to date."""
        self._closing = True  # a load still running stops: nothing will be saved any more
        self._writer.shutdown(wait=True)
        if self.captures is not None:
            self.captures.close()
        if self._loaded and self._touched:
            self._stamp_touched()
            self._write_cache()

    def __deepcopy__(self, memo: dict) -> SharedArchive:
        return self

    def __copy__(self) -> SharedArchive:
        return self


def _log_failure(future: Future) -> None:
    error = future.exception()
    if error is not None:
        logger.error("page not captured: %s: %s", type(error).__name__, error)
