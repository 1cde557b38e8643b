"""The generic spider's article decision (crawler.pagekind), weighed from several pieces of
evidence: the real article pages of ../shared/eval served as one site are archived, while that
site's listing, category, tag and section pages, and the replicas' own, are not."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from archive.store import ArchiveStore
from crawler.demo import REPLICA_SOURCES, ReplicaServer, build_site
from crawler.extract import ALL_LANGUAGES, SourceHints, analyse
from crawler.urls import article_id
from tests.conftest import REPO, crescent
from tests.paginated import eval_site

EVAL_DIR = Path(os.environ.get("CRESCENT_EVAL", REPO.parent / "shared" / "eval"))
needs_eval = pytest.mark.skipif(not (EVAL_DIR / "truth.jsonl").exists(),
                                reason=f"no evaluation set at {EVAL_DIR}")
JUDGE = SourceHints(accept_languages=ALL_LANGUAGES, judge_page=True)  # as the generic spider


def read_truth() -> list[dict]:
    return [json.loads(line) for line in
            (EVAL_DIR / "truth.jsonl").read_text("utf-8").splitlines() if line.strip()]


def judged_listing(body: bytes, url: str) -> bool:
    rejection = analyse(body, url, JUDGE).rejection
    return rejection is not None and rejection.reason == "not-article"


@pytest.mark.parametrize("source", REPLICA_SOURCES)
def test_the_replicas_articles_are_articles_and_their_other_pages_listings(source):
    site = build_site(source)
    articles = {article.url for article in site.articles}
    excluded = {page.url: page.why for page in site.excluded}
    variants = {url.split("?")[0] for url in [*articles, *excluded]}  # print views and such
    listings = 0
    for path, page in site.pages.items():
        url = site.real_root + path
        if page.status != 200 or "html" not in page.content_type:
            continue
        if url in articles:
            assert not judged_listing(page.body, url), url
        elif excluded.get(url, "").startswith("country page") or (
                url not in excluded and url.split("?")[0] not in variants):
            # Listings, categories, tags, archives, the home page, "about" pages, country pages.
            assert judged_listing(page.body, url), url
            listings += 1
    assert listings >= 2


@needs_eval
def test_every_evaluation_page_is_judged_an_article():
    truth = read_truth()
    site, listings = eval_site(EVAL_DIR / "pages", truth)
    wrong = [article.key for article in site.articles
             if judged_listing(site.lookup(article.url.removeprefix(site.real_root)).body,
                               article.url)]
    assert wrong == []
    for url in listings:
        assert judged_listing(site.lookup(url.removeprefix(site.real_root)).body, url), url


@needs_eval
@pytest.mark.slow
def test_a_site_of_the_evaluation_pages_is_archived_and_its_listings_are_not(tmp_path):
    truth = read_truth()
    site, listings = eval_site(EVAL_DIR / "pages", truth)
    with ReplicaServer(site) as server:
        # Depth 1: the listings (whose pagination costs no depth) and the pages they link; the
        # evaluation pages' own links lead to pages this site does not have.
        result = crescent("crawl", "--site", site.real_root + "/", "--base-url",
                          server.base_url, "--lang", "en,ru,tr,uk", "-s", "DEPTH_LIMIT=1",
                          data=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    archived = {record["id"] for record in ArchiveStore(tmp_path / "archive").iter_records()}
    served = {article_id(article.url): article.url for article in site.articles}
    assert not archived & {article_id(url) for url in listings}  # no listing page of any kind
    share = len(archived & set(served)) / len(served)
    rejected = json.loads(crescent("stats", "--rejected", "--json", data=tmp_path).stdout)
    pages = rejected["news_example"]["pages"]
    lost = [f"{served[key]} ({reason})" for key, reason in sorted(
        (article_id(page["url"]), page["reason"]) for page in pages) if key in served]
    assert share >= 0.98, f"{share:.3f} archived; lost: {lost}"
    not_article = {article_id(page["url"]) for page in pages if page["reason"] == "not-article"}
    assert {article_id(url) for url in listings} <= not_article  # each fetched, judged listing
