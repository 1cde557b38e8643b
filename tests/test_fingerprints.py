"""archive.fingerprints: a crawl learns the archive's fingerprints without reading every article,
and without looking at the files of folders that have not changed."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from archive.atomic import atomic_write_bytes
from archive.dedupe import SharedArchive
from archive.fingerprints import NOT_VOUCHED, cache_path, read_cache, write_cache
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
    # Two months: two folders of three articles.
    return record(id=article_id(url), url=url, text=TEXTS[number % 3] + f" Haber {number}.",
                  published=f"2025-{10 + number % 2:02d}-{10 + number:02d}") | changes


def table(archive: SharedArchive) -> dict:
    near = archive.near
    return {near.ids[i]: near.fingerprint_of(i) for i in range(len(near.ids))}


def load(root, monkeypatch) -> tuple[SharedArchive, list, list]:
    """A new crawl's archive, loaded; the article files it read, and those it looked at."""
    reads, looked = [], []
    real_read, real_stat = ArchiveStore.read, Path.stat
    monkeypatch.setattr(ArchiveStore, "read",
                        lambda self, path: reads.append(path.name) or real_read(self, path))

    def stat(path, *args, **kwargs):
        if path.suffix == ".json":
            looked.append(path.name)
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    archive = SharedArchive(root)
    archive.start_loading().result()
    monkeypatch.setattr(ArchiveStore, "read", real_read)
    monkeypatch.setattr(Path, "stat", real_stat)
    return archive, reads, looked


def replace(path: Path, change) -> None:
    """Rewrite an article file as crescent does: a new file renamed into place."""
    stored = json.loads(path.read_text())
    change(stored)
    atomic_write_bytes(path, json.dumps(stored).encode())


@pytest.fixture
def crawled(tmp_path):
    """An archive of six articles written by a crawl that closed (and so wrote the cache)."""
    root = tmp_path / "archive"
    archive = SharedArchive(root)
    for number in range(6):
        archive.save_now(article(number))
    archive.close()
    return root, table(archive)


def test_unchanged_folders_are_taken_from_the_cache_without_looking_at_their_files(
        crawled, monkeypatch):
    root, written = crawled
    cache = read_cache(cache_path(root))
    assert cache is not None and len(cache) == 6 and sorted(cache.folders) == [
        "anadolu/2025/10", "anadolu/2025/11"]
    assert (cache.folder_mtimes != NOT_VOUCHED).all()
    archive, reads, looked = load(root, monkeypatch)
    assert reads == [] and looked == [] and table(archive) == written
    archive.close()


def test_a_file_replaced_behind_the_cache_is_read_and_the_cache_mended(crawled, monkeypatch):
    root, written = crawled
    changed = ArchiveStore(root).path_of(article(2)["id"])
    # As a crawl killed before it closed leaves it: a new file renamed into place.
    replace(changed, lambda stored: stored.update(simhash="0123456789abcdef", padding="x"))
    archive, reads, looked = load(root, monkeypatch)
    assert reads == [changed.name]
    # Only the changed folder's files were looked at; the other folder came whole.
    assert set(looked) == {f"{article(n)['id']}.json" for n in (0, 2, 4)}
    assert table(archive)[article(2)["id"]][1] == "0123456789abcdef"
    assert {key: value for key, value in table(archive).items() if key != article(2)["id"]} == {
        key: value for key, value in written.items() if key != article(2)["id"]}
    again, reads, looked = load(root, monkeypatch)  # the load wrote the mended cache
    assert reads == [] and looked == [] and table(again) == table(archive)


def test_a_crawl_that_never_closed_costs_only_its_own_articles(crawled, monkeypatch):
    root, _ = crawled
    killed = SharedArchive(root)
    killed.save_now(article(6))  # new
    killed.save_now(article(1, text=TEXTS[2] + " A new paragraph."))  # a new version
    # killed: no close(), so the cache does not know these two files
    archive, reads, _looked = load(root, monkeypatch)
    assert sorted(reads) == sorted(f"{article(n)['id']}.json" for n in (1, 6))
    assert table(archive) == table(killed)


def test_an_article_that_moved_month_is_read_and_its_old_folder_checked(crawled, monkeypatch):
    root, _ = crawled
    first = SharedArchive(root)
    first.start_loading().result()
    first.save_now(article(3, published="2025-10-30", text=TEXTS[0] + " Taşındı."))
    first.close()
    moved = ArchiveStore(root).path_of(article(3)["id"])
    assert moved.parent.name == "10"
    archive, reads, looked = load(root, monkeypatch)
    assert reads == [] and looked == []  # the closing crawl stamped both folders anew
    assert table(archive) == table(first)


@pytest.mark.parametrize("damage", ["empty", "garbage", "columns", "lengths", "index",
                                    "folder", "source", "duplicate"])
