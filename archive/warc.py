"""Page captures in WARC 1.1 (warcio): written during a crawl, read back, repaired, exported.

Layout: ``DATA/warc/<source>/crescent-<UTC stamp>-<serial>.warc.gz``, one gzip member per
record, a ``warcinfo`` record first in every file, a new file past a size limit. Each article
page is a ``request`` and a ``response`` record; the response's place is the article's
*capture pointer* (``file``, ``offset``, ``length``, ``record_id``, ``payload_digest``,
``status``). A page fetched again with the same payload becomes a ``revisit`` record that refers
to the first copy, and the article keeps pointing at that copy.

The payload is what the server sent: records are taken before Scrapy's decompression, so a
gzip-encoded response is stored gzip-encoded, with its ``Content-Encoding`` header (readers such
as warcio and ReplayWeb.page decode it). ``Transfer-Encoding`` is the one header not kept as
received: Scrapy has already removed the chunking from the body, so the header is stored as
``X-Crescent-Orig-Transfer-Encoding`` (else readers would try to de-chunk a plain body).

Kill safety: while a file is being written, a marker ``.<name>.open`` sits beside it. Records
are written whole (one ``write`` of a finished gzip member), flushed and fsynced before the
article that points at them is saved. A file whose marker survives a kill is cut back to its
last whole record (:func:`recover`) when the next crawl starts or by ``crescent check
--repair``; no article can point past that cut, because none was saved before its record was on
disk.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import logging
import os
import re
import threading
import uuid
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from isal import isal_zlib
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.atomic import fsync_dir

logger = logging.getLogger(__name__)

WARC_DIR = "warc"
MODES = ("articles", "all", "off")
DEFAULT_MODE = "articles"
DEFAULT_MAX_BYTES = 1 << 30  # a new file past 1 GiB (setting CRESCENT_WARC_MAX_BYTES)
# Each record is one gzip member made by ISA-L (python-isal): on the evaluation pages (253 KiB
# of HTML on average) level 1 takes ~0.9 ms a page for 59 KiB, where zlib takes 4.6 ms at level
# 6 for 50 KiB and warcio's own level 9 7.1 ms; on a crawl that was most of what WARC cost.
# The members are ordinary gzip: every WARC reader (warcio, pywb, ReplayWeb.page) reads them.
GZIP_LEVEL = 1
OPEN_MARKER = re.compile(r"^\.(.+\.warc\.gz)\.open$")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.warc\.gz$")
SOURCE_RE = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
HOP_BY_HOP = {"transfer-encoding"}
MAX_HEADER_BYTES = 64 * 1024  # a response's headers kept in a record (the rest are dropped)


def payload_digest(payload: bytes) -> str:
    """The WARC payload digest of ``payload``: ``sha1:`` and base32, as warcio and Heritrix."""
    return "sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode("ascii")


def warc_date(moment: datetime | None = None) -> str:
    """A WARC 1.1 date (UTC, microseconds)."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Capture:
    """One HTTP exchange as received: what a crawl hands the writer (small, picklable)."""

    url: str  # the real site's URL (the replica host never appears in a record)
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes  # the payload as the server sent it (still content-encoded)
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    method: str = "GET"
    protocol: str = "HTTP/1.1"
    date: str = field(default_factory=warc_date)
    ip: str | None = None


@dataclass
class ReadCapture:
    """A response record read back from its pointer."""

    url: str
    date: str
    record_id: str
    status: int
    headers: list[tuple[str, str]]
    payload: bytes  # as stored: still content-encoded
    stored_digest: str | None  # the record's WARC-Payload-Digest

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((value for key, value in self.headers if key.lower() == name), None)

    def decoded(self) -> bytes:
        """The payload with its Content-Encoding undone (what a browser would render)."""
        return decode_content(self.payload, self.header("Content-Encoding"))


class CaptureError(ValueError):
    """A capture pointer that does not lead to a readable, matching record."""


def decode_content(payload: bytes, encoding: str | None, limit: int = 64 << 20) -> bytes:
    """Undo gzip/deflate/br content encodings (at most ``limit`` bytes out: bombs stop)."""
    for coding in reversed([c.strip().lower() for c in (encoding or "").split(",") if c.strip()]):
        if coding in ("gzip", "x-gzip", "deflate"):
            wbits = 47 if coding != "deflate" else zlib.MAX_WBITS
            try:
                inflater = zlib.decompressobj(wbits)
                out = inflater.decompress(payload, limit)
            except zlib.error:  # raw deflate, as some servers send
                inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                out = inflater.decompress(payload, limit)
            if inflater.unconsumed_tail:
                raise CaptureError(f"payload decodes to more than {limit} bytes")
            payload = out
        elif coding == "br":
            import brotli

            payload = brotli.decompress(payload)
        elif coding != "identity":
            raise CaptureError(f"unknown content encoding {coding!r}")
    return payload


