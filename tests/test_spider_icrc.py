"""The icrc spider's callbacks on its replica's pages."""

import asyncio
from datetime import UTC, date, datetime

import pytest
import scrapy

from crawler.demo import build_site
from crawler.demo.html import load_content
from crawler.demo.sites.icrc import split_contact
from crawler.extract import parse_date_text
from crawler.items import ArticleItem
from spiders.icrc import IcrcSpider
from tests.helpers import callback_output, make_spider, response_for

SITE = build_site("icrc")
CONTENT = {article["key"]: article for article in load_content("icrc")}
EXPECTED = {article.key: article for article in SITE.articles}
SEED_URL = "https://www.icrc.org/en/document/azerbaijan-activity-highlights-january-june-2024"
EN_LISTING = "https://www.icrc.org/en/latest-news"
RU_LISTING = "https://www.icrc.org/ru/latest-news"
NOISE = {
    "en": ("Skip to main content", "Find help", "Donate", "Who we are", "What we do",
           "Where we work", "CC BY-NC-ND", "For further information", "please contact",
           "Ilaha Huseynova", "Related content", "Share this", "Latest news", "News release",
           "Legal factsheet", "© International Committee", "Privacy policy"),
    "ru": ("Перейти к основному содержанию", "Найти помощь", "Пожертвовать", "Кто мы",
           "Что мы делаем", "Где мы работаем", "CC BY-NC-ND", "Материалы по теме",
           "Пресс-релиз", "Статья", "Поделиться", "Политика конфиденциальности"),
}


def article_urls(requests):
    return [r.url for r in requests if r.callback.__name__ == "parse_article"]


def listing_urls(requests):
    return [r.url for r in requests if r.callback.__name__ == "parse_listing"]


def extract_one(spider, url, via_feed: bool = False):
    """The item of the article at ``url``; ``via_feed``: requested from the feed, as crawled."""
    response = response_for(SITE, url)
    if via_feed:
        feed = callback_output(spider, response_for(SITE, "https://www.icrc.org/en/rss"),
                               spider.parse_feed)
        [request] = [r for r in feed if r.url == url]
        response = response.replace(request=request)
    output = callback_output(spider, response, spider.parse_article)
    assert len(output) == 1, f"no item for {url}: {spider.crawler.stats.get_stats()}"
    assert isinstance(output[0], ArticleItem)
    return output[0]


def test_start_reads_the_english_feed_and_both_listings(tmp_path):
    spider = make_spider(IcrcSpider, tmp_path)

    async def collect():
        return [request async for request in spider.start()]

    requests = asyncio.run(collect())
    assert [r.url for r in requests if r.callback == spider.parse_feed] == [
        "https://www.icrc.org/en/rss"]
    assert listing_urls(requests) == [EN_LISTING, RU_LISTING]


def test_first_listing_page_yields_five_articles_and_the_zero_based_next_page(tmp_path):
    spider = make_spider(IcrcSpider, tmp_path)
    output = callback_output(spider, response_for(SITE, EN_LISTING), spider.parse_listing)
    assert all(isinstance(request, scrapy.Request) for request in output)
    articles = article_urls(output)
    assert len(articles) == 5
    assert all(url.startswith("https://www.icrc.org/en/") for url in articles)
    assert {url.split("/")[4] for url in articles} <= {"news-release", "article", "document"}
    listings = listing_urls(output)
    assert f"{EN_LISTING}?page=1" in listings  # Drupal pager: ?page=1 is the second page
    assert not any("where-we-work" in url for url in articles + listings)


def test_second_listing_pages_reach_every_article_of_both_editions(tmp_path):
    spider = make_spider(IcrcSpider, tmp_path)
    found = set()
    for url in (EN_LISTING, f"{EN_LISTING}?page=1", f"{EN_LISTING}?page=2", RU_LISTING,
                f"{RU_LISTING}?page=1"):
        output = callback_output(spider, response_for(SITE, url), spider.parse_listing)
        found |= set(article_urls(output))
    expected = {article.url for article in SITE.articles}
    assert expected <= found
    assert found - expected == {"https://www.icrc.org/en/document/azerbaijan-facts-and-figures-2023"}


def test_listing_older_than_since_is_not_walked_further(tmp_path):
    spider = make_spider(IcrcSpider, tmp_path, CRESCENT_SINCE="2025-01-01")
    old = callback_output(spider, response_for(SITE, f"{EN_LISTING}?page=1"),
                          spider.parse_listing)
    assert listing_urls(old) == []
    assert spider.crawler.stats.get_value("crescent/listing_stopped_since") == 1
    recent = callback_output(spider, response_for(SITE, EN_LISTING), spider.parse_listing)
    assert f"{EN_LISTING}?page=1" in listing_urls(recent)


