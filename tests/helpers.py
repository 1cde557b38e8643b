"""Shared test helpers: replica pages as Scrapy responses, spiders built from real crawlers,
the processes of a process group, synthetic articles archived."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.http import HtmlResponse, Request, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.demo import ReplicaSite


def response_for(site: ReplicaSite, url: str, callback=None) -> TextResponse:
    """The replica's page at ``url`` as the Scrapy response a spider callback receives."""
    parts = urlsplit(url)
    page = site.lookup(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert page is not None, f"replica {site.source} has no page {url}"
    kind = XmlResponse if "xml" in page.content_type else HtmlResponse
    if "text/plain" in page.content_type:
        kind = TextResponse
    return kind(url=url, body=page.body, headers={"Content-Type": page.content_type},
                request=Request(url, callback=callback), status=page.status)


def make_spider(spider_cls, data_dir: Path, **settings):
    """A spider bound to a real (not started) crawler writing to ``data_dir``."""
    merged = {key: getattr(project_settings, key) for key in dir(project_settings)
              if key.isupper()}
    merged["CRESCENT_EXTRACT_WORKERS"] = 0  # callbacks run inline in unit tests
    crawler = get_crawler(spider_cls, {**merged, "CRESCENT_DATA": str(data_dir), **settings})
    spider = spider_cls.from_crawler(crawler)
    crawler.spider = spider
    return spider


def callback_output(spider, response, callback):
    """Everything a callback yields (sync or async generator), as a list."""
    output = callback(response)
    if inspect.iscoroutine(output):
        return asyncio.run(output)
    if inspect.isasyncgen(output):
        async def collect():
            return [value async for value in output]

        return asyncio.run(collect())
    return list(output or [])


def group_members(group: int) -> list[int]:
    """Live (not zombie) processes of process group ``group``: a crawl started in a new session
    leads its own group, and its workers stay in it when orphaned."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # ended meanwhile
        state, _ppid, pgrp = text[text.rindex(")") + 2:].split()[:3]
        if int(pgrp) == group and state not in ("Z", "X"):
            members.append(int(stat.parent.name))
    return members


def archive_synthetic(store, record: dict) -> dict:
    """Archive a synthetic article (benchmarks.search.Corpus) in ``store``; returns its index
    document, as a crawl would index it."""
    from search.index import document_for

    record.update({"authors": [], "description": "", "modified": None,
                   "fetched_at": "2026-12-03T08:00:00Z"})
    store.save(record)
    path = store.path_of(record["id"])
    return document_for(store.read(path), store.relative(path))
