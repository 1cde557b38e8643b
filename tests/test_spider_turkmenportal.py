"""The turkmenportal spider's callbacks on its replica's pages."""

from datetime import UTC, date, datetime

import pytest
import scrapy

from archive.store import ArchiveStore
from crawler.demo import build_site
from crawler.demo.html import load_content
from crawler.demo.sites import turkmenportal as replica
from crawler.items import ArticleItem
from spiders.turkmenportal import TurkmenportalSpider
from tests.helpers import callback_output, make_spider, response_for

SITE = build_site("turkmenportal")
CONTENT = {article["key"]: article for article in load_content("turkmenportal")}
EXPECTED = {article.key: article for article in SITE.articles}
ROOT = "https://turkmenportal.com"
NOISE = ("Top.Mail.Ru", "Soňky habarlar", "Arhiw", "Комментарии", "Чтобы оставить комментарий",
         "войдите на сайт", "Comments", "To leave a comment", "log in to the site", "Просмотры",
         "Views", "©", "Новости /")


def url_of(key: str) -> str:
    return EXPECTED[key].url


def item_for(spider, key: str) -> ArticleItem:
    [item] = callback_output(spider, response_for(SITE, url_of(key)), spider.parse_article)
    assert isinstance(item, ArticleItem)
    return item


def meta_published_time(key: str) -> datetime:
    page = SITE.lookup(url_of(key).removeprefix(ROOT))
    text = page.body.decode("cp1251" if "1251" in page.content_type else "utf-8")
    marker = '<meta property="article:published_time" content="'
    start = text.index(marker) + len(marker)
    return datetime.fromisoformat(text[start : text.index('"', start)])


# -- the replica's special pages ----------------------------------------------------------------
def test_special_pages_are_what_the_tests_rely_on():
    assert replica.CP1251_KEY in CONTENT and CONTENT[replica.CP1251_KEY]["lang"] == "ru"
    assert replica.NO_DATE_LINE_KEY in replica.MIDNIGHT_KEYS
    assert len(replica.MIDNIGHT_KEYS) >= 3
    for key in replica.MIDNIGHT_KEYS:
        when = meta_published_time(key)
        assert when.utcoffset().total_seconds() == 5 * 3600
        assert when.date().isoformat() == CONTENT[key]["date"]
        # The UTC day is the day before: a UTC conversion would archive the wrong day.
        assert when.astimezone(UTC).date() < when.date()


def test_windows_1251_page_is_really_windows_1251():
    page = SITE.lookup(url_of(replica.CP1251_KEY).removeprefix(ROOT))
    assert page.content_type == "text/html; charset=windows-1251"
    assert b'<meta charset="windows-1251">' in page.body
    with pytest.raises(UnicodeDecodeError):
        page.body.decode("utf-8")
    assert CONTENT[replica.CP1251_KEY]["title"].encode("cp1251") in page.body
    assert b"So&#328;ky habarlar" in page.body  # no "ň" in cp1251: a character reference


def test_no_date_line_page_has_only_the_meta_date():
    article = CONTENT[replica.NO_DATE_LINE_KEY]
    html = SITE.lookup(url_of(replica.NO_DATE_LINE_KEY).removeprefix(ROOT)).body.decode()
    assert replica.date_line(article) not in html
    assert "news-date" not in html and "news-meta" not in html
    assert f'content="{article["date"]}T{article["time"]}:00+05:00"' in html


# -- articles -------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", sorted(CONTENT))
def test_every_article_is_extracted_whole_and_without_noise(tmp_path, key):
    spider = make_spider(TurkmenportalSpider, tmp_path)
    article, item = CONTENT[key], item_for(spider, key)
    assert item["url"] == url_of(key)
    assert item["language"] == article["lang"]
    assert item["published"] == article["date"]
    assert item["text"] == "\n".join([article["lead"], *article["body"]])
    assert item["authors"] == ([article["author"]] if article.get("author") else [])
    for noise in (*NOISE, replica.date_line(article)):
        assert noise not in item["text"], noise
    assert str(article["views"]) not in item["text"].split()
    for other in CONTENT.values():  # the "Soňky habarlar" ticker lists other headlines
        if other is not article:
            assert other["title"] not in item["text"]


