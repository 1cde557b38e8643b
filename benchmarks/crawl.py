"""Crawl throughput: crescent end to end against a plain Scrapy spider and inline trafilatura.

Serves a generated site of 2,000 article pages (the replica pages, each made unique) on
127.0.0.1 and crawls it three ways, each in a fresh process:

  download-only   a plain Scrapy spider that fetches the listings and articles
  inline          the same spider running trafilatura's bare_extraction in its callback
  crescent        `crescent crawl --site` into a fresh data directory: extraction in the
                  process pool, archive written, index updated

and prints articles per second, CPU use (all processes, in cores) and peak memory (the sum over
the crawl's process tree, as PSS so pages shared by forked workers count once). Run with
`make bench-crawl`.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from crawler.demo import REPLICA_SOURCES, build_site
from crawler.extract import Article, extract

REPO = Path(__file__).resolve().parent.parent
PER_LISTING = 20

BASELINE_SPIDER = '''
import scrapy, sys
INLINE = {inline}

class Bench(scrapy.Spider):
    name = "bench"
    custom_settings = {{"LOG_LEVEL": "WARNING", "ROBOTSTXT_OBEY": False,
                       "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
                       "TELNETCONSOLE_ENABLED": False, "REMOTE_CONTROL_ENABLED": False}}
    start_urls = ["{base}/list/1"]

    def parse(self, response):
        for href in response.css("a.article::attr(href)").getall():
            yield response.follow(href, self.parse_article)
        for href in response.css("a.next::attr(href)").getall():
            yield response.follow(href, self.parse)

    def parse_article(self, response):
        if INLINE:
            import trafilatura
            doc = trafilatura.bare_extraction(response.text, url=response.url, with_metadata=True)
            if doc is not None and doc.text:
                yield {{"url": response.url, "title": doc.title, "words": len(doc.text.split())}}
        else:
            yield {{"url": response.url, "bytes": len(response.body)}}
'''


def article_pages() -> list[bytes]:
    """Replica article pages that extract as articles without source hints, links removed.

    Links are blanked so that every crawler walks the same graph: listings → articles.
    """
    pages = []
    for source in REPLICA_SOURCES:
        site = build_site(source)
        for article in site.articles:
            page = site.lookup(article.url.removeprefix(site.real_root))
            if page is None or "charset=utf-8" not in page.content_type:
                continue
            body = re.sub(rb'(<a\b[^>]*?)href="[^"]*"', rb'\1href="#"', page.body)
            if isinstance(extract(body, article.url), Article):
                pages.append(body)
    return pages


def padding(kib: int) -> bytes:
    """Page furniture of real news sites, ``kib`` KiB of it: a mega-menu, inline scripts and
    JSON state, a footer of links (the eval pages average 245 KiB, the replicas 8 KiB)."""
    if kib <= 0:
        return b""
    menu = "".join(f'<li><a href="#">Section {i} news and analysis</a></li>' for i in range(200))
    script = "window.__STATE__ = {" + ",".join(f'"k{i}": "value {i} of the app state"'
                                               for i in range(400)) + "};"
    footer = "".join(f'<a href="#">Footer link {i}</a> ' for i in range(150))
    block = (f'<nav class="mega-menu"><ul>{menu}</ul></nav><script>{script}</script>'
             f'<footer class="site-footer">{footer}</footer>').encode()
    return (block * (kib * 1024 // len(block) + 1))[: kib * 1024]


class GeneratedSite:
    """``count`` unique article pages under /article/N behind listings /list/N."""

    def __init__(self, count: int, pad_kib: int = 0) -> None:
        furniture = padding(pad_kib)
        self.templates = [page.replace(b"</body>", furniture + b"</body>", 1)
                          for page in article_pages()]
        self.count = count
        self.listings = (count + PER_LISTING - 1) // PER_LISTING

    def article(self, number: int) -> bytes:
        body = self.templates[number % len(self.templates)]
        # A different title and opening per page, so every article is new to the archive.
        marker = f" №{number}".encode()
        body = re.sub(rb"(<title>[^<]*)", lambda m: m.group(1) + marker, body, count=1)
        body = re.sub(rb'(og:title" content="[^"]*)', lambda m: m.group(1) + marker, body, count=1)
        body = re.sub(rb"(<h1[^>]*>[^<]*)", lambda m: m.group(1) + marker, body, count=1)
        return re.sub(rb"(<p>)", lambda m: m.group(1) + marker + b" ", body, count=1)

    def listing(self, number: int) -> bytes:
        first = (number - 1) * PER_LISTING
        links = "".join(f'<li><a class="article" href="/article/{n}">Article {n}</a></li>'
                        for n in range(first, min(first + PER_LISTING, self.count)))
        more = f'<a class="next" href="/list/{number + 1}">next</a>' if number < self.listings \
            else ""
        return (f'<html><head><meta property="og:type" content="website"></head><body><ul>'
                f"{links}</ul>{more}</body></html>").encode()


class SiteServer:
    """The generated site on 127.0.0.1, HTTP/1.1 with keep-alive, from an asyncio loop in a thread.

    The server shares the two cores with the crawl it serves, and a real site's server would not:
    Python's ``http.server`` took ~1 ms of CPU a request (a thread per connection, headers parsed
    with the email package), this loop ~0.15 ms.
    """

    def __init__(self, site: GeneratedSite) -> None:
        self.site = site
        self.connections: set[asyncio.Task] = set()
        self.connections_opened = 0
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(started,), daemon=True)
        self.thread.start()
        started.wait()

    def cpu_seconds(self) -> float:
        """CPU the server's thread has used so far."""
        return thread_cpu(psutil.Process()).get(self.thread_id, 0.0)

    def _run(self, started: threading.Event) -> None:
        self.thread_id = threading.get_native_id()
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._serve_connection, "127.0.0.1", 0))
        self.server_address = self.server.sockets[0].getsockname()
        started.set()
        self.loop.run_forever()

    def page(self, path: str) -> tuple[int, bytes]:
        match = re.fullmatch(r"/(list|article)/(\d+)", path)
        if match and match[1] == "list" and 1 <= int(match[2]) <= self.site.listings:
            return 200, self.site.listing(int(match[2]))
        if match and match[1] == "article" and int(match[2]) < self.site.count:
            return 200, self.site.article(int(match[2]))
        return 404, b"not found"

    async def _serve_connection(self, reader: asyncio.StreamReader,
                                writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self.connections.add(task)
        self.connections_opened += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                parts = head.split(b" ", 2)
                status, body = self.page(parts[1].decode("latin-1") if len(parts) > 1 else "")
                reason = b"OK" if status == 200 else b"Not Found"
                writer.write(b"HTTP/1.1 %d %s\r\nContent-Type: text/html; charset=utf-8\r\n"
                             b"Content-Length: %d\r\n\r\n" % (status, reason, len(body)))
                writer.write(body)
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass  # the client closed the connection
        finally:
            self.connections.discard(task)
            writer.close()

    async def _close(self) -> None:
        self.server.close()
        for task in list(self.connections):
            task.cancel()
        await asyncio.gather(*self.connections, return_exceptions=True)
        await self.server.wait_closed()
        await asyncio.sleep(0)  # the transports close on the next pass of the loop

    def shutdown(self) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self.loop).result(timeout=5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


def serve(site: GeneratedSite) -> SiteServer:
    return SiteServer(site)


def pss_kib(pid: int) -> int:
    """Proportional set size of a process (shared pages divided among their users), in KiB."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Run:
    """What one measured command did: seconds, CPU and memory (MiB), and its output."""

    wall: float
    cpu_by_process: dict[int, float]  # the whole tree: the top process first
    cpu_by_thread: dict[int, float]  # the top process's threads: its main thread first
    peak: float  # the tree's PSS at its highest
    top_peak: float  # the top process's part of it
    output: str

    @property
    def cpu(self) -> float:
        return sum(self.cpu_by_process.values())


def thread_cpu(process: psutil.Process) -> dict[int, float]:
    return {thread.id: thread.user_time + thread.system_time for thread in process.threads()}


def measure(command: list[str], cwd: Path) -> Run:
    """Run ``command``, sampling its process tree every 0.1 s. smaps_rollup is read, not smaps:
    sampling must not eat the CPU the crawl is measured on."""
    started = time.monotonic()
    process = psutil.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout or []), daemon=True)
    reader.start()
    peak = top_peak = 0
    cpu_by_pid: dict[int, float] = {}
    cpu_by_thread: dict[int, float] = {}
    while process.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
        except psutil.Error:
            break
        total = top = 0
        for member in tree:
            pss = pss_kib(member.pid)
            total += pss
            top = pss if member is process else top
            try:
                times = member.cpu_times()
                cpu_by_pid[member.pid] = times.user + times.system
                if member is process:
                    cpu_by_thread.update(thread_cpu(member))
            except psutil.Error:
                pass
        if total > peak:
            peak, top_peak = total, top
        time.sleep(0.1)
    reader.join(timeout=5)
    return Run(time.monotonic() - started, cpu_by_pid, cpu_by_thread, peak / 1024,
               top_peak / 1024, "".join(output))


def cpu_report(run: Run, pid: int, server_cpu: float) -> str:
    """Where crescent's CPU went, by process and (in the crawl process) by thread."""
    crawl = run.cpu_by_process.get(pid, 0.0)
    reactor = run.cpu_by_thread.get(pid, 0.0)  # the main thread's id is the process id
    others = sorted((seconds for tid, seconds in run.cpu_by_thread.items() if tid != pid),
                    reverse=True)
    workers = [seconds for member, seconds in run.cpu_by_process.items() if member != pid]
    return (f"crescent's CPU seconds: crawl process {crawl:.1f} (reactor thread {reactor:.1f}, "
            f"busiest other thread {others[0] if others else 0.0:.1f}, the rest "
            f"{sum(others[1:]):.1f}), workers {' + '.join(f'{w:.1f}' for w in workers)} "
            f"(extraction; the last also indexes); the benchmark's server {server_cpu:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--pad-kib", type=int, default=0,
                        help="add this much real-site page furniture to every article page")
    parser.add_argument("--without-index", action="store_true",
                        help="also crawl with indexing off (CRESCENT_INDEX_BATCH=0): what the "
                             "index costs")
    parser.add_argument("--without-warc", action="store_true",
                        help="also crawl with WARC capture off (--warc off): what it costs")
    args = parser.parse_args()
    site = GeneratedSite(args.articles, args.pad_kib)
    server = serve(site)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for label, inline in (("download-only spider", False), ("inline trafilatura", True)):
            script = Path(scratch, f"bench_{inline}.py")
            script.write_text(BASELINE_SPIDER.format(inline=inline, base=base))
            out = Path(scratch, f"out_{inline}.jsonl")
            opened = server.connections_opened
            run = measure([sys.executable, "-m", "scrapy", "runspider", str(script), "-o",
                           str(out)], cwd=Path(scratch))
            items = sum(1 for _ in out.open()) if out.exists() else 0
            rows.append((label, items, run, server.connections_opened - opened))
        crescent_runs = [("crescent (pool, archive, index)", [])]
        if args.without_index:
            crescent_runs.append(("crescent, index off", ["-s", "CRESCENT_INDEX_BATCH=0"]))
        if args.without_warc:
            crescent_runs.append(("crescent, WARC off", ["--warc", "off"]))
        for number, (label, extra) in enumerate(crescent_runs):
            data = Path(scratch, f"data{number}")
            server_before, opened = server.cpu_seconds(), server.connections_opened
            run = measure(
                [sys.executable, "-m", "cli", "crawl", "--site", f"{base}/list/1",
                 "--article-pattern", r"/article/\d+$", "--data", str(data),
                 "-s", "CLOSESPIDER_PAGECOUNT=0", "-s", "DEPTH_LIMIT=0",
                 "-s", f"CRESCENT_MAX_LISTING_PAGES={site.listings + 5}", *extra], cwd=REPO)
            archived = sum(1 for _ in (data / "archive").rglob("*.json"))
            rows.append((label, archived, run, server.connections_opened - opened))
            if number == 0:
                crescent, server_cpu = run, server.cpu_seconds() - server_before
                warc_bytes = sum(path.stat().st_size for path in data.rglob("*.warc.gz"))
                warc_per_article = warc_bytes / archived if archived else 0.0
            if archived < args.articles * 0.95:
                print(run.output[-3000:])
        crawl_pid = next(iter(crescent.cpu_by_process), 0)
    server.shutdown()
    inline_rate = rows[1][1] / rows[1][2].wall
    size = sum(len(site.article(n)) for n in range(50)) / 50 / 1024
    print(f"\n{args.articles} generated article pages ({size:.0f} KiB each) on 127.0.0.1, "
          f"{psutil.cpu_count()} cores\n")
    print(f"{'system':<34}{'articles':>9}{'seconds':>9}{'art/s':>8}{'vs inline':>10}"
          f"{'CPU cores':>11}{'peak MiB':>10}{'connections':>13}")
    for label, items, run, connections in rows:
        rate = items / run.wall if run.wall else 0.0
        print(f"{label:<34}{items:>9}{run.wall:>9.1f}{rate:>8.1f}{rate / inline_rate:>9.2f}x"
              f"{run.cpu / run.wall:>11.2f}{run.peak:>10.0f}{connections:>13}")
    print(f"\nAt crescent's peak its crawl process held {crescent.top_peak:.0f} MiB (PSS), its "
          "extraction workers and index writer the rest.")
    print(cpu_report(crescent, crawl_pid, server_cpu))
    print(f"WARC captures: {warc_per_article / 1024:.1f} KiB per article (gzip per record; "
          f"{warc_bytes / 1048576:.1f} MiB in all)")


if __name__ == "__main__":
    main()
