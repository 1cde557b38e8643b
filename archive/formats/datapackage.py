"""Frictionless Data Package descriptors (datapackage.json) for exported files: each column's
type, description and constraints come from archive/article.schema.json (via columns.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from archive.export import ExportJob, WrittenFile
from archive.formats.columns import Column, columns

MEDIA_TYPES = {"csv": "text/csv", "jsonl": "application/x-ndjson",
               "parquet": "application/vnd.apache.parquet"}
# How each kind of column reads in each format: CSV has text cells only (authors joined with
# "; "; a publication date may be a day or a time, so text), JSON Lines keeps JSON types.
TYPES = {
    "csv": {"list": "string", "timestamp": "string", "object": "string"},
    "jsonl": {"list": "array", "timestamp": "string"},
    "parquet": {"list": "array", "timestamp": "datetime", "date": "date"},
}
TEXT_CONSTRAINTS = ("pattern", "enum")  # only on string fields (Frictionless allows no others)


def field(column: Column, fmt: str) -> dict[str, Any]:
    """One Table Schema field for ``column`` as written in ``fmt``."""
    kind = TYPES[fmt].get(column.kind, column.kind)
    kind = {"dictionary": "string"}.get(kind, kind)
    if fmt != "parquet" and column.spec.get("format") == "date-time":
        kind = "datetime"  # fetched_at: always a full UTC time
    described: dict[str, Any] = {"name": column.name, "type": kind}
    text = column.description
    if column.kind == "list" and fmt == "csv":
        text = (text + "; " if text else "") + "joined with '; '"
    if column.kind == "timestamp" and fmt == "parquet":
        text = (text + "; " if text else "") + "as a UTC timestamp (a day alone: its 00:00 UTC)"
    if text:
        described["description"] = text
    constraints: dict[str, Any] = {}
    # An empty list is an empty CSV cell, which Table Schema reads as missing: a list column is
    # always there, but "required" cannot say so in CSV.
    if column.required and not (column.kind == "list" and fmt == "csv"):
        constraints["required"] = True
    if kind == "string":
        constraints |= {k: column.spec[k] for k in TEXT_CONSTRAINTS if k in column.spec}
        if "pattern" in constraints:
            constraints["pattern"] = whole_match(constraints["pattern"])
    if kind in ("integer", "number"):
        constraints |= {k: column.spec[k] for k in ("minimum", "maximum") if k in column.spec}
    if constraints:
        described["constraints"] = constraints
    return described


def whole_match(pattern: str) -> str:
    """A JSON Schema pattern (found anywhere) as a Table Schema one (matching the whole value)."""
    head = pattern[1:] if pattern.startswith("^") else ".*" + pattern
    return head[:-1] if head.endswith("$") else head + ".*"


def resource(fmt: str, written: WrittenFile, *, name: str | None = None) -> dict[str, Any]:
    described: dict[str, Any] = {
        "name": name or f"articles-{fmt}",
        "path": written.name,
        "profile": "tabular-data-resource",
        "format": fmt,
        "mediatype": MEDIA_TYPES[fmt],
        "bytes": written.bytes,
        "hash": f"sha256:{written.sha256}",
        "schema": {"fields": [field(c, fmt) for c in columns(fmt)], "primaryKey": ["id"]},
    }
    if fmt != "parquet":
        described["encoding"] = "utf-8"
    if fmt == "jsonl":  # keyed rows, sorted keys, optional fields absent: matched by name
        described["schema"]["fieldsMatch"] = "superset"
    return described


def datapackage(resources: list[tuple[str, WrittenFile]], job: ExportJob) -> dict[str, Any]:
    """The descriptor of an export: one resource per (format, written file)."""
    selection = ", ".join(f"{k}={v}" for k, v in job.selection.items()
                          if v not in (None, [], False))
    package: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": "crescent-articles",
        "title": "News articles archived by crescent",
        "description": f"{job.counted.articles} article(s); selection: {selection or 'all'}",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "resources": [resource(fmt, written) for fmt, written in resources],
    }
    if job.contact:
        package["contributors"] = [{"title": job.contact, "role": "contact"}]
    return package
