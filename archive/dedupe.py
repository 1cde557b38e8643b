"""Near-duplicate texts across sources (a press release reprinted by an agency), by SimHash.

Fingerprints are 64-bit SimHashes of word 3-shingles of the text (not the title), so a reprint
under a new headline or with an added footer stays within a few bits: measured on the replica
corpus, a reprint with an extra footer paragraph is 7 bits away, the closest unrelated pair 17.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
from simhash import Simhash

from archive.store import ArchiveError, ArchiveStore, SaveResult

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
        for record in records:
            self.add(record)

    def add(self, record: dict[str, Any]) -> None:
        if record["id"] in self.positions:
            return
        value = int(record.get("simhash") or fingerprint(record["text"]), 16)
        if len(self.ids) == len(self.values):
            self.values = np.resize(self.values, len(self.values) * 2)
        self.values[len(self.ids)] = value
        self.positions[record["id"]] = len(self.ids)
        self.ids.append(record["id"])
        self.sources.append(record["source"])
        self.published.append(record["published"])

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

    def __init__(self, root, store: ArchiveStore | None = None) -> None:
        """``store``: an ArchiveStore of ``root`` that has already walked it, to walk it once."""
        self.store = store if store is not None else ArchiveStore(root)
        self.store.cleanup()
        self.near = NearDuplicates()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive-writer")
        self._loading: Future | None = None
        self._closing = False

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
        started, count = time.monotonic(), 0
        for path in self.store.current_paths():
            if self._closing:
                return
            try:
                self.near.add(self.store.read(path))
                count += 1
            except (ArchiveError, KeyError, TypeError, ValueError) as error:  # `check` names it
                logger.warning("not deduplicated against %s: %s", path, error)
        logger.info("fingerprints of %d archived articles read in %.1f s", count,
                    time.monotonic() - started)

    async def save(self, record: dict[str, Any]) -> tuple[SaveResult, int]:
        """Store ``record`` in the writer thread; returns the result and duplicate links made."""
        self.start_loading()
        return await asyncio.wrap_future(self._writer.submit(self.save_now, record))

    def save_now(self, record: dict[str, Any]) -> tuple[SaveResult, int]:
        self.start_loading().result()  # at once in the writer thread: the load ran first
        record = dict(record)
        record["simhash"] = fingerprint(record["text"])
        record["duplicate_of"] = self.original_of(record)
        result = self.store.save(record)
        links = 0
        if result is SaveResult.NEW:
            self.near.add(record)
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
            return 1
        return 0

    def close(self) -> None:
        self._closing = True  # a load still running stops: nothing will be saved any more
        self._writer.shutdown(wait=True)

    def __deepcopy__(self, memo: dict) -> SharedArchive:
        return self

    def __copy__(self) -> SharedArchive:
        return self
