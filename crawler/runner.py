"""Run crawls in-process: settings for a data directory, one crawler per source, live counters."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from archive.atomic import remove_temp_files
from archive.dedupe import SharedArchive
from archive.store import ArchiveStore
from crawler.capture import capture_writer
from crawler.generic import GenericNewsSpider, source_name_for
from crawler.indexer import IndexWriter
from crawler.jobs import prepare_resume
from crawler.memory import tune_allocator
from crawler.pool import ExtractionPool, workers_setting


class UnknownSourceError(ValueError):
    pass


class CrawlFailedError(RuntimeError):
    """A crawler could not run (its error is in the crawl log)."""


SHUTDOWN_GRACE_S = 3.0  # after Ctrl-C, in-flight downloads get this long before we stop anyway


class CrescentProcess(CrawlerProcess):
    """CrawlerProcess whose Ctrl-C stops within seconds even with slow downloads in flight.

    The first Ctrl-C closes the spiders gracefully (items in the pipelines are written, the
    index batch is flushed); if a slow server keeps a download open past the grace period, the
    reactor is stopped. Archive writes are atomic, so nothing is half-written either way.
    """

    def _signal_shutdown(self, signum: int, _frame: Any) -> None:
        from twisted.internet import reactor

        super()._signal_shutdown(signum, _frame)
        reactor.callFromThread(reactor.callLater, SHUTDOWN_GRACE_S, self._stop_reactor)


def project_settings(data_dir: Path, **overrides: Any) -> Settings:
    """crescent's Scrapy settings for a crawl into ``data_dir``."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("CRESCENT_DATA", str(data_dir), priority="cmdline")
    for name, value in overrides.items():
        if value is not None:
            settings.set(name, value, priority="cmdline")
    return settings


def spider_loader() -> SpiderLoader:
    return SpiderLoader.from_settings(project_settings(Path("crescent-data")))


def source_names() -> list[str]:
    return sorted(spider_loader().list())


def source_rows() -> list[dict[str, Any]]:
    """Each configured source's name, title, languages and start URLs (``crescent sources``)."""
    rows = []
    for name in source_names():
        spider_cls = load_source(name)
        rows.append({"name": name, "title": spider_cls.source_title,
                     "languages": list(spider_cls.languages),
                     "start_urls": list(spider_cls.start_urls),
                     "feeds": list(spider_cls.feed_urls),
                     "sitemaps": list(spider_cls.sitemap_urls)})
    return rows


def load_source(name: str):
    try:
        return spider_loader().load(name)
    except KeyError:
        known = ", ".join(source_names())
        raise UnknownSourceError(f"unknown source {name!r} (known: {known})") from None


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# Replicas on this machine need no politeness delays; real sites always get them.
LOCAL_REPLICA_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    # The replicas all live on 127.0.0.1, one download slot. Scrapy keeps as many idle
    # connections per host as this setting; below CONCURRENT_REQUESTS (16), half the requests
    # of a fast local crawl opened a new connection (1,015 for 2,103 pages), ~0.8 s of CPU.
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
}


@dataclass
class CrawlPlan:
    """What to crawl: sources (with optional replica base URLs) or one generic site."""

    sources: list[str] = field(default_factory=list)
    base_urls: Mapping[str, str] = field(default_factory=dict)
    site: str | None = None
    site_base_url: str | None = None
    article_pattern: str | None = None

    def targets(self) -> list[str]:
        site = self.site_base_url or self.site
        return list(self.base_urls.values()) + ([site] if site else [])

    def all_local(self) -> bool:
        targets = self.targets()
        return bool(targets) and all(is_loopback(url) for url in targets) and (
            self.site is not None or set(self.base_urls) >= set(self.sources))


@dataclass
class CrawlResult:
    source: str
    stats: dict[str, Any]

    def count(self, key: str) -> int:
        return int(self.stats.get(key, 0) or 0)

    def prefixed(self, prefix: str) -> dict[str, int]:
        return {key[len(prefix):]: int(value) for key, value in sorted(self.stats.items())
                if key.startswith(prefix)}


ProgressCallback = Callable[[str, str], None]  # (source, event) with event "page" or "item"


