"""archive.store: layout, schema, atomic writes, versions; crawler.urls: ids of URL variants."""

import json
import os
from pathlib import Path

import jsonschema
import pytest

import archive.store as store_module
from archive.atomic import atomic_write_bytes
from archive.store import ArchiveError, ArchiveStore, SaveResult, article_schema
from crawler.urls import article_id, clean_url, url_key


def record(**changes):
    base = {
        "id": article_id("https://www.aa.com.tr/tr/dunya/kizilay/3747971"),
        "url": "https://www.aa.com.tr/tr/dunya/kizilay/3747971",
        "source": "anadolu", "language": "tr", "language_confidence": 0.99,
        "title": "Kızılay toplantısı", "text": "Bakü'de toplantı yapıldı.",
        "published": "2025-11-19", "date_source": "text", "modified": None,
        "authors": ["Ruslan Rehimov"], "description": None,
        "fetched_at": "2025-11-20T08:00:00Z", "word_count": 3,
    }
    return base | changes


def test_layout_and_schema(tmp_path):
    store = ArchiveStore(tmp_path)
    assert store.save(record()) is SaveResult.NEW
    path = tmp_path / "anadolu" / "2025" / "11" / f"{record()['id']}.json"
    stored = json.loads(path.read_text("utf-8"))
    jsonschema.validate(stored, article_schema())
    assert stored["version"] == 1 and len(stored["content_sha256"]) == 64


def test_unchanged_article_writes_nothing(tmp_path):
    store = ArchiveStore(tmp_path)
    store.save(record())
    path = store.path_of(record()["id"])
    before = path.stat().st_mtime_ns
    again = ArchiveStore(tmp_path).save(record(fetched_at="2025-12-01T00:00:00Z"))
    assert again is SaveResult.UNCHANGED
    assert path.stat().st_mtime_ns == before
    assert json.loads(path.read_text())["fetched_at"] == "2025-11-20T08:00:00Z"


def test_changed_article_keeps_earlier_version(tmp_path):
    store = ArchiveStore(tmp_path)
    store.save(record())
    assert store.save(record(title="Kızılay toplantısı sona erdi")) is SaveResult.UPDATED
    current = store.load(record()["id"])
    assert current["title"] == "Kızılay toplantısı sona erdi" and current["version"] == 2
    [earlier] = store.versions(record()["id"])
    assert earlier["title"] == "Kızılay toplantısı" and earlier["version"] == 1
    jsonschema.validate(earlier, article_schema())


def test_check_finds_a_missing_earlier_version_from_one_walk(tmp_path):
    from archive.check import check_archive

    store = ArchiveStore(tmp_path)
    for title in ("Kızılay toplantısı", "Kızılay toplantısı sürüyor", "Kızılay toplantısı bitti"):
        store.save(record(title=title))
    other = record(url="https://www.aa.com.tr/tr/dunya/kizilay/3747972",
                   id=article_id("https://www.aa.com.tr/tr/dunya/kizilay/3747972"))
    store.save(other)
    report = check_archive(tmp_path)
    assert (report.articles, report.versions, report.problems) == (2, 2, [])
    folder = store.path_of(record()["id"]).parent
    (folder / f"{record()['id']}.v1.json").unlink()
    report = check_archive(tmp_path)
    assert report.problems == [f"{record()['id']}: earlier version(s) [1] missing"]



def test_an_article_that_moves_month_takes_its_versions_along(tmp_path):
    """A corrected date moves the article to another month's folder: its earlier versions go
    with it, so history shows them all and ``check`` finds the chain whole."""
    from archive.check import check_archive

    store = ArchiveStore(tmp_path)
    store.save(record())
    store.save(record(title="Kızılay toplantısı sürüyor"))
    store.save(record(title="Kızılay toplantısı sürüyor", published="2025-12-02"))
    moved = ArchiveStore(tmp_path)  # a later process, walking the archive anew
    current = moved.load(record()["id"])
    assert current["version"] == 3 and moved.path_of(record()["id"]).parent.name == "12"
    assert [v["version"] for v in moved.versions(record()["id"])] == [1, 2]
    assert [v["published"] for v in moved.versions(record()["id"])] == ["2025-11-19"] * 2
    assert not list((tmp_path / "anadolu" / "2025" / "11").iterdir())
    report = check_archive(tmp_path)
    assert (report.articles, report.versions, report.problems) == (1, 2, [])