@pytest.mark.parametrize("key", sorted(CONTENT))
def test_every_title_is_the_sites_title(tmp_path, key):
    # Two titles end in a closing » ("… «Нефть и газ Туркменистана»") that must stay.
    spider = make_spider(TurkmenportalSpider, tmp_path)
    assert item_for(spider, key)["title"] == CONTENT[key]["title"]


def test_windows_1251_article_comes_out_as_cyrillic(tmp_path):
    spider = make_spider(TurkmenportalSpider, tmp_path)
    response = response_for(SITE, url_of(replica.CP1251_KEY))
    assert response.headers[b"Content-Type"] == b"text/html; charset=windows-1251"
    assert response.encoding == "cp1251"
    [item] = callback_output(spider, response, spider.parse_article)
    article = CONTENT[replica.CP1251_KEY]
    assert item["title"] == article["title"]
    assert item["title"] == "Волонтеры Красного Полумесяца поздравили женщин с 8 Марта"
    assert item["text"] == "\n".join([article["lead"], *article["body"]])
    assert "Международного женского дня" in item["text"]
    assert item["language"] == "ru"
    assert item["published"] == article["date"]


def test_article_without_date_line_is_dated_by_its_meta(tmp_path):
    spider = make_spider(TurkmenportalSpider, tmp_path)
    item = item_for(spider, replica.NO_DATE_LINE_KEY)
    assert item["date_source"] == "meta"
    assert item["published"] == CONTENT[replica.NO_DATE_LINE_KEY]["date"]
    assert item["published"] == meta_published_time(replica.NO_DATE_LINE_KEY).date().isoformat()


@pytest.mark.parametrize("key", replica.MIDNIGHT_KEYS)
def test_just_after_midnight_the_archived_day_is_the_local_day(tmp_path, key):
    spider = make_spider(TurkmenportalSpider, tmp_path)
    item = item_for(spider, key)
    assert item["published"] == CONTENT[key]["date"] == EXPECTED[key].published
    assert date.fromisoformat(item["published"]) != meta_published_time(key).astimezone(UTC).date()


class MetaOnlySpider(TurkmenportalSpider):
    """The same source without the visible date line: only article:published_time is left."""

    date_selectors = ()


@pytest.mark.parametrize("key", replica.MIDNIGHT_KEYS)
def test_just_after_midnight_the_meta_alone_gives_the_local_day(tmp_path, key):
    spider = make_spider(MetaOnlySpider, tmp_path)
    item = item_for(spider, key)
    assert item["date_source"] == "meta"
    assert item["published"] == CONTENT[key]["date"]


def test_dated_articles_take_the_visible_date_line(tmp_path):
    spider = make_spider(TurkmenportalSpider, tmp_path)
    for key in ("tp-cold-snap-jan", "tp-en-cis-meeting"):  # Russian and English month names
        item = item_for(spider, key)
        assert item["date_source"] == "text"
        assert item["published"] == CONTENT[key]["date"]


def test_article_already_archived_is_not_requested(tmp_path):
    spider = make_spider(TurkmenportalSpider, tmp_path)
    key = "tp-cis-meeting"
    ArchiveStore(tmp_path / "archive").save(item_for(spider, key).record())
    spider = make_spider(TurkmenportalSpider, tmp_path)
    assert spider.article_request(url_of(key) + "?utm_source=telegram") is None
    refreshing = make_spider(TurkmenportalSpider, tmp_path, CRESCENT_REFRESH=True)
    assert refreshing.article_request(url_of(key)) is not None


# -- listings, sitemap, robots.txt ----------------------------------------------------------
def test_spider_declares_its_languages_and_entry_points():
    assert TurkmenportalSpider.languages == ("ru", "en")
    assert TurkmenportalSpider.start_urls == (f"{ROOT}/ru/news", f"{ROOT}/en/news")
    assert TurkmenportalSpider.sitemap_urls == (f"{ROOT}/sitemap.xml",)


