"""The anadolu spider's callbacks on its replica's pages."""

import scrapy

from crawler.demo import build_site
from crawler.items import ArticleItem
from spiders.anadolu import AnadoluSpider
from tests.helpers import callback_output, make_spider, response_for

SITE = build_site("anadolu")
SEED_URL = ("https://www.aa.com.tr/tr/dunya/"
            "azerbaycanda-turk-devletleri-kizilay-agi-toplantisi-yapildi/3747971")


def test_listing_yields_article_requests_and_next_page(tmp_path):
    spider = make_spider(AnadoluSpider, tmp_path)
    output = callback_output(spider, response_for(SITE, "https://www.aa.com.tr/tr/guncel"),
                             spider.parse_listing)
    urls = [request.url for request in output]
    articles = [u for u in urls if u.rstrip("/").split("/")[-1].isdigit()]
    assert len(articles) == 5
    assert "https://www.aa.com.tr/tr/guncel?page=2" in urls
    assert all(isinstance(request, scrapy.Request) for request in output)


def test_feed_links_lose_their_tracking_parameters(tmp_path):
    spider = make_spider(AnadoluSpider, tmp_path)
    feed = "https://www.aa.com.tr/tr/rss/default?cat=guncel"
    output = callback_output(spider, response_for(SITE, feed), spider.parse_feed)
    assert output and all("utm_" not in request.url for request in output)


def test_seed_article_is_extracted_without_noise(tmp_path):
    spider = make_spider(AnadoluSpider, tmp_path)
    [item] = callback_output(spider, response_for(SITE, SEED_URL), spider.parse_article)
    assert isinstance(item, ArticleItem)
    assert item["title"] == "Azerbaycan'da, Türk Devletleri Kızılay Ağı toplantısı yapıldı"
    assert item["published"] == "2025-11-19"
    assert item["language"] == "tr"
    assert item["authors"] == ["Ruslan Rehimov"]
    assert "Novruz Aslanov'un ev sahipliğinde" in item["text"]
    for noise in ("Dolar", "Fotoğraf:", "Güncelleme", "İlgili haberler", "Künye"):
        assert noise not in item["text"], noise


def test_article_already_archived_is_not_requested(tmp_path):
    from archive.store import ArchiveStore

    spider = make_spider(AnadoluSpider, tmp_path)
    [item] = callback_output(spider, response_for(SITE, SEED_URL), spider.parse_article)
    ArchiveStore(tmp_path / "archive").save(item.record())
    spider = make_spider(AnadoluSpider, tmp_path)
    assert spider.article_request(SEED_URL + "?utm_source=x") is None
    refreshing = make_spider(AnadoluSpider, tmp_path, CRESCENT_REFRESH=True)
    assert refreshing.article_request(SEED_URL) is not None
