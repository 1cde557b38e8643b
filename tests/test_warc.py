"""WARC captures with the real tools: a real crawl of replicas (a windows-1251 page, a gzip-encoded
page, a redirect), read back by warcio and `warcio check`; revisits, torn files, --warc modes,
re-extraction from the captures, and the warc/wacz exports validated by the wacz package."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from contextlib import ExitStack
from pathlib import Path

import pytest
from lxml import html as lxml_html
from warcio.archiveiterator import ArchiveIterator

from archive.store import ArchiveStore
from archive.wacz_export import validate_wacz
from archive.warc import open_markers, read_capture, scan_file
from crawler.demo import Page, ReplicaServer, build_site
from crawler.demo.sites.turkmenportal import CP1251_KEY
from crawler.urls import article_id
from tests.conftest import crescent

pytestmark = pytest.mark.slow

WARCIO = [sys.executable, "-c", "import sys; from warcio.cli import main; sys.exit(main())"]
GZIP_KEY = "tp-volunteer-day"
REDIRECT_KEY = "tp-new-park"


def sha1_b32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def served_site():
    """Turkmenportal's replica with one page gzip-encoded and one behind a 301."""
    site = build_site("turkmenportal")
    by_key = {article.key: article for article in site.articles}
    root = site.real_root
    gzip_path = by_key[GZIP_KEY].url.removeprefix(root)
    plain = site.pages[gzip_path].body
    site.pages[gzip_path] = Page(gzip.compress(plain), headers=(("Content-Encoding", "gzip"),))
    old_path = by_key[REDIRECT_KEY].url.removeprefix(root)
    site.pages[old_path + "-moved"] = site.pages[old_path]
    site.pages[old_path] = Page(b"", status=301,
                                headers=(("Location", root + old_path + "-moved"),))
    return site, {"gzip": (by_key[GZIP_KEY], plain), "redirect": by_key[REDIRECT_KEY],
                  "cp1251": by_key[CP1251_KEY]}


@pytest.fixture(scope="module")
def servers():
    site, special = served_site()
    with ExitStack() as stack:
        portal = stack.enter_context(ReplicaServer(site))
        live = stack.enter_context(ReplicaServer(build_site("turkmenistanlive")))
        yield {"turkmenportal": portal, "turkmenistanlive": live}, special


def crawl_args(servers, *extra: str) -> list[str]:
    args = ["crawl", *servers]
    for name, server in servers.items():
        args += ["--base-url", f"{name}={server.base_url}"]
    return [*args, *extra]


@pytest.fixture(scope="module")
def captured(servers, tmp_path_factory):
    running, special = servers
    data = tmp_path_factory.mktemp("warc")
    result = crescent(*crawl_args(running), data=data)
    assert result.returncode == 0, result.stderr[-3000:]
    return data, special


