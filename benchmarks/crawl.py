"""Crawl cost: crescent end to end against a plain Scrapy spider and inline trafilatura.

Serves a site of article pages on 127.0.0.1 and crawls it three ways, each in a fresh process.
With ``--real EVAL_DIR`` the pages are the evaluation pages (read from ``../shared/eval`` at run
time, never stored in the repository), copied round-robin to ``--articles`` pages, each copy its
own article (a number in its title, headline and first paragraph) with its canonical link
removed; without it, the bare replica pages (8 KiB each, kept as information). The three ways:

  download-only   a plain Scrapy spider that fetches the listings and articles
  inline          the same spider running trafilatura's bare_extraction in its callback
  crescent        `crescent crawl --site` into a fresh data directory: extraction in the
                  process pool, archive written, index updated

and prints articles per second, CPU seconds per article (all processes), peak memory (the sum
over the crawl's process tree, as PSS so pages shared by forked workers count once, sampled
every 0.2 s), and where crescent's CPU goes per article by stage: Scrapy (the download-only
spider's CPU), then extraction (parse, text, metadata, dates, language, the rest), SimHash,
archive write and index, timed in this process on the same pages. Run with `make bench-crawl`.
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
SAMPLE_SECONDS = 0.2
CANONICAL = re.compile(
    rb"<link\b[^>]*\brel=[\"']?canonical\b[^>]*>|<meta\b[^>]*\bproperty=[\"']?og:url\b[^>]*>",
    re.IGNORECASE)

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


class GeneratedSite:
    """``count`` unique article pages under /article/N behind listings /list/N."""

    def __init__(self, count: int) -> None:
        self.templates = article_pages()
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


class RealSite(GeneratedSite):
    """The evaluation pages, ``count`` copies round-robin, each its own article.

    A copy gets its number in its title, og:title, headline and first paragraph; its canonical
    link (and og:url) is removed, so that every copy is archived under its own URL.
    """

    def __init__(self, eval_dir: Path, count: int) -> None:
        from benchmarks.extraction import load_pages

        self.templates = [CANONICAL.sub(b"", page.body) for page in load_pages(eval_dir)]
        if not self.templates:
            raise SystemExit(f"no evaluation pages in {eval_dir}")
        self.count = count
        self.listings = (count + PER_LISTING - 1) // PER_LISTING

    def article(self, number: int) -> bytes:
        body = self.templates[number % len(self.templates)]
        marker = f" n{number}".encode()  # ASCII: the pages keep their own encodings
        body = re.sub(rb"(<title[^>]*>[^<]*)", lambda m: m.group(1) + marker, body, count=1)
        body = re.sub(rb'(og:title" content="[^"]*)', lambda m: m.group(1) + marker, body, count=1)
        body = re.sub(rb"(<h1[^>]*>[^<]*)", lambda m: m.group(1) + marker, body, count=1)
        return re.sub(rb"(<p>)", lambda m: m.group(1) + marker + b" ", body, count=1)


class SiteServer:
    """The generated site on 127.0.0.1, HTTP/1.1 with keep-alive, from an asyncio loop in a thread.

    The server shares the two cores with the crawl it serves, and a real site's server would not:
    Python's ``http.server`` took ~1 ms of CPU a request (a thread per connection, headers parsed
    with the email package), this loop ~0.15 ms.
    """

    def __init__(self, site: GeneratedSite, delay: float = 0.0) -> None:
        self.site = site
        # Real pages declare their own encodings (some are windows-1251).
        self.content_type = b"text/html" if isinstance(site, RealSite) else \
            b"text/html; charset=utf-8"
        self.delay = delay  # seconds before each answer, as a far-away site (bench-distributed)
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
                if self.delay:
                    await asyncio.sleep(self.delay)
                reason = b"OK" if status == 200 else b"Not Found"
                writer.write(b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
                             b"Content-Length: %d\r\n\r\n" % (status, reason, self.content_type,
                                                              len(body)))
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
    """Run ``command``, sampling its process tree every 0.2 s. smaps_rollup is read, not smaps:
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
        time.sleep(SAMPLE_SECONDS)
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


