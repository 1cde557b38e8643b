"""Watch matching on a batch of new articles: in the data directory's own index (restricted to
the batch's ids) and, for articles the index lacks, in a scratch index; the same alerts as
`crescent search` gives on a complete index, on both engines."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.store import ArchiveStore
from benchmarks.search import Corpus
from benchmarks.watch import watch_queries
from monitor.run import create, run_watches
from monitor.watches import Watch, parsed_query
from search import open_engine, search
from tests.helpers import archive_synthetic

SEED = 11


save = archive_synthetic


@pytest.mark.parametrize("engine_name", ["whoosh", "tantivy"])
def test_new_articles_match_as_search_does_whether_indexed_or_not(tmp_path: Path, engine_name):
    data = tmp_path / "data"
    (data / "archive").mkdir(parents=True)
    (data / "config.toml").write_text(f'[search]\nengine = "{engine_name}"\n')
    corpus, store = Corpus(SEED), ArchiveStore(data / "archive")
    engine = open_engine(data)
    engine.update([save(store, corpus.article(n)) for n in range(300)])
    queries = watch_queries(SEED)[:40]
    for number, (query, languages, sources) in enumerate(queries):
        create(data, Watch(name=f"w{number:02d}", query=query, languages=languages,
                           sources=sources))
    new = [save(store, corpus.article(n)) for n in range(300, 420)]
    # A crawl indexed most of its articles, then was killed before the last commit.
    engine.update(new[:80])
    report = run_watches(data)
    assert report.new_count > 0
    # Reference: the same queries through `search` once the index holds everything.
    open_engine(data).update(new[80:])
    new_ids = {document["id"] for document in new}
    late = {document["id"] for document in new[80:]}
    seen_late = set()
    for result, (query, languages, sources) in zip(report.watches, queries, strict=True):
        from search.engine import Filters

        hits = open_engine(data).matching_ids(
            parsed_query(query, False), Filters(languages=tuple(languages),
                                                sources=tuple(sources)), new_ids)
        expected = {hit.id for hit in search(data, query, limit=1000, filters=Filters(
            languages=tuple(languages), sources=tuple(sources))).hits} & new_ids
        assert hits == expected, query
        assert {alert["id"] for alert in result.new} == expected, query
        seen_late |= expected & late
    assert seen_late, "no alert came from the articles the index lacked"
    assert not list((data / "state").glob("watch-batch*"))
