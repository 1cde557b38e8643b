"""Where articles live on disk: ``archive/<source>/<yyyy>/<mm>/<id>.json`` plus earlier versions."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from archive import journal
from archive.atomic import TEMP_SUFFIX, atomic_write_bytes, fsync_dir

SOURCE_RE = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
ID_RE = re.compile(r"^[0-9a-f]{16}$")
CURRENT_RE = re.compile(r"^([0-9a-f]{16})\.json$")
VERSION_RE = re.compile(r"^([0-9a-f]{16})\.v(\d+)\.json$")
# The fields whose change makes a new version; fetch metadata alone does not.
CONTENT_FIELDS = ("title", "text", "published", "modified", "authors", "description", "language")


class SaveResult(StrEnum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class ArchiveError(ValueError):
    """A record that cannot be stored (bad id, source or date)."""


def content_sha256(record: dict[str, Any]) -> str:
    """Hash of the content fields, stable across key order and fetch times."""
    content = {name: record.get(name) for name in CONTENT_FIELDS}
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def article_schema() -> dict[str, Any]:
    """The JSON Schema every archived article validates against."""
    text = resources.files("archive").joinpath("article.schema.json").read_text("utf-8")
    return json.loads(text)


@dataclass(frozen=True)
class Located:
    id: str
    source: str
    path: Path


def _version_files(folder: Path, article_id: str) -> list[tuple[int, Path]]:
    """(number, path) of each earlier version of ``article_id`` in ``folder``."""
    prefix, found = f"{article_id}.v", []
    # A month folder holds every article of a source that month (hundreds to thousands):
    # names are compared as strings, a Path made only for this article's versions.
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(prefix):
                match = VERSION_RE.match(entry.name)
                if match and match[1] == article_id:
                    found.append((int(match[2]), Path(entry.path)))
    return found


def _walk_current(folder: Path) -> Iterator[Path]:
    """Current-version files under ``folder``, sorted level by level (the order of sorting the
    full paths, since names are [a-z0-9_] folders and hex ids); symlinked folders not followed."""
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except FileNotFoundError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _walk_current(Path(entry.path))
        elif CURRENT_RE.match(entry.name):
            yield Path(entry.path)


def walk_folders(top: str) -> Iterator[tuple[str, int, list[str]]]:
    """Each folder under ``top`` (``top`` first): its path, its modification time in ns taken
    *before* it is listed, and the names of its files. A folder that cannot be read is left out;
    symlinked folders are not followed (as os.walk)."""
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            mtime = os.stat(folder).st_mtime_ns
            with os.scandir(folder) as entries:
                files, folders = [], []
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(entry.path)
                    else:
                        files.append(entry.name)
        except OSError:
            continue
        yield folder, mtime, files
        stack.extend(reversed(folders))


class ArchiveStore:
    """The article files under ``DATA/archive``; writes are atomic, unchanged articles untouched."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._paths: dict[str, str] | None = None  # id → its folder
        self._temp_files: list[Path] = []
        self._folders: dict[str, str] = {}
        self._folder_mtimes: dict[str, int] = {}
        # A crawl's spiders read the ids while the archive writer thread reads the paths.
        self._lock = threading.RLock()

    # -- reading -------------------------------------------------------------------------
    def _scan(self) -> dict[str, str]:
        """Walk the archive once (~0.4 s for 100,000 articles); every later question reuses it.

        Maps each id to its folder, as one string shared by every article of that folder: a
        ``Path`` an article held ~480 bytes (480 MB at a million articles), this ~100.
        """
        with self._lock:
            if self._paths is None:
                paths: dict[str, str] = {}
                temp_files = []
                mtimes: dict[str, int] = {}
                if self.root.is_dir():
                    for dirpath, mtime, files in walk_folders(str(self.root)):
                        mtimes[dirpath] = mtime
                        for name in files:
                            match = CURRENT_RE.match(name)
                            if match:
                                paths[match[1]] = dirpath
                            elif name.startswith(".") and name.endswith(TEMP_SUFFIX):
                                temp_files.append(Path(dirpath, name))
                self._paths, self._temp_files = paths, temp_files
                self._folders = {folder: folder for folder in mtimes}
                self._folder_mtimes = mtimes
            return self._paths

    def folder_mtime(self, folder: str) -> int | None:
        """The modification time (ns) of ``folder`` (as :meth:`folder_of` gives it) when the
        walk listed it: taken just before listing, so a later change always shows as a
        different time. None: not seen by the walk (created since)."""
        self._scan()
        return self._folder_mtimes.get(folder)

    def folder_of(self, article_id: str) -> str | None:
        """The folder of an article's current file, as one string shared by its folder."""
        return self._scan().get(article_id)

    def folders_of(self, ids: list[str]) -> list[str | None]:
        """:meth:`folder_of` for many ids at once."""
        paths = self._scan()
        with self._lock:
            return list(map(paths.get, ids))

    def folder_counts(self) -> dict[str, int]:
        """How many articles each folder holds (counted in C: 0.1 s for a million)."""
        with self._lock:
            return Counter(self._scan().values())

    def by_folder(self) -> dict[str, list[str]]:
        """Every article's id, grouped by the folder of its current file."""
        grouped: dict[str, list[str]] = {}
        with self._lock:
            for article_id, folder in self._scan().items():
                grouped.setdefault(folder, []).append(article_id)
        return grouped

    def relative_folder(self, folder: str) -> str:
        """``folder`` relative to the archive root, "/"-separated ("" for the root itself)."""
        relative = Path(folder).relative_to(self.root).as_posix()
        return "" if relative == "." else relative

    def ids(self) -> set[str]:
        """Ids of every article in the archive."""
        with self._lock:
            return set(self._scan())

    def read(self, path: Path) -> dict[str, Any]:
        """One archive file's record; a file that is not a JSON object is an ArchiveError."""
        try:
            record = json.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ArchiveError(
                f"{self.relative(path)} in {self.root} is unreadable ({error}): restore it or "
                "move it out of the archive (`crescent check` lists every such file)") from None
        if not isinstance(record, dict):
            raise ArchiveError(f"{self.relative(path)} in {self.root} holds no article record")
        return record

    def current_paths(self) -> Iterator[Path]:
        """The file of every article's current version, in a stable order (by path)."""
        with self._lock:
            ordered = sorted(self._scan().items(), key=lambda item: (item[1], item[0]))
        return (Path(folder, f"{article_id}.json") for article_id, folder in ordered)

    def __len__(self) -> int:
        return len(self._scan())

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._scan()

    def path_of(self, article_id: str) -> Path | None:
        folder = self._scan().get(article_id)
        return Path(folder, f"{article_id}.json") if folder is not None else None

    def load(self, article_id: str) -> dict[str, Any] | None:
        """The current version of an article, or None."""
        path = self.path_of(article_id)
        return self.read(path) if path else None

    def versions(self, article_id: str,
                 current: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Earlier versions of an article, oldest first (the current one not included).
        ``current``: its current record, when the caller has read it already."""
        path = self.path_of(article_id)
        if path is None:
            return []
        found = dict(_version_files(path.parent, article_id))
        if current is None:
            current = self.read(path)
        if len(found) < int(current.get("version", 1)) - 1:
            # Some left in another month's folder (a move interrupted, or written before moves
            # took the versions along): looked for only when the chain has a gap.
            for folder in self.root.joinpath(current["source"]).glob("*/*"):
                if folder != path.parent and folder.is_dir():
                    for number, other in _version_files(folder, article_id):
                        found.setdefault(number, other)
        return [self.read(p) for _n, p in sorted(found.items())]

    def iter_records(self) -> Iterator[dict[str, Any]]:
        """Every current article, in a stable order (by path)."""
        for path in self.current_paths():
            yield self.read(path)

    def stream_records(self) -> Iterator[dict[str, Any]]:
        """Every current article in the order of :meth:`iter_records`, found by walking one
        folder at a time instead of listing the whole archive first: an export's memory does
        not grow with the archive."""
        for path in _walk_current(self.root):
            yield self.read(path)

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    # -- writing -------------------------------------------------------------------------
    def path_for(self, record: dict[str, Any]) -> Path:
        """Where a record belongs; every component is checked, none is taken raw from a page."""
        article_id, source = record.get("id", ""), record.get("source", "")
        if not ID_RE.match(article_id):
            raise ArchiveError(f"bad article id {article_id!r}")
        if not SOURCE_RE.match(source):
            raise ArchiveError(f"bad source name {source!r}")
        match = re.match(r"^(\d{4})-(\d{2})-\d{2}", record.get("published") or "")
        if not match:
            raise ArchiveError(f"bad published date {record.get('published')!r}")
        return self.root / source / match[1] / match[2] / f"{article_id}.json"

    def save(self, record: dict[str, Any]) -> SaveResult:
        """Store ``record``; an unchanged article writes nothing, a changed one keeps the old."""
        record = dict(record)
        record["content_sha256"] = content_sha256(record)
        target = self.path_for(record)
        paths = self._scan()
        current_path = self.path_of(record["id"])
        current = self.read(current_path) if current_path else None
        if current and current.get("content_sha256") == record["content_sha256"]:
            return SaveResult.UNCHANGED
        if current is None:
            record["version"] = 1
            # Journaled before the file is written: a kill in between never hides a new article
            # from the watches (see archive/journal.py).
            journal.append(journal.journal_path(self.root),
                           journal.Entry("new", record["id"], journal.now_utc(), record["source"],
                                         path=self.relative(target)))
        else:
            version = int(current.get("version", 1))
            record["version"] = version + 1
            # Keep the earlier version beside the new current file before replacing it.
            atomic_write_bytes(target.parent / f"{record['id']}.v{version}.json", _dump(current))
            if current_path is not None and current_path.parent != target.parent:
                self._move_versions(record["id"], current_path.parent, target.parent)
        atomic_write_bytes(target, _dump(record))
        if current_path and current_path != target:
            current_path.unlink(missing_ok=True)  # the article moved month; keep one current
        with self._lock:
            paths[record["id"]] = self._folder(target.parent)
        return SaveResult.NEW if current is None else SaveResult.UPDATED

    def _move_versions(self, article_id: str, old: Path, new: Path) -> None:
        """An article that moves month takes its earlier versions along (renamed, so each is
        whole in one folder or the other; ``versions`` finds any a kill left behind)."""
        moved = False
        for _number, path in _version_files(old, article_id):
            os.replace(path, new / path.name)
            moved = True
        if moved:
            fsync_dir(new)
            fsync_dir(old)

    def _folder(self, folder: Path) -> str:
        """The folder's string as the walk holds it (one string a folder, not one an article)."""
        text = str(folder)
        return self._folders.setdefault(text, text)

    def annotate(self, article_id: str, **fields: Any) -> None:
        """Set non-content fields (e.g. ``duplicate_of``) of the current version in place."""
        path = self.path_of(article_id)
        if path is None:
            raise ArchiveError(f"no article {article_id}")
        record = self.read(path)
        if any(name in CONTENT_FIELDS for name in fields):
            raise ArchiveError("content fields change only through save()")
        if fields.get("duplicate_of") and fields["duplicate_of"] != record.get("duplicate_of"):
            journal.append(journal.journal_path(self.root), journal.Entry(
                "duplicate", article_id, journal.now_utc(), duplicate_of=fields["duplicate_of"]))
        record.update(fields)
        atomic_write_bytes(path, _dump(record))

    def cleanup(self) -> int:
        """Remove the temporary files an interrupted write left (found by the archive's walk:
        call before this store writes); returns how many."""
        removed = 0
        with self._lock:
            self._scan()
            for temp in self._temp_files:
                with contextlib.suppress(FileNotFoundError):
                    temp.unlink()
                    removed += 1
            self._temp_files = []
        return removed


def _dump(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()
