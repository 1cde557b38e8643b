"""A worker: `crescent worker --frontier redis://…` fetches and extracts pages of a shared crawl.

It waits until a coordinator publishes a crawl, builds the same spiders (the plan in Redis
says which, with which settings), and takes requests from the shared queue. New requests go
back to the queue through the shared duplicate filter; extracted articles are sent to the
coordinator (a Redis list per source), never written here. The worker ends when the crawl
does (or stops); run it under systemd or compose with a restart policy to serve the next one.

Politeness across workers: requests to one site start at least DOWNLOAD_DELAY apart across
every worker (a per-site token in Redis, :class:`SharedPoliteness`); each worker's own
AutoThrottle can only slow it further, and CONCURRENT_REQUESTS_PER_DOMAIN holds per worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, DropItem, NotConfigured
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import task

from crawler.generic import GenericNewsSpider
from crawler.memory import tune_allocator
from crawler.pool import ExtractionPool, workers_setting
from crawler.runner import (
    LOCAL_REPLICA_SETTINGS,
    CrawlResult,
    CrescentProcess,
    load_source,
    project_settings,
)
from frontier.coordinator import WORKER_STATS, crescent_version
from frontier.redis_layer import scheduler_of, wake
from frontier.session import (
    LOST_ERRORS,
    FrontierError,
    FrontierLostError,
    FrontierSession,
    guarded,
    key,
    shown_url,
    source_key,
)

logger = logging.getLogger(__name__)

ACK_INTERVAL_S = 0.2
WAKE_INTERVAL_S = 0.25


class KnownIds:
    """The archive's ids as the coordinator published them: ``id in known`` asks Redis."""

    def __init__(self, session: FrontierSession) -> None:
        self.session = session

    def __contains__(self, article_id: object) -> bool:
        return bool(guarded(self.session, lambda: self.session.redis.sismember(
            key("known"), str(article_id)), False))


class PendingAliases:
    """Stands in for the spider's alias file: aliases travel with their article instead."""

    def __init__(self) -> None:
        self.fetched: dict[str, str] = {}

    def add(self, alias: str, canonical: str) -> None:
        self.fetched[canonical] = alias

    def pop(self, canonical: str) -> str | None:
        return self.fetched.pop(canonical, None)


class NoStartRequests:
    """Spider middleware: the coordinator queues the start requests, once, for every worker."""

    async def process_start(self, start):
        for request in ():
            yield request


class SendItems:
    """Item pipeline: an article goes to the coordinator (a Redis list), not to an archive."""

    def __init__(self, crawler, session: FrontierSession) -> None:
        self.crawler = crawler
        self.session = session

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.get("CRESCENT_FRONTIER_SESSION"))

    def process_item(self, item):
        spider = self.crawler.spider
        record = item.record()
        aliases = getattr(spider, "aliases", None)
        alias = aliases.pop(item["id"]) if isinstance(aliases, PendingAliases) else None
        if alias:
            record["fetched_id"] = alias
        payload = json.dumps(record, ensure_ascii=False)
        try:
            self.session.redis.rpush(source_key(spider.name, "items"), payload)
        except LOST_ERRORS as error:
            self.session.fail(error)
            raise DropItem("the frontier is gone") from None
        self.crawler.stats.inc_value("crescent/frontier/sent")
        return item


class SharedPoliteness:
    """Downloader middleware: one site's requests start DOWNLOAD_DELAY apart across workers.

    Before a request leaves, the worker takes the site's token in Redis (SET NX with the delay
    as its expiry); a worker that finds it taken waits for it to expire. Off when the delay
    is 0 (replicas on this machine).
    """

    def __init__(self, session: FrontierSession, delay: float) -> None:
        self.session = session
        self.delay_ms = int(delay * 1000)

    @classmethod
    def from_crawler(cls, crawler):
        session = crawler.settings.get("CRESCENT_FRONTIER_SESSION")
        delay = crawler.settings.getfloat("DOWNLOAD_DELAY")
        if session is None or delay <= 0:
            raise NotConfigured
        return cls(session, delay)

    async def process_request(self, request):
        token = key("polite", urlparse_cached(request).netloc)
        redis = self.session.redis
        while self.session.lost is None:
            try:
                if redis.set(token, self.session.worker_id, nx=True, px=self.delay_ms):
                    return None
                wait_ms = redis.pttl(token)
            except LOST_ERRORS as error:
                self.session.fail(error)
                break
            await asyncio.sleep(max(wait_ms, 5) / 1000)
        return None


