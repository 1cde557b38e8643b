"""The coordinator: `crescent crawl --frontier redis://…`, the crawl's only archive writer.

It runs the usual crawl (crawler.runner) with two changes. Its scheduler is the shared frontier
(frontier.redis_layer, role "coordinator"): start requests go into Redis, and nothing is
fetched here. And :class:`FrontierFeed` takes the articles the workers extracted off Redis and
runs them through the crawl's own item pipelines (archive, then index), so one process writes
the archive and the index, as in a crawl on one machine. A source's spider closes when its
frontier is empty: nothing queued, nothing leased to a worker, no article waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archive.store import ArchiveStore
from crawler.aliases import AliasFile
from crawler.items import ArticleItem
from crawler.runner import CrawlPlan, CrawlResult, run_crawl
from frontier.redis_layer import FrontierScheduler, scheduler_of
from frontier.session import (
    LOST_ERRORS,
    PREFIX,
    FrontierError,
    FrontierLostError,
    FrontierSession,
    key,
    shown_url,
    source_key,
)

logger = logging.getLogger(__name__)

LOCK_S = 15.0  # the coordinator's lock lives this long unless renewed (a killed one lets go)
ITEM_BATCH = 50
KNOWN_BATCH = 10_000
# Worker counters added into the coordinator's stats (the coordinator counts the archive).
WORKER_STATS = ("crescent/", "response_received_count", "downloader/", "retry/", "httperror/",
                "scheduler/dequeued")
COORDINATOR_STATS = ("crescent/archive/", "crescent/indexed", "crescent/index_errors",
                     "crescent/frontier/", "crescent/rejected/unstorable")
RENEW_LOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""


def crescent_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("crescent")
    except PackageNotFoundError:
        return "unknown"


def plan_payload(plan: CrawlPlan, *, languages: list[str] | None, since, refresh: bool,
                 extra_settings: Mapping[str, Any]) -> dict[str, Any]:
    """What a worker needs to build the same spiders (JSON)."""
    return {"version": crescent_version(), **asdict(plan), "base_urls": dict(plan.base_urls),
            "all_local": plan.all_local(), "languages": languages,
            "since": since.isoformat() if since else None, "refresh": refresh,
            "settings": dict(extra_settings)}


def sources_of(plan: CrawlPlan) -> list[str]:
    from crawler.generic import source_name_for

    return list(plan.sources) + ([source_name_for(plan.site)] if plan.site else [])


def is_dead_here(worker_id: str) -> bool:
    """True for a session id (host-pid-token) of this host whose process is gone."""
    host, _, rest = worker_id.rpartition("-")[0].rpartition("-")
    me = FrontierSession.host_name()
    if host != me or not rest.isdigit():
        return False
    try:
        os.kill(int(rest), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class Coordination:
    """The coordinator's hold on the frontier: its lock, the plan, the known ids, the end."""

    def __init__(self, session: FrontierSession, note: Callable[[str], None]) -> None:
        self.session = session
        self.redis = session.redis
        self.note = note
        self.token = session.worker_id
        self._renew = self.redis.register_script(RENEW_LOCK)

    def acquire(self, wait_s: float = LOCK_S + 5) -> None:
        deadline = time.monotonic() + wait_s
        told = False
        while not self.redis.set(key("coordinator"), self.token, nx=True, px=int(LOCK_S * 1000)):
            holder = (self.redis.get(key("coordinator")) or b"?").decode(errors="replace")
            if is_dead_here(holder):  # a coordinator of this machine that was killed
                self.redis.delete(key("coordinator"))
                continue
            if time.monotonic() > deadline:
                raise FrontierError(f"another coordinator ({holder}) is using the frontier at "
                                    f"{shown_url(self.session.url)}")
            if not told:
                self.note(f"waiting for coordinator {holder} to let go of the frontier …")
                told = True
            time.sleep(0.5)

    def renew(self) -> None:
        self._renew(keys=[key("coordinator")], args=[self.token, int(LOCK_S * 1000)])

    def release(self) -> None:
        with contextlib.suppress(*LOST_ERRORS):
            if self.redis.get(key("coordinator")) == self.token.encode():
                self.redis.delete(key("coordinator"))

    def crawl_keys(self) -> list[bytes]:
        keep = {key("coordinator").encode()}
        return [name for name in self.redis.scan_iter(match=f"{PREFIX}:*", count=1000)
                if name not in keep and not name.startswith(key("worker", "").encode())]

    def start(self, payload: dict[str, Any], sources: list[str], *, resume: bool,
              known_ids: set[str]) -> None:
        """Clear the old frontier (or keep it, resuming), publish the known ids and the plan."""
        status = self.session.status()
        if resume and status in ("running", "stopped"):
            pipe = self.redis.pipeline()
            for source in sources:
                pipe.zcard(source_key(source, "requests")).hlen(source_key(source, "leases"))
                pipe.llen(source_key(source, "items"))
            counts = pipe.execute()
            queued, leased, waiting = (sum(counts[i::3]) for i in range(3))
            self.note(f"resuming the frontier at {shown_url(self.session.url)}: {queued} "
                      f"requests queued, {leased} taken by workers, {waiting} articles waiting")
            self.redis.delete(*(source_key(source, "closed") for source in sources))
        else:
            if resume:
                why = ("its last crawl finished" if status == "finished" else
                       "no saved crawl: a new Redis, or one restarted without persistence")
                self.note(f"nothing to resume on the frontier at {shown_url(self.session.url)} "
                          f"({why}): fresh walk, archived articles skipped")
            names = self.crawl_keys()
            if names:
                self.redis.delete(*names)
        self.redis.delete(key("known"))
        ids = sorted(known_ids)
        for start in range(0, len(ids), KNOWN_BATCH):
            self.redis.sadd(key("known"), *ids[start:start + KNOWN_BATCH])
        self.redis.set(key("plan"), json.dumps(payload))
        self.redis.set(key("status"), "running")

    def finish(self, finished: bool) -> None:
        """A finished crawl leaves nothing behind; a stopped one keeps its frontier to resume."""
        if finished:
            names = self.crawl_keys()
            if names:
                self.redis.delete(*names)
            self.redis.set(key("status"), "finished")
        else:
            self.redis.set(key("status"), "stopped")