def test_russian_listing_yields_articles_and_the_next_pages(tmp_path):
    spider = make_spider(TurkmenportalSpider, tmp_path)
    output = callback_output(spider, response_for(SITE, f"{ROOT}/ru/news"), spider.parse_listing)
    assert all(isinstance(request, scrapy.Request) for request in output)
    articles = {r.url for r in output if r.callback == spider.parse_article}
    listings = {r.url for r in output if r.callback == spider.parse_listing}
    newest_ru = [a.url for a in SITE.articles if a.language == "ru"][: replica.PER_PAGE]
    assert articles == set(newest_ru)  # the "Soňky habarlar" ticker links the newest three
    assert {f"{ROOT}/ru/news?page=2", f"{ROOT}/ru/news?page=3"} <= listings
    # Besides: page 1 itself and the edition switch; never the Turkmen edition.
    assert listings <= {f"{ROOT}/ru/news", f"{ROOT}/en/news", f"{ROOT}/ru/news?page=2",
                        f"{ROOT}/ru/news?page=3"}


def test_last_listing_page_links_back_to_page_one_without_a_page_parameter(tmp_path):
    spider = make_spider(TurkmenportalSpider, tmp_path)
    output = callback_output(spider, response_for(SITE, f"{ROOT}/ru/news?page=3"),
                             spider.parse_listing)
    listings = {r.url for r in output if r.callback == spider.parse_listing}
    assert f"{ROOT}/ru/news" in listings and f"{ROOT}/ru/news?page=1" not in listings
    ticker = [a.url for a in SITE.articles if a.language == "ru"][:3]
    assert {r.url for r in output if r.callback == spider.parse_article} == {
        url_of("tp-cold-snap-jan"), *ticker}


def test_english_listing_yields_the_english_articles_only(tmp_path):
    spider = make_spider(TurkmenportalSpider, tmp_path)
    output = callback_output(spider, response_for(SITE, f"{ROOT}/en/news"), spider.parse_listing)
    articles = {r.url for r in output if r.callback == spider.parse_article}
    assert articles == {a.url for a in SITE.articles if a.language == "en"}
    assert not any("/tm/" in r.url for r in output)


def test_listing_walk_stops_before_since(tmp_path):
    spider = make_spider(TurkmenportalSpider, tmp_path, CRESCENT_SINCE="2025-07-01")
    output = callback_output(spider, response_for(SITE, f"{ROOT}/ru/news?page=2"),
                             spider.parse_listing)
    assert not [r for r in output if r.callback == spider.parse_listing]
    assert spider.crawler.stats.get_value("crescent/listing_stopped_since") == 1


def test_sitemap_yields_every_article_and_nothing_else(tmp_path):
    spider = make_spider(TurkmenportalSpider, tmp_path)
    output = callback_output(spider, response_for(SITE, f"{ROOT}/sitemap.xml"),
                             spider.parse_sitemap)
    assert sorted(r.url for r in output) == sorted(a.url for a in SITE.articles)
    assert all(r.callback == spider.parse_article for r in output)


def test_sitemap_since_keeps_an_article_from_just_after_midnight(tmp_path):
    day = CONTENT[replica.NO_DATE_LINE_KEY]["date"]
    spider = make_spider(TurkmenportalSpider, tmp_path, CRESCENT_SINCE=day)
    output = callback_output(spider, response_for(SITE, f"{ROOT}/sitemap.xml"),
                             spider.parse_sitemap)
    urls = {r.url for r in output}
    assert url_of(replica.NO_DATE_LINE_KEY) in urls
    assert urls == {a.url for a in SITE.articles if a.published >= day}


def test_robots_txt_declares_the_sitemap_and_allows_the_crawl():
    robots = SITE.lookup("/robots.txt").body.decode()
    assert f"Sitemap: {ROOT}/sitemap.xml" in robots.splitlines()
    disallowed = [line.split(":", 1)[1].strip() for line in robots.splitlines()
                  if line.startswith("Disallow:")]
    assert not any(path in ("/", "/ru", "/en") or path.startswith(("/ru/news", "/en/news"))
                   for path in disallowed)


def test_turkmen_alternate_is_a_404_and_never_an_article():
    html = SITE.lookup(url_of("tp-cis-meeting").removeprefix(ROOT)).body.decode()
    assert f'hreflang="en-us" href="{url_of("tp-en-cis-meeting")}"' in html
    assert f'hreflang="ru-ru" href="{url_of("tp-cis-meeting")}"' in html
    [excluded] = SITE.excluded
    assert f'hreflang="tk-tm" href="{excluded.url}"' in SITE.lookup(
        SITE.articles[0].url.removeprefix(ROOT)).body.decode()
    assert SITE.lookup(excluded.url.removeprefix(ROOT)) is None  # served as 404
    assert not TurkmenportalSpider().is_article_url(excluded.url)
