"""A crawl that meets every kind of broken page finishes, keeps the good, names the rest."""

from __future__ import annotations

import json

import pytest

from archive.store import ArchiveStore
from tests.conftest import crescent
from tests.hostile import CASES, HostileServer

pytestmark = pytest.mark.slow

LIMITS = ["-s", "DOWNLOAD_TIMEOUT=3", "-s", "CRESCENT_MAX_LISTING_PAGES=12",
          "-s", "CRESCENT_MAX_LINKS_PER_PAGE=40", "-s", "RETRY_TIMES=1"]


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory):
    data = tmp_path_factory.mktemp("hostile")
    with HostileServer() as server:
        result = crescent("crawl", "turkmenistanlive", "--base-url", server.base_url, *LIMITS,
                          data=data, timeout=150)
    return data, result, server.site


def test_crawl_finishes_without_a_traceback(hostile_crawl):
    data, result, _site = hostile_crawl
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stdout + result.stderr
    log = "".join(path.read_text("utf-8") for path in (data / "logs").glob("*.log"))
    assert "Traceback" not in log


def test_good_articles_are_archived(hostile_crawl):
    data, _result, site = hostile_crawl
    records = list(ArchiveStore(data / "archive").iter_records())
    titles = {record["title"] for record in records}
    assert {article.title for article in site.articles} <= titles
    good = [case for case, reason in CASES.items() if reason is None]
    for case in good:
        assert any(r["url"].rstrip("/").endswith(case) for r in records), case
    scripted = next(r for r in records if r["url"].rstrip("/").endswith("scripts"))
    assert "СКРИПТ" not in scripted["text"] and "document.write" not in scripted["text"]
    for record in records:
        if record["url"].rstrip("/").endswith("wrong-charset"):
            assert "Красного Полумесяца" in record["text"]  # never stored as mojibake


def test_every_bad_page_is_counted_under_a_reason(hostile_crawl):
    data, _result, _site = hostile_crawl
    rejected = json.loads(crescent("stats", "--rejected", "--json", data=data).stdout)
    reasons = rejected["turkmenistanlive"]["counts"]
    for case, expected in CASES.items():
        if expected is None or expected == "decoded":
            continue
        options = expected if isinstance(expected, set) else {expected}
        assert any(reasons.get(reason) for reason in options), (case, reasons)
    assert reasons.get("robots-disallowed") == 1
    table = crescent("stats", "--rejected", data=data).stdout
    assert "redirect-loop" in table and "timeout" in table


def test_traps_are_bounded(hostile_crawl):
    data, _result, _site = hostile_crawl
    reports = [json.loads(p.read_text()) for p in (data / "crawls").glob("*.json")]
    stats = reports[-1]["stats"]
    assert stats["crescent/listing_pages"] <= 12
    assert stats.get("crescent/links_capped", 0) >= 1
    fetched_trap_articles = stats.get("crescent/rejected/http-404", 0)
    assert fetched_trap_articles <= 40 + 1  # the capped links of the 100,000, plus gone-404
