"""Web page benchmark: `crescent serve`'s pages through HTTP, 10 concurrent clients, 100,000
articles (the seeded synthetic archive of benchmarks/search.py, reused when present).

    python -m benchmarks.web                      # both engines (make bench-web)
    python -m benchmarks.web --engines tantivy --requests 200

For each engine: the index is built if missing, the real app runs under uvicorn in its own
process (as `crescent serve` runs it: one server process per core unless --workers), and 10
client threads with keep-alive connections send requests back to back (a closed loop: a client
sends its next request when the last one answered). Measured: the search page (top 10 with
snippets and facet counts), the article page (versions, reprints, provenance) and the coverage
page for 5 queries by month (chart and table). Prints p50/p95, requests/s and the server's CPU
per request (user + system of its processes: what a page costs whatever else runs on the
machine; the clients' own CPU is on stderr); targets: search p95 ≤ 50 ms on tantivy and
≤ 100 ms on Whoosh, article p95 ≤ 20 ms, coverage chart p95 ≤ 150 ms. No page is cached: each
query is run, each article read, each chart drawn.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from benchmarks.search import REPO, load_documents, make_queries, percentile, write_archive

TARGETS = {("search", "tantivy"): 50, ("search", "whoosh"): 100, ("article", None): 20,
           ("coverage", None): 150}
KINDS = ("search", "article", "coverage")


def ensure_index(data: Path, engine: str, articles: int, seed: int) -> None:
    from search import open_engine

    chosen = open_engine(data, engine)
    stamp = chosen.directory / "bench-web.json"
    wanted = {"articles": articles, "seed": seed}
    if chosen.exists() and stamp.is_file() and json.loads(stamp.read_text()) == wanted:
        return
    if chosen.exists() and chosen.doc_count() == articles:
        stamp.write_text(json.dumps(wanted))
        return
    print(f"indexing {articles} articles with {engine} …", file=sys.stderr)
    chosen.rebuild(iter(load_documents(data, articles, seed)))
    stamp.write_text(json.dumps(wanted))


def urls(kind: str, seed: int, count: int, articles: int) -> list[str]:
    rng = random.Random(seed + KINDS.index(kind))
    queries = make_queries(seed, count)
    if kind == "search":
        texts = [text for name in ("one-word", "two-word", "phrase", "cross-script",
                                   "frequent-word") for text, _extra in queries[name]]
        rng.shuffle(texts)
        return ["/?" + urlencode({"q": text}) for text in texts[:count]]
    if kind == "article":
        return [f"/article/{rng.randrange(articles):016x}" for _ in range(count)]
    words = [text for text, _extra in queries["one-word"]]
    return ["/coverage?" + urlencode([("q", q) for q in rng.sample(words, 5)] + [("by", "month")])
            for _ in range(count)]


def load(base: str, paths: list[str], clients: int) -> tuple[list[float], float]:
    """Latencies (ms) of every request, and the wall time, with ``clients`` threads."""
    parts = urlsplit(base)
    todo = list(paths)
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []

    def client() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        while True:
            with lock:
                if not todo:
                    break
                path = todo.pop()
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if response.status != 200:
                    failures.append(f"{response.status} {path}: {body[:200]!r}")
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} failed request(s), e.g. {failures[0]}")
    return latencies, wall


def serve(data: Path, engine: str, workers: int) -> None:
    """The server process: `crescent serve`'s own code; prints its address, then serves."""
    from web.server import serve_forever

    serve_forever(data, port=0, engine=engine, workers=workers,
                  on_ready=lambda url: print(url, flush=True))


