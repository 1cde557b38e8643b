"""Index documents made from archived articles, and the Whoosh index under ``DATA/index``.

``SearchIndex`` is kept for the callers that only know the default Whoosh index (crawl
maintenance, tests); everything else goes through ``search.engine``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from search.analysis import field_language
from search.engine import day_number
from search.whoosh_engine import INDEX_NAME, WhooshEngine, build_schema

__all__ = ["INDEX_NAME", "SearchIndex", "build_schema", "document_for", "rebuild"]


def document_for(record: dict[str, Any], relative_path: str) -> dict[str, Any]:
    """The engine document of an archived article (either engine analyses it itself)."""
    return {
        "id": record["id"],
        "url": record["url"],
        "source": record["source"],
        "language": record["language"],
        "field_language": field_language(record.get("language")),
        "month": record["published"][:7],
        "day": day_number(record["published"]),
        "title": record["title"],
        "text": record["text"],
        "path": relative_path,
    }


class SearchIndex(WhooshEngine):
    """The Whoosh index in ``directory`` (``DATA/index``)."""


def rebuild(directory: Path, documents: Iterable[dict[str, Any]]) -> int:
    """Build a fresh Whoosh index beside the old one and swap it in."""
    return WhooshEngine(directory).rebuild(documents)
