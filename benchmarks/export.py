"""Export benchmark: time and peak memory of `crescent export` in each format over a seeded
synthetic archive (the search benchmark's articles, with the fields a crawl adds).

    python -m benchmarks.export          # 100,000 articles, every format (make bench-export)
    python -m benchmarks.export --articles 5000 --formats parquet,sqlite

Each export runs the real command line in its own process; its peak memory is that process's
own high-water mark (VmHWM, read as it exits: the rusage of a child also counts the parent's
memory that it was forked from). A `read` row is the floor: the same process walking the archive
and reading every article without writing anything. The `one source` rows export a sixth of the
archive: an export that streams has about the same peak for a sixth as for the whole.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.search import SOURCES, Corpus, relative_path

REPO = Path(__file__).resolve().parent.parent
FORMATS = ("jsonl", "csv", "parquet", "sqlite", "bagit")
GENERATOR_VERSION = 1  # bump when the archived records change
AUTHORS = ("Ayşe Yılmaz", "Мария Иванова", "John Smith", "Mehmet Öz", "Ольга Петрова")


def record(corpus: Corpus, number: int) -> dict:
    """A synthetic article with every field a crawl stores (seeded: same number, same record)."""
    from archive.store import content_sha256

    article = corpus.article(number)
    fetched = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(seconds=number * 7)
    article |= {
        "language_confidence": 0.9 + (number % 10) / 100,
        "date_source": ("meta", "json-ld", "time-element")[number % 3],
        "modified": None,
        "authors": [AUTHORS[number % len(AUTHORS)]] if number % 4 else [],
        "description": article["text"].split(".")[0][:200] + ".",
        "fetched_at": fetched.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "version": 1,
        "simhash": hashlib.sha256(str(number).encode()).hexdigest()[:16],
        "duplicate_of": None,
    }
    article["content_sha256"] = content_sha256(article)
    return article


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
        article = record(corpus, number)
        path = data / "archive" / relative_path(article)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(article, ensure_ascii=False), "utf-8")
    stamp.write_text(json.dumps(wanted))
    return data


# Runs a module as `python -m` does and, as it exits, writes its VmHWM (KiB) to a file.
PEAK_WRAPPER = """
import atexit, os, re, runpy, sys
def peak():
    status = open("/proc/self/status").read()
    with open(os.environ["CRESCENT_BENCH_PEAK"], "w") as out:
        out.write(re.search(r"VmHWM:\\s+(\\d+)", status)[1])
atexit.register(peak)
sys.argv = sys.argv[1:]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


def run_measured(module_args: list[str], work: Path) -> tuple[float, float, int]:
    """Seconds, peak resident MiB and exit code of ``python -m MODULE ARGS`` (its own process)."""
    peak_file = work / "peak.txt"
    peak_file.unlink(missing_ok=True)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", PEAK_WRAPPER, *module_args], cwd=REPO,
                            env={**os.environ, "CRESCENT_BENCH_PEAK": str(peak_file)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.stderr.write(proc.stderr.read().decode("utf-8", "replace")[-2000:])
    proc.stderr.close()
    peak_kib = int(peak_file.read_text()) if peak_file.is_file() else usage.ru_maxrss
    return seconds, peak_kib / 1024, proc.returncode


def size_mib(path: Path) -> float:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20
    return path.stat().st_size / 2**20 if path.exists() else 0.0


def read_only(data: Path) -> None:
    """The floor: walk the archive and read every article, as an export does, writing nothing."""
    from archive import ArchiveStore

    count = sum(1 for _ in ArchiveStore(data / "archive").stream_records())
    print(count)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--seed", type=int, default=20251119)
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "crescent-bench-export",
                        help="where the synthetic archive and the exports go (archive reused)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--read-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.read_only:
        read_only(args.read_only)
        return 0
    formats = [f for f in args.formats.split(",") if f]
    data = write_archive(args.work, args.articles, args.seed)
    archive_mib = size_mib(data / "archive")
    print(f"archive of {args.articles} synthetic articles ({archive_mib:.0f} MiB of JSON) in "
          f"{data}; shared machine: timings vary with the other work on it")
    out_dir = args.work / "out"
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    runs = [("read", "all", ["benchmarks.export", "--read-only", str(data)], None)]
    for fmt in formats:
        for label, selection in (("all", []), ("one source", ["--source", SOURCES[0]])):
            if label == "one source" and fmt not in ("parquet", "sqlite"):
                continue
            target = out_dir / f"{fmt}-{label.replace(' ', '-')}.{fmt}"
            runs.append((fmt, label, ["cli", "export", "--data", str(data), "--format", fmt,
                                      *selection, "-o", str(target)], target))
    results = []
    print(f"{'format':<8} {'selection':<11} {'articles':>9} {'seconds':>8} {'art/s':>8} "
          f"{'peak MiB':>9} {'out MiB':>8}")
    for fmt, label, command, target in runs:
        seconds, peak, code = run_measured(command, args.work)
        articles = args.articles
        if target is not None and code == 0:
            manifest = (target / "data" / "manifest.json" if target.is_dir()
                        else target.with_name(f"{target.name}.manifest.json"))
            articles = json.loads(manifest.read_text("utf-8"))["articles"]
        result = {"format": fmt, "selection": label, "articles": articles, "ok": code == 0,
                  "seconds": round(seconds, 2), "articles_per_s": round(articles / seconds),
                  "peak_mib": round(peak, 1),
                  "output_mib": round(size_mib(target), 1) if target else 0.0}
        results.append(result)
        print(f"{fmt:<8} {label:<11} {articles:>9} {seconds:>8.1f} {articles / seconds:>8.0f} "
              f"{peak:>9.0f} {result['output_mib']:>8.1f}" + ("" if code == 0 else "  FAILED"))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
