"""Reprints in both directions for one article: what it copies (``duplicate_of``) and which
later articles of other sources copy it, found by their SimHash fingerprints.

The fingerprints come from ``DATA/state/fingerprints.npz`` when a crawl left it (milliseconds),
else from reading every article once. A candidate is shown only when its own record says it is
a copy of this article, so a stale fingerprint can cost a miss but never a wrong link.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from archive.dedupe import NearDuplicates, fingerprint
from archive.fingerprints import cache_path, read_cache
from archive.store import ArchiveError, ArchiveStore


class Reprints:
    """The archive's fingerprint table, loaded once (in a thread: see :meth:`start`)."""

    def __init__(self, store: ArchiveStore) -> None:
        self.store = store
        self.near = NearDuplicates()
        self.ready = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Load the table in a daemon thread; lookups before it is ready find no later copies."""
        if self._thread is None:
            self._thread = threading.Thread(target=self.load, name="reprints", daemon=True)
            self._thread.start()

    def load(self) -> None:
        cache = read_cache(cache_path(self.store.root))
        ids = self.store.ids()
        if cache is not None:
            known = [i for i, article_id in enumerate(cache.id_strings()) if article_id in ids]
            self.near.add_cached(cache, np.array(known, dtype=np.int64))
        for article_id in ids - set(self.near.positions):
            try:
                record = self.store.load(article_id)
                # Only a copy can point here, and the crawl that marks a copy (duplicate_of)
                # stores its fingerprint: records without one are never copies.
                if record and record.get("duplicate_of") and record.get("simhash"):
                    self.near.add(record)
            except (ArchiveError, KeyError, TypeError, ValueError):
                continue  # `crescent check` names unreadable files; a page need not
        self.ready.set()

    def of(self, record: dict[str, Any]) -> dict[str, Any]:
        """``{"reprint_of": id or None, "reprinted_by": [ids], "complete": bool}``."""
        later: list[str] = []
        if self.ready.is_set() and self.near.ids:  # no copy in the archive: nothing to find
            probe = {**record, "simhash": record.get("simhash") or fingerprint(record["text"])}
            # Any near text of another source (a same-day copy too); its record decides.
            for candidate_id in sorted(self.near.ids[i] for i in self.near._near(probe)):
                try:
                    candidate = self.store.load(candidate_id)
                except ArchiveError:
                    continue
                if candidate and candidate.get("duplicate_of") == record["id"]:
                    later.append(candidate_id)
        return {"reprint_of": record.get("duplicate_of"), "reprinted_by": later,
                "complete": self.ready.is_set()}
