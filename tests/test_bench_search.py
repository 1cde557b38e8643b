"""The search benchmark runs end to end on a small archive (the 100,000-article run is manual)."""

from __future__ import annotations

import json

from benchmarks.search import QUERY_KINDS, Corpus, main


def test_the_synthetic_corpus_is_reproducible():
    assert Corpus(7).article(42) == Corpus(7).article(42)
    assert Corpus(7).article(42) != Corpus(8).article(42)


def test_small_benchmark_prints_the_table(tmp_path, capsys):
    out = tmp_path / "results.json"
    assert main(["--articles", "150", "--queries", "3", "--work", str(tmp_path / "work"),
                 "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "whoosh" in printed and "tantivy" in printed and "cross-script" in printed
    results = json.loads(out.read_text())
    assert [r["engine"] for r in results] == ["whoosh", "tantivy"]
    for result in results:
        assert result["docs_per_s"] > 0 and result["size_mib"] > 0
        assert set(result["queries"]) == set(QUERY_KINDS)
        assert result["queries"]["cross-script"]["empty"] < 3