STAGES = ("parse", "text", "metadata", "dates", "language", "extraction, the rest", "SimHash",
          "archive write", "index")


def stage_profile(site: GeneratedSite, scratch: Path) -> tuple[int, dict[str, float]]:
    """CPU seconds by stage for crescent's work on one copy of each page, in this process.

    The stages are timed by wrapping the functions crescent's extraction calls (the wrappers
    add ~1 µs a call); archive write and index are the crawl's own code on a fresh data dir.
    """
    from archive.dedupe import fingerprint
    from archive.store import ArchiveStore
    from crawler import extract as extract_module
    from crawler.indexer import update_engines
    from crawler.items import ArticleItem
    from search.index import document_for

    spent = dict.fromkeys(STAGES, 0.0)
    # Loaded once per crawl before the workers fork (crawler.pool): not a cost per article.
    extract(site.article(0), "http://127.0.0.1/article/0")
    from search import engines_to_update

    for engine in engines_to_update(scratch / "stages"):
        engine.exists()

    def timed(stage: str, function):
        def wrapper(*args, **kwargs):
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[stage] += time.process_time() - started
        return wrapper

    patches = {"_load_tree": "parse", "decode_html": "parse", "page_metadata": "metadata",
               "find_published": "dates", "find_text_date": "dates", "identify": "language"}
    originals = {name: getattr(extract_module, name) for name in patches}
    bare = extract_module.trafilatura.bare_extraction
    for name, stage in patches.items():
        setattr(extract_module, name, timed(stage, originals[name]))
    extract_module.trafilatura.bare_extraction = timed("text", bare)
    articles, whole = [], 0.0
    try:
        for number in range(min(len(site.templates), site.count)):
            body, url = site.article(number), f"http://127.0.0.1/article/{number}"
            started = time.process_time()
            result = extract(body, url)
            whole += time.process_time() - started
            if isinstance(result, Article):
                articles.append(result)
    finally:
        for name, function in originals.items():
            setattr(extract_module, name, function)
        extract_module.trafilatura.bare_extraction = bare
    spent["extraction, the rest"] = whole - sum(spent[stage] for stage in set(patches.values())
                                                | {"text"})
    store = ArchiveStore(scratch / "stages" / "archive")
    documents = []
    for article in articles:
        record = ArticleItem.from_article(article, "bench").record()
        started = time.process_time()
        record["simhash"] = fingerprint(record["text"])
        middle = time.process_time()
        store.save(record)
        spent["SimHash"] += middle - started
        spent["archive write"] += time.process_time() - middle
        documents.append(document_for(record, store.relative(store.path_for(record))))
    started = time.process_time()
    for first in range(0, len(documents), 50):
        update_engines(str(scratch / "stages"), documents[first:first + 50])
    spent["index"] = time.process_time() - started
    return len(articles), spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--real", type=Path, metavar="EVAL_DIR",
                        help="serve copies of the evaluation pages in EVAL_DIR (pages/ and "
                             "truth.jsonl) instead of the bare replica pages")
    parser.add_argument("--no-stages", action="store_true",
                        help="skip the per-stage CPU profile of crescent")
    parser.add_argument("--without-index", action="store_true",
                        help="also crawl with indexing off (CRESCENT_INDEX_BATCH=0): what the "
                             "index costs")
    parser.add_argument("--without-warc", action="store_true",
                        help="also crawl with WARC capture off (--warc off): what it costs")
    parser.add_argument("--with-tantivy", action="store_true",
                        help="also crawl into a data directory whose engine is tantivy "
                             "(the default row indexes with Whoosh)")
    args = parser.parse_args()
    site = RealSite(args.real, args.articles) if args.real else GeneratedSite(args.articles)
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
        if args.with_tantivy:
            crescent_runs.append(("crescent, tantivy index", []))
        for number, (label, extra) in enumerate(crescent_runs):
            data = Path(scratch, f"data{number}")
            if "tantivy" in label:
                data.mkdir()
                (data / "config.toml").write_text('[search]\nengine = "tantivy"\n')
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
                warc = (sum(p.stat().st_size for p in data.rglob("*.warc.gz")), archived)
            if archived < args.articles * 0.95:
                print(run.output[-3000:])
        crawl_pid = next(iter(crescent.cpu_by_process), 0)
        stages = None if args.no_stages else stage_profile(site, Path(scratch))
    server.shutdown()
    print_report(args, site, rows, crescent, crawl_pid, server_cpu, stages, warc)