def _gzip_member(data: bytes) -> bytes:
    return isal_zlib.compress(data, GZIP_LEVEL, wbits=isal_zlib.MAX_WBITS + 16)


class _RecordMaker:
    """warcio's record builder writing uncompressed into memory; we gzip each record."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.writer = WARCWriter(self.buffer, gzip=False, warc_version="1.1")

    def render(self, record) -> bytes:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.write_record(record)
        return self.buffer.getvalue()

    def warcinfo(self, name: str, info: dict[str, Any]) -> bytes:
        return self.render(self.writer.create_warcinfo_record(name, info))

    def request(self, capture: Capture, concurrent_to: str) -> bytes:
        parts = urlsplit(capture.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = [(k, v) for k, v in capture.request_headers if k.lower() != "host"]
        http = StatusAndHeaders(f"{capture.method} {target} {capture.protocol}",
                                [("Host", parts.netloc), *headers], is_http_request=True)
        record = self.writer.create_warc_record(
            capture.url, "request", http_headers=http,
            warc_headers_dict={"WARC-Date": capture.date, "WARC-Concurrent-To": concurrent_to})
        return self.render(record)

    def response(self, capture: Capture, digest: str, record_id: str) -> bytes:
        http = StatusAndHeaders(f"{capture.status} {capture.reason}".strip(),
                                _stored_headers(capture.headers), protocol=capture.protocol)
        warc_headers = {"WARC-Record-ID": record_id, "WARC-Date": capture.date,
                        "WARC-Payload-Digest": digest}
        if capture.ip:
            warc_headers["WARC-IP-Address"] = capture.ip
        record = self.writer.create_warc_record(
            capture.url, "response", payload=io.BytesIO(capture.body), length=len(capture.body),
            http_headers=http, warc_headers_dict=warc_headers)
        return self.render(record)

    def revisit(self, capture: Capture, digest: str, record_id: str,
                refers_to: ReadCapture) -> bytes:
        http = StatusAndHeaders(f"{capture.status} {capture.reason}".strip(),
                                _stored_headers(capture.headers), protocol=capture.protocol)
        record = self.writer.create_revisit_record(
            capture.url, digest, refers_to.url, refers_to.date, http_headers=http,
            warc_headers_dict={"WARC-Record-ID": record_id, "WARC-Date": capture.date})
        record.rec_headers.add_header("WARC-Refers-To", refers_to.record_id)
        return self.render(record)


def _stored_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    kept, size = [], 0
    for name, value in headers:
        name = re.sub(r"[^!-9;-~]", "", name)  # a header name is a token; nothing else survives
        value = value.replace("\r", " ").replace("\n", " ")
        size += len(name) + len(value) + 4
        if not name or size > MAX_HEADER_BYTES:
            continue
        if name.lower() in HOP_BY_HOP:
            name = f"X-Crescent-Orig-{name}"
        kept.append((name, value))
    return kept


def _new_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


class _OpenFile:
    """The WARC file a source is writing, with its kill marker."""

    def __init__(self, folder: Path, name: str, info: bytes) -> None:
        self.path = folder / name
        self.marker = folder / f".{name}.open"
        folder.mkdir(parents=True, exist_ok=True)
        self.marker.write_bytes(b"")
        fsync_dir(folder)
        self.handle = open(self.path, "ab")  # noqa: SIM115 (closed in close())
        self.size = self.handle.tell()
        self.append(info)

    def append(self, data: bytes) -> int:
        offset = self.size
        self.handle.write(data)
        self.size += len(data)
        return offset

    def sync(self) -> None:
        self.handle.flush()
        os.fdatasync(self.handle.fileno())

    def close(self) -> None:
        self.sync()
        self.handle.close()
        self.marker.unlink(missing_ok=True)
        fsync_dir(self.path.parent)


class CaptureWriter:
    """Writes captures into ``DATA/warc/<source>/``; one writer per crawl, used by one thread
    at a time (the archive writer thread)."""

    def __init__(self, data_dir: Path, *, mode: str = DEFAULT_MODE,
                 max_bytes: int = DEFAULT_MAX_BYTES, info: dict[str, Any] | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"WARC capture mode must be one of {', '.join(MODES)}, not {mode!r}")
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / WARC_DIR
        self.mode = mode
        self.max_bytes = max(1 << 20, int(max_bytes))
        self.info = dict(info or {})
        self.files: dict[str, _OpenFile] = {}
        self.maker = _RecordMaker()
        self.bytes_written = 0
        self.records = 0
        self._lock = threading.Lock()
        self._stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self._serial = 0

    # -- files ---------------------------------------------------------------------------
    def _file_for(self, source: str) -> _OpenFile:
        if not SOURCE_RE.match(source):
            raise CaptureError(f"bad source name {source!r}")
        current = self.files.get(source)
        if current is not None and current.size < self.max_bytes:
            return current
        if current is not None:
            current.close()
        folder = self.root / source
        while True:
            self._serial += 1
            name = f"crescent-{self._stamp}-{os.getpid()}-{self._serial:05d}.warc.gz"
            if not (folder / name).exists():
                break
        info = {"software": software(), "format": "WARC File Format 1.1",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                              "warc-format/warc-1.1/", "isPartOf": f"crescent {source}",
                **self.info}
        opened = _OpenFile(folder, name, _gzip_member(self.maker.warcinfo(name, info)))
        self.files[source] = opened
        return opened

    def close(self) -> None:
        with self._lock:
            for opened in self.files.values():
                opened.close()
            self.files.clear()

    # -- writing -------------------------------------------------------------------------
    def write(self, source: str, capture: Capture, previous: dict[str, Any] | None = None,
              redirects: Iterable[Capture] = ()) -> dict[str, Any]:
        """Write ``capture`` (after the redirects that led to it); returns its pointer.

        ``previous``: the pointer of the page's last capture. The same payload again is written
        as a revisit record and the previous pointer is returned (its record holds the bytes).
        """
        with self._lock:
            opened = self._file_for(source)
            for hop in redirects:
                self._write_exchange(opened, hop, payload_digest(hop.body))
            digest = payload_digest(capture.body)
            if previous and previous.get("payload_digest") == digest:
                try:
                    earlier = read_capture(self.data_dir, previous)
                except CaptureError as error:
                    logger.warning("capture of %s not reused: %s", capture.url, error)
                else:
                    record_id = _new_record_id()
                    request = self.maker.request(capture, record_id)
                    revisit = self.maker.revisit(capture, digest, record_id, earlier)
                    opened.append(_gzip_member(request) + _gzip_member(revisit))
                    self._done(opened, len(request) + len(revisit), 2)
                    return dict(previous)
            pointer = self._write_exchange(opened, capture, digest)
            pointer["file"] = opened.path.relative_to(self.data_dir).as_posix()
            return pointer

    def write_page(self, source: str, capture: Capture,
                   redirects: Iterable[Capture] = ()) -> None:
        """A capture no article points at (a listing, feed or sitemap with ``--warc all``)."""
        with self._lock:
            opened = self._file_for(source)
            for hop in [*redirects, capture]:
                self._write_exchange(opened, hop, payload_digest(hop.body))

    def _write_exchange(self, opened: _OpenFile, capture: Capture,
                        digest: str) -> dict[str, Any]:
        record_id = _new_record_id()
        request = _gzip_member(self.maker.request(capture, record_id))
        response = _gzip_member(self.maker.response(capture, digest, record_id))
        offset = opened.append(request + response) + len(request)
        self._done(opened, len(request) + len(response), 2)
        return {"file": opened.path.relative_to(self.data_dir).as_posix(), "offset": offset,
                "length": len(response), "record_id": record_id, "payload_digest": digest,
                "status": int(capture.status)}

    def _done(self, opened: _OpenFile, size: int, records: int) -> None:
        # On disk before the article that points at it is saved (see the module docstring).
        opened.sync()
        self.bytes_written += size
        self.records += records


def software() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        crescent = version("crescent")
    except PackageNotFoundError:
        crescent = "unknown"
    return f"crescent/{crescent} (warcio/{version('warcio')})"


# -- reading -------------------------------------------------------------------------------
def capture_path(data_dir: Path, pointer: dict[str, Any]) -> Path:
    """The WARC file of a pointer, checked: only ``warc/<source>/<name>.warc.gz`` is accepted."""
    parts = str(pointer.get("file", "")).split("/")
    if (len(parts) != 3 or parts[0] != WARC_DIR or not SOURCE_RE.match(parts[1])
            or not NAME_RE.match(parts[2])):
        raise CaptureError(f"bad capture file {pointer.get('file')!r}")
    return Path(data_dir, *parts)


def read_capture(data_dir: Path, pointer: dict[str, Any], *, verify: bool = True) -> ReadCapture:
    """The response record a pointer names; with ``verify``, its id and payload digest must
    match the pointer's (a CaptureError says what is wrong)."""
    path = capture_path(data_dir, pointer)
    offset, length = pointer.get("offset"), pointer.get("length")
    if not isinstance(offset, int) or not isinstance(length, int) or offset < 0 or length <= 0:
        raise CaptureError(f"bad offset/length in the capture pointer of {pointer.get('file')}")
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read(length)
    except OSError as error:
        raise CaptureError(f"{pointer['file']}: {error.strerror or error}") from None
    if len(data) != length:
        raise CaptureError(f"{pointer['file']}: record at {offset} is cut off")
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(data), no_record_parse=False)))
        payload = record.raw_stream.read()
    except Exception as error:  # warcio and zlib fail in many ways on damaged bytes
        raise CaptureError(f"{pointer['file']} at {offset}: unreadable record ({error})") from None
    headers = record.rec_headers
    found = ReadCapture(
        url=headers.get_header("WARC-Target-URI") or "",
        date=headers.get_header("WARC-Date") or "",
        record_id=headers.get_header("WARC-Record-ID") or "",
        status=int(record.http_headers.get_statuscode() or 0) if record.http_headers else 0,
        headers=list(record.http_headers.headers) if record.http_headers else [],
        payload=payload,
        stored_digest=headers.get_header("WARC-Payload-Digest"))
    if verify:
        if record.rec_type != "response":
            raise CaptureError(f"{pointer['file']} at {offset}: a {record.rec_type} record")
        if found.record_id != pointer.get("record_id"):
            raise CaptureError(f"{pointer['file']} at {offset}: record {found.record_id}, "
                               f"not {pointer.get('record_id')}")
        digest = payload_digest(payload)
        if digest != pointer.get("payload_digest") or digest != found.stored_digest:
            raise CaptureError(f"{pointer['file']} at {offset}: payload digest {digest} does "
                               "not match")
    return found


