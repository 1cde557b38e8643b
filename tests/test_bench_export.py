"""The export benchmark runs end to end on a small archive (the 100,000-article run is manual)."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from benchmarks.export import main, record
from benchmarks.search import Corpus


def test_the_synthetic_records_are_reproducible_and_valid():
    import jsonschema

    from archive.store import article_schema

    assert record(Corpus(7), 42) == record(Corpus(7), 42)
    jsonschema.validate(record(Corpus(7), 42), article_schema())


@pytest.mark.slow
def test_small_benchmark_prints_time_and_peak_memory(tmp_path, capsys):
    out = tmp_path / "results.json"
    work = tmp_path / "work"
    assert main(["--articles", "120", "--formats", "parquet", "--work", str(work),
                 "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "peak MiB" in printed and "shared machine" in printed
    results = json.loads(out.read_text())
    assert [(r["format"], r["selection"]) for r in results] == [
        ("read", "all"), ("parquet", "all"), ("parquet", "one source")]
    assert all(r["ok"] and r["seconds"] > 0 and r["peak_mib"] > 0 for r in results)
    assert results[1]["articles"] == 120 and results[2]["articles"] == 20
    assert pq.read_table(work / "out" / "parquet-all.parquet").num_rows == 120
