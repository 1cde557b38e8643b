"""The tgymj spider's callbacks on its replica's pages."""

import re

import pytest
import scrapy

from crawler.demo import build_site
from crawler.demo.html import load_content
from crawler.demo.sites.tgymj import PRINCIPLES
from crawler.items import ArticleItem
from crawler.urls import article_id
from spiders.tgymj import TgymjSpider
from tests.helpers import callback_output, make_spider, response_for

SITE = build_site("tgymj")
ROOT = "https://tgymj.gov.tm"
CONTENT = {article["key"]: article for article in load_content("tgymj")}
EXPECTED = {article.key: article for article in SITE.articles}
SEED_URL = ROOT + "/en/9-news/1367-09-02-2024-en"
CONTACTS_URL = ROOT + "/en/9-news/1400-contacts"
PRINT = "?tmpl=component&print=1"
NOISE = (
    # the President's quotation, both editions
    "Esteemed President", "Serdar Berdimuhamedov", "reliable assistant of the state",
    "Уважаемый Президент", "Сердар Бердымухамедов", "надёжным помощником государства",
    # the visitor counter
    "This Month", "Last Month", "All days", "Your IP", "127.0.0.1", "1187342",
    # print/e-mail icons, menu, language switcher, footer
    "Print", "Печать", "Email", "E-mail", "About us", "Об обществе", "Back to Top",
    "Türkmenistanyň", "Русский",
    # the Fundamental Principles, every heading and a piece of every paragraph
    *(f"– {name}" for lang in PRINCIPLES for name, _text in PRINCIPLES[lang]),
    *(text.split("\n")[0][:60] for lang in PRINCIPLES for _name, text in PRINCIPLES[lang]),
)


def requests_of(output, callback: str) -> list[str]:
    return [r.url for r in output if r.callback.__name__ == callback]


def extract_item(spider, url: str) -> ArticleItem:
    [item] = callback_output(spider, response_for(SITE, url), spider.parse_article)
    assert isinstance(item, ArticleItem)
    return item


def test_listing_yields_article_requests_and_next_page(tmp_path):
    spider = make_spider(TgymjSpider, tmp_path)
    output = callback_output(spider, response_for(SITE, ROOT + "/en/9-news"), spider.parse_listing)
    assert all(isinstance(request, scrapy.Request) for request in output)
    articles = requests_of(output, "parse_article")
    # The five blog items; "Contacts" is one of them (and in the menu).
    assert sorted(articles) == sorted([EXPECTED["en-disaster-exercise-balkan-2025"].url,
                                       EXPECTED["en-central-asia-migration-meeting-2025"].url,
                                       EXPECTED["en-migrants-information-2024"].url,
                                       CONTACTS_URL, SEED_URL])
    assert requests_of(output, "parse_listing") == [ROOT + "/en/9-news?start=5"]
    # Never the print views beside each item, never the Turkmen edition of the switcher.
    assert not [url for url in (r.url for r in output) if "print" in url or "/tm/" in url]


def test_russian_listing_second_page_ends_the_walk(tmp_path):
    spider = make_spider(TgymjSpider, tmp_path)
    first = callback_output(spider, response_for(SITE, ROOT + "/ru/novosti/9-news"),
                            spider.parse_listing)
    assert requests_of(first, "parse_listing") == [ROOT + "/ru/novosti/9-news?start=5"]
    second = callback_output(spider, response_for(SITE, ROOT + "/ru/novosti/9-news?start=5"),
                             spider.parse_listing)
    assert requests_of(second, "parse_listing") == []  # links back to page 1 are not walked
    assert set(requests_of(second, "parse_article")) == {
        ROOT + "/ru/9-news/1175-13-10-2020-ru",
        ROOT + "/ru/novosti/9-news/1063-obuchenie-pervoy-pomoshchi-dlya-uchiteley",
        ROOT + "/ru/9-news/1008-sostyazaniya-mezhdu-gruppami-volonterov",
    }


