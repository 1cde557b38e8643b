"""Extension that keeps each crawl's stats under ``DATA/crawls/`` for ``crescent stats``."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime

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
        report = {"source": spider.name, "finish_reason": reason, "stats": stats}
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
