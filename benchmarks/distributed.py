"""Crawls on many machines: articles per second with 1, 2 and 4 workers on a slow site.

Serves a generated site (benchmarks.crawl's article pages) on 127.0.0.1 that answers every page
after 300 ms, as a far-away site would, starts a throwaway redis-server, and for each worker
count runs `crescent crawl --site … --frontier` (the coordinator, the only archive writer) with
that many `crescent worker` processes, each limited to CONCURRENT_REQUESTS requests at a time
(as a polite worker is). Prints the steady rate (articles sent per second between 10 % and 90 %
of the crawl, read off the workers' counters in Redis), the whole crawl's rate with start-up,
and the CPU all the processes used. Run with `make bench-distributed`.

On one machine the workers share its cores with the coordinator: the rate grows with workers
while the network wait dominates, and stops growing once the cores are busy.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from benchmarks.crawl import GeneratedSite, SiteServer
from frontier.local_redis import LocalRedis

REPO = Path(__file__).resolve().parent.parent


class WideSite(GeneratedSite):
    """The generated site with ``per_listing`` articles per listing page: the chain of listing
    pages (each also 300 ms away) must not be what limits the crawl."""

    def __init__(self, count: int, per_listing: int) -> None:
        super().__init__(count)
        self.per_listing = per_listing
        self.listings = (count + per_listing - 1) // per_listing

    def listing(self, number: int) -> bytes:
        first = (number - 1) * self.per_listing
        links = "".join(f'<li><a class="article" href="/article/{n}">Article {n}</a></li>'
                        for n in range(first, min(first + self.per_listing, self.count)))
        more = f'<a class="next" href="/list/{number + 1}">next</a>' if number < self.listings \
            else ""
        return (f'<html><head><meta property="og:type" content="website"></head><body><ul>'
                f"{links}</ul>{more}</body></html>").encode()


@dataclass
class Result:
    workers: int
    articles: int
    wall: float
    steady_rate: float
    cpu: float
    coordinator_cpu: float


def tree_cpu(processes: list[psutil.Process], seen: dict[int, float]) -> None:
    for process in processes:
        try:
            for member in [process, *process.children(recursive=True)]:
                times = member.cpu_times()
                seen[member.pid] = times.user + times.system
        except psutil.Error:
            pass


def sent(client) -> int:
    return sum(int(client.hget(name, "crescent/frontier/sent") or 0)
               for name in client.scan_iter(match="crescent:*:stats"))


def run(workers: int, base: str, site: WideSite, redis: LocalRedis, scratch: Path,
        concurrency: int) -> Result:
    client = redis.client()
    client.flushdb()
    data = scratch / f"data-{workers}"
    started = time.monotonic()
    coordinator = psutil.Popen(
        [sys.executable, "-m", "cli", "crawl", "--site", f"{base}/list/1",
         "--article-pattern", r"/article/\d+$", "--data", str(data), "--frontier", redis.url,
         "-s", "CLOSESPIDER_PAGECOUNT=0", "-s", "DEPTH_LIMIT=0",
         "-s", f"CRESCENT_MAX_LISTING_PAGES={site.listings + 5}"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    crew = [psutil.Popen(
        [sys.executable, "-m", "cli", "worker", "--frontier", redis.url, "--wait", "120",
         "--data", str(scratch / f"worker-{workers}-{n}"),
         "-s", f"CONCURRENT_REQUESTS={concurrency}",
         "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}",
         "-s", "CRESCENT_EXTRACT_WORKERS=1"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for n in range(workers)]
    cpu: dict[int, float] = {}
    hub_cpu: dict[int, float] = {}
    marks: list[tuple[float, int]] = []
    while coordinator.poll() is None:
        tree_cpu([coordinator, *crew], cpu)
        tree_cpu([coordinator], hub_cpu)
        marks.append((time.monotonic(), sent(client)))
        time.sleep(0.25)
    wall = time.monotonic() - started
    for process in crew:
        try:
            process.wait(timeout=60)
        except psutil.TimeoutExpired:
            process.send_signal(signal.SIGTERM)
    if coordinator.returncode != 0:
        print(coordinator.stderr.read()[-3000:] if coordinator.stderr else "", file=sys.stderr)
    articles = sum(1 for _ in (data / "archive").rglob("*.json"))
    total = max((count for _, count in marks), default=0)  # the end clears the counters
    low = next((t for t, count in marks if count >= 0.1 * total), 0.0)
    high = next((t for t, count in marks if count >= 0.9 * total), 0.0)
    steady = 0.8 * total / (high - low) if high > low else 0.0
    return Result(workers, articles, wall, steady, sum(cpu.values()), sum(hub_cpu.values()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=0.3, help="seconds before each answer")
    parser.add_argument("--concurrency", type=int, default=8,
                        help="CONCURRENT_REQUESTS of each worker")
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    site = WideSite(args.articles, per_listing=100)
    server = SiteServer(site, delay=args.delay)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        redis = LocalRedis(Path(scratch) / "redis").start()
        try:
            for workers in (int(n) for n in args.workers.split(",")):
                results.append(run(workers, base, site, redis, Path(scratch), args.concurrency))
        finally:
            redis.stop()
    server.shutdown()
    print(f"\n{args.articles} generated article pages on 127.0.0.1, each answered after "
          f"{args.delay * 1000:.0f} ms; each worker {args.concurrency} requests at a time; "
          f"{psutil.cpu_count()} cores (shared machine: other work ran meanwhile)\n")
    print(f"{'workers':>8}{'archived':>10}{'seconds':>9}{'art/s steady':>14}"
          f"{'art/s whole':>13}{'CPU cores':>11}{'vs 1 worker':>13}{'coord. CPU ms/art':>19}")
    first = results[0].steady_rate or 1.0
    for result in results:
        print(f"{result.workers:>8}{result.articles:>10}{result.wall:>9.1f}"
              f"{result.steady_rate:>14.1f}{result.articles / result.wall:>13.1f}"
              f"{result.cpu / result.wall:>11.2f}{result.steady_rate / first:>12.2f}x"
              f"{1000 * result.coordinator_cpu / max(result.articles, 1):>19.1f}")
    print(f"\nCeiling per worker: {args.concurrency} / {args.delay:g} s = "
          f"{args.concurrency / args.delay:.1f} pages/s when the network wait is all there is.")


if __name__ == "__main__":
    main()
