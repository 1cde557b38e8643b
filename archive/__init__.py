"""The JSON archive: one file per article, the source of truth everything else is derived from."""

from archive.store import ArchiveStore, SaveResult, content_sha256

__all__ = ["ArchiveStore", "SaveResult", "content_sha256"]