def test_feed_yields_english_articles_only(tmp_path):
    spider = make_spider(IcrcSpider, tmp_path)
    output = callback_output(spider, response_for(SITE, "https://www.icrc.org/en/rss"),
                             spider.parse_feed)
    urls = article_urls(output)
    assert len(urls) == 6
    english = {article.url for article in SITE.articles if article.language == "en"}
    assert set(urls) <= english


def test_type_date_country_dates_parse_in_both_languages(tmp_path):
    hints = make_spider(IcrcSpider, tmp_path).hints
    now = datetime.now(UTC)
    assert parse_date_text("18 August 2022", hints, now) == date(2022, 8, 18)
    assert parse_date_text("3 сентября 2025", hints, now) == date(2025, 9, 3)
    assert parse_date_text("Пресс-релиз 3 сентября 2025 Азербайджан", hints, now) == date(
        2025, 9, 3)
    assert parse_date_text("Legal factsheet 11 August 2023 Azerbaijan", hints, now) == date(
        2023, 8, 11)


def test_seed_article_is_extracted_without_noise(tmp_path):
    spider = make_spider(IcrcSpider, tmp_path)
    item = extract_one(spider, SEED_URL)
    assert item["title"] == "Azerbaijan: Activity highlights for the first half of 2024"
    assert item["published"] == "2024-08-15"
    assert item["date_source"] == "text"
    assert item["language"] == "en"
    assert "around 357 home visits" in item["text"]
    assert item["text"].endswith("conducting detention-related activities, and supporting "
                                 "the AzRCS.")
    for noise in (*NOISE["en"], "Aida Guliyeva", "Document", "15 August 2024", "Azerbaijan\n"):
        assert noise not in item["text"], noise


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_every_article_has_its_title_date_language_and_only_its_body(tmp_path, key):
    spider = make_spider(IcrcSpider, tmp_path)
    expected, content = EXPECTED[key], CONTENT[key]
    dated_by_feed = bool(content.get("line_without_date"))  # its page shows no date
    item = extract_one(spider, expected.url, via_feed=dated_by_feed)
    assert item["url"] == expected.url
    assert item["title"] == expected.title
    assert item["published"] == expected.published
    assert item["date_source"] == ("feed" if dated_by_feed else "text")
    assert item["language"] == expected.language
    body, _contact = split_contact(content)
    assert item["text"] == "\n".join(body)
    for noise in NOISE[expected.language]:
        assert noise not in item["text"], noise


@pytest.mark.parametrize("key", ["en-azerbaijan-day-of-disappeared-2023",
                                 "en-azerbaijan-mine-awareness-2024"])
def test_news_release_contact_paragraph_stays_out(tmp_path, key):
    content = CONTENT[key]
    assert content["body"][-1].startswith("For further information, please contact:")
    page = SITE.lookup(EXPECTED[key].url.removeprefix(SITE.real_root)).body.decode()
    assert 'class="contact-block"' in page  # the replica renders it, the spider drops it
    item = extract_one(make_spider(IcrcSpider, tmp_path), EXPECTED[key].url)
    assert "+994" not in item["text"]
    assert item["text"].endswith(content["body"][-2])


def test_excluded_pages_yield_no_item(tmp_path):
    spider = make_spider(IcrcSpider, tmp_path)
    assert SITE.excluded
    for page in SITE.excluded:
        output = callback_output(spider, response_for(SITE, page.url), spider.parse_article)
        assert output == [], page.url
        if "where-we-work" in page.url:
            assert not spider.is_article_url(page.url), page.url
    stats = spider.crawler.stats
    assert stats.get_value("crescent/rejected/too-short") == len(SITE.excluded)


def test_article_already_archived_is_not_requested(tmp_path):
    from archive.store import ArchiveStore

    spider = make_spider(IcrcSpider, tmp_path)
    ArchiveStore(tmp_path / "archive").save(extract_one(spider, SEED_URL).record())
    spider = make_spider(IcrcSpider, tmp_path)
    assert spider.article_request(SEED_URL + "?utm_source=rss") is None
    assert spider.article_request(EXPECTED["en-turkiye-syria-earthquakes-2023"].url)
    refreshing = make_spider(IcrcSpider, tmp_path, CRESCENT_REFRESH=True)
    assert refreshing.article_request(SEED_URL) is not None
