"""Datasets for archivists: filter the archive, write it in a registered format (JSON Lines, CSV,
Parquet, SQLite, a BagIt bag, …) with a manifest (what, from where, when, checksum), count what is
there."""

from __future__ import annotations

import csv
import hashlib
import importlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO

EXPORT_FIELDS = (
    "id", "url", "source", "language", "language_confidence", "title", "published",
    "date_source", "modified", "authors", "description", "fetched_at", "content_sha256",
    "word_count", "version", "duplicate_of", "text",
)


@dataclass(frozen=True)
class RecordFilter:
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None

    def matches(self, record: dict[str, Any]) -> bool:
        day = record.get("published", "")[:10]
        return (
            (not self.languages or record.get("language") in self.languages)
            and (not self.sources or record.get("source") in self.sources)
            and (not self.since or day >= self.since.isoformat())
            and (not self.until or day <= self.until.isoformat())
        )


def select(records: Iterable[dict[str, Any]], flt: RecordFilter) -> Iterator[dict[str, Any]]:
    return (record for record in records if flt.matches(record))


def write_jsonl(records: Iterable[dict[str, Any]], out: IO[str]) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count


# OWASP, "CSV Injection": a cell that begins with one of these is read as a formula by
# spreadsheets; a leading apostrophe makes it text again (and is not shown by them).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_NEUTRALISED = ("neutralised as OWASP describes (CSV injection): a text cell that begins with "
                   "=, +, -, @, a tab or a carriage return starts with an added ' "
                   "(--csv-raw: the text as scraped)")
CSV_RAW = "as scraped (--csv-raw): cells may begin with =, +, -, @ and open as formulas"


def neutralise_cell(value: str) -> str:
    """``value`` safe to open in a spreadsheet: a would-be formula gets a leading apostrophe."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_row(record: dict[str, Any], *, raw: bool = False,
            counted: DatasetTally | None = None) -> dict[str, Any]:
    """One article as a CSV row: the export fields, authors joined with '; ', text cells
    neutralised unless ``raw`` (how many were is added to ``counted``)."""
    row = {name: record.get(name) for name in EXPORT_FIELDS}
    row["authors"] = "; ".join(record.get("authors") or [])
    if not raw:
        for name, value in row.items():
            if isinstance(value, str) and value.startswith(FORMULA_STARTS):
                row[name] = "'" + value
                if counted is not None:
                    counted.csv_neutralised += 1
    return row


def write_csv(records: Iterable[dict[str, Any]], out: IO[str], *, raw: bool = False,
              counted: DatasetTally | None = None) -> int:
    """One row per article, a header, every export field (see :func:`csv_row`)."""
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, extrasaction="ignore")
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow(csv_row(record, raw=raw, counted=counted))
        count += 1
    return count




def selection(*, query: str | None, exact: bool, engine: str | None,
              flt: RecordFilter) -> dict[str, Any]:
    """How a dataset was chosen, as its manifest records it."""
    return {"query": query, "exact": exact, "engine": engine,
            "languages": sorted(flt.languages), "sources": sorted(flt.sources),
            "since": flt.since.isoformat() if flt.since else None,
            "until": flt.until.isoformat() if flt.until else None}


class DigestingWriter:
    """A text sink for the writers above: UTF-8 to ``handle``, keeping the SHA-256 and size of
    exactly the bytes written (the dataset is streamed, never held whole in memory)."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, text: str | bytes) -> int:
        data = text.encode("utf-8") if isinstance(text, str) else text  # bytes: warc, wacz
        self.digest.update(data)
        self.size += len(data)
        self.handle.write(data)
        return len(text)


@dataclass
class DatasetTally:
    """What went into a dataset, counted as the records stream past (see :func:`tally`)."""

    articles: int = 0
    by_source: Counter = field(default_factory=Counter)
    by_language: Counter = field(default_factory=Counter)
    published: list[str] = field(default_factory=list)  # first, last
    fetched: list[str] = field(default_factory=list)
    csv_neutralised: int = 0  # CSV cells given a leading apostrophe (see neutralise_cell)

    def add(self, record: dict[str, Any]) -> None:
        self.articles += 1
        self.by_source[record.get("source")] += 1
        self.by_language[record.get("language")] += 1
        for bounds, value in ((self.published, record.get("published")),
                              (self.fetched, record.get("fetched_at"))):
            if isinstance(value, str) and value:
                bounds[:] = [min(bounds[0], value), max(bounds[1], value)] if bounds else [
                    value, value]


def tally(records: Iterable[dict[str, Any]], into: DatasetTally) -> Iterator[dict[str, Any]]:
    for record in records:
        into.add(record)
        yield record


