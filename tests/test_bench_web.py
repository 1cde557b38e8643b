"""The web benchmark runs end to end on a small archive (the 100,000-article run is manual):
two server processes, every page answered, the server's CPU per page measured."""

from __future__ import annotations

import json

from benchmarks.web import KINDS, main


def test_small_web_benchmark_prints_the_table(tmp_path, capsys):
    out = tmp_path / "results.json"
    assert main(["--articles", "300", "--requests", "20", "--clients", "4", "--workers", "2",
                 "--engines", "tantivy,whoosh", "--work", str(tmp_path / "work"),
                 "--ready-wait", "60", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "4 clients, 2 server process(es), 300 articles" in printed
    results = json.loads(out.read_text())
    assert [r["engine"] for r in results] == ["tantivy", "whoosh"]
    for result in results:
        assert result["reprints_ready"] and set(result["pages"]) == set(KINDS)
        for page in result["pages"].values():
            assert page["n"] == 20 and 0 < page["p50"] <= page["p95"]
            assert page["cpu_ms"] >= 0 and page["client_cpu_ms"] > 0
        # The kernel counts CPU time in 10 ms ticks: 20 article pages may show none.
        assert result["pages"]["coverage"]["cpu_ms"] > 0
