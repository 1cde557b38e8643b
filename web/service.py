"""What the pages and the JSON API ask of a data directory: one engine and archive store kept
open, answers shaped once for both (the API's objects are the CLI's ``--json`` objects)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive import ArchiveStore
from archive.diff import word_diff
from archive.export import FORMATS, ExportJob, RecordFilter, export_to, select, selection
from archive.formats.captures import bag_payload
from archive.reprints import Reprints
from search import Engine, EngineError, Filters, QueryError, facets, search, timeline
from search.query import Results
from search.views import facets_json, matching_ids, open_for_search, timeline_json
from web.state import PER_PAGE, CoverageRequest, Selection

CAPTURE_FILE_RE = re.compile(r"^warc/[a-z0-9][a-z0-9_]{0,63}/[A-Za-z0-9][A-Za-z0-9._-]{0,200}"
                             r"\.warc(\.gz)?$")
MAX_CAPTURE_BYTES = 64 * 2**20
REWALK_SECONDS = 30


class NotFound(LookupError):
    """An article (or capture) that is not in the archive: status 404."""


@dataclass
class SearchPage:
    selection: Selection
    results: Results
    facets: dict[str, dict[str, int]]

    @property
    def pages(self) -> int:
        return max(1, -(-self.results.total // PER_PAGE))

    def as_json(self) -> dict[str, Any]:
        return {"query": self.selection.text, "total": self.results.total,
                "page": self.selection.page, "per_page": PER_PAGE,
                "engine": self.results.engine,
                "hits": [hit.as_json() for hit in self.results.hits],
                "facets": self.facets}


class Service:
    """One data directory, opened once for every request of a server."""

    def __init__(self, data_dir: Path, engine: str | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.engine_name = engine
        self.store = ArchiveStore(self.data_dir / "archive")
        self._engine: Engine | None = None
        # Whoosh's searcher reads files through shared handles: one query at a time.
        self._lock = threading.Lock()
        self.reprints = Reprints(self.store)
        self._store_lock = threading.Lock()
        self._walked = time.monotonic()

    def start(self) -> None:
        self.reprints.start()

    # -- engine ---------------------------------------------------------------------------
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = open_for_search(self.data_dir, self.engine_name)
        return self._engine

    def _guarded(self):
        return self._lock if self.engine().name == "whoosh" else contextlib.nullcontext()

    # -- search ---------------------------------------------------------------------------
    def search_page(self, sel: Selection, *, with_facets: bool = True) -> SearchPage:
        engine = self.engine()
        with self._guarded():
            results = search(self.data_dir, sel.text, sel.filters(), limit=PER_PAGE,
                             page=sel.page, sort=sel.sort, engine=engine, exact=sel.exact,
                             with_facets=with_facets)
        return SearchPage(sel, results, facets_json(results.facets or {}))

    # -- coverage -------------------------------------------------------------------------
    def coverage(self, request: CoverageRequest):
        engine = self.engine()
        with self._guarded():
            return timeline(self.data_dir, request.named(), request.selection.filters(),
                            by=request.by, engine=engine, exact=request.selection.exact,
                            split=request.split or "language")

    def coverage_json(self, request: CoverageRequest) -> dict[str, Any]:
        data = timeline_json(self.coverage(request))
        if not request.split:
            data["split"] = None
        return data

    # -- articles -------------------------------------------------------------------------
    def load(self, article_id: str) -> dict[str, Any]:
        record = self.store.load(article_id)
        if record is None and time.monotonic() - self._walked > REWALK_SECONDS:
            # A crawl may have added it since the archive was walked: walk it again, at most
            # every REWALK_SECONDS (a stream of unknown ids must not walk it on every request).
            with self._store_lock:
                self._walked = time.monotonic()
                self.store = ArchiveStore(self.data_dir / "archive")
                self.reprints.store = self.store
            record = self.store.load(article_id)
        if record is None:
            raise NotFound(f"no article {article_id} in the archive")
        return record

    def article(self, article_id: str) -> dict[str, Any]:
        """The record, its versions (oldest first) with word diffs, reprints, capture."""
        record = self.load(article_id)
        versions = [*self.store.versions(article_id, record), record]
        history = []
        previous = None
        for version in versions:
            diffs = {}
            if previous is not None:
                diffs = {name: word_diff(str(previous.get(name) or ""),
                                         str(version.get(name) or ""))
                         for name in ("title", "text")}
            history.append({"record": version, "diffs": diffs})
            previous = version
        reprints = self.reprints.of(record)
        titles = {}
        for other in filter(None, [reprints["reprint_of"], *reprints["reprinted_by"]]):
            with contextlib.suppress(Exception):
                found = self.store.load(other)
                if found:
                    titles[other] = found
        return {"record": record, "history": history, "reprints": reprints,
                "related": titles, "capture": capture_pointer(record)}

    def capture_bytes(self, article_id: str) -> tuple[bytes, str]:
        """The captured WARC record of an article (one gzip member is itself a .warc.gz)."""
        pointer = capture_pointer(self.load(article_id))
        if pointer is None:
            raise NotFound(f"article {article_id} has no captured page")
        root = (self.data_dir / "warc").resolve()
        path = (self.data_dir / pointer["file"]).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise NotFound(f"the capture file of article {article_id} is missing")
        with open(path, "rb") as handle:
            handle.seek(pointer["offset"])
            data = handle.read(pointer["length"])
        name = f"{article_id}.warc" + (".gz" if pointer["file"].endswith(".gz") else "")
        return data, name

    # -- sources --------------------------------------------------------------------------
    def sources(self) -> list[dict[str, Any]]:
        """Configured and archived sources: counts by language (from the index), last crawl."""
        from crawler.report import latest_reports
        from crawler.runner import source_rows

        rows = {row["name"]: row for row in source_rows()}
        archived = self.data_dir / "archive"
        if archived.is_dir():
            for path in sorted(archived.iterdir()):
                if path.is_dir() and path.name not in rows:
                    rows[path.name] = {"name": path.name, "title": path.name, "languages": [],
                                       "start_urls": [], "feeds": [], "sitemaps": []}
        engine = self.engine()
        with self._guarded():
            counts = facets(self.data_dir, "*", engine=engine)
            per_source = {name: facets(self.data_dir, "*", Filters(sources=(name,)),
                                       engine=engine)["language"]
                          for name in counts["source"]}
        reports = latest_reports(self.data_dir)
        flags = self.health_flags()
        out = []
        for name, row in sorted(rows.items()):
            report = reports.get(name, {})
            stats = report.get("stats", {})
            out.append({**row, "articles": counts["source"].get(name, 0),
                        "by_language": dict(per_source[name].most_common())
                        if name in per_source else {},  # a source with no article yet
                        "last_crawl": {
                            "finished": stats.get("finish_time"),
                            "finish_reason": report.get("finish_reason"),
                            "pages": stats.get("response_received_count", 0),
                            "new": stats.get("crescent/archive/new", 0),
                            "updated": stats.get("crescent/archive/updated", 0),
                        } if report else None,
                        "flags": flags.get(name, [])})
        return out

    def health_flags(self) -> dict[str, list[dict[str, Any]]]:
        """Each source's health flags as ``crescent health --json`` gives them (key, message,
        the figures that raised it). The history is brought up to date in memory only: the
        page never writes to the data directory on a GET (and may not be able to)."""
        from monitor.health import health_json, source_health

        report = health_json(source_health(self.data_dir, last=1, write=False))
        return {name: item["flags"] for name, item in report.items()}

    # -- export ---------------------------------------------------------------------------
    def export(self, sel: Selection, fmt: str) -> tuple[Path, str, dict[str, Any]]:
        """A zip of the selection in ``fmt`` and its manifest; the caller deletes the file."""
        if fmt not in FORMATS:
            raise QueryError(f"unknown export format {fmt!r} (formats: {', '.join(FORMATS)})")
        engine = self.engine()
        flt = RecordFilter(sel.languages, sel.sources, sel.since, sel.until)
        records = select(self.store.iter_records(), flt)
        if sel.query.strip() and sel.query.strip() != "*":
            with self._guarded():
                ids = matching_ids(self.data_dir, sel.text, sel.filters(), engine=engine,
                                   exact=sel.exact)
            records = (record for record in records if record["id"] in ids)
        name = f"crescent-export.{fmt}"
        job = ExportJob(selection=selection(query=sel.query or None, exact=sel.exact,
                                            engine=engine.name, flt=flt),
                        version=crescent_version(), data_dir=self.data_dir)
        if FORMATS[fmt].directory:  # a bag holds its articles' captures too, as the CLI's
            job.extra.append(bag_payload(self.data_dir, job))
        descriptor, temp_name = tempfile.mkstemp(prefix="crescent-export-", suffix=".zip")
        try:
            # Every format through the export library (the CLI's own code), written to a
            # scratch folder, then zipped with its manifest (and datapackage.json).
            with tempfile.TemporaryDirectory(prefix="crescent-export-") as scratch:
                result = export_to(records, fmt, Path(scratch, name), job)
                described = json.loads(result.manifest.read_text("utf-8")) \
                    if result.manifest else {}
                with os.fdopen(descriptor, "wb") as handle, zipfile.ZipFile(
                        handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                    for path in sorted(Path(scratch).rglob("*")):
                        if path.is_file():
                            archive.write(path, path.relative_to(scratch).as_posix())
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        return Path(temp_name), f"crescent-export-{stamp}-{fmt}.zip", described


def capture_pointer(record: dict[str, Any]) -> dict[str, Any] | None:
    """The article's capture pointer (branch `warc`'s convention) if it is well formed."""
    capture = record.get("capture")
    if not isinstance(capture, dict):
        return None
    file, offset, length = capture.get("file"), capture.get("offset"), capture.get("length")
    if not (isinstance(file, str) and CAPTURE_FILE_RE.match(file) and ".." not in file
            and isinstance(offset, int) and offset >= 0 and isinstance(length, int)
            and 0 < length <= MAX_CAPTURE_BYTES):
        return None
    return {"file": file, "offset": offset, "length": length,
            "record_id": str(capture.get("record_id") or ""),
            "payload_digest": str(capture.get("payload_digest") or ""),
            "status": capture.get("status") if isinstance(capture.get("status"), int) else None}


def crescent_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("crescent")
    except PackageNotFoundError:
        return "unknown"


__all__ = ["EngineError", "NotFound", "QueryError", "SearchPage", "Service", "capture_pointer"]