@dataclass(frozen=True)
class WrittenFile:
    """One file an export wrote: its name as the manifest gives it (relative), checksum, size."""

    name: str
    sha256: str
    bytes: int


def file_digest(path: Path, name: str | None = None) -> WrittenFile:
    """SHA-256 and size of a written file, read back in blocks (files may be large)."""
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256")
    return WrittenFile(name or path.name, digest.hexdigest(), path.stat().st_size)


def manifest(*, file_name: str, fmt: str, writer: DigestingWriter | None = None,
             counted: DatasetTally, selection: dict[str, Any], version: str,
             files: list[WrittenFile] | None = None,
             fields: list[str] | str | None = None, csv_raw: bool | None = None,
             ) -> dict[str, Any]:
    """The manifest of a written dataset: checksum, counts, date range and how it was chosen.

    ``writer`` (a streamed text file) or ``files`` (read back) give the checksums; the first file
    is the dataset's own, the others (a bag's CSV, …) are listed under ``files``."""
    files = list(files or [])
    if writer is not None:
        files.insert(0, WrittenFile(file_name, writer.digest.hexdigest(), writer.size))
    if fields is None:
        fields = list(EXPORT_FIELDS) if fmt == "csv" else "every field of each archive record"
    described: dict[str, Any] = {"file": file_name, "format": fmt}
    if files and files[0].name == file_name:
        described |= {"sha256": files[0].sha256, "bytes": files[0].bytes}
        files = files[1:]
    if files:
        described["files"] = [{"name": f.name, "sha256": f.sha256, "bytes": f.bytes}
                              for f in files]
    described |= {
        "articles": counted.articles,
        "fields": fields,
        "published": dict(zip(("first", "last"), counted.published, strict=False)) or None,
        "fetched": dict(zip(("first", "last"), counted.fetched, strict=False)) or None,
        "by_source": dict(sorted(counted.by_source.items(), key=str)),
        "by_language": dict(sorted(counted.by_language.items(), key=str)),
        "selection": selection,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "created_by": f"crescent {version}",
    }
    if csv_raw is not None:
        described["csv_cells"] = CSV_RAW if csv_raw else CSV_NEUTRALISED
        described["csv_cells_neutralised"] = counted.csv_neutralised
    return described


