"""Parquet exports (pyarrow): typed columns for pandas, DuckDB, R and Spark, written in record
batches so that memory stays bounded however large the selection."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from archive.export import ExportJob, WrittenFile, file_digest
from archive.formats.columns import Column, columns, day_of, utc_timestamp
from archive.formats.files import atomic_path

BATCH = 10_000  # articles per record batch and row group (~15 MB of text at most in memory)
TIMESTAMP = pa.timestamp("us", tz="UTC")
PRIMITIVE = {"integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_()}


def arrow_type(column: Column) -> pa.DataType:
    if column.kind == "timestamp":
        return TIMESTAMP
    if column.kind == "date":
        return pa.date32()
    if column.kind == "dictionary":
        return pa.dictionary(pa.int32(), pa.string())
    if column.kind == "list":
        return pa.list_(pa.string())
    if column.kind == "object" and column.spec.get("properties"):
        return pa.struct([pa.field(name, PRIMITIVE.get(_first_type(spec), pa.string()))
                          for name, spec in column.spec["properties"].items()])
    return PRIMITIVE.get(column.kind, pa.string())  # an object without properties: JSON text


def _first_type(spec: dict[str, Any]) -> str:
    types = spec.get("type", "string")
    return next((t for t in ([types] if isinstance(types, str) else types) if t != "null"),
                "string")


def arrow_schema(job: ExportJob | None = None) -> pa.Schema:
    fields = [pa.field(c.name, arrow_type(c),
                       metadata={"description": c.description} if c.description else None)
              for c in columns("parquet")]
    metadata = {"crescent.selection": json.dumps(job.selection, ensure_ascii=False)} if job else {}
    return pa.schema(fields, metadata=metadata)


def _value(column: Column, record: dict[str, Any]) -> Any:
    if column.name == "published_day":
        return day_of(record.get("published"))
    value = record.get(column.name)
    if value is None:
        return None
    if column.kind == "timestamp":
        return utc_timestamp(value)
    if column.kind == "integer":
        return int(value)
    if column.kind == "number":
        return float(value)
    if column.kind == "list":
        return [str(item) for item in value]
    if column.kind == "object":
        return value if column.spec.get("properties") else json.dumps(value, ensure_ascii=False)
    return value if isinstance(value, str) else str(value)


def write_parquet(records: Iterable[dict[str, Any]], target: Path,
                  job: ExportJob) -> list[WrittenFile]:
    """``records`` as one Parquet file (zstd), a row group per :data:`BATCH` articles."""
    schema = arrow_schema(job)
    cols = columns("parquet")
    # The writer closes (the footer is written) before the file is synced and renamed.
    with atomic_path(target) as temp, pq.ParquetWriter(temp, schema,
                                                       compression="zstd") as writer:
        batch: list[dict[str, Any]] = []
        for record in records:
            batch.append(record)
            if len(batch) >= BATCH:
                writer.write_batch(_batch(batch, cols, schema))
                batch = []
        if batch:
            writer.write_batch(_batch(batch, cols, schema))
    return [file_digest(target)]


def _batch(records: list[dict[str, Any]], cols: list[Column],
           schema: pa.Schema) -> pa.RecordBatch:
    arrays = [pa.array([_value(column, record) for record in records], type=field.type)
              for column, field in zip(cols, schema, strict=True)]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
