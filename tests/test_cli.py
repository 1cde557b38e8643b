"""Every crescent command through its real entry point (click's runner), error cases included."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter

import pytest
from click.testing import CliRunner

from archive.store import ArchiveStore
from cli import main
from crawler.demo import build_site
from crawler.extract import Article, extract
from crawler.items import ArticleItem
from search.index import SearchIndex, document_for
from spiders.anadolu import AnadoluSpider

SEED_URL = ("https://www.aa.com.tr/tr/dunya/"
            "azerbaycanda-turk-devletleri-kizilay-agi-toplantisi-yapildi/3747971")
RUSSIAN = sum(a.language == "ru" for a in build_site("anadolu").articles)  # the replica's


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """An archive and index of the anadolu replica, built through the real extractor."""
    root = tmp_path_factory.mktemp("cli-data")
    site = build_site("anadolu")
    store = ArchiveStore(root / "archive")
    documents = []
    for expected in site.articles:
        page = site.lookup(expected.url.removeprefix(site.real_root))
        article = extract(page.body, expected.url, _hints())
        assert isinstance(article, Article)
        record = ArticleItem.from_article(article, "anadolu").record()
        store.save(record)
        documents.append(document_for(store.load(record["id"]),
                                      store.relative(store.path_of(record["id"]))))
    SearchIndex(root / "index").update(documents)
    return root


def _hints():
    from crawler.extract import SourceHints

    return SourceHints(source="anadolu", languages=AnadoluSpider.languages,
                       date_selectors=AnadoluSpider.date_selectors,
                       remove_selectors=AnadoluSpider.remove_selectors,
                       author_selectors=AnadoluSpider.author_selectors,
                       site_names=AnadoluSpider.site_names)


def run(*args, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, **kwargs)


def test_search_prints_ranked_results_with_snippets(data):
    result = run("search", "Kızılay'ın", "--data", data, "--lang", "tr", "--limit", "3")
    assert result.exit_code == 0
    assert "result(s) for Kızılay'ın" in result.output
    assert result.output.count("· anadolu · tr ·") == 3


def test_search_json_has_the_documented_fields(data):
    result = run("search", "Aslanov", "--data", data, "--json")
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows and set(rows[0]) == {"id", "url", "source", "language", "title", "published",
                                     "score", "snippet"}
    assert any(row["url"] == SEED_URL for row in rows)
    assert "<mark>Aslanov</mark>" in rows[0]["snippet"]


def test_search_sort_by_date_and_filters(data):
    result = run("search", "*", "--data", data, "--sort", "date", "--json", "--limit", "50",
                 "--since", "2025-05-01", "--until", "2025-10-31", "--lang", "tr")
    rows = [json.loads(line) for line in result.output.splitlines()]
    days = [row["published"] for row in rows]
    assert days == sorted(days, reverse=True)
    assert all(row["score"] is None for row in rows)  # no fake relevance when sorted by date
    assert days and all("2025-05-01" <= day <= "2025-10-31" for day in days)


@pytest.mark.parametrize(("args", "message"), [
    (["search", '"Kızılay'], "unbalanced quotes"),
    (["search", "nosuch:x"], "unknown field"),
    (["search", "x", "--source", "nosuchsource"], "unknown source"),
    (["search", "x", "--since", "2025-13-45"], "not a date"),
    (["search", "x", "--lang", "turkish"], "not ISO 639-1"),
    (["show", "../../etc/passwd"], "not an article id"),
    (["crawl", "nosuchsource"], "unknown source"),
    (["crawl"], "name one or more sources"),
    (["crawl", "anadolu", "--base-url", "ftp://x"], "--base-url must be"),
    (["crawl", "--site", "not a url"], "--site must be"),
    (["extract"], "either FILE"),
])
def test_bad_input_is_one_line_and_exit_code_2(data, args, message):
    result = run(*args, "--data", data) if args[0] != "crawl" or len(args) > 1 else run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_show_prints_the_article_and_json(data):
    article_id = json.loads(run("search", "Aslanov", "--data", data, "--json").output
                            .splitlines()[0])["id"]
    text = run("show", article_id, "--data", data)
    assert text.exit_code == 0 and "anadolu" in text.output
    stored = json.loads(run("show", article_id, "--data", data, "--json").output)
    assert stored["id"] == article_id and stored["version"] == 1
    missing = run("show", "0123456789abcdef", "--data", data)
    assert missing.exit_code == 1 and "no article" in missing.output


def test_stats_counts_by_source_language_month(data):
    result = run("stats", "--data", data, "--json")
    counts = json.loads(result.output)
    from collections import Counter

    expected = build_site("anadolu").articles
    assert counts["total"] == len(expected)
    assert counts["by_language"] == dict(Counter(a.language for a in expected))
    assert counts["by_month"] == dict(sorted(Counter(a.published[:7] for a in expected).items()))
    assert "by source and language" in run("stats", "--data", data).output


def test_export_jsonl_and_csv(data, tmp_path):
    jsonl = run("export", "--data", data, "--lang", "ru")
    rows = [json.loads(line) for line in jsonl.output.splitlines()]
    assert len(rows) == RUSSIAN and all(row["language"] == "ru" for row in rows)
    out = tmp_path / "tr.csv"
    result = run("export", "Kızılay", "--data", data, "--format", "csv", "-o", out)
    assert result.exit_code == 0
    table = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    assert table and all("id" in row and row["text"] for row in table)
    assert any(row["authors"] == "Ruslan Rehimov" for row in table)


def test_export_to_a_file_writes_a_manifest_that_vouches_for_it(data, tmp_path):
    import hashlib

    out = tmp_path / "russian.jsonl"
    result = run("export", "--data", data, "--lang", "ru", "-o", out)
    assert result.exit_code == 0 and "manifest: russian.jsonl.manifest.json" in result.output
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    manifest = json.loads((tmp_path / "russian.jsonl.manifest.json").read_text("utf-8"))
    assert manifest["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert manifest["bytes"] == out.stat().st_size and manifest["articles"] == len(rows) == RUSSIAN
    assert manifest["by_language"] == {"ru": RUSSIAN}
    assert manifest["by_source"] == dict(Counter(row["source"] for row in rows))
    published = sorted(row["published"] for row in rows)
    assert manifest["published"] == {"first": published[0], "last": published[-1]}
    assert manifest["selection"]["languages"] == ["ru"] and manifest["selection"]["query"] is None
    assert manifest["file"] == "russian.jsonl" and manifest["created_by"].startswith("crescent ")

    searched = tmp_path / "kizilay.csv"
    assert run("export", "Kızılay", "--data", data, "--format", "csv", "-o", searched,
               "--exact").exit_code == 0
    described = json.loads((tmp_path / "kizilay.csv.manifest.json").read_text("utf-8"))
    assert described["selection"] | {"engine": None} == {
        "query": "Kızılay", "exact": True, "engine": None, "languages": [], "sources": [],
        "since": None, "until": None}
    assert described["selection"]["engine"] in ("whoosh", "tantivy")
    assert described["fields"][0] == "id"
    assert described["sha256"] == hashlib.sha256(searched.read_bytes()).hexdigest()


@pytest.mark.parametrize("args", [
    ["export", "-o"], ["search", "Kızılay", "--by", "month", "--csv"],
])
def test_an_output_that_cannot_be_written_is_one_line_not_a_traceback(data, tmp_path, args):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    target = blocker / "out.csv"
    result = run(*args, str(target), "--data", data)
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    [line] = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert str(target) in line and ".tmp" not in line


def test_export_manifest_options(data, tmp_path):
    out = tmp_path / "all.jsonl"
    assert run("export", "--data", data, "-o", out, "--no-manifest").exit_code == 0
    assert out.exists() and not (tmp_path / "all.jsonl.manifest.json").exists()
    refused = run("export", "--data", data, "--manifest")
    assert refused.exit_code == 2 and "--manifest needs -o FILE" in refused.output
    assert "Traceback" not in refused.output


def test_sources_lists_every_spider():
    rows = json.loads(run("sources", "--json").output)
    names = {row["name"] for row in rows}
    assert {"anadolu", "icrc", "redcrescent_az", "turkmenportal"} <= names
    assert all(row["languages"] and row["start_urls"] for row in rows)


def test_reindex_rebuilds_from_the_archive(data, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(data / "archive", copy / "archive")
    result = run("reindex", "--data", copy)
    total = len(build_site("anadolu").articles)
    assert result.exit_code == 0 and f"indexed {total} article(s)" in result.output
    assert SearchIndex(copy / "index").indexed_ids() == SearchIndex(data / "index").indexed_ids()
    assert run("reindex", "--data", tmp_path / "empty").exit_code == 2


def test_extract_single_page_and_rejection(tmp_path):
    site = build_site("anadolu")
    page = tmp_path / "seed.html"
    page.write_bytes(site.lookup(SEED_URL.removeprefix(site.real_root)).body)
    result = run("extract", page, "--url", SEED_URL, "--source", "anadolu")
    article = json.loads(result.output)
    assert result.exit_code == 0 and article["published"] == "2025-11-19"
    assert article["authors"] == ["Ruslan Rehimov"]
    empty = tmp_path / "empty.html"
    empty.write_text("<html><body><p>Contact us</p></body></html>")
    rejected = run("extract", empty, "--url", "https://example.org/contact")
    assert rejected.exit_code == 1
    assert json.loads(rejected.output)["rejected"].startswith("too-short")


def test_extract_batch(tmp_path):
    site = build_site("anadolu")
    lines = []
    for number, expected in enumerate(site.articles[:3]):
        path = tmp_path / f"{number}.html"
        path.write_bytes(site.lookup(expected.url.removeprefix(site.real_root)).body)
        lines.append(f"{path.name}\t{expected.url}")
    lines.append("missing.html\thttps://example.org/x")
    listing = tmp_path / "list.tsv"
    listing.write_text("\n".join(lines) + "\n")
    result = run("extract", "--batch", listing, "--source", "anadolu")
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [row["path"] for row in rows] == ["0.html", "1.html", "2.html", "missing.html"]
    assert all(row.get("title") for row in rows[:3]) and rows[3]["rejected"] == "missing-file"


# --- search: engines, --exact, --facets, coverage over time -------------------------------------
@pytest.fixture(scope="module")
def both(data, tmp_path_factory):
    """The same archive with both engines' indexes."""
    import shutil

    root = tmp_path_factory.mktemp("cli-both")
    shutil.copytree(data / "archive", root / "archive")
    result = run("reindex", "--data", root, "--engine", "tantivy")
    count = len(list(ArchiveStore(root / "archive").iter_records()))
    assert result.exit_code == 0 and f"indexed {count} article(s)" in result.output
    assert "(tantivy)" in result.output
    assert run("reindex", "--data", root, "--engine", "whoosh").exit_code == 0
    return root


