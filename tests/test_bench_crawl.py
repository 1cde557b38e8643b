"""The crawl benchmark runs end to end on a small generated site (the 2,000-page run is manual)."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.request

import pytest

from benchmarks.crawl import GeneratedSite, RealSite, serve
from benchmarks.extraction import DEFAULT_EVAL_DIR
from tests.conftest import REPO


def test_the_generated_site_serves_unique_articles_behind_listings_with_keep_alive():
    site = GeneratedSite(30)
    server = serve(site)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        listing = urllib.request.urlopen(f"{base}/list/1").read().decode()
        assert listing.count('class="article"') == 20 and 'href="/list/2"' in listing
        first, second = (urllib.request.urlopen(f"{base}/article/{n}").read() for n in (3, 4))
        assert b"\xe2\x84\x963" in first and first != second  # "№3": each page its own title
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{base}/article/30")
        assert missing.value.code == 404
        missing.value.close()
    finally:
        server.shutdown()


@pytest.mark.skipif(not (DEFAULT_EVAL_DIR / "truth.jsonl").exists(), reason="no evaluation set")
def test_the_real_page_site_serves_each_copy_as_its_own_article_without_canonical_links():
    site = RealSite(DEFAULT_EVAL_DIR, 250)
    assert len(site.templates) >= 100
    server = serve(site)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        copies = [urllib.request.urlopen(f"{base}/article/{n}") for n in (7, 7 + len(
            site.templates))]
        first, second = (response.read() for response in copies)
        assert all("charset" not in r.headers["Content-Type"] for r in copies)  # pages say it
        assert first != second and b" n7" in first
        for body in (first, second):
            assert not re.search(rb"rel=[\"']?canonical|og:url", body, re.IGNORECASE)
        assert urllib.request.urlopen(f"{base}/list/13").read().count(b'class="article"') == 10
    finally:
        server.shutdown()


@pytest.mark.slow
def test_small_benchmark_prints_the_comparison():
    run = subprocess.run([sys.executable, "-m", "benchmarks.crawl", "--articles", "40",
                          "--without-index"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    rows = {match[1].strip(): (int(match[2]), int(match[3])) for match in re.finditer(
        r"^(download-only spider|inline trafilatura|crescent \(pool, archive, index\)"
        r"|crescent, index off)\s+(\d+).*\s(\d+)$", run.stdout, re.MULTILINE)}
    assert {label: articles for label, (articles, _) in rows.items()} == {
        "download-only spider": 40, "inline trafilatura": 40,
        "crescent (pool, archive, index)": 40, "crescent, index off": 40}
    # Connections are kept alive: no more than the crawl's concurrent requests (16), where
    # a per-host limit below it made Scrapy open a new connection for every other page.
    assert all(1 <= connections <= 16 for _, connections in rows.values()), rows
    assert re.search(r"crawl process [\d.]+ \(reactor thread [\d.]+", run.stdout)
    assert re.search(r"workers [\d.]+ \+ [\d.]+", run.stdout)
    assert re.search(r"Peak PSS of crescent's crawl .*: \d+ MiB", run.stdout)
    stages = dict(re.findall(r"^  (\S[^\n]*?)\s+([\d.]+)$", run.stdout, re.MULTILINE))
    assert {"Scrapy (download, parse listings)", "text", "language", "dates", "SimHash",
            "archive write", "index", "total"} <= set(stages), stages
    assert float(stages["text"]) > 0 and float(stages["index"]) > 0
