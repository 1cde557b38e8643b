"""Search benchmark: a seeded synthetic tr/ru/en archive, indexed and queried by each engine.

    python -m benchmarks.search          # 100,000 articles, both engines (make bench-search)
    python -m benchmarks.search --articles 20000 --engines tantivy --queries 50

The vocabulary is the replica sites' own article text (crawler/demo/content) per language, drawn
with a Zipf-like distribution, plus names written in Latin and Cyrillic (Aslanov / Асланов,
Ashgabat / Ашхабад / Aşkabat …). The archive (JSON files in the real layout, for snippets) is
written once under --work; each engine is measured in its own subprocess so that its peak memory
is its own. Prints docs/s, index size, peak memory and query p50/p95 per query kind, all with
snippets, top 10.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "crawler" / "demo" / "content"
SOURCES = ("anadolu", "icrc", "redcrescent_az", "tgymj", "turkmenportal", "turkmenistanlive")
LANGUAGE_SHARE = (("ru", 0.45), ("tr", 0.25), ("en", 0.30))
NAMES = {
    "tr": ["Aslanov", "Acilova", "Aşkabat", "Kızılay", "Bakü", "İstanbul", "Türkmenistan"],
    "ru": ["Асланов", "Асланова", "Ачилова", "Ачиловой", "Ашхабад", "Ашхабаде", "Баку"],
    "en": ["Aslanov", "Achilova", "Ashgabat", "Baku", "Istanbul", "Turkmenistan"],
}
QUERY_KINDS = ("one-word", "two-word", "phrase", "date-filtered", "faceted", "cross-script",
               "frequent-word")
NAME_SHARE = 0.02
GENERATOR_VERSION = 2  # bump when the synthetic articles change
CONTENT_RANKS = (100, 3000)  # query words: content words below the 100 most frequent
CROSS_SCRIPT = ["Aslanov", "Асланов", "Achilova", "Ачилова", "Ashgabat", "Ашхабад", "Askabat",
                "Acilova"]
FIRST_DAY = date(2015, 1, 1)
DAYS = 11 * 365
WORD = re.compile(r"\w+(?:['’]\w+)?")


def vocabulary() -> dict[str, list[str]]:
    """Words of the replica articles per language, most frequent first."""
    counts: dict[str, Counter] = {"tr": Counter(), "ru": Counter(), "en": Counter()}
    for path in sorted(CONTENT / f"{source}.json" for source in SOURCES):  # not next-day.json
        for article in json.loads(path.read_text("utf-8"))["articles"]:
            if article["lang"] in counts:
                text = " ".join([article["title"], article.get("lead", ""), *article["body"]])
                counts[article["lang"]].update(w for w in WORD.findall(text) if not w.isdigit())
    return {lang: [w for w, _ in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))]
            for lang, c in counts.items()}


class Corpus:
    """Reproducible synthetic articles (same seed, same archive)."""

    def __init__(self, seed: int) -> None:
        self.vocab = vocabulary()
        self.seed = seed
        # Zipf-like weights: word i is drawn with weight 1 / (i + 2).
        self.weights = {lang: [1 / (i + 2) for i in range(len(words))]
                        for lang, words in self.vocab.items()}

    def words(self, rng: random.Random, lang: str, count: int) -> list[str]:
        chosen = rng.choices(self.vocab[lang], self.weights[lang], k=count)
        if rng.random() < NAME_SHARE:  # a name in about 1 sentence of 50
            chosen[rng.randrange(count)] = rng.choice(NAMES[lang])
        return chosen

    def article(self, number: int) -> dict[str, Any]:
        rng = random.Random(self.seed * 1_000_003 + number)
        lang = rng.choices([lang for lang, _ in LANGUAGE_SHARE],
                           [share for _, share in LANGUAGE_SHARE])[0]
        day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        title = " ".join(self.words(rng, lang, rng.randint(6, 11))).capitalize()
        sentences = []
        for _ in range(rng.randint(6, 14)):
            sentence = self.words(rng, lang, rng.randint(8, 18))
            sentences.append(" ".join(sentence).capitalize() + ".")
        text = "\n".join(" ".join(sentences[i:i + 3]) for i in range(0, len(sentences), 3))
        source = SOURCES[number % len(SOURCES)]
        url = f"https://bench.example/{source}/{number}"
        return {"id": f"{number:016x}", "url": url, "source": source, "language": lang,
                "title": title, "text": text, "published": day.isoformat(),
                "word_count": len(text.split())}


def relative_path(record: dict[str, Any]) -> str:
    return f"{record['source']}/{record['published'][:4]}/{record['published'][5:7]}/" \
           f"{record['id']}.json"


def write_archive(work: Path, articles: int, seed: int) -> Path:
    """The archive under ``work/data/archive`` (reused when the same size and seed are there)."""
    data = work / "data"
    stamp = data / "corpus.json"
    wanted = {"articles": articles, "seed": seed, "generator": GENERATOR_VERSION}
    if stamp.is_file() and json.loads(stamp.read_text()) == wanted:
        return data
    shutil.rmtree(data, ignore_errors=True)
    corpus = Corpus(seed)
    for number in range(articles):
        record = corpus.article(number)
        path = data / "archive" / relative_path(record)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, ensure_ascii=False), "utf-8")
    stamp.write_text(json.dumps(wanted))
    return data


def load_documents(data: Path, articles: int, seed: int) -> list[dict[str, Any]]:
    from search.index import document_for

    corpus = Corpus(seed)
    documents = []
    for number in range(articles):
        record = corpus.article(number)
        documents.append(document_for(record, relative_path(record)))
    return documents


def make_queries(seed: int, count: int) -> dict[str, list[tuple[str, Any]]]:
    """``count`` queries of each kind: (query text, Filters or None)."""
    from search import Filters

    rng = random.Random(seed + 7)
    vocab = vocabulary()

    def word(lang: str) -> str:  # a content word, not among the 100 most frequent
        low, high = CONTENT_RANKS
        return rng.choice([w for w in vocab[lang][low:high] if len(w) > 4])

    def frequent(lang: str) -> str:  # one of the 100 most frequent words (a stress test)
        return rng.choice([w for w in vocab[lang][:CONTENT_RANKS[0]] if len(w) > 4])

    queries: dict[str, list[tuple[str, Any]]] = {kind: [] for kind in QUERY_KINDS}
    for _ in range(count):
        lang = rng.choice(["tr", "ru", "en"])
        queries["one-word"].append((word(lang), None))
        queries["two-word"].append((f"{word(lang)} {word(lang)}", None))
        queries["phrase"].append((f'"{word(lang)} {word(lang)}"', None))
        start = FIRST_DAY + timedelta(days=rng.randrange(DAYS - 400))
        queries["date-filtered"].append((word(lang), Filters(
            since=start, until=start + timedelta(days=rng.randint(30, 365)))))
        queries["faceted"].append((word(lang), "facets"))
        queries["cross-script"].append((rng.choice(CROSS_SCRIPT), None))
        queries["frequent-word"].append((frequent(lang), None))
    return queries


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def peak_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def measure(engine_name: str, work: Path, articles: int, seed: int, count: int) -> dict:
    """Index and query with one engine (run in its own process)."""
    from search import Filters, facets, open_engine, search

    data = work / "data"
    documents = load_documents(data, articles, seed)
    engine = open_engine(data, engine_name)
    before = peak_mib()
    started = time.perf_counter()
    engine.rebuild(iter(documents))
    seconds = time.perf_counter() - started
    index_peak = peak_mib()
    del documents
    engine = open_engine(data, engine_name)
    size = sum(p.stat().st_size for p in engine.directory.rglob("*") if p.is_file())
    search(data, "warm up", engine=engine)  # opens the index, loads columns once
    latencies: dict[str, list[float]] = {}
    misses = Counter()
    for kind, items in make_queries(seed, count).items():
        times = []
        for text, extra in items:
            filters = extra if isinstance(extra, Filters) else None
            t0 = time.perf_counter()
            results = search(data, text, filters, engine=engine, limit=10)
            if extra == "facets":
                facets(data, text, engine=engine)
            times.append((time.perf_counter() - t0) * 1000)
            misses[kind] += not results.hits
        latencies[kind] = times
    return {
        "engine": engine_name, "articles": articles, "seconds": seconds,
        "docs_per_s": articles / seconds, "size_mib": size / 2**20,
        "peak_mib": index_peak, "peak_before_mib": before,
        # Whoosh's writer analyses in worker processes: the largest one's peak, added on top.
        "worker_peak_mib": peak_mib(resource.RUSAGE_CHILDREN),
        "queries": {kind: {"p50": percentile(t, 0.5), "p95": percentile(t, 0.95),
                           "mean": statistics.fmean(t), "n": len(t), "empty": misses[kind]}
                    for kind, t in latencies.items()},
    }


def table(results: list[dict]) -> str:
    lines = []
    header = (f"{'engine':<8} {'articles':>8} {'docs/s':>8} {'index MiB':>9} "
              f"{'peak MiB':>9} {'+ worker':>9}")
    lines.append(header)
    for r in results:
        lines.append(f"{r['engine']:<8} {r['articles']:>8} {r['docs_per_s']:>8.0f} "
                     f"{r['size_mib']:>9.0f} {r['peak_mib']:>9.0f} "
                     f"{r.get('worker_peak_mib', 0):>9.0f}")
    lines.append("")
    lines.append(f"{'query (top 10 + snippets)':<26}" + "".join(
        f"{r['engine'] + ' p50/p95 ms':>26}" for r in results))
    for kind in QUERY_KINDS:
        cells = "".join(f"{r['queries'][kind]['p50']:>12.2f} / {r['queries'][kind]['p95']:>9.2f}"
                        for r in results)
        lines.append(f"{kind:<26}{cells}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--engines", default="whoosh,tantivy")
    parser.add_argument("--queries", type=int, default=100, help="queries of each kind")
    parser.add_argument("--seed", type=int, default=20251119)
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "crescent-bench-search",
                        help="where the synthetic archive and indexes go (reused if present)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        result = measure(args.worker, args.work, args.articles, args.seed, args.queries)
        print(json.dumps(result))
        return 0
    started = time.perf_counter()
    write_archive(args.work, args.articles, args.seed)
    print(f"archive of {args.articles} synthetic articles in {args.work / 'data'} "
          f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    results = []
    for name in args.engines.split(","):
        print(f"indexing and querying with {name} …", file=sys.stderr)
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.search", "--worker", name, "--articles",
             str(args.articles), "--queries", str(args.queries), "--seed", str(args.seed),
             "--work", str(args.work)], cwd=REPO, capture_output=True, text=True, check=False)
        if proc.returncode:
            print(proc.stderr[-3000:], file=sys.stderr)
            return proc.returncode
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
