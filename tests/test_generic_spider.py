"""The generic spider (`crescent crawl --site URL`): feeds, sitemaps and links found on its own."""

from __future__ import annotations

import json
from urllib.parse import unquote, urlsplit

import pytest
from scrapy.http import HtmlResponse

from crawler.demo import ReplicaServer, build_site
from crawler.generic import feed_links, looks_like_listing, source_name_for
from tests.conftest import crescent


def html_response(url: str, body: str) -> HtmlResponse:
    return HtmlResponse(url=url, body=body.encode(), encoding="utf-8")


@pytest.mark.parametrize(("url", "listing"), [
    ("https://x.org/", True), ("https://x.org/ru/", True), ("https://x.org/page/2/", True),
    ("https://x.org/category/news/", True), ("https://x.org/news?page=3", True),
    ("https://x.org/2025/09/", True), ("https://x.org/2025/09/05/some-story/", False),
    ("https://x.org/ru/news/94630-v-ashhabade", False),
])
def test_listing_urls(url, listing):
    assert looks_like_listing(html_response(url, "<html><body><p>x</p></body></html>")) is listing


def test_og_type_and_headline_links_mark_section_fronts():
    website = '<html><head><meta property="og:type" content="website"></head><body></body></html>'
    assert looks_like_listing(html_response("https://x.org/news/1", website))
    article = website.replace("website", "article")
    assert not looks_like_listing(html_response("https://x.org/news/1", article))
    links = "".join(f'<a href="/n/{i}">Headline number {i} about the Red Crescent</a>'
                    for i in range(6))
    assert looks_like_listing(html_response("https://x.org/ru/news", f"<body>{links}</body>"))


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
