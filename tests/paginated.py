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
