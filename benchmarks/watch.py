"""Watch benchmark: 100 watches on a 100,000-article archive after a crawl archived 1,000 more.

    python -m benchmarks.watch                    # both engines (make bench-watch)
    python -m benchmarks.watch --engines tantivy --articles 20000

The archive is benchmarks/search.py's seeded synthetic tr/ru/en archive (same generator, same
seed), indexed once per engine under --work and reused. Each measurement starts from that
archive: the 1,000 new articles are saved through the archive store (journaled as a crawl's
are) and indexed, 100 watches made before them (names in Latin and Cyrillic, content words,
two-word queries, phrases, some with language or source filters, 20 of them notifying a JSON
webhook on 127.0.0.1), then ``run_watches`` is timed: matching, recording, feeds and delivery.
A second run must find nothing. Target: ≤ 3 s per engine.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from benchmarks.search import (
    CROSS_SCRIPT,
    SOURCES,
    Corpus,
    load_documents,
    relative_path,
    vocabulary,
    write_archive,
)

WATCHES = 100
NEW = 1_000
TARGET_S = 3.0


class Receiver:
    """A JSON webhook on 127.0.0.1 that counts what it is sent."""

    def __init__(self) -> None:
        self.posts = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.posts += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.httpd.server_address[1]}/hook"


def watch_queries(seed: int) -> list[tuple[str, list[str], list[str]]]:
    """100 (query, languages, sources): the kinds people save."""
    rng = random.Random(seed + 13)
    vocab = vocabulary()

    def word(lang: str) -> str:  # a topic word: from the rarest fifth of the vocabulary
        words = vocab[lang]
        return rng.choice([w for w in words[len(words) * 4 // 5:] if len(w) > 4])

    out = []
    for number in range(WATCHES):
        lang = rng.choice(["tr", "ru", "en"])
        kind = number % 5
        if kind == 0:
            query = rng.choice(CROSS_SCRIPT)
        elif kind == 1:
            query = word(lang)
        elif kind == 2:
            query = f"{word(lang)} {word(lang)}"
        elif kind == 3:
            query = f'"{word(lang)} {word(lang)}"'
        else:
            query = f"{word(lang)} OR {word(lang)}"
        languages = [lang] if number % 7 == 0 else []
        sources = [rng.choice(SOURCES)] if number % 11 == 0 else []
        out.append((query, languages, sources))
    return out


def prepare(work: Path, articles: int, seed: int, engine: str) -> Path:
    """The archive (reused) with ``engine``'s index of it, and no watch state."""
    from search import open_engine

    data = write_archive(work, articles, seed)
    index = open_engine(data, engine)
    stamp = data / f"indexed-{engine}.json"
    wanted = {"articles": articles, "seed": seed}
    if not (stamp.is_file() and json.loads(stamp.read_text()) == wanted and index.exists()):
        started = time.perf_counter()
        index.rebuild(iter(load_documents(data, articles, seed)))
        stamp.write_text(json.dumps(wanted))
        print(f"indexed {articles} articles with {engine} in "
              f"{time.perf_counter() - started:.0f} s", file=sys.stderr)
    return data


def reset(data: Path, articles: int, seed: int) -> None:
    """Forget an earlier measurement: its new articles, watches, state, feeds and journal."""
    from search import ENGINES, open_engine
    from search.engine import index_directory

    corpus = Corpus(seed)
    extra = [corpus.article(articles + n) for n in range(NEW)]
    for record in extra:
        (data / "archive" / relative_path(record)).unlink(missing_ok=True)
    for name in ENGINES:
        if index_directory(data, name).is_dir():
            open_engine(data, name).delete(r["id"] for r in extra)
    for name in ("watches.toml", "watches.sqlite", "watches.sqlite-wal", "watches.sqlite-shm",
                 "archive-journal.jsonl"):
        (data / name).unlink(missing_ok=True)
    shutil.rmtree(data / "feeds", ignore_errors=True)


def crawl_new_articles(data: Path, articles: int, seed: int) -> float:
    """Save 1,000 new articles as a crawl does (archive store: journal, file) and index them."""
    from archive.store import ArchiveStore
    from search.engine import engines_to_update
    from search.index import document_for

    corpus = Corpus(seed)
    store = ArchiveStore(data / "archive")
    started = time.perf_counter()
    documents = []
    for number in range(articles, articles + NEW):
        record = corpus.article(number)
        record.update({"authors": [], "description": "", "modified": None,
                       "fetched_at": "2026-12-03T08:00:00Z"})
        store.save(record)
        path = store.path_of(record["id"])
        documents.append(document_for(store.read(path), store.relative(path)))
    for engine in engines_to_update(data):
        engine.update(documents)
    return time.perf_counter() - started


def measure(work: Path, articles: int, seed: int, engine: str) -> dict:
    from monitor.run import create, run_watches
    from monitor.watches import Watch

    data = prepare(work, articles, seed, engine)
    reset(data, articles, seed)
    (data / "config.toml").write_text(f'[search]\nengine = "{engine}"\n')
    receiver = Receiver()
    for number, (query, languages, sources) in enumerate(watch_queries(seed)):
        create(data, Watch(name=f"w{number:03d}", query=query, languages=languages,
                           sources=sources, notify=[receiver.url] if number % 5 == 0 else []))
    crawl_s = crawl_new_articles(data, articles, seed)
    started = time.perf_counter()
    report = run_watches(data, engine=engine)
    seconds = time.perf_counter() - started
    again = run_watches(data, engine=engine)
    return {"engine": engine, "articles": articles, "new": NEW, "watches": WATCHES,
            "seconds": seconds, "alerts": report.new_count,
            "watches_with_alerts": sum(bool(w.new) for w in report.watches),
            "looked_at": max(w.looked_at for w in report.watches),
            "messages": receiver.posts, "failed": len(report.failed),
            "second_run_alerts": again.new_count, "second_run_s": again.seconds,
            "save_and_index_s": crawl_s}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--engines", default="whoosh,tantivy")
    parser.add_argument("--seed", type=int, default=20251119)
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "crescent-bench-watch")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    results = []
    for engine in args.engines.split(","):
        print(f"{engine}: preparing …", file=sys.stderr)
        result = measure(args.work, args.articles, args.seed, engine)
        results.append(result)
        verdict = "met" if result["seconds"] <= TARGET_S else "MISSED"
        print(f"{engine:<8} watch run: {result['seconds']:.2f} s for {result['watches']} watches "
              f"on {result['articles']:,} + {result['new']:,} new articles (target ≤ "
              f"{TARGET_S:.0f} s: {verdict}); {result['alerts']} alerts in "
              f"{result['watches_with_alerts']} watches, {result['messages']} message(s) "
              f"delivered, second run {result['second_run_alerts']} alerts in "
              f"{result['second_run_s']:.2f} s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    ok = all(r["seconds"] <= TARGET_S and r["second_run_alerts"] == 0 and not r["failed"]
             for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
