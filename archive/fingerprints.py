"""The archive's SimHash fingerprints kept beside it, so a crawl need not read every article.

A crawl compares each new article with every archived one (archive.dedupe), so it must know all
their fingerprints: reading a million article files takes minutes, and even checking each
file's modification time takes ~10 s in Python. ``DATA/state/fingerprints.npz`` holds, as
columns, each article's fingerprint with the stamp (modification time, size) of its file, and
each archive folder's modification time when the cache was written.

A folder whose modification time is unchanged, and whose articles are exactly those the cache
lists for it, is taken whole from the cache without looking at its files: crescent writes every
article file by renaming a new file into place, and any file created, renamed or removed in a
folder changes the folder's time. In any other folder each file's stamp is checked, and a file
whose stamp changed (or that the cache lacks) is read. The archive stays the source of truth: a
missing, stale, damaged or forged cache costs only the reading, and a crawl rewrites it. (An
article file edited in place by another program, without a rename, keeps its old fingerprint
until its folder changes; delete the cache to have every file read.)
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from archive.atomic import atomic_write

CACHE_NAME = "fingerprints.npz"
OLD_CACHE_NAMES = ("fingerprints.tsv",)  # earlier formats: removed when the cache is written
FORMAT = 2
NOT_VOUCHED = -1  # a folder time that vouches for nothing
MAX_ARTICLES = 50_000_000  # a cache claiming more is not ours
SOURCE_RE = re.compile(r"[a-z0-9][a-z0-9_]{0,63}")
PUBLISHED_RE = re.compile(r"[^\t\n]{1,64}")
FOLDER_RE = re.compile(r"[a-z0-9_]{1,64}(/[a-z0-9_]{1,64}){0,7}|")  # relative, no "..", "."
_COLUMNS = ("format", "ids", "simhashes", "mtimes", "sizes", "folder_of", "source_of",
            "published_of", "folders", "folder_mtimes", "sources", "published")


@dataclass
class FingerprintCache:
    """Column ``i`` of every per-article array describes one article; the folder, source and
    published arrays index the small tables of distinct values."""

    ids: np.ndarray  # uint64: the article id's 16 hex digits
    simhashes: np.ndarray  # uint64
    mtimes: np.ndarray  # int64, ns
    sizes: np.ndarray  # int64, bytes
    folder_of: np.ndarray  # int32, into folders
    source_of: np.ndarray  # int32, into sources
    published_of: np.ndarray  # int32, into published
    folders: list[str]  # relative to the archive root, "/"-separated
    folder_mtimes: np.ndarray  # int64, ns; NOT_VOUCHED: check each file
    sources: list[str]
    published: list[str]

    def __len__(self) -> int:
        return len(self.ids)

    def id_strings(self) -> list[str]:
        return [f"{value:016x}" for value in self.ids.tolist()]


def cache_path(archive_root: Path) -> Path:
    return Path(archive_root).parent / "state" / CACHE_NAME


def read_cache(path: Path) -> FingerprintCache | None:
    """The cache at ``path``, or None if it is absent, foreign or damaged in any way."""
    try:
        with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as stored:
            if set(stored.files) != set(_COLUMNS) or int(stored["format"]) != FORMAT:
                return None
            cache = FingerprintCache(
                ids=stored["ids"], simhashes=stored["simhashes"], mtimes=stored["mtimes"],
                sizes=stored["sizes"], folder_of=stored["folder_of"],
                source_of=stored["source_of"], published_of=stored["published_of"],
                folders=[str(f) for f in stored["folders"].tolist()],
                folder_mtimes=stored["folder_mtimes"],
                sources=[str(s) for s in stored["sources"].tolist()],
                published=[str(p) for p in stored["published"].tolist()])
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile):
        return None
    return cache if _well_formed(cache) else None


def _well_formed(cache: FingerprintCache) -> bool:
    count = len(cache.ids)
    columns = {"ids": np.uint64, "simhashes": np.uint64, "mtimes": np.int64,
               "sizes": np.int64, "folder_of": np.int32, "source_of": np.int32,
               "published_of": np.int32}
    for name, dtype in columns.items():
        column = getattr(cache, name)
        if column.dtype != dtype or column.shape != (count,):
            return False
    if count > MAX_ARTICLES or cache.folder_mtimes.dtype != np.int64 or \
            cache.folder_mtimes.shape != (len(cache.folders),):
        return False
    for index, table in ((cache.folder_of, cache.folders), (cache.source_of, cache.sources),
                         (cache.published_of, cache.published)):
        if count and (int(index.min()) < 0 or int(index.max()) >= len(table)):
            return False
    return (all(FOLDER_RE.fullmatch(folder) for folder in cache.folders)
            and all(SOURCE_RE.fullmatch(source) for source in cache.sources)
            and all(PUBLISHED_RE.fullmatch(day) for day in cache.published)
            and _distinct(cache.ids))


def _distinct(values: np.ndarray) -> bool:
    """Whether no value repeats (sorted: np.unique hashes, 0.7 s for a million)."""
    ordered = np.sort(values)
    return bool((ordered[1:] != ordered[:-1]).all())


def write_cache(path: Path, cache: FingerprintCache) -> None:
    """Replace the cache atomically (a crawl killed while writing leaves the old one)."""
    buffer = io.BytesIO()
    np.savez(buffer, format=np.int64(FORMAT), ids=cache.ids.astype(np.uint64),
             simhashes=cache.simhashes.astype(np.uint64), mtimes=cache.mtimes.astype(np.int64),
             sizes=cache.sizes.astype(np.int64), folder_of=cache.folder_of.astype(np.int32),
             source_of=cache.source_of.astype(np.int32),
             published_of=cache.published_of.astype(np.int32),
             folders=np.array(cache.folders, dtype=str),
             folder_mtimes=cache.folder_mtimes.astype(np.int64),
             sources=np.array(cache.sources, dtype=str),
             published=np.array(cache.published, dtype=str))
    atomic_write(path, lambda handle: handle.write(buffer.getbuffer()))
    for name in OLD_CACHE_NAMES:
        (path.parent / name).unlink(missing_ok=True)


def well_formed_fields(source: str, published: str) -> bool:
    """Whether an article's source and date can be kept in the cache (else it is read again)."""
    return bool(SOURCE_RE.fullmatch(source) and PUBLISHED_RE.fullmatch(published))