def manifest_bytes(described: dict[str, Any]) -> bytes:
    return (json.dumps(described, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# --- the formats -------------------------------------------------------------------------------
class ExportError(ValueError):
    """An export that cannot be made as asked (a bag over an existing folder, …): one line."""


# Extra payload of a bag: (file name inside the bag's data/, write(path, records)), where
# ``records`` streams the selected articles again (read back from the bag's own JSON Lines).
ExtraPayload = tuple[str, Callable[[Path, Iterator[dict[str, Any]]], None]]


@dataclass
class ExportJob:
    """Everything a format writer may need besides the records and the target path."""

    selection: dict[str, Any]
    version: str
    counted: DatasetTally = field(default_factory=DatasetTally)
    data_dir: Path | None = None  # the data directory exported from (captures live there)
    contact: str | None = None
    csv_raw: bool = False
    manifest: bool = True
    extra: list[ExtraPayload] = field(default_factory=list)
    manifest_extra: dict[str, Any] = field(default_factory=dict)  # a writer's own manifest notes


# write(records, target, job) -> the files written, the dataset's own first; it writes ``target``
# atomically (a kill leaves the old target or none, never half of one).
FormatWriter = Callable[[Iterable[dict[str, Any]], Path, ExportJob], list[WrittenFile]]


@dataclass(frozen=True)
class ExportFormat:
    """A registered ``crescent export --format``. ``writer`` is "module:function", imported
    only when the format is used (pyarrow and friends take a while to import)."""

    name: str
    writer: str
    help: str
    directory: bool = False      # -o names a folder that the writer creates (a bag)
    stdout: bool = False         # may stream to standard output without -o
    datapackage: bool = False    # a Frictionless FILE.datapackage.json beside the file
    own_manifest: bool = False   # the writer puts the manifest inside what it writes

    def load(self) -> FormatWriter:
        module, _, function = self.writer.partition(":")
        return getattr(importlib.import_module(module), function)


FORMATS: dict[str, ExportFormat] = {}


def register(fmt: ExportFormat) -> ExportFormat:
    FORMATS[fmt.name] = fmt
    return fmt


for _fmt in (
    ExportFormat("jsonl", "archive.export:write_jsonl_file", "JSON Lines, every field",
                 stdout=True),
    ExportFormat("csv", "archive.export:write_csv_file", "CSV, one row per article",
                 stdout=True, datapackage=True),
    ExportFormat("parquet", "archive.formats.parquet:write_parquet",
                 "Parquet with typed columns (pandas, DuckDB, R, Spark)", datapackage=True),
    ExportFormat("sqlite", "archive.formats.sqlite:write_sqlite",
                 "SQLite with a full-text index, for `datasette FILE.db`"),
    ExportFormat("bagit", "archive.formats.bag:write_bag",
                 "a BagIt bag (folder): JSONL, CSV, manifest, datapackage.json",
                 directory=True, own_manifest=True),
    ExportFormat("warc", "archive.formats.captures:write_warc",
                 "the articles' captured pages as WARC"),
    ExportFormat("wacz", "archive.formats.captures:write_wacz",
                 "the captured pages as WACZ, for ReplayWeb.page"),
):
    register(_fmt)


def write_jsonl_file(records: Iterable[dict[str, Any]], target: Path,
                     job: ExportJob) -> list[WrittenFile]:
    return _write_text_file(target, lambda out: write_jsonl(records, out))


def write_csv_file(records: Iterable[dict[str, Any]], target: Path,
                   job: ExportJob) -> list[WrittenFile]:
    return _write_text_file(target, lambda out: write_csv(records, out, raw=job.csv_raw,
                                                          counted=job.counted))


def _write_text_file(target: Path, write: Callable[[DigestingWriter], object]) -> list[WrittenFile]:
    from archive.atomic import atomic_write

    sink: list[DigestingWriter] = []

    def into(handle: BinaryIO) -> None:
        sink.append(DigestingWriter(handle))
        write(sink[0])

    atomic_write(target, into)
    return [WrittenFile(target.name, sink[0].digest.hexdigest(), sink[0].size)]


def stream_to(records: Iterable[dict[str, Any]], fmt: str, out: IO[str], job: ExportJob) -> int:
    """A text format to standard output (or any text stream), streamed; returns the count."""
    records = tally(records, job.counted)
    if fmt == "csv":
        return write_csv(records, out, raw=job.csv_raw, counted=job.counted)
    if fmt == "jsonl":
        return write_jsonl(records, out)
    raise ExportError(f"--format {fmt} needs -o (it is not a text stream)")


@dataclass
class ExportResult:
    articles: int
    files: list[WrittenFile]
    manifest: Path | None = None
    datapackage: Path | None = None


def export_to(records: Iterable[dict[str, Any]], fmt_name: str, target: Path,
              job: ExportJob) -> ExportResult:
    """Write the selected ``records`` to ``target`` in format ``fmt_name``, then (unless
    ``job.manifest`` is off) the manifest beside it and, for tabular files, a datapackage.json."""
    from archive.atomic import atomic_write_bytes

    fmt = FORMATS[fmt_name]
    files = fmt.load()(tally(records, job.counted), target, job)
    result = ExportResult(job.counted.articles, files)
    if fmt.own_manifest:
        result.manifest = target / "data" / "manifest.json"
        return result
    if job.manifest:
        described = manifest(file_name=target.name, fmt=fmt.name, counted=job.counted,
                             selection=job.selection, version=job.version, files=files,
                             fields=export_columns(fmt.name),
                             csv_raw=job.csv_raw if fmt.name == "csv" else None)
        described.update(job.manifest_extra)
        result.manifest = target.with_name(f"{target.name}.manifest.json")
        atomic_write_bytes(result.manifest, manifest_bytes(described))
    if fmt.datapackage and job.manifest:
        from archive.formats.datapackage import datapackage

        package = datapackage([(fmt.name, files[0])], job)
        result.datapackage = target.with_name(f"{target.name}.datapackage.json")
        atomic_write_bytes(result.datapackage, manifest_bytes(package))
    return result


def export_columns(fmt: str) -> list[str] | str:
    """The fields of a format's rows, as the manifest lists them."""
    if fmt == "csv":
        return list(EXPORT_FIELDS)
    if fmt in ("parquet", "sqlite"):
        from archive.formats.columns import columns

        return [column.name for column in columns(fmt)]
    return "every field of each archive record"


@dataclass
class ArchiveSummary:
    total: int
    by_source: Counter
    by_language: Counter
    by_month: Counter
    by_source_language: Counter


def summarise(records: Iterable[dict[str, Any]]) -> ArchiveSummary:
    by_source: Counter = Counter()
    by_language: Counter = Counter()
    by_month: Counter = Counter()
    by_pair: Counter = Counter()
    total = 0
    for record in records:
        total += 1
        by_source[record["source"]] += 1
        by_language[record["language"]] += 1
        by_month[record["published"][:7]] += 1
        by_pair[(record["source"], record["language"])] += 1
    return ArchiveSummary(total, by_source, by_language, by_month, by_pair)
