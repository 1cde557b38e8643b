"""The columns of the typed exports (Parquet, SQLite, datapackage.json), derived from
archive/article.schema.json so that a field added to the schema reaches every format."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from archive.export import EXPORT_FIELDS
from archive.store import article_schema

# Times kept as text in the archive; the typed formats make them UTC timestamps.
TIME_FIELDS = ("published", "modified", "fetched_at")
# Few distinct values repeated on every row: dictionary-encoded in Parquet.
DICTIONARY_FIELDS = ("source", "language", "date_source")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # string, dictionary, timestamp, date, integer, number, list, object
    spec: dict[str, Any]  # the JSON Schema property (or a derived one)
    required: bool = False

    @property
    def description(self) -> str:
        return self.spec.get("description", "")


def _kind(name: str, spec: dict[str, Any]) -> str:
    types = spec.get("type", "string")
    types = [t for t in ([types] if isinstance(types, str) else types) if t != "null"]
    kind = types[0] if types else "string"
    if name in TIME_FIELDS or spec.get("format") == "date-time":
        return "timestamp"
    if name in DICTIONARY_FIELDS:
        return "dictionary"
    return {"array": "list", "boolean": "integer"}.get(kind, kind)


def schema_columns() -> list[Column]:
    """Every property of the article schema: the CSV's fields first, in its order, then the
    rest in the schema's order."""
    schema = article_schema()
    properties: dict[str, Any] = schema["properties"]
    required = set(schema.get("required", ()))
    names = [n for n in EXPORT_FIELDS if n in properties]
    names += [n for n in properties if n not in names]
    return [Column(n, _kind(n, properties[n]), properties[n], n in required) for n in names]


PUBLISHED_DAY = Column("published_day", "date", {
    "type": "string", "format": "date",
    "description": "the day of publication as the site gave it (its local day), from published"})


def columns(fmt: str) -> list[Column]:
    """The columns of ``fmt`` ("parquet", "sqlite", "jsonl", "csv")."""
    found = schema_columns()
    if fmt == "parquet":
        at = [c.name for c in found].index("published") + 1
        found.insert(at, PUBLISHED_DAY)
    if fmt == "csv":
        found = [c for c in found if c.name in EXPORT_FIELDS]
    return found


def utc_timestamp(value: Any) -> datetime | None:
    """An ISO 8601 date or time as an aware UTC datetime: a day alone is its 00:00 UTC, a time
    without an offset is taken as UTC; None for anything else (the JSONL keeps the text)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def day_of(value: Any) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if isinstance(value, str) else None
    except ValueError:
        return None