def for_terminal(page: bytes) -> bytes:
    """A page's bytes safe to print on a terminal: control characters (escape sequences a
    stranger wrote) shown as '?', line breaks and tabs kept."""
    keep = {9, 10, 13}
    return page.translate(bytes(byte if byte >= 32 or byte in keep else 63
                                for byte in range(256)).replace(b"\x7f", b"?"))


# -- torn files ----------------------------------------------------------------------------
@dataclass
class FileScan:
    path: Path
    records: int
    whole_bytes: int  # where the last whole record ends
    size: int
    error: str | None = None

    @property
    def torn(self) -> bool:
        return self.size > self.whole_bytes


def scan_file(path: Path) -> FileScan:
    """Walk a WARC file gzip member by member: how many whole records, where the last ends.

    warcio's reader passes over a torn last member silently, so the members are inflated here
    and each must hold exactly one WARC record of the length its header says.
    """
    size = path.stat().st_size
    records = whole = fed = 0
    error = None
    inflater, out, pending = zlib.decompressobj(31), [], b""
    with open(path, "rb") as handle:
        while True:
            chunk = pending or handle.read(1 << 20)
            pending = b""
            if not chunk:
                break
            try:
                out.append(inflater.decompress(chunk))
            except zlib.error as error_:
                error = f"bad gzip data at {whole}: {error_}"
                break
            if not inflater.eof:
                fed += len(chunk)
                continue
            end = whole + fed + len(chunk) - len(inflater.unused_data)
            problem = _record_problem(b"".join(out))
            if problem:
                error = f"record at {whole}: {problem}"
                break
            records, whole, fed = records + 1, end, 0
            pending, inflater, out = inflater.unused_data, zlib.decompressobj(31), []
    if error is None and whole < size:
        error = f"record at {whole} cut off"
    return FileScan(path, records, whole, size, error)


