"""Cost curve: how each of crescent's costs grows from 10,000 to 1,000,000 archived articles.

    python -m benchmarks.scale                             # 10k, 100k, 1M; both engines
    python -m benchmarks.scale --sizes 10000,100000 --engines tantivy

The archive is written once under --work and grown in place from one size to the next: the same
seeded synthetic tr/ru/en articles as `make bench-search` (the replica sites' vocabulary, names in
Latin and Cyrillic, eleven years of dates), made into complete, schema-valid records (id from the
URL, SimHash, content hash) and written in the archive's real layout, fast (no fsync: the real
writer's rate is measured separately on new articles). At each size it measures, every command in
its own process with the peak of its memory (PSS summed over its process tree):

- the real archive writer's rate (ArchiveStore.save, atomic with fsyncs) on 1,000 new articles;
- disk use, folders, files per folder, inodes, and the time to walk the archive;
- `crescent reindex` on each engine (time, index size, peak memory);
- search p50/p95 per query kind, coverage by month and facets, per engine, on a cold cache (a new
  process after the page cache was dropped, when this machine allows it) and a warm one;
- `crescent check`, `crescent stats` and `crescent export` of everything (JSON Lines);
- a one-article `crescent crawl --site` into the archive: time to its first request and in all,
  first with no fingerprint cache (it reads every article) and again with the cache.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import psutil

from archive.dedupe import fingerprint
from archive.lock import LockedError, crawl_lock
from benchmarks.crawl import GeneratedSite, pss_kib, serve
from benchmarks.search import (
    DAYS,
    FIRST_DAY,
    QUERY_KINDS,
    SOURCES,
    Corpus,
    make_queries,
    percentile,
)
from search.engine import index_directory, open_engine

REPO = Path(__file__).resolve().parent.parent
CRESCENT = [sys.executable, "-c", "import cli; cli.main()"]
WRITE_PROBE = 1_000
POOL = 100_000  # articles generated in full; later ones rotate their texts (see full_record)
SEED = 20251119


# -- the archive ---------------------------------------------------------------------------
def full_record(corpus: Corpus, number: int,
                pool: dict[int, dict[str, Any]] | None = None) -> dict[str, Any]:
    """A complete archived article (what a crawl would have written) for synthetic ``number``.

    Articles past the first POOL are made fast (about a tenth of the time): the text of article
    ``number % POOL`` with its paragraphs rotated, under a headline and date of their own. The
    words each article holds, and so every posting list's shape, stay those of the generator.
    """
    from archive.store import content_sha256

    if number < POOL or pool is None:
        base = corpus.article(number)
        text, lang, simhash = base["text"], base["language"], None
        rng = None
    else:
        model = pool[number % POOL]
        turn = number // POOL
        lines = model["text"].split("\n")
        text = "\n".join(lines[turn % len(lines):] + lines[:turn % len(lines)])
        lang, simhash = model["language"], model["simhash"]
        rng = random.Random(SEED * 7_000_003 + number)
    source = SOURCES[number % len(SOURCES)]
    if rng is None:
        title, published = base["title"], base["published"]
    else:
        title = " ".join(corpus.words(rng, lang, rng.randint(6, 11))).capitalize()
        published = (FIRST_DAY + timedelta(days=rng.randrange(DAYS))).isoformat()
    url = f"https://bench.example/{source}/news/{number}"
    record = {
        "authors": [], "date_raw": published, "date_source": "json-ld",
        "description": None, "duplicate_of": None, "fetched_at": "2026-12-01T00:00:00Z",
        "id": fast_article_id(url), "language": lang, "language_confidence": 1.0,
        "modified": None, "published": published, "source": source,
        "text": text, "title": title, "url": url, "version": 1,
        "word_count": len(text.split()),
    }
    record["simhash"] = simhash or fingerprint(text)
    record["content_sha256"] = content_sha256(record)
    return record


def fast_article_id(url: str) -> str:
    """crawler.urls.article_id for the benchmark's plain URLs (checked against it as it goes)."""
    return hashlib.sha256(url.removeprefix("https://").encode()).hexdigest()[:16]