def print_report(args, site: GeneratedSite, rows: list, crescent: Run, crawl_pid: int,
                 server_cpu: float, stages: tuple[int, dict[str, float]] | None,
                 warc: tuple[int, int] = (0, 0)) -> None:
    """The comparison table, CPU per article against inline trafilatura, and crescent's stages."""
    inline_rate = rows[1][1] / rows[1][2].wall if rows[1][2].wall else 0.0
    size = sum(len(site.article(n)) for n in range(50)) / 50 / 1024
    kind = (f"copies of the {len(site.templates)} evaluation pages" if args.real
            else "generated replica article pages")
    print(f"\n{args.articles} {kind} ({size:.0f} KiB each) on 127.0.0.1, "
          f"{psutil.cpu_count()} cores (a shared machine: compare runs of the same moment)\n")
    print(f"{'system':<34}{'articles':>9}{'seconds':>9}{'art/s':>8}{'vs inline':>10}"
          f"{'CPU cores':>11}{'CPU ms/art':>11}{'peak MiB':>10}{'connections':>13}")
    per_article = {}
    for label, items, run, connections in rows:
        rate = items / run.wall if run.wall else 0.0
        per_article[label] = 1000 * run.cpu / items if items else 0.0
        print(f"{label:<34}{items:>9}{run.wall:>9.1f}{rate:>8.1f}"
              f"{rate / inline_rate if inline_rate else 0.0:>9.2f}x"
              f"{run.cpu / run.wall if run.wall else 0.0:>11.2f}{per_article[label]:>11.1f}"
              f"{run.peak:>10.0f}{connections:>13}")
    download, inline = per_article["download-only spider"], per_article["inline trafilatura"]
    ours = per_article["crescent (pool, archive, index)"]
    if inline > download:
        print(f"\nCPU per article above the download-only spider (the work on a page): crescent "
              f"{ours - download:.1f} ms, inline trafilatura {inline - download:.1f} ms: "
              f"{(ours - download) / (inline - download):.2f}x (target <= 1.2x); whole "
              f"processes {ours / inline if inline else 0.0:.2f}x")
        for label, value in per_article.items():
            if label.startswith("crescent, "):
                print(f"  {label}: {value - download:.1f} ms, "
                      f"{(value - download) / (inline - download):.2f}x")
    print(f"Peak PSS of crescent's crawl (sum over its processes, sampled every "
          f"{SAMPLE_SECONDS} s): {crescent.peak:.0f} MiB (target < 300 MB = 286 MiB); its "
          f"crawl process held {crescent.top_peak:.0f} MiB, extraction workers and index writer "
          "the rest.")
    print(cpu_report(crescent, crawl_pid, server_cpu))
    if stages:
        count, spent = stages
        scrapy = download
        total = scrapy + sum(1000 * seconds / count for seconds in spent.values())
        print(f"\ncrescent's CPU per article by stage (ms; timed in one process on one copy of "
              f"each page, {count} articles; Scrapy = the download-only spider):")
        print(f"  {'Scrapy (download, parse listings)':<36}{scrapy:>7.1f}")
        for stage in STAGES:
            print(f"  {stage:<36}{1000 * spent[stage] / count:>7.1f}")
        print(f"  {'total':<36}{total:>7.1f}")
    warc_bytes, archived = warc
    print(f"WARC captures: {warc_bytes / max(archived, 1) / 1024:.1f} KiB per article (gzip per "
          f"record; {warc_bytes / 1048576:.1f} MiB in all)")


if __name__ == "__main__":
    main()
