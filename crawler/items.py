"""The item a spider yields: one extracted article, the fields the archive stores."""

from __future__ import annotations

from datetime import UTC, datetime

import scrapy

from crawler.extract import Article
from crawler.rules import extractor_version
from crawler.urls import article_id


class ArticleItem(scrapy.Item):
    id = scrapy.Field()
    url = scrapy.Field()
    source = scrapy.Field()
    language = scrapy.Field()
    language_confidence = scrapy.Field()
    title = scrapy.Field()
    text = scrapy.Field()
    published = scrapy.Field()
    date_source = scrapy.Field()
    date_raw = scrapy.Field()
    modified = scrapy.Field()
    authors = scrapy.Field()
    description = scrapy.Field()
    fetched_at = scrapy.Field()
    word_count = scrapy.Field()
    extractor = scrapy.Field()  # the extractor version (crawler.rules.extractor_version)
    # Set by the archive pipeline (new, updated, unchanged); not part of the stored record.
    archive_status = scrapy.Field()
    # The page as received (archive.warc.Capture) and its redirects, for the WARC writer; the
    # stored record gets the capture pointer instead.
    capture_data = scrapy.Field()

    def record(self) -> dict:
        """The fields the archive stores."""
        return {key: value for key, value in self.items()
                if key not in ("archive_status", "capture_data")}

    @classmethod
    def from_article(cls, article: Article, source: str, fetched_at: datetime | None = None,
                     extractor: str | None = None):
        fetched = (fetched_at or datetime.now(UTC)).astimezone(UTC)
        return cls(
            id=article_id(article.url),
            url=article.url,
            source=source,
            language=article.language,
            language_confidence=article.language_confidence,
            title=article.title,
            text=article.text,
            published=article.published,
            date_source=article.date_source,
            date_raw=article.date_raw,
            modified=article.modified,
            authors=list(article.authors),
            description=article.description,
            fetched_at=fetched.isoformat(timespec="seconds").replace("+00:00", "Z"),
            word_count=article.word_count,
            extractor=extractor or extractor_version(),
        )
