"""The turkmenistanlive spider's callbacks on its replica's pages."""

import re
from urllib.parse import quote

import pytest
import scrapy

from crawler.demo import build_site
from crawler.demo.html import load_content
from crawler.items import ArticleItem
from crawler.urls import article_id, clean_url
from spiders.turkmenistanlive import TurkmenistanLiveSpider
from tests.helpers import callback_output, make_spider, response_for

SITE = build_site("turkmenistanlive")
CONTENT = {article["key"]: article for article in load_content("turkmenistanlive")}
EXPECTED = {article.key: article for article in SITE.articles}
ROOT = "https://turkmenistanlive.com"
SEED_PATH = "/2025/09/05/в-ашхабаде-стартовала-встреча-руково/"
SEED_URL = ROOT + quote(SEED_PATH)
NOISE = (
    "Туркменистанский туризм", "Leave a Reply", "Your email address", "Required fields",
    "Post Comment", "Save my name", "Похожие записи", "Свежие записи", "Поделиться", "Рубрика",
    "Метки", "Навигация по записям", "Предыдущая запись", "Следующая запись", "Читать далее",
    "В рубрике", "admin", "Работает на WordPress", "Все права защищены", "Архивы",
)


def article_ids(requests) -> list[str]:
    return [article_id(r.url) for r in requests if r.callback.__name__ == "parse_article"]


def extract_item(spider, url: str) -> ArticleItem:
    [item] = callback_output(spider, response_for(SITE, url), spider.parse_article)
    assert isinstance(item, ArticleItem)
    return item


def test_listing_yields_article_requests_and_next_page(tmp_path):
    spider = make_spider(TurkmenistanLiveSpider, tmp_path)
    output = callback_output(spider, response_for(SITE, ROOT + "/"), spider.parse_listing)
    assert all(isinstance(request, scrapy.Request) for request in output)
    newest = [article_id(article.url) for article in SITE.articles[:6]]
    assert set(article_ids(output)) == set(newest)
    listings = [r.url for r in output if r.callback.__name__ == "parse_listing"]
    assert listings == [ROOT + "/page/2/", ROOT + "/page/3/"]


def test_last_listing_page_and_category_pagination(tmp_path):
    spider = make_spider(TurkmenistanLiveSpider, tmp_path)
    output = callback_output(spider, response_for(SITE, ROOT + "/page/3/"), spider.parse_listing)
    oldest = {article_id(article.url) for article in SITE.articles[12:]}
    assert oldest <= set(article_ids(output)) and len(oldest) == 4
    assert not any("/page/4/" in r.url for r in output)
    category = callback_output(spider, response_for(SITE, ROOT + "/category/novosti/"),
                               spider.parse_listing)
    assert ROOT + "/category/novosti/page/2/" in [r.url for r in category]
    assert len(set(article_ids(category))) == 6


def test_listing_walk_stops_before_since(tmp_path):
    spider = make_spider(TurkmenistanLiveSpider, tmp_path, CRESCENT_SINCE="2025-12-01")
    first = callback_output(spider, response_for(SITE, ROOT + "/"), spider.parse_listing)
    assert ROOT + "/page/2/" in [r.url for r in first]
    second = callback_output(spider, response_for(SITE, ROOT + "/page/2/"), spider.parse_listing)
    assert not [r for r in second if r.callback.__name__ == "parse_listing"]


def test_feed_yields_the_ten_newest_articles(tmp_path):
    spider = make_spider(TurkmenistanLiveSpider, tmp_path)
    output = callback_output(spider, response_for(SITE, ROOT + "/feed/"), spider.parse_feed)
    assert article_ids(output) == [article_id(article.url) for article in SITE.articles[:10]]
    assert all(spider.is_article_url(request.url) for request in output)
    redirect = SITE.lookup("/feed")
    assert redirect.status == 301 and (("Location", ROOT + "/feed/") in redirect.headers)


def test_article_patterns_take_percent_encoded_permalinks_only(tmp_path):
    spider = make_spider(TurkmenistanLiveSpider, tmp_path)
    lower = re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), SEED_URL)
    assert spider.is_article_url(SEED_URL) and spider.is_article_url(lower)
    assert spider.is_article_url(ROOT + quote("/2025/11/12/национальное-общество-красного-полу-2/"))
    for url in (SEED_URL + "img_4521/", SEED_URL + "feed/", SEED_URL + "?share=telegram",
                SEED_URL + "#more-4541", ROOT + "/2025/09/", ROOT + "/page/2/"):
        assert not spider.is_article_url(url), url
    assert SITE.lookup(quote(SEED_PATH)) is SITE.lookup(SEED_PATH) is not None