def _write_range(data: str, start: int, stop: int) -> None:
    from archive.store import ArchiveStore, _dump
    from crawler.urls import article_id

    store, corpus = ArchiveStore(Path(data) / "archive"), Corpus(SEED)
    pool = None
    if stop > POOL:  # the first POOL articles' texts, read back from the archive
        pool = {}
        for record in store.iter_records():
            number = int(record["url"].rsplit("/", 1)[1])
            if number < POOL:
                pool[number] = {k: record[k] for k in ("text", "language", "simhash")}
        if len(pool) < POOL:
            raise SystemExit("the first articles are missing: grow the archive from 0")
    made: set[Path] = set()
    for number in range(start, stop):
        record = full_record(corpus, number, pool)
        if number % 10_000 == 0 and record["id"] != article_id(record["url"]):
            raise SystemExit(f"fast ids differ from crawler.urls.article_id at {number}")
        path = store.path_for(record)
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_bytes(_dump(record))


def grow_archive(data: Path, size: int) -> tuple[int, float]:
    """Extend the archive to ``size`` articles (two processes); returns (added, seconds)."""
    stamp = data / "corpus.json"
    have = json.loads(stamp.read_text())["articles"] if stamp.is_file() else 0
    if have > size:
        shutil.rmtree(data, ignore_errors=True)
        have = 0
    started, added = time.perf_counter(), size - have
    # The first POOL articles in full first: the later ones are made from their texts.
    for goal in sorted({min(size, POOL), size}):
        if goal <= have:
            continue
        middle = (have + goal) // 2
        procs = [subprocess.Popen([sys.executable, "-c",
                                   "from benchmarks.scale import _write_range; "
                                   f"_write_range({str(data)!r}, {a}, {b})"], cwd=REPO)
                 for a, b in ((have, middle), (middle, goal))]
        if any(p.wait() for p in procs):
            raise SystemExit("generating the archive failed")
        stamp.write_text(json.dumps({"articles": goal, "seed": SEED}))
        have = goal
    return added, time.perf_counter() - started


def writer_rate(data: Path, size: int) -> float:
    """Articles a second through the real writer (atomic, fsynced) into the archive of ``size``."""
    from archive.store import ArchiveStore

    store, corpus = ArchiveStore(data / "archive"), Corpus(SEED)
    records = [full_record(corpus, 10_000_000 + n) for n in range(WRITE_PROBE)]
    store.ids()  # the walk is measured on its own
    started = time.perf_counter()
    for record in records:
        store.save(record)
    seconds = time.perf_counter() - started
    for record in records:
        store.path_for(record).unlink()
    return WRITE_PROBE / seconds


def layout(data: Path) -> dict[str, Any]:
    """Disk use and the shape of the archive's folders."""
    folders, per_folder, files, blocks = 0, [], 0, 0
    for _dirpath, _dirs, names in os.walk(data / "archive"):
        folders += 1
        per_folder.append(len(names))
        files += len(names)
        for name in names:
            blocks += os.stat(os.path.join(_dirpath, name)).st_blocks
    leaf = [n for n in per_folder if n]
    return {"files": files, "folders": folders, "inodes": files + folders,
            "disk_mib": blocks * 512 / 2**20, "max_per_folder": max(leaf, default=0),
            "median_per_folder": statistics.median(leaf) if leaf else 0}


