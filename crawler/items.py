"""The item a spider yields: one extracted article, the fields the archive stores."""

from __future__ import annotations

from datetime import UTC, datetime

import scrapy

from crawler.extract import Article
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
    # Set by the archive pipeline (new, updated, unchanged); not part of the stored record.
    archive_status = scrapy.Field()

    def record(self) -> dict:
        """The fields the archive stores."""
        return {key: value for key, value in self.items() if key != "archive_status"}

    @classmethod
    def from_article(cls, article: Article, source: str, fetched_at: datetime | None = None):
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
        )
