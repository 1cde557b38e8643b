"""Extension that keeps each crawl's stats and rejected pages under ``DATA/crawls/`` for
``crescent stats``, and the functions that read them back."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scrapy import signals

from archive.atomic import atomic_write_bytes
from crawler.pipelines import data_dir

MAX_FIGURES = 5_000  # articles sampled per crawl for the medians (a first crawl may find more)


@dataclass
class CrawlFigures:
    """What the source-health history needs beyond counters: word counts, publication days."""

    languages: tuple[str, ...] = ()  # the languages the source declares it publishes in
    listings: int = 0  # listing pages it starts from
    words: list[int] = field(default_factory=list)
    published: list[str] = field(default_factory=list)

    def add(self, article) -> None:
        if len(self.words) < MAX_FIGURES:
            self.words.append(article.word_count)
            self.published.append(article.published[:10])

    def summary(self) -> dict:
        return {"languages": list(self.languages), "listings": self.listings,
                "median_words": int(statistics.median(self.words)) if self.words else None,
                "published": sorted(set(self.published))[-200:]}


class CrawlReport:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.directory = data_dir(crawler.settings) / "crawls"

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider, reason) -> None:
        stats = {key: _plain(value) for key, value in self.crawler.stats.get_stats().items()}
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        report = {"source": spider.name, "finish_reason": reason, "stats": stats,
                  "rejected": list(getattr(spider, "rejected_pages", []))}
        figures = getattr(spider, "figures", None)
        if isinstance(figures, CrawlFigures):
            report["figures"] = figures.summary()
        path = self.directory / f"{stamp}-{spider.name}.json"
        atomic_write_bytes(path, json.dumps(report, ensure_ascii=False, indent=2).encode())


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def latest_reports(data_dir) -> dict[str, dict]:
    """The most recent crawl report of each source under ``DATA/crawls``."""
    reports: dict[str, dict] = {}
    directory = data_dir / "crawls"
    if not directory.is_dir():
        return reports
    for path in sorted(directory.glob("*.json")):  # names start with a UTC timestamp
        try:
            report = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        reports[report.get("source", path.stem)] = report
    return reports


@dataclass
class RejectedPages:
    """What the latest crawl of a source did not archive: counts by reason and the pages."""

    source: str
    finished: str | None
    counts: dict[str, int]
    pages: list[dict[str, str]]  # url, reason, detail
    unlisted: int  # rejected past the report's list cap (counted only)

    def as_json(self) -> dict[str, Any]:
        return {"finished": self.finished, "counts": self.counts, "pages": self.pages,
                "unlisted": self.unlisted}


def rejected_pages(data_dir, *, source: str | None = None) -> list[RejectedPages]:
    """The rejected pages of the latest crawl of each source (or of ``source``), by source.

    Reports written before pages were listed give the counts and no pages.
    """
    found = []
    for name, report in sorted(latest_reports(data_dir).items()):
        if source is not None and name != source:
            continue
        stats = report.get("stats", {})
        counts = {key.removeprefix("crescent/rejected/"): int(value)
                  for key, value in sorted(stats.items())
                  if key.startswith("crescent/rejected/")}
        pages = [{"url": str(page.get("url", "")), "reason": str(page.get("reason", "")),
                  "detail": str(page.get("detail", ""))}
                 for page in report.get("rejected", []) if isinstance(page, dict)]
        found.append(RejectedPages(name, stats.get("finish_time"), counts, pages,
                                   int(stats.get("crescent/rejected_unlisted", 0))))
    return found
