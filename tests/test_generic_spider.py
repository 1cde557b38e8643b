"""The generic spider (`crescent crawl --site URL`): feeds, sitemaps and links found on its own."""

from __future__ import annotations

import json
from urllib.parse import unquote, urlsplit

import pytest

from crawler.demo import ReplicaServer, build_site
from crawler.generic import feed_links, source_name_for
from crawler.pagekind import is_listing_url, weigh_page
from tests.conftest import crescent


@pytest.mark.parametrize(("url", "listing"), [
    ("https://x.org/", True), ("https://x.org/ru/", True), ("https://x.org/page/2/", True),
    ("https://x.org/category/news/", True), ("https://x.org/news?page=3", True),
    ("https://x.org/2025/09/", True), ("https://x.org/2025/09/05/some-story/", False),
    ("https://x.org/ru/news/94630-v-ashhabade", False),
])
def test_listing_urls(url, listing):
    assert is_listing_url(url) is listing


def test_one_signal_does_not_make_an_article_a_listing():
    # og:type website on an article page, with its date, headline and slug: still an article.
    evidence = weigh_page("https://x.org/news/red-crescent-opens-a-new-clinic",
                          article_types=set(), og_type="website",
                          headline="Red Crescent opens a new clinic", date_source="meta",
                          times=1)
    assert not evidence.is_listing, evidence.detail()
    # An archive-shaped URL of an article with its JSON-LD NewsArticle: an article.
    evidence = weigh_page("https://x.org/ideas/archive/2020/08/californias-disasters-warning/",
                          article_types={"newsarticle"}, og_type="article", headline=None,
                          date_source="json-ld", times=0)
    assert not evidence.is_listing, evidence.detail()


def test_section_fronts_and_pagination_are_listings():
    page_two = weigh_page("https://x.org/news?page=2", article_types=set(), og_type="article",
                          headline="All the latest news of the society", date_source="meta",
                          times=12)
    assert page_two.is_listing and "pagination URL" in page_two.detail()
    front = weigh_page("https://x.org/world/", article_types=set(), og_type="website",
                       headline="World", date_source="time-element", times=10)
    assert front.is_listing
    nothing = weigh_page("https://x.org/about", article_types=set(), og_type=None,
                         headline="About", date_source=None, times=0)
    assert nothing.is_listing  # no article evidence at all


def test_source_name_is_safe_for_paths():
    assert source_name_for("https://www.Example.COM:8080/news") == "example_com"
    assert source_name_for("http://127.0.0.1:5000/") == "127_0_0_1"


@pytest.mark.slow
@pytest.mark.parametrize(("source", "start"), [("turkmenistanlive", "/"),
                                               ("turkmenportal", "/")])
def test_generic_crawl_archives_the_articles_and_nothing_else(tmp_path, source, start):
    with ReplicaServer(build_site(source)) as server:
        site = server.site
        result = crescent("crawl", "--site", site.real_root + start, "--base-url",
                          server.base_url, data=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    records = [json.loads(p.read_text("utf-8")) for p in (tmp_path / "archive").rglob("*.json")]
    archived = {unquote(urlsplit(r["url"]).path) for r in records}
    expected = {urlsplit(a.url).path for a in site.articles}
    assert archived == expected
    host = urlsplit(site.real_root).hostname.removeprefix("www.").replace(".", "_")
    assert {r["source"] for r in records} == {host}
    assert "not-article" in result.stdout  # listings were walked, and said so


def test_feed_links_are_read_from_the_head_without_parsing_the_page():
    head = ('<head><link rel="stylesheet" href="/s.css">'
            '<link rel="alternate" type="application/rss+xml" href="/rss?a=1&amp;b=2">'
            "<LINK TYPE='application/atom+xml' REL='alternate' HREF='/atom.xml'>"
            '<link rel=alternate type=application/feed+json href=/feed.json>'
            '<link rel="alternate" hreflang="ru" href="/ru/">'
            '<link rel="alternate stylesheet" type="text/css" href="/alt.css"></head>')
    assert feed_links(head) == ["/rss?a=1&b=2", "/atom.xml", "/feed.json"]
    assert feed_links("<p>no links</p>") == []


def test_a_page_is_told_text_without_decoding_its_body():
    from scrapy.http import HtmlResponse, Response, TextResponse

    from crawler.news import is_text

    page = HtmlResponse("https://x.org/a", body=b"<html><body><p>caf\xc3\xa9</p></body></html>",
                        encoding="utf-8")
    assert is_text(page) and is_text(TextResponse("https://x.org/t", body=b"plain"))
    assert not is_text(Response("https://x.org/f.pdf", body=b"%PDF-1.7"))
    assert page._cached_ubody is None  # Scrapy's decoded copy of the body was never made


def test_a_meta_refresh_is_read_without_decoding_the_whole_page():
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    from crawler.middlewares import META_REFRESH_BYTES, HeadMetaRefreshMiddleware

    middleware = HeadMetaRefreshMiddleware.from_crawler(get_crawler())
    filler = "<p>Kızılay’ın gönüllüleri, Красный Полумесяц</p>" * (META_REFRESH_BYTES // 40)
    refresh = '<meta http-equiv="refresh" content="0; url=/moved/here">'
    for head, moved in ((refresh, True), ("", False)):
        body = f"<html><head><meta charset='utf-8'>{head}</head><body>{filler}</body></html>"
        request = Request("https://x.org/a")
        page = HtmlResponse("https://x.org/a", body=body.encode(), request=request)
        result = middleware.process_response(request, page)
        if moved:
            assert isinstance(result, Request) and result.url == "https://x.org/moved/here"
        else:
            assert result is page
        assert page._cached_ubody is None  # Scrapy's decoded copy of the page was never made