def test_versions_a_move_left_in_the_old_month_are_still_found(tmp_path):
    """An archive written before moves took versions along (or a move cut short by a kill) has
    earlier versions in the old month's folder: history and ``check`` still find them."""
    from archive.check import check_archive

    store = ArchiveStore(tmp_path)
    store.save(record())
    store.save(record(title="Kızılay toplantısı sürüyor"))
    store.save(record(title="Kızılay toplantısı bitti", published="2025-12-02"))
    new_folder = tmp_path / "anadolu" / "2025" / "12"
    left = new_folder / f"{record()['id']}.v1.json"
    os.replace(left, tmp_path / "anadolu" / "2025" / "11" / left.name)
    versions = ArchiveStore(tmp_path).versions(record()["id"])
    assert [(v["version"], v["title"]) for v in versions] == [
        (1, "Kızılay toplantısı"), (2, "Kızılay toplantısı sürüyor")]
    assert check_archive(tmp_path).problems == []
    (tmp_path / "anadolu" / "2025" / "11" / left.name).unlink()
    assert [v["version"] for v in ArchiveStore(tmp_path).versions(record()["id"])] == [2]
    assert check_archive(tmp_path).problems == [f"{record()['id']}: earlier version(s) [1] missing"]

def test_interrupted_write_leaves_the_old_file_intact(tmp_path, monkeypatch):
    store = ArchiveStore(tmp_path)
    store.save(record())
    path = store.path_of(record()["id"])
    original = path.read_bytes()

    def crash(*_args):
        raise OSError("simulated crash before rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        ArchiveStore(tmp_path).save(record(text="Yeni metin " * 10))
    assert path.read_bytes() == original
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_stale_temp_files_are_cleaned(tmp_path):
    (tmp_path / "anadolu").mkdir()
    stale = tmp_path / "anadolu" / ".abc.json.xyz.tmp"
    stale.write_text("{half")
    assert ArchiveStore(tmp_path).cleanup() == 1
    assert not stale.exists()


def test_a_crawl_start_walks_the_archive_once(tmp_path, monkeypatch):
    """The index check, the archive writer and every spider share one walk of the archive (at
    100,000 articles each walk takes ~0.4 s, and a crawl of six sources made eight)."""
    from archive.dedupe import SharedArchive
    from crawler.maintenance import repair_index_if_behind
    from search import reindex
    from spiders.anadolu import AnadoluSpider
    from tests.helpers import make_spider

    root = tmp_path / "archive"
    ArchiveStore(root).save(record())
    stale = root / "anadolu" / ".half.json.x.tmp"
    stale.write_text("{half")
    reindex(tmp_path)  # the index in line: no rebuild (which reads the archive) at start
    walks = []
    real_walk = store_module.walk_folders
    monkeypatch.setattr(store_module, "walk_folders",
                        lambda top: walks.append(Path(top)) or real_walk(top))
    store = ArchiveStore(root)
    assert repair_index_if_behind(tmp_path, store) == []
    shared = SharedArchive(root, store)
    assert shared.store is store and not stale.exists()
    spiders = [make_spider(AnadoluSpider, tmp_path, CRESCENT_SHARED_ARCHIVE=shared)
               for _ in range(3)]
    assert all(record()["id"] in spider.known_ids and "0" * 16 not in spider.known_ids
               for spider in spiders)
    assert list(store.current_paths()) == [store.path_of(record()["id"])]
    assert walks == [root]


def test_an_empty_archive_store_is_still_the_one_used(tmp_path, monkeypatch):
    from crawler.maintenance import repair_index_if_behind

    (tmp_path / "archive").mkdir()
    store = ArchiveStore(tmp_path / "archive")
    walks = []
    real_walk = store_module.walk_folders
    monkeypatch.setattr(store_module, "walk_folders",
                        lambda top: walks.append(Path(top)) or real_walk(top))
    repair_index_if_behind(tmp_path, store)
    assert store.ids() == set() and len(walks) == 1


@pytest.mark.parametrize("bad", [
    {"id": "../../etc/passwd"}, {"source": "../evil"}, {"source": "Anadolu Agency"},
    {"published": "sometime"},
])
def test_paths_are_never_built_from_unchecked_values(tmp_path, bad):
    with pytest.raises(ArchiveError):
        ArchiveStore(tmp_path).save(record(**bad))
    assert not any(tmp_path.rglob("*.json"))


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "x" / "a.json"
    atomic_write_bytes(target, b"one")
    atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["a.json"]


@pytest.mark.parametrize("variant", [
    "https://www.aa.com.tr/tr/dunya/kizilay/3747971?utm_source=rss&utm_medium=feed",
    "http://aa.com.tr/tr/dunya/kizilay/3747971",
    "https://www.aa.com.tr/tr/dunya/kizilay/3747971/",
    "https://www.aa.com.tr/tr/dunya/kizilay/3747971#comments",
    "https://WWW.AA.COM.TR/tr/dunya/kizilay/3747971?fbclid=abc",
    "https://www.aa.com.tr/tr/dunya/kizilay/3747971/amp",
    "https://www.aa.com.tr/tr/dunya/kizilay/3747971?amp=1",
    "https://amp.aa.com.tr/tr/dunya/kizilay/3747971",
])
def test_url_variants_share_one_id(variant):
    assert article_id(variant) == article_id("https://www.aa.com.tr/tr/dunya/kizilay/3747971")


def test_different_articles_differ_and_content_queries_are_kept():
    assert article_id("https://x.org/news?id=1") != article_id("https://x.org/news?id=2")
    assert clean_url("https://x.org/a?b=2&utm_campaign=z&a=1") == "https://x.org/a?a=1&b=2"
    assert url_key("https://www.x.org/ru/мир/1") == "x.org/ru/%D0%BC%D0%B8%D1%80/1"


PRESS_RELEASE = ("Türk Kızılay ve Azerbaycan Kızılay Cemiyeti Bakü'de ortak bir toplantı "
                 "düzenledi. Toplantıda afet müdahalesi, gönüllü eğitimi ve ilk yardım "
                 "kursları görüşüldü. "
                 "İki kuruluş, bölgedeki göçmenlere yönelik insani yardım faaliyetlerini "
                 "birlikte sürdürme kararı aldı ve yeni bir iş birliği protokolü imzaladı.")


def test_a_reprint_finds_its_original_from_an_earlier_crawl_read_in_the_writer_thread(
        tmp_path, caplog):
    import threading

    from archive.dedupe import SharedArchive

    original = record(text=PRESS_RELEASE, published="2025-11-18")
    ArchiveStore(tmp_path).save(original)
    torn = tmp_path / "anadolu" / "2025" / "11" / f"{'f' * 16}.json"
    torn.write_text('{"id": "ffffffffffffffff", "te')  # a file `crescent check` would name

    threads = threading.active_count()
    archive = SharedArchive(tmp_path)
    assert threading.active_count() == threads  # no thread until asked: the workers fork first
    archive.start_loading()
    reprint = record(id=article_id("https://turkmenportal.com/en/blog/1/kizilay"),
                     url="https://turkmenportal.com/en/blog/1/kizilay", source="turkmenportal",
                     text=PRESS_RELEASE + " Haber merkezi.", published="2025-11-19")
    with caplog.at_level("INFO", logger="archive.dedupe"):
        result, links = archive.save_now(reprint)
    archive.close()
    assert result is SaveResult.NEW and links == 1
    saved = json.loads(ArchiveStore(tmp_path).path_of(reprint["id"]).read_text("utf-8"))
    assert saved["duplicate_of"] == original["id"]
    assert any("unreadable" in message and torn.name in message for message in caplog.messages)
    assert any("fingerprints of 1 archived articles" in m for m in caplog.messages)


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_atomic_writes_make_ordinary_files_under_the_umask(tmp_path, umask, mode):
    """An archive or an export shared with colleagues is readable as any file the user makes;
    a private umask keeps it private (mkstemp alone made every file 0600)."""
    import subprocess
    import sys

    from tests.conftest import REPO

    target = tmp_path / "export.csv"
    script = ("import os, sys; from pathlib import Path; os.umask(int(sys.argv[2], 8)); "
              "from archive.atomic import atomic_write_bytes; "
              "atomic_write_bytes(Path(sys.argv[1]), b'id,url')")
    subprocess.run([sys.executable, "-c", script, str(target), oct(umask)], check=True,
                   cwd=REPO)
    assert target.read_bytes() == b"id,url" and target.stat().st_mode & 0o777 == mode