def measure(data: Path, engine: str, args) -> dict:
    with subprocess.Popen([sys.executable, "-m", "benchmarks.web", "--serve", engine,
                           "--work", str(args.work), "--workers", str(args.workers)], cwd=REPO,
                          stdout=subprocess.PIPE,
                          text=True) as server:
        try:
            assert server.stdout is not None
            base = server.stdout.readline().strip()
            # The reprint table loads in the background (every article read once when no
            # crawl left a fingerprint cache): measured after it, or after --ready-wait s.
            # Each worker loads its own: ready when answers on fresh connections (which land
            # on any worker) say so several times in a row.
            deadline = time.monotonic() + args.ready_wait
            ready, in_a_row = False, 0
            while not ready and time.monotonic() < deadline:
                try:
                    connection = http.client.HTTPConnection(urlsplit(base).hostname,
                                                            urlsplit(base).port, timeout=30)
                    connection.request("GET", "/api/status")
                    answer = json.loads(connection.getresponse().read())["reprints_ready"]
                    connection.close()
                    in_a_row = in_a_row + 1 if answer else 0
                    ready = in_a_row >= 4 * args.workers
                except (OSError, ValueError):
                    in_a_row = 0
                if not ready:
                    time.sleep(0.5 if not in_a_row else 0.05)
            if not ready:
                print(f"  (the reprint table was still loading after {args.ready_wait} s: "
                      "measured meanwhile)", file=sys.stderr)
            results = {}
            for kind in KINDS:
                load(base, urls(kind, args.seed + 1, args.clients * 3, args.articles),
                     args.clients)  # warm-up: caches, columns, templates
                before, client_before = server_cpu(server.pid), time.process_time()
                latencies, wall = load(base, urls(kind, args.seed, args.requests,
                                                  args.articles), args.clients)
                cpu = (server_cpu(server.pid) - before) * 1000 / len(latencies)
                # The clients share the cores with the server: what they take is not served.
                client = (time.process_time() - client_before) * 1000 / len(latencies)
                results[kind] = {"p50": percentile(latencies, 0.5),
                                 "p95": percentile(latencies, 0.95),
                                 "rps": len(latencies) / wall, "n": len(latencies),
                                 "cpu_ms": cpu, "client_cpu_ms": client}
                print(f"  {engine} {kind}: p50 {results[kind]['p50']:.1f} ms, p95 "
                      f"{results[kind]['p95']:.1f} ms, {results[kind]['rps']:.0f} req/s, "
                      f"server CPU {cpu:.2f} ms a request (clients {client:.2f} ms)",
                      file=sys.stderr)
            return {"engine": engine, "articles": args.articles, "clients": args.clients,
                    "workers": args.workers, "reprints_ready": ready, "pages": results}
        finally:
            server.terminate()
            server.wait(timeout=30)


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by the server process and its workers (user + system): the
    cost of a page whatever else shares the machine, where latency depends on the load."""
    import psutil

    total = 0.0
    parent = psutil.Process(pid)
    for process in [parent, *parent.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def table(results: list[dict]) -> str:
    lines = [f"{'page':<18}{'engine':>9}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>8}"
             f"{'CPU ms':>8}{'target p95':>12}  verdict"]
    for result in results:
        for kind in KINDS:
            page = result["pages"][kind]
            target = TARGETS.get((kind, result["engine"])) or TARGETS[(kind, None)]
            verdict = "met" if page["p95"] <= target else "MISSED"
            lines.append(f"{kind:<18}{result['engine']:>9}{page['p50']:>9.1f}"
                         f"{page['p95']:>9.1f}{page['rps']:>8.0f}{page['cpu_ms']:>8.2f}"
                         f"{target:>10} ms  {verdict}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--engines", default="tantivy,whoosh")
    parser.add_argument("--requests", type=int, default=400, help="measured requests per page")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--workers", type=int, default=None,
                        help="server processes (serve --workers; default: as crescent serve, "
                             "one per core)")
    parser.add_argument("--seed", type=int, default=20251119)
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "crescent-bench-search",
                        help="the synthetic archive and indexes (shared with bench-search)")
    parser.add_argument("--ready-wait", type=int, default=300,
                        help="seconds to wait for the server's reprint table before measuring")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.workers is None:
        from web.server import default_workers

        args.workers = default_workers()
    data = args.work / "data"
    if args.serve:
        serve(data, args.serve, args.workers)
        return 0
    started = time.perf_counter()
    write_archive(args.work, args.articles, args.seed)
    print(f"archive of {args.articles} synthetic articles in {data} "
          f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    results = []
    for engine in args.engines.split(","):
        ensure_index(data, engine, args.articles, args.seed)
        results.append(measure(data, engine, args))
    print(f"{args.clients} clients, {args.workers} server process(es), {args.articles} articles")
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