def run_crawl(
    plan: CrawlPlan,
    data_dir: Path,
    *,
    languages: list[str] | None = None,
    since: date | None = None,
    refresh: bool = False,
    resume: bool = False,
    extra_settings: Mapping[str, Any] | None = None,
    on_event: ProgressCallback | None = None,
    on_note: Callable[[str], None] | None = None,
    store: ArchiveStore | None = None,
) -> list[CrawlResult]:
    """Crawl ``plan`` into ``data_dir`` and return each source's stats (blocks until done).

    With ``resume``, each source keeps its Scrapy job state under ``DATA/jobs/<source>`` and
    continues where a paused crawl stopped (see crawler.jobs for when the state is not trusted).
    ``store``: an ArchiveStore of ``data_dir``'s archive that has walked it already (the walk
    takes ~0.4 s for 100,000 articles; the crawl's spiders and archive writer share it).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    # A crawl killed while writing its report (or any state file) left a temporary file; no
    # other crawl writes here now (the caller holds the lock) and this one has not started.
    for folder in ("crawls", "state"):
        remove_temp_files(data_dir / folder)
    log_dir = data_dir / "logs"
    log_dir.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    overrides: dict[str, Any] = {
        "CRESCENT_LANGUAGES": languages,
        "CRESCENT_SINCE": since.isoformat() if since else None,
        "CRESCENT_REFRESH": refresh,
        "LOG_FILE": str(log_dir / f"crawl-{stamp}.log"),
        "LOG_FILE_APPEND": False,
    }
    if plan.all_local():
        overrides.update(LOCAL_REPLICA_SETTINGS)
    overrides.update(extra_settings or {})
    tune_allocator()  # before any thread or worker starts: see crawler.memory
    settings = project_settings(data_dir, **overrides)
    archive = SharedArchive(data_dir / "archive", store,
                            captures=capture_writer(data_dir, settings))
    settings.set("CRESCENT_SHARED_ARCHIVE", archive, priority="cmdline")
    pool = ExtractionPool(workers_setting(settings))
    settings.set("CRESCENT_SHARED_POOL", pool, priority="cmdline")
    indexer = IndexWriter(data_dir, inline=pool.workers == 0, host=pool)
    settings.set("CRESCENT_SHARED_INDEXER", indexer, priority="cmdline")
    process = CrescentProcess(settings)
    note = on_note or (lambda _message: None)

    def make_crawler(spidercls, source: str) -> Crawler:
        own = settings.copy()
        if resume:
            directory, decision = prepare_resume(data_dir, source)
            own.set("JOBDIR", str(directory), priority="cmdline")
            own.set("EXTENSIONS", {**own.getdict("EXTENSIONS"),
                                   "crawler.jobs.JobStateMarker": 600}, priority="cmdline")
            note({"resumed": f"{source}: resuming from its saved job state",
                  "discarded": f"{source}: saved job state was inconsistent (killed?); "
                               "fresh walk, archived articles skipped",
                  "fresh": f"{source}: no saved job state; fresh walk"}[decision])
        init_reactor = not process._initialized_reactor  # as CrawlerProcess does itself
        process._initialized_reactor = True
        return process.create_crawler(Crawler(spidercls, own, init_reactor=init_reactor))

    crawlers = []
    if plan.site:
        crawler = make_crawler(GenericNewsSpider, source_name_for(plan.site))
        crawlers.append((crawler, {"site": plan.site, "article_pattern": plan.article_pattern,
                                   "base_url": plan.site_base_url}))
    for name in plan.sources:
        crawler = make_crawler(load_source(name), name)
        crawlers.append((crawler, {"base_url": plan.base_urls.get(name)}))
    failures: list[str] = []
    for crawler, kwargs in crawlers:
        if on_event:
            _connect_progress(crawler, on_event)
        deferred = process.crawl(crawler, **{k: v for k, v in kwargs.items() if v})
        deferred.addErrback(lambda failure, name=crawler.spidercls.name: failures.append(
            f"{name}: {failure.getErrorMessage()}"))
    indexer.start()  # the engines' modules, loaded before the workers fork
    pool.start()  # before the reactor: see crawler.pool
    archive.start_loading()  # its first thread, once the workers have forked
    try:
        process.start()
    finally:
        indexer.shutdown()
        pool.shutdown()  # finishes the index batches it hosts before stopping
        archive.close()  # every save is done; a fingerprint load still running stops
    if failures:
        raise CrawlFailedError("; ".join(failures))
    return [CrawlResult(crawler.spider.name if crawler.spider else crawler.spidercls.name,
                        dict(crawler.stats.get_stats())) for crawler, _ in crawlers]


def _connect_progress(crawler, on_event: ProgressCallback) -> None:
    def page(response, request, spider):
        on_event(spider.name, "page")

    def item(item, response, spider):
        on_event(spider.name, "item")

    crawler.signals.connect(page, signal=signals.response_received, weak=False)
    crawler.signals.connect(item, signal=signals.item_scraped, weak=False)