def _record_problem(record: bytes) -> str | None:
    if not record.startswith(b"WARC/1."):
        return "not a WARC record"
    head_end = record.find(b"\r\n\r\n")
    match = re.search(rb"\r\nContent-Length:\s*(\d+)", record[:head_end], re.IGNORECASE)
    if head_end < 0 or not match:
        return "no Content-Length"
    if len(record) != head_end + 4 + int(match[1]) + 4 or not record.endswith(b"\r\n\r\n"):
        return "length differs from its Content-Length"
    return None


@dataclass
class WarcReport:
    files: int = 0
    open_files: list[Path] = field(default_factory=list)  # left open by a killed crawl
    torn: list[FileScan] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def open_markers(data_dir: Path) -> list[tuple[Path, Path]]:
    """(marker, WARC file) of every file a crawl had open (killed, or crawling now)."""
    found = []
    root = Path(data_dir) / WARC_DIR
    if root.is_dir():
        for marker in sorted(root.glob("*/.*.open")):
            match = OPEN_MARKER.match(marker.name)
            if match:
                found.append((marker, marker.parent / match[1]))
    return found


def recover(data_dir: Path) -> list[FileScan]:
    """Cut every file a killed crawl left open back to its last whole record and close it.

    Only while no crawl writes (the caller holds the crawl lock). Returns the files cut.
    """
    cut = []
    for marker, path in open_markers(data_dir):
        if path.exists():
            scan = scan_file(path)
            if scan.torn:
                with open(path, "r+b") as handle:
                    handle.truncate(scan.whole_bytes)
                    handle.flush()
                    os.fsync(handle.fileno())
                logger.warning("%s: cut back to its last whole record (%d bytes dropped)",
                               path, scan.size - scan.whole_bytes)
                cut.append(scan)
            if scan.records == 0:  # not even its warcinfo: nothing points into it
                path.unlink()
        marker.unlink(missing_ok=True)
        fsync_dir(marker.parent)
    return cut