def test_a_damaged_or_forged_cache_only_costs_the_reading(crawled, monkeypatch, damage):
    root, written = crawled
    path = cache_path(root)
    if damage == "empty":
        path.write_bytes(b"")
    elif damage == "garbage":
        path.write_bytes(b"PK\x03\x04 not really a zip")
    elif damage == "columns":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("ids.npy", b"\x93NUMPY")
        path.write_bytes(buffer.getvalue())
    else:
        cache = read_cache(path)
        if damage == "lengths":
            cache.sizes = cache.sizes[:-1]
        elif damage == "index":
            cache.source_of[0] = 7
        elif damage == "folder":
            cache.folders[0] = "../../etc"
        elif damage == "source":
            cache.sources[0] = "anadolu\tforged"
        elif damage == "duplicate":
            cache.ids[1] = cache.ids[0]
        write_cache(path, cache)
    stale = path.parent / f".{path.name}.x1y2.tmp"
    stale.write_text("half a cache")
    archive, reads, _looked = load(root, monkeypatch)
    assert len(reads) == 6 and table(archive) == written
    assert not stale.exists() and read_cache(path) is not None


def test_a_folder_the_cache_does_not_vouch_for_has_each_file_checked(crawled, monkeypatch):
    root, written = crawled
    path = cache_path(root)
    cache = read_cache(path)
    cache.folder_mtimes[:] = NOT_VOUCHED
    # The first article's fingerprint, under the second one's id: its stamp differs, so read.
    first, second = 0, 1
    cache.simhashes[second] = cache.simhashes[first]
    cache.sizes[second] += 1
    write_cache(path, cache)
    archive, reads, looked = load(root, monkeypatch)
    assert reads == [f"{cache.id_strings()[second]}.json"] and len(set(looked)) == 6
    assert table(archive) == written


def test_an_unreadable_article_keeps_its_folder_checked(crawled, monkeypatch):
    root, _ = crawled
    broken = ArchiveStore(root).path_of(article(4)["id"])
    atomic_write_bytes(broken, b"{torn")
    archive, reads, _ = load(root, monkeypatch)
    assert reads == [broken.name]  # read, failed: `crescent check` names it
    folders = dict(zip(read_cache(cache_path(root)).folders,
                       read_cache(cache_path(root)).folder_mtimes.tolist(), strict=True))
    assert folders["anadolu/2025/10"] == NOT_VOUCHED and folders["anadolu/2025/11"] > 0
    _archive, reads, _ = load(root, monkeypatch)
    assert reads == [broken.name]  # still read each time, never vouched for
    del archive


def test_the_cache_of_the_earlier_format_is_replaced(tmp_path):
    root = tmp_path / "archive"
    old = cache_path(root).with_name("fingerprints.tsv")
    old.parent.mkdir(parents=True)
    old.write_text("crescent-fingerprints\t1\n")
    archive = SharedArchive(root)
    archive.save_now(article(0))
    archive.close()
    assert not old.exists() and len(read_cache(cache_path(root))) == 1


def test_a_load_of_many_articles_looks_at_no_file(tmp_path, monkeypatch):
    """The property a million-article archive needs: with the cache, the load's cost does not
    include a stat or a read per article (10 s and minutes at a million)."""
    root = tmp_path / "archive"
    store = ArchiveStore(root)
    for number in range(600):
        store.save(article(number, published=f"20{10 + number % 12}-{1 + number % 12:02d}-01"))
    first = SharedArchive(root)
    first.start_loading().result()  # reads every file once and writes the cache
    first.close()
    archive, reads, looked = load(root, monkeypatch)
    assert reads == [] and looked == [] and len(archive.near.ids) == 600
    os.utime(store.path_of(article(5)["id"]).parent)  # one folder's time moves
    archive, reads, looked = load(root, monkeypatch)
    assert reads == [] and 0 < len(looked) < 600


def test_a_new_version_replaces_the_fingerprint_in_the_table(tmp_path):
    archive = SharedArchive(tmp_path / "archive")
    archive.save_now(article(0))
    before = table(archive)[article(0)["id"]][1]
    archive.save_now(article(0, text=TEXTS[1] + " Совсем другой текст статьи."))
    after = table(archive)[article(0)["id"]][1]
    assert after != before and len(archive.near.ids) == 1
    archive.close()


def test_extend_matches_one_by_one_adds():
    from archive.dedupe import NearDuplicates

    one, many = NearDuplicates(), NearDuplicates()
    rows = [(f"{n:016x}", f"{n * 7919:016x}", "anadolu" if n % 2 else "icrc", f"2025-01-{n:02d}")
            for n in range(1, 9)]
    for row in rows:
        one.add_fingerprint(*row)
    many.extend([r[0] for r in rows], np.array([int(r[1], 16) for r in rows], np.uint64),
                [r[2] for r in rows], [r[3] for r in rows])
    assert [one.fingerprint_of(i) for i in range(8)] == [many.fingerprint_of(i) for i in range(8)]
    assert many.positions == one.positions


@pytest.mark.parametrize("text", [
    "", "one", "two words", "Kızılay'ın gönüllüleri İstanbul'da",
    "Национальное общество Красного Полумесяца Туркменистана провело семинар " * 40,
    " ".join(f"word{n % 97} другое{n % 13}" for n in range(3_000)),
    "The same sentence again. " * 300 + "A footer added by an agency.",
])
def test_fingerprint_is_the_simhash_packages_value(text):
    import re

    from simhash import Simhash

    from archive.dedupe import SHINGLE_WORDS, fingerprint

    words = re.findall(r"\w+", text.casefold())
    shingles = [" ".join(words[i: i + SHINGLE_WORDS])
                for i in range(max(1, len(words) - SHINGLE_WORDS + 1))]
    assert fingerprint(text) == f"{Simhash(shingles).value:016x}"
