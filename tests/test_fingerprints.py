"""archive.fingerprints: a crawl learns the archive's fingerprints without reading every article."""

from __future__ import annotations

import json

import pytest

from archive.dedupe import SharedArchive
from archive.fingerprints import HEADER, cache_path
from archive.store import ArchiveStore
from crawler.urls import article_id
from tests.test_archive import record

TEXTS = [
    "Azerbaycan Kızılay Derneği Bakü'de gönüllüleri için bir ilk yardım eğitimi düzenledi.",
    "Общество Красного Полумесяца Туркменистана провело в Ашхабаде акцию по сдаче крови.",
    "The ICRC delivered medical supplies to hospitals after the floods in the region.",
]


def article(number: int, **changes) -> dict:
    url = f"https://www.aa.com.tr/tr/dunya/haber/{3747000 + number}"
    return record(id=article_id(url), url=url, text=TEXTS[number % 3] + f" Haber {number}.",
                  published=f"2025-11-{10 + number:02d}") | changes


def table(archive: SharedArchive) -> dict:
    near = archive.near
    return {near.ids[i]: near.fingerprint_of(i) for i in range(len(near.ids))}


def load(root, monkeypatch) -> tuple[SharedArchive, list]:
    """A new crawl's archive, loaded; and the article files it had to read."""
    reads = []
    real_read = ArchiveStore.read
    monkeypatch.setattr(ArchiveStore, "read",
                        lambda self, path: reads.append(path.name) or real_read(self, path))
    archive = SharedArchive(root)
    archive.start_loading().result()
    monkeypatch.setattr(ArchiveStore, "read", real_read)
    return archive, reads


@pytest.fixture
def crawled(tmp_path):
    """An archive of six articles written by a crawl that closed (and so wrote the cache)."""
    root = tmp_path / "archive"
    archive = SharedArchive(root)
    for number in range(6):
        archive.save_now(article(number))
    archive.close()
    return root, table(archive)


def test_a_crawl_takes_unchanged_articles_fingerprints_from_the_cache(crawled, monkeypatch):
    root, written = crawled
    assert cache_path(root).read_text().startswith(HEADER)
    archive, reads = load(root, monkeypatch)
    assert reads == [] and table(archive) == written
    archive.close()


def test_a_file_changed_behind_the_cache_is_read_and_the_cache_mended(crawled, monkeypatch):
    root, written = crawled
    changed = ArchiveStore(root).path_of(article(2)["id"])
    stored = json.loads(changed.read_text())
    stored["simhash"] = "0123456789abcdef"  # as a crawl killed before it closed left it
    changed.write_text(json.dumps(stored))
    archive, reads = load(root, monkeypatch)
    assert reads == [changed.name]
    assert table(archive)[article(2)["id"]][1] == "0123456789abcdef"
    assert {key: value for key, value in table(archive).items() if key != article(2)["id"]} == {
        key: value for key, value in written.items() if key != article(2)["id"]}
    again, reads = load(root, monkeypatch)  # the load wrote the mended cache
    assert reads == [] and table(again) == table(archive)


def test_a_crawl_that_never_closed_costs_only_its_own_articles(crawled, monkeypatch):
    root, _ = crawled
    killed = SharedArchive(root)
    killed.save_now(article(6))  # new
    killed.save_now(article(1, text=TEXTS[2] + " A new paragraph."))  # a new version
    # killed: no close(), so the cache does not know these two files
    archive, reads = load(root, monkeypatch)
    assert sorted(reads) == sorted(f"{article(n)['id']}.json" for n in (1, 6))
    assert table(archive) == table(killed)


@pytest.mark.parametrize("damage", [
    b"", b"not a cache\n", HEADER.encode() + b"\xff\xfe broken\n",
    HEADER.encode() + b"0123456789abcdef\t1\t2\tzz\tanadolu\t2025\n",
])
def test_a_damaged_cache_only_costs_the_reading(crawled, monkeypatch, damage):
    root, written = crawled
    cache_path(root).write_bytes(damage)
    stale = cache_path(root).parent / f".{cache_path(root).name}.x1y2.tmp"
    stale.write_text("half a cache")
    archive, reads = load(root, monkeypatch)
    assert len(reads) == 6 and table(archive) == written
    assert not stale.exists() and cache_path(root).read_text().startswith(HEADER)


def test_a_cache_line_of_another_article_vouches_for_nothing(crawled, monkeypatch):
    root, written = crawled
    lines = cache_path(root).read_text().splitlines(keepends=True)
    first, second = lines[1], lines[2]
    # The first article's line, under the second one's id: stamps differ, so it is read.
    forged = second[:16] + first[16:]
    cache_path(root).write_text("".join([lines[0], first, forged, *lines[3:]]))
    archive, reads = load(root, monkeypatch)
    assert reads == [f"{second[:16]}.json"] and table(archive) == written


def test_a_new_version_replaces_the_fingerprint_in_the_table(tmp_path):
    archive = SharedArchive(tmp_path / "archive")
    archive.save_now(article(0))
    before = table(archive)[article(0)["id"]][1]
    archive.save_now(article(0, text=TEXTS[1] + " Совсем другой текст статьи."))
    after = table(archive)[article(0)["id"]][1]
    assert after != before and len(archive.near.ids) == 1
    archive.close()
