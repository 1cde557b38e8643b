"""The archive's SimHash fingerprints kept beside it, so a crawl need not read every article.

A crawl compares each new article with every archived one (archive.dedupe), so it must know all
their fingerprints: reading 100,000 article files takes ~4 s. ``DATA/state/fingerprints.tsv``
answers for each article whose current file has the same modification time and size as when
the line was written; any other file is read. The archive stays the source of truth: a
missing, stale or damaged cache costs only the reading, and a crawl rewrites it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from archive.atomic import atomic_write

HEADER = "crescent-fingerprints\t1\n"
_LINE = re.compile(r"([0-9a-f]{16})\t(\d{1,20})\t(\d{1,12})\t([0-9a-f]{16})\t"
                   r"([a-z0-9][a-z0-9_]{0,63})\t([^\t\n]{1,64})")


@dataclass(frozen=True)
class CachedFingerprint:
    """What the deduplication table keeps of an article, and the stamp of the file it came from."""

    article_id: str
    mtime_ns: int
    size: int
    simhash: str
    source: str
    published: str

    def line(self) -> str:
        return (f"{self.article_id}\t{self.mtime_ns}\t{self.size}\t{self.simhash}\t"
                f"{self.source}\t{self.published}\n")


def cache_path(archive_root: Path) -> Path:
    return Path(archive_root).parent / "state" / "fingerprints.tsv"


def read_cache(path: Path) -> dict[str, str]:
    """Each article id's line, unparsed (most are looked up once); {} if absent or foreign."""
    try:
        with open(path, encoding="utf-8") as handle:
            if handle.readline() != HEADER:
                return {}
            return {line[:16]: line for line in handle}
    except (OSError, UnicodeDecodeError):
        return {}


def lookup(lines: dict[str, str], article_id: str, mtime_ns: int,
           size: int) -> CachedFingerprint | None:
    """The cached fingerprint of ``article_id`` if its line is well formed and its stamp current."""
    match = _LINE.fullmatch(lines.get(article_id, "").rstrip("\n"))
    if not match or match[1] != article_id or int(match[2]) != mtime_ns or int(match[3]) != size:
        return None
    return CachedFingerprint(article_id, mtime_ns, size, match[4], match[5], match[6])


def write_cache(path: Path, entries: Iterable[CachedFingerprint]) -> None:
    """Replace the cache atomically (a crawl killed while writing leaves the old one)."""
    # A field that would not read back (a tab or newline in a date) is left out: read next time.
    lines = [line for line in (entry.line() for entry in entries)
             if _LINE.fullmatch(line.rstrip("\n"))]

    def write(handle) -> None:
        handle.write(HEADER.encode())
        handle.write("".join(lines).encode())

    atomic_write(path, write)