def test_every_listed_page_is_expected_or_excluded_and_every_article_listed(tmp_path):
    spider = make_spider(TgymjSpider, tmp_path)
    listed = set()
    for path in ("/en/9-news", "/en/9-news?start=5", "/ru/novosti/9-news",
                 "/ru/novosti/9-news?start=5"):
        output = callback_output(spider, response_for(SITE, ROOT + path), spider.parse_listing)
        listed |= set(requests_of(output, "parse_article"))
    expected = {article.url for article in SITE.articles}
    excluded = {page.url for page in SITE.excluded}
    assert expected <= listed and listed <= expected | excluded
    assert len(SITE.articles) == 14 and CONTACTS_URL in excluded


def test_listing_walk_stops_before_since_with_the_slug_dates(tmp_path):
    spider = make_spider(TgymjSpider, tmp_path, CRESCENT_SINCE="2025-01-01")
    first = callback_output(spider, response_for(SITE, ROOT + "/en/9-news"), spider.parse_listing)
    assert requests_of(first, "parse_listing") == [ROOT + "/en/9-news?start=5"]
    callback_output(spider, response_for(SITE, ROOT + "/en/9-news?start=5"), spider.parse_listing)
    assert spider.stats.get_value("crescent/listing_stopped_since") == 1


def test_seed_article_is_extracted_without_noise(tmp_path):
    spider = make_spider(TgymjSpider, tmp_path)
    item = extract_item(spider, SEED_URL)
    assert item["title"] == ("Online consultation on the Creation Platforms for "
                             "Humanitarian Diplomacy")
    assert item["published"] == "2024-02-09" and item["date_source"] == "url"
    assert item["language"] == "en"
    assert item["text"].startswith("Along with other Red Crescent National Societies")
    assert item["text"].endswith("strengthening of peace throughout the world.")
    paragraphs = CONTENT["humanitarian-diplomacy-consultation"]["body"]
    assert item["text"].count("\n") == len(paragraphs) - 1
    for noise in NOISE:
        assert noise not in item["text"], noise


@pytest.mark.parametrize("key", ["en-first-aid-day-2021", "ru-blood-donor-day-2023",
                                 "ru-mary-first-aid-2025"])
def test_articles_with_the_quotation_and_a_menu_segment(tmp_path, key):
    spider = make_spider(TgymjSpider, tmp_path)
    expected = EXPECTED[key]
    assert "/news/9-news/" in expected.url or "/novosti/9-news/" in expected.url
    item = extract_item(spider, expected.url)
    assert (item["title"], item["published"], item["language"]) == (
        expected.title, expected.published, expected.language)
    assert item["date_source"] == "url"
    assert item["text"].startswith(CONTENT[key]["body"][0][:50])
    for noise in NOISE:
        assert noise not in item["text"], noise


def test_the_quotation_is_on_old_pages_and_only_the_spider_drops_it(tmp_path):
    from crawler.extract import SourceHints, extract

    url = EXPECTED["en-first-aid-day-2021"].url
    page = SITE.lookup(url.removeprefix(ROOT))
    assert b"Esteemed President of Turkmenistan" in page.body
    generic = extract(page.body, url, SourceHints(url_date_pattern=TgymjSpider.url_date_pattern))
    assert "Esteemed President of Turkmenistan" in generic.text  # the trap is real
    seed_page = SITE.lookup(SEED_URL.removeprefix(ROOT))
    assert b"Esteemed President" not in seed_page.body  # as on the real 2024 page


def test_old_article_dated_by_its_body_opening_day_first(tmp_path):
    spider = make_spider(TgymjSpider, tmp_path)
    expected = EXPECTED["ru-volunteer-competition-2015"]
    item = extract_item(spider, expected.url)
    assert item["published"] == "2015-08-05" and item["date_source"] == "text"  # not 8 May
    assert (item["title"], item["language"]) == (expected.title, "ru")
    assert item["text"].startswith("05.08.2015, в Ашхабаде")
    for noise in NOISE:
        assert noise not in item["text"], noise


