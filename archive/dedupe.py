"""Near-duplicate texts across sources (a press release reprinted by an agency), by SimHash.

Fingerprints are 64-bit SimHashes of word 3-shingles of the text (not the title), so a reprint
under a new headline or with an added footer stays within a few bits: measured on the replica
corpus, a reprint with an extra footer paragraph is 7 bits away, the closest unrelated pair 17.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from simhash import Simhash, SimhashIndex

SHINGLE_WORDS = 3
MAX_DISTANCE = 10  # bits of 64


def fingerprint(text: str) -> str:
    """The text's SimHash as 16 hex digits."""
    words = re.findall(r"\w+", text.casefold())
    shingles = [" ".join(words[i : i + SHINGLE_WORDS])
                for i in range(max(1, len(words) - SHINGLE_WORDS + 1))]
    return f"{Simhash(shingles).value:016x}"


class NearDuplicates:
    """An in-memory SimHash index of archived articles (id → source, published)."""

    def __init__(self, records: Iterable[dict[str, Any]] = ()) -> None:
        self.index = SimhashIndex([], k=MAX_DISTANCE)
        self.meta: dict[str, tuple[str, str]] = {}
        for record in records:
            self.add(record)

    def add(self, record: dict[str, Any]) -> None:
        value = record.get("simhash") or fingerprint(record["text"])
        if record["id"] in self.meta:
            return
        self.index.add(record["id"], Simhash(int(value, 16)))
        self.meta[record["id"]] = (record["source"], record["published"])

    def original_of(self, record: dict[str, Any]) -> str | None:
        """Id of the earliest near-duplicate from another source, if any is earlier than this."""
        candidates = [
            (published, other) for other in self.index.get_near_dups(Simhash(
                int(record["simhash"], 16)))
            if other != record["id"]
            for source, published in [self.meta[other]]
            if source != record["source"]
        ]
        if not candidates:
            return None
        published, other = min(candidates)
        return other if published <= record["published"] else None

    def later_copies_of(self, record: dict[str, Any]) -> list[str]:
        """Ids from other sources published after ``record`` with the same text."""
        return sorted(
            other for other in self.index.get_near_dups(Simhash(int(record["simhash"], 16)))
            if other != record["id"] and self.meta[other][0] != record["source"]
            and self.meta[other][1] > record["published"]
        )


class SharedArchive:
    """The archive store and its near-duplicate index, shared by every spider of one crawl.

    Several spiders run in one process; each archive pipeline must see what the others wrote
    (a reprint is only found if the original is in the same index). Scrapy deep-copies
    settings per crawler, so this object declares itself uncopyable: copies are itself.
    """

    def __init__(self, root) -> None:
        from archive.store import ArchiveStore

        self.store = ArchiveStore(root)
        self.store.cleanup()
        self.near = NearDuplicates(self.store.iter_records())

    def __deepcopy__(self, memo: dict) -> SharedArchive:
        return self

    def __copy__(self) -> SharedArchive:
        return self