class WorkerHooks:
    """Extension (worker): heartbeat, acknowledgements, counters, waking up, when to stop."""

    def __init__(self, crawler, session: FrontierSession) -> None:
        self.crawler = crawler
        self.session = session
        self.pushed: dict[str, int] = {}
        self.loops: list[task.LoopingCall] = []
        self.closing: asyncio.Future | None = None

    @classmethod
    def from_crawler(cls, crawler):
        session = crawler.settings.get("CRESCENT_FRONTIER_SESSION")
        if session is None or crawler.settings.get("CRESCENT_FRONTIER_ROLE") != "worker":
            raise NotConfigured
        hooks = cls(crawler, session)
        crawler.signals.connect(hooks.opened, signal=signals.spider_opened)
        crawler.signals.connect(hooks.idle, signal=signals.spider_idle)
        crawler.signals.connect(hooks.closed, signal=signals.spider_closed)
        session.on_lost(lambda: hooks.close("frontier-lost"))
        return hooks

    def opened(self, spider) -> None:
        if not spider.refresh:
            spider.known_ids = KnownIds(self.session)
        spider.aliases = PendingAliases()
        for interval, function in ((ACK_INTERVAL_S, self.flush), (WAKE_INTERVAL_S, self.wake),
                                   (self.session.heartbeat_s / 4, self.beat)):
            loop = task.LoopingCall(function)
            loop.start(interval, now=True)
            self.loops.append(loop)

    def close(self, reason: str) -> None:
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            self.closing = asyncio.ensure_future(engine.close_spider_async(reason=reason))

    def beat(self) -> None:
        """Keep this worker's leases its own; stop when the coordinator stopped the crawl."""
        def check() -> str | None:
            self.session.beat()
            return self.session.status()

        status = guarded(self.session, check, "running")
        if status != "running":
            self.close(f"frontier-{status or 'gone'}")

    def wake(self) -> None:
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None and not engine.needs_backout():
            wake(self.crawler)

    def stat_deltas(self) -> dict[str, int]:
        deltas = {}
        for name, value in self.crawler.stats.get_stats().items():
            if (isinstance(value, int) and not isinstance(value, bool)
                    and name.startswith(WORKER_STATS)):
                delta = value - self.pushed.get(name, 0)
                if delta:
                    deltas[name] = delta
        return deltas

    def flush(self) -> None:
        """Acknowledge finished leases, with the counters they moved, in one transaction."""
        scheduler = scheduler_of(self.crawler)
        if scheduler is None or self.session.lost is not None or not hasattr(scheduler, "queue"):
            return
        released = scheduler.take_released()
        deltas = self.stat_deltas()
        if not released and not deltas:
            return
        spider = self.crawler.spider
        pipe = self.session.redis.pipeline(transaction=True)
        for name, delta in deltas.items():
            pipe.hincrby(source_key(spider.name, "stats"), name, delta)
        if released:
            pipe.hdel(source_key(spider.name, "leases"), *released)
        try:
            pipe.execute()
        except LOST_ERRORS as error:
            self.session.fail(error)
            return
        for name, delta in deltas.items():
            self.pushed[name] = self.pushed.get(name, 0) + delta

    def idle(self, spider) -> None:
        scheduler = scheduler_of(self.crawler)
        if scheduler is not None and scheduler.outstanding:
            gc.collect()  # requests caught in reference cycles
            scheduler.release_all()  # idle: nothing this worker took is still in work
        self.flush()
        if guarded(self.session, self.session.status, None) == "running":
            raise DontCloseSpider

    def closed(self, spider, reason) -> None:
        for loop in self.loops:
            if loop.running:
                loop.stop()
        self.flush()
        if reason.startswith("closespider_"):  # a limit (-s CLOSESPIDER_…) ends the source
            guarded(self.session, lambda: self.session.redis.set(
                source_key(spider.name, "closed"), reason), None)


def wait_for_crawl(session: FrontierSession, wait_s: float | None,
                   note: Callable[[str], None]) -> dict[str, Any]:
    """The plan of the running crawl, once there is one (Redis may come and go meanwhile)."""
    deadline = None if wait_s is None else time.monotonic() + wait_s
    told: set[str] = set()
    while True:
        try:
            if session.status() == "running":
                raw = session.redis.get(key("plan"))
                if raw:
                    return json.loads(raw)
            message = f"waiting for a crawl on the frontier at {shown_url(session.url)} …"
        except LOST_ERRORS as error:
            message = f"waiting for Redis at {shown_url(session.url)} ({error}) …"
        if message not in told:
            note(message)
            told.add(message)
        if deadline is not None and time.monotonic() > deadline:
            raise FrontierError(f"no crawl on the frontier at {shown_url(session.url)} "
                                f"after {wait_s:g} s")
        time.sleep(0.5)


