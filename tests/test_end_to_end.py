"""End to end: the real Scrapy engine crawls every replica over HTTP into a data directory."""

from __future__ import annotations

import json

import jsonschema
import pytest

from archive.store import ArchiveStore, article_schema
from crawler.demo import build_site
from crawler.urls import article_id, url_key
from search import search
from tests.conftest import REPLICA_SOURCES, base_url_args, crescent

pytestmark = pytest.mark.slow


def archived(data):
    return {record["id"]: record for record in ArchiveStore(data / "archive").iter_records()}


def test_every_replica_article_is_archived_once_and_right(crawled, replicas):
    data, _result = crawled
    records = archived(data)
    expected_ids = set()
    for name, server in replicas.items():
        for article in server.site.articles:
            record = records.get(article_id(article.url))
            assert record is not None, f"{name}: not archived: {article.url}"
            expected_ids.add(record["id"])
            assert record["source"] == name
            assert (record["language"], record["title"], record["published"][:10]) == (
                article.language, article.title, article.published), article.url
    # Nothing else was archived: no excluded page, no duplicate variant.
    assert set(records) == expected_ids
    for name, server in replicas.items():
        for page in server.site.excluded:
            excluded_id = article_id(page.url)
            variant_of_expected = any(url_key(page.url) == url_key(a.url)
                                      for a in server.site.articles)
            assert variant_of_expected or excluded_id not in records, (name, page)
    for path in (data / "archive").rglob("*.json"):
        jsonschema.validate(json.loads(path.read_text("utf-8")), article_schema())


def test_each_seed_text_is_an_article_of_its_source(crawled, replicas):
    data, _ = crawled
    records = archived(data)
    seeds = {a.seed: (name, a) for name, s in replicas.items() for a in s.site.articles if a.seed}
    assert len(seeds) == 5
    for _seed, (name, article) in seeds.items():
        assert records[article_id(article.url)]["source"] == name


def test_summary_counts_sources_languages_and_rejections(crawled):
    _data, result = crawled
    assert "Crawl summary" in result.stdout
    assert "language" in result.stdout and "az:1" in result.stdout
    assert "Traceback" not in result.stderr


def test_searches_in_each_language_find_the_expected_articles(crawled):
    data, _ = crawled
    turkish = search(data, "Kızılay'ın toplantısı")
    assert any("Türk Devletleri Kızılay Ağı" in hit.title for hit in turkish.hits)
    russian = search(data, "Марал Ачилова")
    assert any(hit.source == "turkmenistanlive" for hit in russian.hits)
    english = search(data, "blood donation Terter")
    assert english.hits and english.hits[0].source == "redcrescent_az"


def test_index_holds_exactly_the_archive(crawled):
    from search import SearchIndex

    data, _ = crawled
    assert SearchIndex(data / "index").indexed_ids() == set(archived(data))


def test_second_crawl_fetches_no_article_again_and_writes_nothing(crawled, replicas):
    data, _ = crawled
    mtimes = {p: p.stat().st_mtime_ns for p in (data / "archive").rglob("*.json")}
    before = {name: len(server.requested_paths()) for name, server in replicas.items()}
    result = crescent("crawl", *REPLICA_SOURCES, *base_url_args(replicas), data=data)
    assert result.returncode == 0, result.stderr[-2000:]
    for name, server in replicas.items():
        article_paths = {a.url.split(server.site.real_root, 1)[1] for a in server.site.articles}
        # A second URL of an archived article (its canonical link named another) is not
        # fetched again either.
        article_paths |= {p.url.split(server.site.real_root, 1)[1] for p in server.site.excluded
                          if p.why.startswith("second category path")}
        again = server.requested_paths()[before[name]:]
        assert not article_paths & set(again), f"{name} fetched archived articles again"
    assert {p: p.stat().st_mtime_ns for p in (data / "archive").rglob("*.json")} == mtimes
    assert "archived: 0 new, 0 updated" in result.stdout


def test_scrapy_crawl_from_the_repository_root(replicas, tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    server = replicas["anadolu"]
    env = {**os.environ, "CRESCENT_DATA": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "anadolu", "-a", f"base_url={server.base_url}",
         "-s", "AUTOTHROTTLE_START_DELAY=0.01", "-s", "DOWNLOAD_DELAY=0"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(archived(tmp_path)) == len(server.site.articles)


def test_demo_runs_offline_and_searches_in_turkish_and_russian(tmp_path):
    data = tmp_path / "demo"
    result = crescent("demo", "--data", str(data), data=data, timeout=400)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "search (tr): Kızılay" in result.stdout
    assert "search (ru): Красного Полумесяца" in result.stdout
    assert "demo finished" in result.stdout
    # The monitoring act: watches added, the replicas publish, the second crawl reports.
    assert "crescent: 3 new mentions (Kızılay 2, Aslanov 1)" in result.stdout
    assert "also published by redcrescent_az" in result.stdout
    assert (data / "feeds" / "Kızılay.atom").is_file()
    total = sum(len(build_site(name, next_day=True).articles) for name in REPLICA_SOURCES)
    assert len(archived(data)) == total  # the first day's articles and the next day's
    # A directory that is not a demo directory is never wiped.
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("data")
    refused = crescent("demo", "--data", str(precious), data=precious)
    assert refused.returncode == 2 and (precious / "keep.txt").exists()


def test_a_reprint_by_another_source_records_duplicate_of(crawled):
    data, _ = crawled
    records = archived(data)
    reprints = [r for r in records.values() if r.get("duplicate_of")]
    assert [r["source"] for r in reprints] == ["anadolu"]
    [reprint] = reprints
    original = records[reprint["duplicate_of"]]
    assert original["source"] == "icrc" and original["published"] < reprint["published"]
    assert reprint["title"] != original["title"]  # found despite the new headline and footer


def test_a_csv_export_keeps_the_reprint_link(crawled, tmp_path):
    import csv

    data, _ = crawled
    out = tmp_path / "all.csv"
    result = crescent("export", "--format", "csv", "-o", str(out), data=data)
    assert result.returncode == 0, result.stderr
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    linked = {row["id"]: row["duplicate_of"] for row in rows if row["duplicate_of"]}
    assert linked == {record["id"]: record["duplicate_of"]
                      for record in archived(data).values() if record.get("duplicate_of")}
    assert len(linked) == 1