class FrontierFeed:
    """Extension (coordinator): feeds the workers' articles to the pipelines; ends the crawl.

    Articles are read from the head of the source's list, processed (archived, indexed), and
    only then trimmed off: a coordinator killed in between reads them again on resume, and the
    archive finds them unchanged. An id seen twice in one crawl (a worker killed after sending
    an article and before finishing its request, so another worker fetched the page again) is
    archived once.
    """

    def __init__(self, crawler, session: FrontierSession) -> None:
        self.crawler = crawler
        self.session = session
        self.interval = crawler.settings.getfloat("CRESCENT_FRONTIER_POLL_S", 0.2)
        self.seen: set[str] = set()
        self.task: asyncio.Task | None = None
        self.closing: asyncio.Future | None = None
        self.feeding = False  # a batch is in the pipelines

    @classmethod
    def from_crawler(cls, crawler):
        session = crawler.settings.get("CRESCENT_FRONTIER_SESSION")
        if session is None or crawler.settings.get("CRESCENT_FRONTIER_ROLE") != "coordinator":
            raise NotConfigured
        feed = cls(crawler, session)
        crawler.signals.connect(feed.opened, signal=signals.spider_opened)
        crawler.signals.connect(feed.closed, signal=signals.spider_closed)
        session.on_lost(feed.stop_lost)
        return feed

    def opened(self, spider) -> None:
        self.task = asyncio.ensure_future(self.run(spider))

    def stop_lost(self) -> None:
        # Scrapy's scraper finishes closing only when a response finishes, and articles fed
        # here have none: closed while a batch is in the pipelines, the spider would wait
        # forever. So a batch in progress closes the spider itself once it is through.
        if not self.feeding:
            self.close("frontier-lost")

    def close(self, reason: str) -> None:
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            self.closing = asyncio.ensure_future(engine.close_spider_async(reason=reason))

    async def run(self, spider) -> None:
        scheduler: FrontierScheduler = scheduler_of(self.crawler)
        engine = self.crawler.engine
        reaped_at = renewed_at = 0.0
        while engine.spider is not None and self.session.lost is None:
            try:
                if time.monotonic() - renewed_at > LOCK_S / 5:
                    renewed_at = time.monotonic()
                    self.session.keepalive()
                raw = self.session.redis.lrange(scheduler.items_key, 0, ITEM_BATCH - 1)
                if raw:
                    self.feeding = True
                    try:
                        await asyncio.gather(*(self.feed(spider, payload) for payload in raw))
                    finally:
                        self.feeding = False
                    if self.session.lost is not None:
                        break
                    self.session.redis.ltrim(scheduler.items_key, len(raw), -1)
                    continue
                if time.monotonic() - reaped_at > 1.0:
                    reaped_at = time.monotonic()
                    requeued = scheduler.requeue_orphans()
                    if requeued:
                        self.crawler.stats.inc_value("crescent/frontier/requeued", requeued)
                        logger.warning("%d requests of workers that stopped answering went "
                                       "back in the queue", requeued)
                limit = self.session.redis.get(source_key(spider.name, "closed"))
                if limit and not self.session.redis.hlen(scheduler.leases_key):
                    # A worker reached a per-source limit: the source ends here, as it would
                    # in one process; what is still queued stays for --resume.
                    self.close(limit.decode())
                    return
                if engine.spider_is_idle() and self.session.lost is None:
                    self.close("finished")
                    return
            except LOST_ERRORS as error:
                self.session.fail(error)
                break
            await asyncio.sleep(self.interval)
        if self.session.lost is not None:
            self.close("frontier-lost")

    async def feed(self, spider, payload: bytes) -> None:
        try:
            record = json.loads(payload)
            item = ArticleItem({name: value for name, value in record.items()
                                if name in ArticleItem.fields and name != "archive_status"})
            article_id = item["id"]
        except (ValueError, TypeError, KeyError, AttributeError):
            self.crawler.stats.inc_value("crescent/frontier/bad_items")
            return
        if article_id in self.seen:
            self.crawler.stats.inc_value("crescent/frontier/repeated")
            return
        self.seen.add(article_id)
        alias = record.get("fetched_id")
        if isinstance(alias, str) and alias != article_id:
            spider.aliases.add(alias, article_id)
        await self.crawler.engine.scraper.start_itemproc_async(item, response=None)

    def closed(self, spider, reason) -> None:
        """Add the workers' counters (pages, rejections) to this crawl's stats and report."""
        if self.task is not None and not self.task.done():
            self.task.cancel()
        with contextlib.suppress(*LOST_ERRORS):
            if self.session.lost is None:
                totals = self.session.redis.hgetall(source_key(spider.name, "stats"))
                stats = self.crawler.stats
                for name, value in totals.items():
                    name = name.decode()
                    if name.startswith(WORKER_STATS) and not name.startswith(COORDINATOR_STATS):
                        stats.inc_value(name, int(value))


