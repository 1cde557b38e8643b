"""What crescent says about size: Whoosh past what it serves well names tantivy; bench-scale's
generator makes records the archive accepts."""

from __future__ import annotations

from click.testing import CliRunner

from archive.check import check_archive
from archive.store import ArchiveStore
from cli import main
from crawler.urls import article_id
from search import engine as engine_module
from search.engine import open_engine, size_warning
from search.index import document_for


def _small_archive(root, count: int = 3):
    from benchmarks.scale import SEED, Corpus, full_record

    store, corpus = ArchiveStore(root / "archive"), Corpus(SEED)
    records = [full_record(corpus, n) for n in range(count)]
    for record in records:
        store.save(record)
    documents = [document_for(r, store.relative(store.path_of(r["id"]))) for r in records]
    for name in ("whoosh", "tantivy"):
        open_engine(root, name).rebuild(iter(documents))
    return records


def test_whoosh_past_its_comfort_warns_and_names_tantivy(tmp_path, monkeypatch):
    _small_archive(tmp_path)
    whoosh, tantivy = open_engine(tmp_path, "whoosh"), open_engine(tmp_path, "tantivy")
    assert size_warning(whoosh) is None  # 3 articles: no warning
    monkeypatch.setattr(engine_module, "WHOOSH_COMFORT", 2)
    warning = size_warning(whoosh)
    assert warning and "3 articles" in warning and "tantivy" in warning
    assert size_warning(tantivy) is None  # tantivy never warns
    runner = CliRunner()
    result = runner.invoke(main, ["search", "*", "--data", str(tmp_path)])
    assert result.exit_code == 0 and "tantivy" in result.stderr
    result = runner.invoke(main, ["search", "*", "--data", str(tmp_path), "--engine", "tantivy"])
    assert result.exit_code == 0 and "tantivy" not in result.stderr
    result = runner.invoke(main, ["reindex", "--engine", "whoosh", "--data", str(tmp_path)])
    assert result.exit_code == 0 and "Whoosh holds 3 articles" in result.stderr


def test_scale_generator_writes_records_the_archive_accepts(tmp_path):
    from benchmarks.scale import POOL, SEED, Corpus, full_record

    records = _small_archive(tmp_path)
    report = check_archive(tmp_path / "archive")
    assert report.articles == 3 and not report.problems
    pool = {0: {k: records[0][k] for k in ("text", "language", "simhash")}}
    fast = full_record(Corpus(SEED), 3 * POOL, pool)
    assert fast["id"] == article_id(fast["url"])  # the fast id is the real one
    assert sorted(fast["text"].split()) == sorted(records[0]["text"].split())
    assert fast["text"] != records[0]["text"] or "\n" not in records[0]["text"]
    ArchiveStore(tmp_path / "archive").save(fast)
    assert not check_archive(tmp_path / "archive").problems