def check_warc(data_dir: Path, records: Iterable[dict[str, Any]], *,
               include_open: bool = True) -> WarcReport:
    """Files left open by a kill (and torn), and every article's pointer resolved and verified.

    ``include_open=False`` while a crawl runs: its open files are not torn, only unfinished.
    """
    report = WarcReport()
    root = Path(data_dir) / WARC_DIR
    report.files = len(list(root.glob("*/*.warc.gz"))) if root.is_dir() else 0
    for _marker, path in open_markers(data_dir) if include_open else []:
        report.open_files.append(path)
        if path.exists():
            scan = scan_file(path)
            if scan.torn:
                report.torn.append(scan)
                report.problems.append(
                    f"{path.relative_to(data_dir).as_posix()}: torn by an interrupted crawl "
                    f"({scan.size - scan.whole_bytes} bytes after its last whole record)")
    for record in records:
        pointer = record.get("capture")
        if pointer:
            try:
                read_capture(data_dir, pointer)
            except CaptureError as error:
                report.problems.append(f"{record.get('id')}: capture: {error}")
    return report


# -- export ----------------------------------------------------------------------------------
@dataclass
class CaptureTally:
    written: int = 0
    without_capture: int = 0
    unreadable: list[str] = field(default_factory=list)  # "id: why"


def write_captures(records: Iterable[dict[str, Any]], data_dir: Path, out: BinaryIO, *,
                   name: str = "", info: dict[str, Any] | None = None,
                   pages: list[dict[str, Any]] | None = None) -> CaptureTally:
    """Write a WARC file of the captures of ``records`` (archived articles) to ``out``.

    A ``warcinfo`` record first, then each article's response record, copied byte for byte
    (record ids and digests as captured; each is verified first). Articles without a capture
    are counted, unreadable captures listed, neither stops the export. ``pages``: if given,
    gets one ``{"url", "ts", "title", "id"}`` per record written (for a WACZ pages list).
    ``name``: the file's name, for the warcinfo record. ``out`` needs only ``write(bytes)``.
    """
    tally = CaptureTally()
    maker = _RecordMaker()
    warcinfo = {"software": software(), "format": "WARC File Format 1.1",
                "description": "captures of archived articles exported by crescent",
                **(info or {})}
    out.write(_gzip_member(maker.warcinfo(name, warcinfo)))
    for record in records:
        pointer = record.get("capture")
        if not pointer:
            tally.without_capture += 1
            continue
        try:
            found = read_capture(data_dir, pointer)
            with open(capture_path(data_dir, pointer), "rb") as handle:
                handle.seek(pointer["offset"])
                data = handle.read(pointer["length"])
        except (CaptureError, OSError) as error:
            tally.unreadable.append(f"{record.get('id')}: {error}")
            continue
        out.write(data)
        tally.written += 1
        if pages is not None:
            pages.append({"url": found.url, "ts": found.date, "title": record.get("title"),
                          "id": record.get("id")})
    return tally


def iter_files(data_dir: Path) -> Iterator[Path]:
    root = Path(data_dir) / WARC_DIR
    if root.is_dir():
        yield from sorted(root.glob("*/*.warc.gz"))


def total_bytes(data_dir: Path) -> int:
    with contextlib.suppress(OSError):
        return sum(path.stat().st_size for path in iter_files(data_dir))
    return 0
