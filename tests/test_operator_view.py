"""What an operator sees: the pages a crawl rejected, by URL with reason and detail, and a
wrong data directory named as such by every read command (never "0 results")."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli import main
from crawler.demo import build_site
from tests.conftest import crescent

READ_COMMANDS = [
    ["search", "Kızılay"], ["export"], ["show", "66f75d4a95b6a6f9"], ["stats"],
    ["stats", "--rejected"], ["history", "66f75d4a95b6a6f9"], ["check"],
]


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("command", READ_COMMANDS, ids=[" ".join(c) for c in READ_COMMANDS])
def test_a_data_directory_that_does_not_exist_is_an_error_naming_it(tmp_path, command):
    missing = tmp_path / "no" / "such" / "dir"
    result = run(*command, "--data", str(missing))
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and str(missing) in lines[0] and "no data directory" in lines[0]
    assert not missing.exists()  # a read command creates nothing


@pytest.mark.parametrize("command", READ_COMMANDS, ids=[" ".join(c) for c in READ_COMMANDS])
def test_a_data_directory_without_an_archive_is_an_error_naming_it(tmp_path, command):
    (tmp_path / "notes.txt").write_text("not a crescent data directory")
    result = run(*command, "--data", str(tmp_path))
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and str(tmp_path) in lines[0] and "no archive" in lines[0]


def test_a_file_given_as_the_data_directory_is_an_error(tmp_path):
    afile = tmp_path / "file"
    afile.write_text("x")
    result = run("search", "x", "--data", str(afile))
    assert result.exit_code == 2 and str(afile) in result.output


@pytest.mark.slow
def test_stats_rejected_lists_each_rejected_page_with_reason_and_detail(crawled):
    data, _ = crawled
    listed = json.loads(crescent("stats", "--rejected", "--json", data=data).stdout)
    pages = {source: {page["url"]: page for page in entry["pages"]}
             for source, entry in listed.items()}
    expected = {  # replica pages that are fetched and must be rejected: (source, why → reason)
        ("tgymj", "contacts"): "too-short", ("tgymj", "old article"): "no-date",
        ("icrc", "download-only"): "too-short", ("anadolu", "photo gallery"): "too-short",
    }
    for (source, why), reason in expected.items():
        site = build_site(source)
        urls = [page.url for page in site.excluded if page.why.startswith(why)]
        assert urls, (source, why)
        for url in urls:
            page = pages[source].get(url)
            assert page is not None, f"{url} not listed"
            assert page["reason"] == reason, page
            assert page["detail"] or reason == "no-date", page  # how short, in characters
        counts = listed[source]["counts"]
        assert sum(counts.values()) >= len(pages[source])  # the counts stay too
    azerbaijani = [page for page in pages["redcrescent_az"].values()
                   if page["reason"] == "language"]
    assert azerbaijani and all(page["detail"] == "az" for page in azerbaijani)
    assert all("127.0.0.1" not in url for entry in pages.values() for url in entry)

    one = json.loads(crescent("stats", "--rejected", "--source", "tgymj", "--json",
                              data=data).stdout)
    assert list(one) == ["tgymj"]
    table = crescent("stats", "--rejected", "--source", "tgymj", data=data)
    assert table.returncode == 0
    assert "https://tgymj.gov.tm/en/9-news/1400-contacts" in table.stdout
    assert "too-short" in table.stdout and "no-date" in table.stdout
    unknown = crescent("stats", "--rejected", "--source", "nosuch", data=data)
    assert unknown.returncode == 2 and "nosuch" in unknown.stderr
