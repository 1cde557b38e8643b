"""Sites behind long paginated listings, for the pagination and article-decision tests.

``long_listing_site`` is a replica in the URL shapes of tgymj.gov.tm (Joomla: the blog
/en/9-news, its pages ?start=N, articles /en/9-news/{id}-{dd-mm-yyyy}-en) whose English listing
runs to many pages, each linking only to the next and previous one ("Older" / "Newer"), as many
news sites do: a crawl reaches page 60 only after 59 hops from listing to listing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

from crawler.demo.html import document, esc
from crawler.demo.server import ExpectedArticle, Page, ReplicaSite

TGYMJ = "https://tgymj.gov.tm"
LISTING = "/en/9-news"
PLACES = ("Ashgabat", "Mary", "Dashoguz", "Turkmenabat", "Balkanabat", "Tejen", "Serdar",
          "Bayramaly", "Kerki", "Magdanly", "Gumdag", "Yoloten")
TOPICS = (("first aid", "trained", "bandages and splints"), ("blood donation", "registered",
          "donor cards"), ("flood relief", "delivered", "blankets and water filters"),
          ("winter support", "handed out", "coal and warm clothes"),
          ("hygiene promotion", "visited", "soap and hygiene kits"),
          ("road safety", "taught", "reflective vests"))


def listing_pages(site: ReplicaSite, entries: Sequence[tuple[str, str]], per_page: int,
                  page_path: Callable[[int], str], title: str) -> list[str]:
    """Listing pages of ``entries`` (path, headline) at ``page_path(1)``, ``page_path(2)``, …,
    each linking to its articles and to the next and previous page only; returns their URLs."""
    pages = [entries[i:i + per_page] for i in range(0, len(entries), per_page)]
    urls = []
    for number, items in enumerate(pages, start=1):
        links = "\n".join(f'<li><h2><a href="{esc(path)}">{esc(headline)}</a></h2></li>'
                          for path, headline in items)
        pager = ""
        if number > 1:
            pager += f'<a class="newer" href="{esc(page_path(number - 1))}">Newer</a> '
        if number < len(pages):
            pager += f'<a class="older" href="{esc(page_path(number + 1))}">Older</a>'
        body = (f'<header><a href="/">Home</a></header><main><h1>{esc(title)}</h1>'
                f'<ul class="news">{links}</ul><nav class="pager">{pager}</nav></main>')
        head = '<meta property="og:type" content="website">'
        urls.append(site.add(page_path(number), Page(document(
            title=f"{title} – page {number}", body=body, head=head, lang="en").encode())))
    return urls


def _article_text(number: int, day: date) -> tuple[str, list[str]]:
    place = PLACES[number % len(PLACES)]
    other = PLACES[(number * 7 + 3) % len(PLACES)]
    topic, verb, supplies = TOPICS[number % len(TOPICS)]
    people = 20 + (number * 37) % 480
    title = f"{topic.capitalize()} in {place}: volunteers {verb} {people} people (no. {number})"
    body = [
        f"On {day:%d %B %Y} volunteers of the Red Crescent Society of Turkmenistan in {place} "
        f"{verb} {people} people during a {topic} campaign, working with the local health "
        f"department and the schools of the district, as it does every month.",
        f"The branch in {other} sent {number % 9 + 2} instructors and a truck of {supplies}; "
        f"families who could not come to the centre were visited at home by teams of two.",
        f"The Society thanked the donors and said that campaign number {number} will be "
        f"followed by another in {PLACES[(number + 5) % len(PLACES)]} next month, where "
        f"{people + 15} residents have already asked for help.",
    ]
    return title, body


def _article_page(title: str, body: list[str], day: date) -> bytes:
    paragraphs = "\n".join(f"<p>{esc(text)}</p>" for text in body)
    head = ('<meta property="og:type" content="article">\n'
            f'<meta property="article:published_time" content="{day.isoformat()}T10:00:00+05:00">')
    main = (f'<header><a href="/">Home</a> <a href="{LISTING}">News</a></header>'
            f'<main><article><h1>{esc(title)}</h1>'
            f'<time datetime="{day.isoformat()}">{day:%d %B %Y}</time>'
            f"{paragraphs}</article></main><footer>Red Crescent Society of Turkmenistan</footer>")
    return document(title=title, body=main, head=head, lang="en").encode()


def long_listing_site(pages: int = 60, per_page: int = 2) -> ReplicaSite:
    """``pages`` listing pages of ``per_page`` articles each (newest first, a day apart)."""
    site = ReplicaSite(source="tgymj", real_root=TGYMJ)
    entries = []
    newest = date(2025, 11, 30)
    for number in range(pages * per_page):
        day = newest - timedelta(days=number)
        title, body = _article_text(number, day)
        path = f"{LISTING}/{5000 - number}-{day:%d-%m-%Y}-en"
        url = site.add(path, Page(_article_page(title, body, day)))
        site.articles.append(ExpectedArticle(f"n{number}", url, "en", title, day.isoformat()))
        entries.append((path, title))

    def page_path(number: int) -> str:
        return LISTING + (f"?start={(number - 1) * per_page}" if number > 1 else "")

    listing_pages(site, entries, per_page, page_path, "News")
    return site


EVAL_ROOT = "https://news.example"
EVAL_SECTIONS = ("/category/world/", "/tag/red-crescent/", "/world/", "/topics/earthquakes/")


def _teasers(entries: Sequence[tuple[str, str, str]]) -> str:
    return "\n".join(
        f'<li class="teaser"><h2><a href="{esc(path)}">{esc(title)}</a></h2>'
        f'<time datetime="{esc(day)}">{esc(day)}</time></li>' for path, title, day in entries)


def _listing(title: str, entries: Sequence[tuple[str, str, str]], pager: str) -> bytes:
    sections = " ".join(f'<a href="{path}">{path.strip("/").split("/")[-1].title()}</a>'
                        for path in EVAL_SECTIONS)
    body = (f'<header><a href="/">News Example</a> <nav>{sections}</nav></header>'
            f'<main><h1>{esc(title)}</h1><ul class="teasers">{_teasers(entries)}</ul>'
            f'<nav class="pager">{pager}</nav></main><footer>News Example</footer>')
    head = '<meta property="og:type" content="website">'
    return document(title=f"{title} – News Example", body=body, head=head, lang="en").encode()


def eval_site(pages_dir, truth: list[dict], per_page: int = 10) -> tuple[ReplicaSite, list[str]]:
    """Every evaluation page at its original path on one site, behind the latest-news listing
    ``/`` then ``/latest?page=N``, with category, tag, section and topic pages linked from every
    listing page. Returns the site (its ``articles`` are the evaluation pages) and the URLs of
    its listing pages. The pages are read from ``pages_dir`` (never copied anywhere)."""
    from pathlib import Path
    from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

    from crawler.urls import clean_url

    site = ReplicaSite(source="news_example", real_root=EVAL_ROOT)
    entries = []
    for row in truth:
        # At the URL a crawler requests for the page's link (tracking parameters dropped,
        # query sorted), under the key the server looks that request up by.
        original = urlsplit(row["url"])
        url = clean_url(EVAL_ROOT + (original.path or "/") + (
            f"?{original.query}" if original.query else ""))
        parts = urlsplit(url)
        query = urlencode(parse_qsl(parts.query, keep_blank_values=True))
        path = unquote(parts.path) + (f"?{query}" if query else "")
        assert path not in site.pages and path != "/" and path not in EVAL_SECTIONS, path
        body = (Path(pages_dir) / f"{row['id']}.html").read_bytes()
        site.add(path, Page(body, content_type="text/html"))
        site.articles.append(ExpectedArticle(row["id"], url, row["lang"], row["title"],
                                             row["date"]))
        entries.append((path, row["title"], row["date"]))
    pages = [entries[i:i + per_page] for i in range(0, len(entries), per_page)]

    def page_path(number: int) -> str:
        return "/" if number == 1 else f"/latest?page={number}"

    listings = []
    for number, items in enumerate(pages, start=1):
        pager = ""
        if number > 1:
            pager += f'<a href="{esc(page_path(number - 1))}">Newer</a> '
        if number < len(pages):
            pager += f'<a href="{esc(page_path(number + 1))}">Older</a>'
        listings.append(site.add(page_path(number), Page(_listing(
            "Latest news" if number == 1 else f"Latest news, page {number}", items, pager))))
    for number, path in enumerate(EVAL_SECTIONS):
        name = path.strip("/").split("/")[-1].replace("-", " ").title()
        chosen = entries[number::len(EVAL_SECTIONS)][:12]
        listings.append(site.add(path, Page(_listing(name, chosen, ""))))
    return site, listings