def drop_caches() -> bool:
    """Empty the page cache (root on a machine that allows it); False where it cannot."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


# -- measuring a command -------------------------------------------------------------------
def run_measured(command: list[str], env: dict[str, str] | None = None,
                 input_text: str | None = None, ok_codes: tuple[int, ...] = (0,)
                 ) -> dict[str, Any]:
    """Run ``command``; its time, peak PSS summed over its process tree (sampled every 0.2 s)."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.PIPE if input_text else subprocess.DEVNULL,
                            text=True, env={**os.environ, **(env or {})})
    peak, stop = [0], threading.Event()

    def sample() -> None:
        try:
            root = psutil.Process(proc.pid)
            while not stop.is_set():
                tree = [root, *root.children(recursive=True)]
                peak[0] = max(peak[0], sum(pss_kib(p.pid) for p in tree))
                stop.wait(0.2)
        except psutil.Error:
            pass

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate(input_text)
    stop.set()
    sampler.join()
    if proc.returncode not in ok_codes:
        raise SystemExit(f"{' '.join(command[-4:])} failed ({proc.returncode}):\n{err[-2000:]}")
    return {"seconds": time.perf_counter() - started, "peak_mib": peak[0] / 1024,
            "stdout": out, "stderr": err}


def crescent(*args: str, data: Path, ok_codes: tuple[int, ...] = (0,)) -> dict[str, Any]:
    return run_measured([*CRESCENT, *args, "--data", str(data)], ok_codes=ok_codes)


def index_mib(data: Path, engine: str) -> float:
    root = index_directory(data, engine)
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 2**20


# -- search, in its own process ------------------------------------------------------------
def measure_search(data: Path, engine_name: str, count: int) -> dict[str, Any]:
    """p50/p95 per query kind, cold (the first pass in this process) and warm (the second)."""
    from search import Filters, facets, search, timeline

    engine = open_engine(data, engine_name)
    queries = make_queries(SEED, count)
    queries["coverage-by-month"] = [(text, "timeline") for text, _ in queries["one-word"]]
    passes: list[dict[str, list[float]]] = []
    empty: Counter = Counter()
    for _ in range(2):
        times: dict[str, list[float]] = {}
        for kind, items in queries.items():
            spent = []
            for text, extra in items:
                t0 = time.perf_counter()
                if extra == "timeline":
                    timeline(data, {"q": text}, by="month", engine=engine)
                else:
                    filters = extra if isinstance(extra, Filters) else None
                    results = search(data, text, filters, engine=engine, limit=10)
                    if extra == "facets":
                        facets(data, text, engine=engine)
                    empty[kind] += not results.hits
                spent.append((time.perf_counter() - t0) * 1000)
            times[kind] = spent
        passes.append(times)
    return {kind: {"cold_p50": percentile(passes[0][kind], 0.5),
                   "cold_p95": percentile(passes[0][kind], 0.95),
                   "p50": percentile(passes[1][kind], 0.5),
                   "p95": percentile(passes[1][kind], 0.95)} for kind in queries}


# -- a one-article crawl -------------------------------------------------------------------
def one_article_crawl(data: Path) -> dict[str, Any]:
    """`crescent crawl --site` of a site with one article; time to the first request, total."""
    server = serve(GeneratedSite(1))
    first: list[float] = []
    page = server.page

    def recording(path: str) -> tuple[int, bytes]:
        if not first:
            first.append(time.perf_counter())
        return page(path)

    server.page = recording
    host, port = server.server_address
    extra = "--no-watches" if _has_option("crawl", "--no-watches") else "--no-wait"
    try:
        started = time.perf_counter()
        run = crescent("crawl", "--site", f"http://{host}:{port}/list/1", "--lang", "tr,ru,en",
                       extra, data=data)
    finally:
        server.shutdown()
    return {"first_request_s": (first[0] - started) if first else None,
            "seconds": run["seconds"], "peak_mib": run["peak_mib"]}


def _has_option(command: str, option: str) -> bool:
    helptext = subprocess.run([*CRESCENT, command, "--help"], cwd=REPO, capture_output=True,
                              text=True, check=False).stdout
    return option in helptext


def remove_crawled(data: Path) -> int:
    """Take the benchmark's crawled articles out again (their source is the server's host);
    returns how many there were."""
    from search import engines_to_update

    found: list[str] = []
    for folder in (data / "archive").iterdir():
        if folder.name.startswith("127_0_0_1"):
            found += [p.name[:16] for p in folder.rglob("*.json") if ".v" not in p.name]
            shutil.rmtree(folder)
    for engine in engines_to_update(data):  # else the next crawl starts by mending the index
        engine.delete(found)
    return len(found)


