"""The crawl-start repair brings an index in line with the archive by adding what it misses and
removing what it holds beyond the archive; only a damaged, absent or mostly empty index is
rebuilt (a rebuild of a million articles takes ~8 minutes, a crawl must not pay it for two)."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.store import ArchiveStore
from benchmarks.search import Corpus
from crawler.maintenance import repair_index_if_behind
from search import open_engine, search
from search.engine import index_directory
from tests.helpers import archive_synthetic

SEED = 5


save = archive_synthetic


def archive_of(data: Path, engine_name: str, count: int) -> tuple[ArchiveStore, list[dict]]:
    (data / "archive").mkdir(parents=True)
    (data / "config.toml").write_text(f'[search]\nengine = "{engine_name}"\n')
    corpus, store = Corpus(SEED), ArchiveStore(data / "archive")
    return store, [save(store, corpus.article(n)) for n in range(count)]


@pytest.mark.parametrize("engine_name", ["whoosh", "tantivy"])
def test_missing_articles_are_added_and_extra_ones_removed_without_a_rebuild(
        tmp_path: Path, engine_name):
    data = tmp_path / "data"
    store, documents = archive_of(data, engine_name, 60)
    engine = open_engine(data)
    engine.update(documents[:55])  # five archived, never indexed (a kill before the commit)
    gone = documents[10]
    Path(data / "archive" / gone["path"]).unlink()  # an article taken out of the archive
    marker = index_directory(data, engine_name) / "kept-unless-rebuilt"
    marker.write_text("")

    repairs = repair_index_if_behind(data, ArchiveStore(data / "archive"))

    assert [(r.engine, r.rebuilt, r.added, r.removed) for r in repairs] == \
        [(engine_name, None, 5, 1)]
    assert "5 added, 1 removed" in repairs[0].describe()
    assert marker.exists()  # the index was changed in place, not rebuilt
    indexed = open_engine(data).indexed_ids()
    assert indexed == ArchiveStore(data / "archive").ids()
    assert gone["id"] not in indexed
    late = documents[57]
    found = search(data, f"id:{late['id']}", limit=5).hits
    assert [hit.id for hit in found] == [late["id"]]
    assert repair_index_if_behind(data, ArchiveStore(data / "archive")) == []  # in line now
    del store


@pytest.mark.parametrize("engine_name", ["whoosh", "tantivy"])
def test_an_absent_or_mostly_empty_index_is_rebuilt(tmp_path: Path, engine_name):
    data = tmp_path / "data"
    _store, documents = archive_of(data, engine_name, 20)
    repairs = repair_index_if_behind(data)  # no index at all
    assert [(r.rebuilt, r.added) for r in repairs] == [(20, 0)]
    assert "rebuilt" in repairs[0].describe()
    assert open_engine(data).indexed_ids() == {d["id"] for d in documents}


def test_a_damaged_index_is_rebuilt(tmp_path: Path):
    data = tmp_path / "data"
    _store, documents = archive_of(data, "tantivy", 12)
    open_engine(data).update(documents)
    for path in index_directory(data, "tantivy").iterdir():
        if path.name == "meta.json":
            path.write_text("{not json")
    repairs = repair_index_if_behind(data)
    assert [(r.rebuilt, r.added) for r in repairs] == [(12, 0)]
    assert open_engine(data).indexed_ids() == {d["id"] for d in documents}