def test_every_expected_article_extracts_as_the_replica_published_it(tmp_path):
    spider = make_spider(TgymjSpider, tmp_path)
    for expected in SITE.articles:
        item = extract_item(spider, expected.url)
        assert (item["title"], item["published"], item["language"]) == (
            expected.title, expected.published, expected.language), expected.url
        assert "– Humanity" not in item["text"] and "– Гуманность" not in item["text"]


def test_contacts_page_is_rejected(tmp_path):
    spider = make_spider(TgymjSpider, tmp_path)
    assert spider.is_article_url(CONTACTS_URL)  # it is fetched...
    output = callback_output(spider, response_for(SITE, CONTACTS_URL), spider.parse_article)
    assert output == []  # ...and not archived
    assert spider.stats.get_value("crescent/rejected/too-short") == 1


def test_old_articles_without_any_date_are_rejected_not_misdated(tmp_path):
    spider = make_spider(TgymjSpider, tmp_path)
    undated = [page for page in SITE.excluded if "no date in its slug" in page.why]
    assert {page.url.rsplit("/", 1)[1].split("-", 1)[0] for page in undated} == {"1041", "1063"}
    for page in undated:
        assert callback_output(spider, response_for(SITE, page.url), spider.parse_article) == []
    assert spider.stats.get_value("crescent/rejected/no-date") == 2


def test_print_views_are_served_but_never_requested(tmp_path):
    spider = make_spider(TgymjSpider, tmp_path)
    printed = SITE.lookup(SEED_URL.removeprefix(ROOT) + PRINT)
    assert printed is not None and b"noindex, nofollow" in printed.body
    assert b"Creation Platforms for Humanitarian Diplomacy" in printed.body
    assert f'href="/en/9-news/1367-09-02-2024-en{PRINT.replace("&", "&amp;")}"'.encode() in (
        SITE.lookup(SEED_URL.removeprefix(ROOT)).body)
    excluded = {page.url for page in SITE.excluded}
    for article in SITE.articles:
        assert not spider.is_article_url(article.url + PRINT)
        assert article.url + PRINT in excluded
    assert spider.is_article_url(SEED_URL)


def test_remove_selectors_match_the_article_page():
    from lxml import html

    tree = html.fromstring(SITE.lookup(EXPECTED["en-first-aid-day-2021"].url
                                       .removeprefix(ROOT)).body)
    for selector in TgymjSpider.remove_selectors:
        assert tree.cssselect(selector), selector


def test_turkmen_edition_is_not_crawled():
    assert TgymjSpider.languages == ("en", "ru")
    assert not any("/tm/" in url for url in TgymjSpider.start_urls)
    spider_patterns = TgymjSpider.article_patterns + TgymjSpider.listing_patterns
    for url in (ROOT + "/tm/9-news/1366-09-02-2024-tm", ROOT + "/tm/9-news?start=5"):
        assert not any(re.search(pattern, url) for pattern in spider_patterns)


def test_article_already_archived_is_not_requested(tmp_path):
    from archive.store import ArchiveStore

    spider = make_spider(TgymjSpider, tmp_path)
    ArchiveStore(tmp_path / "archive").save(extract_item(spider, SEED_URL).record())
    spider = make_spider(TgymjSpider, tmp_path)
    assert spider.article_request("https://www.tgymj.gov.tm/en/9-news/1367-09-02-2024-en") is None
    assert article_id(SEED_URL) in spider.known_ids


def test_article_id_that_looks_like_a_year_does_not_override_the_slug_date(tmp_path):
    from crawler.extract import extract

    spider = make_spider(TgymjSpider, tmp_path)
    body = SITE.lookup(SEED_URL.removeprefix(ROOT)).body
    result = extract(body, ROOT + "/en/9-news/2024-09-02-2025-en", spider.hints)
    assert result.published == "2025-02-09"