def worker_settings(plan: Mapping[str, Any], session: FrontierSession, data_dir: Path,
                    overrides: Mapping[str, Any]) -> dict[str, Any]:
    from crawler import settings as project

    log_dir = data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    settings: dict[str, Any] = {
        "CRESCENT_LANGUAGES": plan.get("languages"),
        "CRESCENT_SINCE": plan.get("since"),
        "CRESCENT_REFRESH": bool(plan.get("refresh")),
        "LOG_FILE": str(log_dir / f"worker-{stamp}-{session.worker_id}.log"),
        "LOG_FILE_APPEND": False,
    }
    if plan.get("all_local"):
        settings.update(LOCAL_REPLICA_SETTINGS)
    settings.update(plan.get("settings") or {})
    settings.update(overrides)  # this machine's own limits (-s on `crescent worker`)
    settings.update({
        "SCHEDULER": "frontier.redis_layer.FrontierScheduler",
        "CRESCENT_FRONTIER_SESSION": session,
        "CRESCENT_FRONTIER_ROLE": "worker",
        "ITEM_PIPELINES": {"frontier.worker.SendItems": 100},
        "SPIDER_MIDDLEWARES": {"frontier.worker.NoStartRequests": 10},
        "DOWNLOADER_MIDDLEWARES": {**project.DOWNLOADER_MIDDLEWARES,
                                   "frontier.worker.SharedPoliteness": 960},
        "EXTENSIONS": {**project.EXTENSIONS, "crawler.report.CrawlReport": None,
                       "frontier.worker.WorkerHooks": 400},
    })
    return settings


def run_worker(frontier: str, data_dir: Path, *, overrides: Mapping[str, Any] | None = None,
               wait_s: float | None = None,
               on_note: Callable[[str], None] | None = None) -> list[CrawlResult]:
    """Work on the frontier's crawl until it ends; each source's stats as this worker saw it.

    Raises FrontierError (no crawl within ``wait_s``, another version of crescent) and
    FrontierLostError (Redis went away during the crawl).
    """
    note = on_note or (lambda _message: None)
    overrides = dict(overrides or {})
    heartbeat = float(overrides.pop("CRESCENT_FRONTIER_HEARTBEAT_S", 10.0))
    session = FrontierSession(frontier, "worker", heartbeat_s=heartbeat)
    plan = wait_for_crawl(session, wait_s, note)
    if plan.get("version") != crescent_version():
        raise FrontierError(f"the crawl was started by crescent {plan.get('version')}; this "
                            f"worker runs {crescent_version()} (run the same version everywhere)")
    data_dir.mkdir(parents=True, exist_ok=True)
    tune_allocator()
    settings = project_settings(data_dir, **worker_settings(plan, session, data_dir, overrides))
    # Its processes end with this worker however it dies (crawler.children), as a crawl's do.
    pool = ExtractionPool(workers_setting(settings))
    settings.set("CRESCENT_SHARED_POOL", pool, priority="cmdline")
    process = CrescentProcess(settings)
    spiders: list[tuple[type, dict[str, Any]]] = []
    if plan.get("site"):
        spiders.append((GenericNewsSpider, {"site": plan["site"],
                                            "article_pattern": plan.get("article_pattern"),
                                            "base_url": plan.get("site_base_url")}))
    for name in plan.get("sources") or []:
        spiders.append((load_source(name), {"base_url": (plan.get("base_urls") or {}).get(name)}))
    sources = ", ".join([*(plan.get("sources") or []), *([plan["site"]] if plan.get("site")
                                                         else [])])
    note(f"worker {session.worker_id}: crawling {sources}")
    crawlers: list[Crawler] = []
    for spidercls, kwargs in spiders:
        crawler = process.create_crawler(spidercls)
        crawlers.append(crawler)
        process.crawl(crawler, **{k: v for k, v in kwargs.items() if v})
    pool.start()
    try:
        process.start()
    finally:
        pool.shutdown()
        with contextlib.suppress(*LOST_ERRORS):  # our leases, if any, are free at once
            session.redis.delete(session.heartbeat_key())
    if session.lost is not None:
        raise FrontierLostError(session.lost)
    return [CrawlResult(crawler.spider.name if crawler.spider else crawler.spidercls.name,
                        dict(crawler.stats.get_stats())) for crawler in crawlers]