# -- the whole run -------------------------------------------------------------------------
def measure_size(data: Path, size: int, engines: list[str], queries: int,
                 whoosh_up_to: int, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    row: dict[str, Any] = {"articles": size}
    if size > whoosh_up_to:  # a Whoosh rebuild of a million articles takes most of an hour
        engines = [e for e in engines if e != "whoosh"]
    # The data directory's engine is the first measured; an index of another engine would be
    # stale after the archive grew, and a crawl would rebuild it before its first request.
    (data / "config.toml").write_text(f'[search]\nengine = "{engines[0]}"\n')
    for other in ("whoosh", "tantivy"):
        if other not in engines:
            shutil.rmtree(index_directory(data, other), ignore_errors=True)
    added, seconds = grow_archive(data, size)
    row["generated_per_s"] = added / seconds if added else None
    print(f"[{size}] archive ready ({added} written in {seconds:.0f} s)", file=sys.stderr)
    row["writer_per_s"] = writer_rate(data, size)
    row["layout"] = layout(data)
    row["cold_cache"] = drop_caches()
    walk = run_measured([sys.executable, "-c",
                         "import sys,time; from archive.store import ArchiveStore; "
                         "t=time.perf_counter(); n=len(ArchiveStore(sys.argv[1]).ids()); "
                         "print(n, time.perf_counter()-t)", str(data / "archive")])
    row["walk_s"] = float(walk["stdout"].split()[1])
    row["walk_peak_mib"] = walk["peak_mib"]
    row["engines"] = {}
    for engine in engines:
        if "reindex" in skip and open_engine(data, engine).exists():
            result = {"reindex_s": None, "reindex_peak_mib": None}  # the index as it is
        else:
            print(f"[{size}] reindex {engine} …", file=sys.stderr)
            run = crescent("reindex", "--engine", engine, data=data)
            result = {"reindex_s": run["seconds"], "reindex_peak_mib": run["peak_mib"]}
        result["index_mib"] = index_mib(data, engine)
        drop_caches()
        run = run_measured([sys.executable, "-m", "benchmarks.scale", "--search-worker", engine,
                            "--work", str(data.parent), "--queries", str(queries)])
        result["search"] = json.loads(run["stdout"])
        result["search_peak_mib"] = run["peak_mib"]
        row["engines"][engine] = result
    for name, args in (("check", ("check",)), ("stats", ("stats", "--json")),
                       ("export", ("export", "-o", str(data.parent / "all.jsonl")))):
        if name in skip:
            row[name] = {"seconds": None, "peak_mib": None}
            continue
        print(f"[{size}] {name} …", file=sys.stderr)
        # check exits 1 when an engine's index is missing (a run with one engine)
        run = crescent(*args, data=data, ok_codes=(0, 1) if name == "check" else (0,))
        row[name] = {"seconds": run["seconds"], "peak_mib": run["peak_mib"]}
    for name in ("all.jsonl", "all.jsonl.manifest.json"):
        (data.parent / name).unlink(missing_ok=True)
    print(f"[{size}] one-article crawls …", file=sys.stderr)
    (data / "state" / "fingerprints.tsv").unlink(missing_ok=True)
    row["crawl_no_cache"] = one_article_crawl(data)
    row["crawl_cached"] = one_article_crawl(data)
    row["crawled_articles"] = remove_crawled(data)  # 2: one a crawl
    return row


def curve(rows: list[dict[str, Any]], engines: list[str]) -> str:
    """The size × measure table."""
    sizes = [r["articles"] for r in rows]
    head = f"{'measure':<44}" + "".join(f"{s:>14,}" for s in sizes)
    lines = [head, "-" * len(head)]

    def line(label: str, values: list[Any], fmt: str) -> None:
        cells = "".join(f"{'—' if v is None else format(v, fmt):>14}" for v in values)
        lines.append(f"{label:<44}{cells}")

    line("archive writer, articles/s (fsynced)", [r["writer_per_s"] for r in rows], ",.0f")
    line("disk use, MiB", [r["layout"]["disk_mib"] for r in rows], ",.0f")
    line("inodes (files + folders)", [r["layout"]["inodes"] for r in rows], ",")
    line("files per folder, max", [r["layout"]["max_per_folder"] for r in rows], ",")
    line("walk the archive, s", [r["walk_s"] for r in rows], ".2f")
    line("walk, peak MiB", [r["walk_peak_mib"] for r in rows], ".0f")
    for engine in engines:
        get = [r["engines"].get(engine) for r in rows]
        line(f"{engine}: reindex, s", [g and g["reindex_s"] for g in get], ",.0f")
        line(f"{engine}: reindex, peak MiB", [g and g["reindex_peak_mib"] for g in get], ",.0f")
        line(f"{engine}: index, MiB", [g and g["index_mib"] for g in get], ",.0f")
        for kind in (*QUERY_KINDS, "coverage-by-month"):
            line(f"{engine}: {kind} p95 ms (cold)",
                 [g and g["search"][kind]["cold_p95"] for g in get], ".1f")
            line(f"{engine}: {kind} p50/p95 ms (warm)",
                 [g and f"{g['search'][kind]['p50']:.1f}/{g['search'][kind]['p95']:.1f}"
                  for g in get], "")
        line(f"{engine}: search process, peak MiB", [g and g["search_peak_mib"] for g in get],
             ".0f")
    for name in ("check", "stats", "export"):
        line(f"{name}, s", [r[name]["seconds"] for r in rows], ",.1f")
        line(f"{name}, peak MiB", [r[name]["peak_mib"] for r in rows], ",.0f")
    for key, label in (("crawl_no_cache", "1-article crawl, no cache"),
                       ("crawl_cached", "1-article crawl, cached")):
        line(f"{label}: first request, s", [r[key]["first_request_s"] for r in rows], ".1f")
        line(f"{label}: total, s", [r[key]["seconds"] for r in rows], ".1f")
        line(f"{label}: peak MiB", [r[key]["peak_mib"] for r in rows], ",.0f")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--engines", default="tantivy,whoosh")
    parser.add_argument("--queries", type=int, default=100, help="queries of each kind")
    parser.add_argument("--whoosh-up-to", type=int, default=100_000,
                        help="measure Whoosh only up to this size (its 1M rebuild takes ~1 h)")
    parser.add_argument("--skip", default="",
                        help="steps not to time: check,stats,export, and reindex (an existing "
                             "index is searched as it is)")
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "crescent-bench-scale",
                        help="where the archive grows (kept between runs)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--search-worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    data = args.work / "data"
    if args.search_worker:
        print(json.dumps(measure_search(data, args.search_worker, args.queries)))
        return 0
    # Two runs growing one archive corrupt each other's index rebuilds: one run at a time.
    try:
        with crawl_lock(args.work, wait=False):
            return run(args, data)
    except LockedError as error:
        raise SystemExit(f"another bench-scale run uses {args.work} ({error}); wait for it or "
                         "give --work another folder") from None


def run(args: argparse.Namespace, data: Path) -> int:
    sizes = sorted(int(s) for s in args.sizes.split(","))
    engines = [e for e in args.engines.split(",") if e]
    data.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB; "
          f"work in {args.work}", file=sys.stderr)
    rows = []
    for size in sizes:
        rows.append(measure_size(data, size, engines, args.queries, args.whoosh_up_to,
                                 frozenset(args.skip.split(","))))
        print(curve(rows, engines), flush=True)
        if args.json:
            args.json.write_text(json.dumps(rows, indent=2))
    cold = "dropped before each walk and search" if rows and rows[0]["cold_cache"] \
        else "could not be dropped here: 'cold' is a new process, the OS cache warm"
    print(f"\npage cache {cold}; peak MiB is PSS summed over the command's processes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