def test_seed_article_is_extracted_without_noise(tmp_path):
    spider = make_spider(TurkmenistanLiveSpider, tmp_path)
    item = extract_item(spider, SEED_URL)
    seed = CONTENT["tl-cis-meeting-opens"]
    assert item["url"] == clean_url(EXPECTED["tl-cis-meeting-opens"].url) == clean_url(SEED_URL)
    assert item["title"] == seed["title"]
    assert item["published"] == "2025-09-05"
    assert item["date_source"] == "time-element"  # the source's <time datetime>
    assert item["language"] == "ru"
    assert item["authors"] == []
    assert item["text"].splitlines() == seed["body"]
    assert "в беседе с корреспондентом Turkmenportal" in item["text"]
    for noise in NOISE:
        assert noise not in item["text"], noise


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_every_article_has_its_title_date_text_and_credit_last(tmp_path, key):
    spider = make_spider(TurkmenistanLiveSpider, tmp_path)
    expected, content = EXPECTED[key], CONTENT[key]
    item = extract_item(spider, clean_url(expected.url))  # percent-encoded, as crawled
    assert (item["title"], item["published"], item["language"]) == (
        expected.title, expected.published, expected.language)
    lines = item["text"].splitlines()
    assert lines == content["body"] + ([content["credit"]] if content.get("credit") else [])
    others = [a.title for a in SITE.articles if a.key != key]  # related, prev/next, sidebar
    for noise in (*NOISE, *others):
        assert noise not in item["text"], noise


def test_updated_date_is_not_taken_for_published(tmp_path):
    spider = make_spider(TurkmenistanLiveSpider, tmp_path)
    edited = [a for a in SITE.articles
              if b'<time class="updated"' in response_for(SITE, clean_url(a.url)).body]
    assert edited
    for article in edited:
        assert extract_item(spider, clean_url(article.url))["published"] == article.published


def test_excluded_pages_are_never_archived(tmp_path):
    spider = make_spider(TurkmenistanLiveSpider, tmp_path)
    listings = [ROOT + p for p in ("/", "/page/2/", "/page/3/", "/category/novosti/",
                                   "/category/novosti/page/2/", "/category/novosti/page/3/")]
    requested = {article_id(r.url) for url in listings
                 for r in callback_output(spider, response_for(SITE, url), spider.parse_listing)}
    requested |= set(article_ids(callback_output(spider, response_for(SITE, ROOT + "/feed/"),
                                                 spider.parse_feed)))
    assert requested >= {article_id(a.url) for a in SITE.articles}
    assert len(SITE.excluded) >= 5
    for page in SITE.excluded:
        assert not spider.is_article_url(page.url), page
        assert article_id(page.url) not in requested, page
    attachment = next(p for p in SITE.excluded if "attachment" in p.why)
    body = response_for(SITE, SEED_URL).body.decode()
    assert quote(SEED_PATH).lower() + "img_4521/" in body  # linked from the seed article
    attachment_url = clean_url(attachment.url)
    assert callback_output(spider, response_for(SITE, attachment_url), spider.parse_article) == []


def test_article_already_archived_is_not_requested(tmp_path):
    from archive.store import ArchiveStore

    spider = make_spider(TurkmenistanLiveSpider, tmp_path)
    ArchiveStore(tmp_path / "archive").save(extract_item(spider, SEED_URL).record())
    spider = make_spider(TurkmenistanLiveSpider, tmp_path)
    assert spider.article_request(ROOT + SEED_PATH) is None  # raw Cyrillic variant
    assert spider.article_request(SEED_URL.lower().replace("https://", "https://www.")) is None
    refreshing = make_spider(TurkmenistanLiveSpider, tmp_path, CRESCENT_REFRESH=True)
    assert refreshing.article_request(SEED_URL) is not None


def test_a_page_of_100000_links_is_read_only_up_to_five_times_the_cap_in_anchors(tmp_path):
    from scrapy.http import HtmlResponse

    spider = make_spider(TurkmenistanLiveSpider, tmp_path, CRESCENT_MAX_LINKS_PER_PAGE=20)

    def listing(articles: int, menu: int = 0) -> HtmlResponse:
        links = [f'<a href="{ROOT}/tag/menu-{n}/">menu {n}</a>' for n in range(menu)]
        links += [f'<a href="{ROOT}{quote(f"/2025/09/{10 + n % 18}/статья-{n}/")}">{n}</a>'
                  for n in range(articles)]
        return HtmlResponse(url=ROOT + "/page/2/", encoding="utf-8",
                            body=f"<html><body>{''.join(links)}</body></html>")

    def article_requests(response: HtmlResponse) -> list[int]:
        return [int(re.search(r"-(\d+)/?$", r.url)[1])
                for r in callback_output(spider, response, spider.parse_listing)
                if r.callback.__name__ == "parse_article"]

    # A page of up to five times the cap in anchors is read whole; its links are capped.
    assert article_requests(listing(16, menu=80)) == list(range(16))
    assert spider.crawler.stats.get_value("crescent/links_capped", 0) == 0
    assert article_requests(listing(50, menu=40)) == list(range(20))
    assert spider.crawler.stats.get_value("crescent/links_capped") == 1
    # A trap: 100 menu links, then 100,000 articles. Only the first 100 anchors are read.
    assert article_requests(listing(100_000, menu=100)) == []
    # counted by each of the listing's two extractors (articles, further listings)
    assert spider.crawler.stats.get_value("crescent/links_capped") == 3