def _ids(result) -> list[str]:
    return [json.loads(line)["id"] for line in result.output.splitlines()]


def test_search_on_either_engine_finds_the_same_articles(both):
    for query in ("Aslanov", "Kızılay'ın", '"Türk Kızılay"', "Ачилова OR Acilova"):
        whoosh = run("search", query, "--data", both, "--json", "--limit", "50")
        tantivy = run("search", query, "--data", both, "--json", "--limit", "50",
                      "--engine", "tantivy")
        assert whoosh.exit_code == tantivy.exit_code == 0
        assert set(_ids(whoosh)) == set(_ids(tantivy)) and _ids(whoosh), query


def test_the_data_directorys_config_chooses_the_engine(both, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(both, copy)
    shutil.rmtree(copy / "index")  # only the tantivy index is left
    assert run("search", "Aslanov", "--data", copy).exit_code == 2  # whoosh: no index
    (copy / "config.toml").write_text('[search]\nengine = "tantivy"\n')
    result = run("search", "Aslanov", "--data", copy)
    assert result.exit_code == 0 and "result(s) for Aslanov" in result.output
    (copy / "config.toml").write_text('[search]\nengine = "lucene"\n')
    bad = run("search", "Aslanov", "--data", copy)
    assert bad.exit_code == 2 and "unknown engine 'lucene'" in bad.output


def test_exact_turns_expansion_off(both):
    for engine in ("whoosh", "tantivy"):
        expanded = run("search", "Kızılay'ın", "--data", both, "--json", "--limit", "50",
                       "--engine", engine)
        exact = run("search", "Kızılay'ın", "--data", both, "--json", "--limit", "50",
                    "--engine", engine, "--exact")
        assert 0 < len(_ids(exact)) < len(_ids(expanded))
        snippets = [json.loads(line)["snippet"] for line in exact.output.splitlines()]
        assert all("<mark>Kızılay'ın</mark>" in s or "<mark>Kızılay’ın</mark>" in s
                   for s in snippets)


def test_facets_count_every_match(both):
    text = run("search", "Kızılay", "--data", both, "--facets", "--limit", "1")
    assert "by source: anadolu" in text.output and "by language: tr" in text.output
    assert "by month: 2025-01" in text.output
    rows = run("search", "Kızılay", "--data", both, "--facets", "--json", "--engine", "tantivy")
    facets = json.loads(rows.output.splitlines()[-1])["facets"]
    total = sum(facets["language"].values())
    assert set(facets) == {"source", "language", "month"}
    assert total == sum(facets["month"].values()) == sum(facets["source"].values()) > 10


def test_coverage_over_time_table_bars_and_csv(both, tmp_path):
    result = run("search", "Kızılay OR Kizilay", "--data", both, "--by", "month")
    assert result.exit_code == 0 and "articles per month" in result.output
    assert "2025-11" in result.output and "█" in result.output
    out = tmp_path / "cover.csv"
    written = run("search", "Kızılay OR Kizilay", "--data", both, "--by", "week", "--csv", out,
                  "--engine", "tantivy")
    assert written.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    assert rows and set(rows[0]) >= {"period", "query", "tr", "total"}
    assert all(re.fullmatch(r"\d{4}-W\d{2}", row["period"]) for row in rows)
    assert all(int(row["total"]) == sum(int(row[k]) for k in row if len(k) == 2) for row in rows)


def test_named_queries_are_compared_over_time(both):
    result = run("search", "-q", "aslanov=Aslanov", "-q", "kizilay=Kızılay", "--data", both,
                 "--by", "day", "--csv", "-")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert {row["query"] for row in rows} == {"aslanov", "kizilay"}
    day = [row for row in rows if row["period"] == "2025-11-19"]
    assert {row["query"]: int(row["total"]) for row in day}["aslanov"] >= 2
    text = run("search", "-q", "aslanov=Aslanov", "-q", "kizilay=Kızılay", "--data", both)
    assert "aslanov" in text.output and "kizilay" in text.output and "total:" in text.output


def test_export_on_tantivy_with_exact(both):
    result = run("export", "Kızılay'ın", "--data", both, "--engine", "tantivy", "--exact")
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows and all("Kızılay'ın" in row["text"] + row["title"] or
                        "Kızılay’ın" in row["text"] + row["title"] for row in rows)


@pytest.mark.parametrize(("args", "message"), [
    (["search", "-q", "no-equals-sign"], "is not NAME=QUERY"),
    (["search", "x", "-q", "a=b"], "either QUERY or -q"),
    (["search"], "give a QUERY"),
    (["search", "x", "--csv", "out.csv"], "add --by"),
    (["search", "x", "--engine", "lucene"], "Invalid value for '--engine'"),
    (["search", "x", "--by", "year"], "Invalid value for '--by'"),
    (["search", "x", "--engine", "tantivy"], "reindex --engine tantivy"),
    (["search", "(x", "--by", "month"], "unbalanced parentheses"),
])
def test_bad_search_input_is_one_line_and_exit_code_2(data, args, message):
    result = run(*args, "--data", data)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("args", [
    ["reindex"], ["check", "--repair"], ["export"], ["crawl", "--site", "http://127.0.0.1:9/"],
])
def test_an_unreadable_archive_file_is_named_in_one_line_not_a_traceback(data, tmp_path, args):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(data, copy)
    first = sorted((copy / "archive").rglob("*.json"))[0]
    first.write_text(first.read_text("utf-8")[:200], "utf-8")  # cut off mid-record
    if args[0] == "crawl":  # a crawl reads the archive whole when it rebuilds a missing index
        shutil.rmtree(copy / "index")
    result = run(*args, "--data", copy)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    [line] = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert first.name in line and "crescent check" in line
