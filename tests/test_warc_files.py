"""The WARC writer and reader on their own: rotation, warcinfo first, torn files, pointers that
must not leave DATA/warc, content decoding, terminal-safe output (no crawl; fast)."""

from __future__ import annotations

import gzip
import os
import zlib

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.warc import (
    Capture,
    CaptureError,
    CaptureWriter,
    capture_path,
    check_warc,
    decode_content,
    for_terminal,
    open_markers,
    read_capture,
    recover,
    scan_file,
    write_captures,
)


def capture(number: int, body: bytes | None = None) -> Capture:
    return Capture(url=f"https://example.org/news/{number}", status=200, reason="OK",
                   headers=[("Content-Type", "text/html; charset=utf-8")],
                   body=body if body is not None else f"<p>article {number}</p>".encode())


def test_files_rotate_past_the_size_limit_each_starting_with_warcinfo(tmp_path):
    writer = CaptureWriter(tmp_path, max_bytes=1 << 20, info={"operator": "ops@example.org"})
    pointers = [writer.write("src", capture(n, os.urandom(300 * 1024))) for n in range(8)]
    writer.close()
    files = sorted((tmp_path / "warc" / "src").glob("*.warc.gz"))
    assert len(files) >= 2 and not open_markers(tmp_path)
    assert all(path.stat().st_size < (1 << 20) + 700 * 1024 for path in files)
    for path in files:
        with open(path, "rb") as handle:
            kinds = [record.rec_type for record in ArchiveIterator(handle)]
        assert kinds[0] == "warcinfo" and kinds.count("warcinfo") == 1
        assert kinds[1:] == ["request", "response"] * ((len(kinds) - 1) // 2)
    assert len({pointer["file"] for pointer in pointers}) == len(files)
    for number, pointer in enumerate(pointers):
        assert read_capture(tmp_path, pointer).url == f"https://example.org/news/{number}"


def test_a_torn_last_record_is_found_and_cut_back_and_pointers_before_it_stay(tmp_path):
    writer = CaptureWriter(tmp_path)
    kept = writer.write("src", capture(1))
    writer.files["src"].handle.close()  # the process dies: its marker stays
    path = tmp_path / kept["file"]
    whole = path.stat().st_size
    member = path.read_bytes()[kept["offset"]: kept["offset"] + kept["length"]]
    with open(path, "ab") as handle:  # as if the process died inside a write
        handle.write(member[: len(member) // 3])
        handle.flush()
    scan = scan_file(path)
    assert scan.torn and scan.whole_bytes == whole and scan.records == 3
    report = check_warc(tmp_path, [{"id": "a", "capture": kept}])
    assert len(report.torn) == 1 and "torn by an interrupted crawl" in report.problems[0]
    assert check_warc(tmp_path, [], include_open=False).problems == []  # a running crawl's file
    cut = recover(tmp_path)
    assert [c.path for c in cut] == [path] and path.stat().st_size == whole
    assert not open_markers(tmp_path)
    assert read_capture(tmp_path, kept).payload == b"<p>article 1</p>"


def test_a_file_killed_before_its_first_whole_record_is_removed(tmp_path):
    folder = tmp_path / "warc" / "src"
    folder.mkdir(parents=True)
    name = "crescent-20260101T000000Z-1-00001.warc.gz"
    (folder / name).write_bytes(gzip.compress(b"WARC/1.1\r\nWARC-Type: warcinfo\r\n")[:20])
    (folder / f".{name}.open").write_bytes(b"")
    recover(tmp_path)
    assert not (folder / name).exists() and not open_markers(tmp_path)


@pytest.mark.parametrize("file", [
    "warc/../../etc/passwd", "/etc/passwd", "archive/src/x.warc.gz", "warc/src/../x.warc.gz",
    "warc/Bad Source/x.warc.gz", "warc/src/x.json", "warc/src/sub/x.warc.gz",
])
def test_a_pointer_cannot_name_a_file_outside_the_warc_folder(tmp_path, file):
    with pytest.raises(CaptureError):
        capture_path(tmp_path, {"file": file})


def test_a_pointer_whose_record_differs_is_refused(tmp_path):
    writer = CaptureWriter(tmp_path)
    first, second = writer.write("src", capture(1)), writer.write("src", capture(2))
    writer.close()
    with pytest.raises(CaptureError, match="record"):
        read_capture(tmp_path, {**first, "record_id": second["record_id"]})
    with pytest.raises(CaptureError, match="digest"):
        read_capture(tmp_path, {**first, "payload_digest": second["payload_digest"]})
    with pytest.raises(CaptureError):
        read_capture(tmp_path, {**first, "offset": first["offset"] + 1})
    report = check_warc(tmp_path, [{"id": "x", "capture": {**first, "length": 10**9}}])
    assert report.problems and "cut off" in report.problems[0]


def test_same_payload_again_is_a_revisit_pointing_at_the_first_copy(tmp_path):
    writer = CaptureWriter(tmp_path)
    first = writer.write("src", capture(1))
    again = writer.write("src", capture(1), previous=first)
    changed = writer.write("src", capture(1, b"<p>new text</p>"), previous=first)
    writer.close()
    assert again == first and changed["record_id"] != first["record_id"]
    with open(tmp_path / first["file"], "rb") as handle:
        records = [r for r in ArchiveIterator(handle) if r.rec_type == "revisit"]
    assert len(records) == 1
    assert records[0].rec_headers.get_header("WARC-Refers-To") == first["record_id"]
    assert records[0].rec_headers.get_header("WARC-Payload-Digest") == first["payload_digest"]


def test_exported_warc_copies_the_records_and_counts_what_it_could_not(tmp_path):
    writer = CaptureWriter(tmp_path)
    pointers = [writer.write("src", capture(n)) for n in range(3)]
    writer.close()
    out = tmp_path / "out.warc.gz"
    pages: list[dict] = []
    records = [{"id": f"id{n}", "title": f"t{n}", "capture": p} for n, p in enumerate(pointers)]
    records += [{"id": "none"}, {"id": "gone", "capture": {**pointers[0], "offset": 3}}]
    with open(out, "wb") as handle:
        tally = write_captures(records, tmp_path, handle, name=out.name, pages=pages)
    assert tally.written == 3 and tally.without_capture == 1 and len(tally.unreadable) == 1
    with open(out, "rb") as handle:
        ids = [r.rec_headers.get_header("WARC-Record-ID") for r in ArchiveIterator(handle)]
    assert ids[1:] == [p["record_id"] for p in pointers]
    assert [page["title"] for page in pages] == ["t0", "t1", "t2"]


def test_content_encodings_are_undone_and_a_bomb_is_stopped():
    page = "<p>Kızılay</p>".encode()
    assert decode_content(gzip.compress(page), "gzip") == page
    assert decode_content(zlib.compress(page), "deflate") == page
    assert decode_content(page, None) == page
    with pytest.raises(CaptureError):
        decode_content(gzip.compress(b" " * (2 << 20)), "gzip", limit=1 << 20)
    with pytest.raises(CaptureError):
        decode_content(page, "compress")


def test_raw_output_on_a_terminal_cannot_carry_escape_sequences():
    shown = for_terminal(b"<p>\x1b]0;owned\x07title\x1b[2J</p>\r\n\tok\x7f")
    assert b"\x1b" not in shown and b"\x07" not in shown and b"\x7f" not in shown
    assert shown.endswith(b"\r\n\tok?")