def copy_of(data: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(data, target, ignore=shutil.ignore_patterns(".crawl.lock"))
    return target


def records(data: Path) -> list[dict]:
    return list(ArchiveStore(data / "archive").iter_records())


def by_id(data: Path) -> dict[str, dict]:
    return {record["id"]: record for record in records(data)}


def warc_files(data: Path) -> list[Path]:
    return sorted((data / "warc").glob("*/*.warc.gz"))


def all_records(data: Path) -> list[tuple[str, str, dict, bytes, int]]:
    """(type, target URI, WARC headers, raw payload, HTTP status) of every record, via warcio."""
    found = []
    for path in warc_files(data):
        with open(path, "rb") as handle:
            for number, record in enumerate(ArchiveIterator(handle)):
                if number == 0:
                    assert record.rec_type == "warcinfo", path
                headers = dict(record.rec_headers.headers)
                status = int(record.http_headers.get_statuscode()) if (
                    record.http_headers and record.rec_type in ("response", "revisit")) else 0
                found.append((record.rec_type, headers.get("WARC-Target-URI", ""), headers,
                              record.raw_stream.read(), status))
    return found


def test_every_record_reads_and_warcio_check_passes(captured):
    data, _ = captured
    files = warc_files(data)
    assert {path.parent.name for path in files} == {"turkmenportal", "turkmenistanlive"}
    checked = subprocess.run([*WARCIO, "check", "-v", *map(str, files)], capture_output=True,
                             text=True, check=False)
    assert checked.returncode == 0, checked.stdout[-2000:] + checked.stderr[-2000:]
    assert "digest pass" in checked.stdout and "fail" not in checked.stdout
    found = all_records(data)
    types = [kind for kind, *_ in found]
    assert types.count("warcinfo") == len(files)
    assert types.count("request") == types.count("response")
    info = next(payload for kind, _u, _h, payload, _s in found if kind == "warcinfo")
    assert b"software: crescent/" in info and b"operator: " in info and b"robots: obey" in info
    assert not open_markers(data)  # every file closed by the crawl
    for path in files:
        scan = scan_file(path)
        assert not scan.torn and scan.records >= 3


def test_every_pointer_resolves_to_its_record_with_a_matching_digest(captured):
    data, _ = captured
    archived = records(data)
    assert len(archived) >= 30
    for record in archived:
        pointer = record["capture"]
        assert record["extractor"].startswith("crescent-extract/")
        with open(data / pointer["file"], "rb") as handle:  # read with warcio alone
            handle.seek(pointer["offset"])
            iterator = ArchiveIterator(handle)
            warc_record = next(iter(iterator))
            payload = warc_record.raw_stream.read()
            iterator.read_to_end(warc_record)
            assert iterator.get_record_length() == pointer["length"]  # one whole gzip member
        assert warc_record.rec_type == "response"
        assert warc_record.rec_headers.get_header("WARC-Record-ID") == pointer["record_id"]
        digest = warc_record.rec_headers.get_header("WARC-Payload-Digest")
        assert sha1_b32(payload) == digest == pointer["payload_digest"]
        assert pointer["status"] == 200


def test_windows_1251_gzip_and_redirect_are_captured_as_received(captured, servers):
    data, special = captured
    running, _ = servers
    archived = by_id(data)

    cp1251 = archived[article_id(special["cp1251"].url)]
    page = read_capture(data, cp1251["capture"])
    served = running["turkmenportal"].site.lookup(special["cp1251"].url.removeprefix(
        "https://turkmenportal.com"))
    assert page.payload == served.body  # the cp1251 bytes, not a UTF-8 re-encoding
    assert "windows-1251" in page.header("Content-Type")
    assert cp1251["title"] in page.payload.decode("cp1251")

    article, plain = special["gzip"]
    page = read_capture(data, archived[article_id(article.url)]["capture"])
    assert page.header("Content-Encoding") == "gzip"
    assert page.payload[:2] == b"\x1f\x8b" and gzip.decompress(page.payload) == plain
    assert page.decoded() == plain
    shown = crescent("show", archived[article_id(article.url)]["id"], "--raw", data=data)
    assert shown.returncode == 0 and shown.stdout.encode() == plain

    moved = special["redirect"]
    record = archived[article_id(moved.url)]  # archived under its canonical URL
    page = read_capture(data, record["capture"])
    assert page.url == moved.url + "-moved" and page.status == 200
    redirects = [(uri, headers, status) for kind, uri, headers, _p, status in all_records(data)
                 if kind == "response" and status == 301]
    assert [uri for uri, _h, _s in redirects] == [moved.url]  # the hop is in the WARC too
    assert "127.0.0.1" not in json.dumps(record) and "127.0.0.1" not in page.url


def test_a_page_fetched_again_unchanged_is_a_revisit_and_a_changed_one_a_new_capture(
        captured, servers, tmp_path):
    data = copy_of(captured[0], tmp_path)
    running, _special = servers
    before = by_id(data)
    responses_before = sum(kind == "response" and status == 200
                           for kind, _u, _h, _p, status in all_records(data))
    site = running["turkmenistanlive"].site
    changed_article = site.articles[0]
    path = changed_article.url.removeprefix(site.real_root)
    original = site.pages[path]
    title = changed_article.title.encode()
    assert title in original.body
    site.pages[path] = Page(original.body.replace(title, title + b" Updated later."),
                            original.content_type)
    try:
        result = crescent(*crawl_args(running, "--refresh"), data=data)
    finally:
        site.pages[path] = original
    assert result.returncode == 0, result.stderr[-3000:]
    after = by_id(data)
    found = all_records(data)
    revisits = {uri: headers for kind, uri, headers, _p, _s in found if kind == "revisit"}
    changed_id = article_id(changed_article.url)
    for key, record in before.items():
        if key == changed_id:
            continue
        assert after[key]["capture"] == record["capture"]  # still the first copy
        fetched = read_capture(data, record["capture"]).url
        revisit = revisits[fetched]
        assert revisit["WARC-Payload-Digest"] == record["capture"]["payload_digest"]
        assert revisit["WARC-Refers-To"] == record["capture"]["record_id"]
        assert revisit["WARC-Profile"].endswith("/revisit/identical-payload-digest")
    # Only the changed page was stored again, as a full response with a new version (the
    # redirect on the way to one page is recorded again: an empty 301).
    assert sum(kind == "response" and status == 200
               for kind, _u, _h, _p, status in found) == responses_before + 1
    updated = after[changed_id]
    assert updated["version"] == 2
    assert updated["capture"] != before[changed_id]["capture"]
    assert b"Updated later." in read_capture(data, updated["capture"]).payload
    history = crescent("history", updated["id"], data=data)
    assert history.returncode == 0
    for version in (before[changed_id], updated):
        assert version["capture"]["record_id"] in history.stdout
    checked = subprocess.run([*WARCIO, "check", *map(str, warc_files(data))],
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout[-2000:]


def test_a_torn_file_is_reported_then_cut_back_to_its_last_whole_record(captured, tmp_path):
    data = copy_of(captured[0], tmp_path)
    newest = warc_files(data)[-1]
    whole = newest.read_bytes()
    pointer = records(data)[0]["capture"]
    source = (data / pointer["file"]).read_bytes()
    torn = source[pointer["offset"]: pointer["offset"] + pointer["length"] // 2]
    newest.write_bytes(whole + torn)  # what kill -9 leaves mid-record
    (newest.parent / f".{newest.name}.open").write_bytes(b"")
    checked = crescent("check", data=data)
    assert checked.returncode == 1
    assert f"warc: warc/{newest.parent.name}/{newest.name}: torn" in checked.stdout
    repaired = crescent("check", "--repair", data=data)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "1 torn WARC file(s) cut back" in repaired.stdout
    assert newest.read_bytes() == whole and not open_markers(data)
    assert crescent("check", data=data).returncode == 0


def test_warc_off_writes_none_and_all_keeps_listings_too(servers, tmp_path):
    running, _ = servers
    live = {"turkmenistanlive": running["turkmenistanlive"]}
    off = tmp_path / "off"
    result = crescent(*crawl_args(live, "--warc", "off"), data=off)
    assert result.returncode == 0, result.stderr[-2000:]
    assert not (off / "warc").exists() and all("capture" not in r for r in records(off))
    everything = tmp_path / "all"
    result = crescent(*crawl_args(live, "--warc", "all"), data=everything)
    assert result.returncode == 0, result.stderr[-2000:]
    found = all_records(everything)
    captured_urls = {uri for kind, uri, _h, _p, _s in found if kind == "response"}
    article_urls = {read_capture(everything, r["capture"]).url for r in records(everything)}
    others = captured_urls - article_urls
    assert article_urls <= captured_urls
    assert any(url.rstrip("/").endswith("/feed") for url in others), others  # feed and listings
    assert any("robots.txt" not in url and "feed" not in url for url in others), others


def test_reextract_gives_new_versions_only_to_the_articles_a_rule_change_affects(
        captured, tmp_path):
    data = copy_of(captured[0], tmp_path)
    unchanged = crescent("reextract", "--json", data=data)
    assert unchanged.returncode == 0, unchanged.stderr
    summary = json.loads(unchanged.stdout)
    assert summary["read"] == len(records(data)) and summary["changed"] == 0
    assert summary["unreadable"] == [] and summary["without_capture"] == 0

    selector = "div#content p:nth-of-type(3)"
    expected = set()
    for record in records(data):
        if record["source"] != "turkmenportal":
            continue
        page = read_capture(data, record["capture"]).decoded()
        tree = lxml_html.document_fromstring(page)
        texts = [" ".join(el.text_content().split()) for el in tree.cssselect(selector)]
        if any(text and text[:60] in " ".join(record["text"].split()) for text in texts):
            expected.add(record["id"])
    assert 0 < len(expected) < len(records(data))
    (data / "config.toml").write_text(
        f'[extract.turkmenportal]\nremove_selectors = ["{selector}"]\n')
    dry = json.loads(crescent("reextract", "--dry-run", "--json", data=data).stdout)
    assert set(dry["changed_ids"]) == expected and dry["by_field"].get("text") == len(expected)
    assert all(r["version"] == 1 for r in records(data))  # a dry run writes nothing
    result = crescent("reextract", "turkmenportal", data=data)
    assert result.returncode == 0, result.stderr
    assert f"changed (new version): {len(expected)} (" in result.stdout
    for record in records(data):
        if record["id"] in expected:
            assert record["version"] == 2 and "overrides/" in record["extractor"]
            assert record["capture"] == ArchiveStore(data / "archive").versions(
                record["id"])[0]["capture"]  # the same captured page, extracted anew
        else:
            assert record["version"] == 1
    some = sorted(expected)[0]
    history = crescent("history", some, data=data)
    assert "text: " in history.stdout and "[-" in history.stdout
    assert crescent("check", data=data).returncode == 0  # the index was brought in line


def test_warc_and_wacz_exports_hold_the_selected_captures(captured, tmp_path):
    data, _ = captured
    portal = [r for r in records(data) if r["source"] == "turkmenportal"]
    warc = tmp_path / "portal.warc.gz"
    result = crescent("export", "--format", "warc", "--source", "turkmenportal", "-o",
                      str(warc), data=data)
    assert result.returncode == 0, result.stderr
    checked = subprocess.run([*WARCIO, "check", str(warc)], capture_output=True, text=True,
                             check=False)
    assert checked.returncode == 0, checked.stdout
    with open(warc, "rb") as handle:
        exported = [(r.rec_type, r.rec_headers.get_header("WARC-Record-ID"))
                    for r in ArchiveIterator(handle)]
    assert exported[0][0] == "warcinfo"
    assert sorted(rid for _t, rid in exported[1:]) == sorted(
        r["capture"]["record_id"] for r in portal)
    manifest = json.loads((tmp_path / "portal.warc.gz.manifest.json").read_text())
    assert manifest["format"] == "warc" and manifest["captures"]["written"] == len(portal)
    assert manifest["sha256"] == hashlib.sha256(warc.read_bytes()).hexdigest()

    wacz = tmp_path / "portal.wacz"
    result = crescent("export", "--format", "wacz", "--source", "turkmenportal", "-o",
                      str(wacz), data=data)
    assert result.returncode == 0, result.stderr
    valid, said = validate_wacz(wacz)
    assert valid, said
    with zipfile.ZipFile(wacz) as bundle:
        lines = bundle.read("pages/pages.jsonl").decode().splitlines()
        stored = bundle.getinfo("archive/articles.warc.gz")
    damaged = tmp_path / "damaged.wacz"  # one byte of a capture changed: the hashes catch it
    content = bytearray(wacz.read_bytes())
    content[stored.header_offset + 30 + len(stored.filename) + len(stored.extra)
            + stored.compress_size // 2] ^= 0xFF
    damaged.write_bytes(bytes(content))
    assert not validate_wacz(damaged)[0]
    pages = [json.loads(line) for line in lines[1:]]
    assert sorted(page["url"] for page in pages) == sorted(
        read_capture(data, r["capture"]).url for r in portal)
    assert {page["title"] for page in pages} == {r["title"] for r in portal}
    needs_file = crescent("export", "--format", "wacz", data=data)
    assert needs_file.returncode == 2 and "needs -o FILE" in needs_file.stderr