def frontier_settings(session: FrontierSession) -> dict[str, Any]:
    from crawler import settings as project

    return {"SCHEDULER": "frontier.redis_layer.FrontierScheduler",
            "CRESCENT_FRONTIER_SESSION": session,
            "CRESCENT_FRONTIER_ROLE": "coordinator",
            "CRESCENT_EXTRACT_WORKERS": 1,  # extraction is the workers'; this one hosts the index
            "EXTENSIONS": {**project.EXTENSIONS, "frontier.coordinator.FrontierFeed": 400}}


def run_frontier_crawl(plan: CrawlPlan, data_dir: Path, frontier: str, *,
                       languages: list[str] | None = None, since=None, refresh: bool = False,
                       resume: bool = False, extra_settings: Mapping[str, Any] | None = None,
                       store: ArchiveStore | None = None,
                       on_note: Callable[[str], None] | None = None,
                       **kwargs: Any) -> list[CrawlResult]:
    """Coordinate a crawl whose pages the workers fetch; blocks until the frontier is empty.

    Raises FrontierError when Redis cannot be reached (or another coordinator holds it), and
    FrontierLostError when it goes away during the crawl (the archive keeps what was written;
    ``resume=True`` continues).
    """
    note = on_note or (lambda _message: None)
    extra = dict(extra_settings or {})
    session = FrontierSession(frontier, "coordinator")
    session.ping()
    coordination = Coordination(session, note)
    store = store or ArchiveStore(data_dir / "archive")
    try:
        coordination.acquire()
        known = set()
        if not refresh:
            known = store.ids()
            aliases = AliasFile(data_dir / "state" / "url-aliases.tsv").load()
            known |= {alias for alias, canonical in aliases.items() if canonical in known}
        payload = plan_payload(plan, languages=languages, since=since, refresh=refresh,
                               extra_settings=extra)
        coordination.start(payload, sources_of(plan), resume=resume, known_ids=known)
    except LOST_ERRORS as error:
        raise FrontierError(session.describe(error)) from None
    session.keepalive = coordination.renew  # called by the feeds while they run
    settings = {**extra, **frontier_settings(session)}
    results: list[CrawlResult] = []
    try:
        results = run_crawl(plan, data_dir, languages=languages, since=since, refresh=refresh,
                            extra_settings=settings, store=store, on_note=note, **kwargs)
    finally:
        if session.lost is None:
            with contextlib.suppress(*LOST_ERRORS):
                finished = bool(results) and all(
                    result.stats.get("finish_reason") == "finished" for result in results)
                coordination.finish(finished)
            coordination.release()
    if session.lost is not None:
        raise FrontierLostError(session.lost)
    return results

