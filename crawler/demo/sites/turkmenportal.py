"""Replica of Turkmenportal (turkmenportal.com), the new site: /ru/ and /en/ editions.

Real (sources.md section 6 and public scrapers of the site): article URLs
/{lang}/news/{id}-{slug}; listings /{lang}/news, then /{lang}/news?page=N (page 1 is the bare
/{lang}/news); <meta property="article:published_time"> with the site's GMT+5 offset; hreflang
alternates ru-ru / tk-tm / en-us (the tk-tm target may be a 404); /sitemap.xml with lastmod,
declared in robots.txt; the title in a Tailwind "div.text-3xl.font-bold" (no <h1>) and in
og:title; the body paragraphs in div#content with style="text-align: justify"; category links
/{lang}/news/category/{id}-{slug}; a Top.Mail.Ru counter, "Soňky habarlar" and "Arhiw" at the
top of every page; a comments prompt at the end; a visible date line "5 сентября 2025, 14:17"
(Russian genitive month) or "5 September 2025, 14:17", next to a views count.

Chosen here (not known): the classes news-meta / news-date / news-views / news-author around the
date line, the author shown in that line, eight items a listing page, the wording of the English
comments prompt, lastmod in the sitemap equal to the publication time (GMT+5), and the
/tm/news/{id}-{slug} shape of the Turkmen alternate (served as a 404 here).

Special pages (the tests use these names):
- CP1251_KEY: served as windows-1251 (HTTP header, <meta charset> and cp1251 bytes; characters
  cp1251 lacks, such as the "ň" of "Soňky habarlar", become numeric character references).
- NO_DATE_LINE_KEY: no visible date line at all; only article:published_time dates it. It is
  also published just after midnight, so its meta time is on the previous day in UTC.
- MIDNIGHT_KEYS: the articles published between 00:00 and 00:59 site time; their archived day
  must be the local (content) day, not the UTC day before.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from crawler.demo.html import chunks, document, esc, load_content, robots, sitemap
from crawler.demo.server import ExcludedPage, ExpectedArticle, Page, ReplicaSite

ROOT = "https://turkmenportal.com"
SITE_TZ = timezone(timedelta(hours=5))  # Asia/Ashgabat, no daylight saving
PER_PAGE = 8
CP1251_KEY = "tp-march8-red-crescent"
NO_DATE_LINE_KEY = "tp-first-aid-day"

RU_MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
             "сентября", "октября", "ноября", "декабря")
EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")
LABELS = {
    "ru": {"locale": "ru_RU", "news": "Новости", "comments": "Комментарии",
           "comment_prompt": ("Чтобы оставить комментарий, ", "войдите на сайт"),
           "views": "Просмотры", "category": ("3-obshchestvo", "Общество"),
           "sections": ["Политика", "Экономика", "Общество", "Культура", "Спорт"],
           "rights": "Все права защищены.", "next": "Следующая", "prev": "Предыдущая"},
    "en": {"locale": "en_US", "news": "News", "comments": "Comments",
           "comment_prompt": ("To leave a comment, ", "log in to the site"),
           "views": "Views", "category": ("3-society", "Society"),
           "sections": ["Politics", "Economy", "Society", "Culture", "Sport"],
           "rights": "All rights reserved.", "next": "Next", "prev": "Previous"},
}
# The Top.Mail.Ru counter as such sites embed it: a script in <head>, an <img alt> in <noscript>.
COUNTER_SCRIPT = (
    '<!-- Top.Mail.Ru counter -->\n<script type="text/javascript">var _tmr = window._tmr || '
    '(window._tmr = []); _tmr.push({id: "3204716", type: "pageView", start: '
    '(new Date()).getTime()});</script>\n<!-- /Top.Mail.Ru counter -->'
)
COUNTER_NOSCRIPT = (
    '<noscript><div><img src="https://top-fwz1.mail.ru/counter?id=3204716;js=na" '
    'style="position:absolute;left:-9999px;" alt="Top.Mail.Ru"></div></noscript>'
)


def article_path(article: dict) -> str:
    return f"/{article['lang']}/news/{article['id']}-{article['slug']}"


def published_at(article: dict) -> datetime:
    """The publication moment, site-local (GMT+5)."""
    return datetime.fromisoformat(f"{article['date']}T{article.get('time', '09:00')}").replace(
        tzinfo=SITE_TZ)


def date_line(article: dict) -> str:
    """The visible date: '5 сентября 2025, 14:17' or '5 September 2025, 14:17'."""
    when = published_at(article)
    months = RU_MONTHS if article["lang"] == "ru" else EN_MONTHS
    return f"{when.day} {months[when.month - 1]} {when.year}, {when:%H:%M}"


def midnight_keys() -> tuple[str, ...]:
    """Keys of the articles published in the first hour of the site-local day."""
    return tuple(a["key"] for a in load_content("turkmenportal")
                 if published_at(a).hour == 0)


MIDNIGHT_KEYS = midnight_keys()


def _counterpart(article: dict, articles: list[dict]) -> dict | None:
    """The same story in the other edition (same day; English ids follow the Russian ones)."""
    others = [a for a in articles if a["lang"] != article["lang"] and a["date"] == article["date"]]
    return others[0] if len(others) == 1 else None


def _header(lang: str, latest: list[dict]) -> str:
    ticker = "".join(
        f'<li><span class="text-red-600">{published_at(a):%H:%M}</span> '
        f'<a href="{esc(article_path(a))}">{esc(a["title"])}</a></li>'
        for a in latest
    )
    sections = "".join(f'<li><a href="/{lang}/news">{esc(s)}</a></li>'
                       for s in LABELS[lang]["sections"])
    return (
        f'{COUNTER_NOSCRIPT}\n<header class="bg-white shadow">'
        f'<div class="top-bar flex gap-4 text-sm"><a href="/{lang}/news" class="font-bold">'
        f'Soňky habarlar</a><ul class="ticker flex gap-6">{ticker}</ul>'
        f'<a href="/{lang}/archive">Arhiw</a>'
        f'<div class="lang-switch"><a href="/ru/news">RU</a> <a href="/tm/news">TM</a> '
        f'<a href="/en/news">EN</a></div></div>'
        f'<nav class="menu"><a href="/{lang}" class="logo">Turkmenportal</a>'
        f'<ul class="flex gap-4">{sections}</ul></nav></header>'
    )


def _footer(lang: str) -> str:
    return (f'<footer class="bg-gray-900 text-white"><p>© 2011–2025 Turkmenportal. '
            f'{LABELS[lang]["rights"]}</p><a href="/{lang}/page/about">Turkmenportal</a>'
            f"</footer>")


def _article_page(article: dict, articles: list[dict], latest: list[dict],
                  charset: str = "utf-8") -> str:
    lang, labels = article["lang"], LABELS[article["lang"]]
    url = ROOT + article_path(article)
    counterpart = _counterpart(article, articles)
    alternates = {"ru-ru": url if lang == "ru" else None,
                  "tk-tm": f"{ROOT}/tm/news/{article['id']}-{article['slug']}",
                  "en-us": url if lang == "en" else None}
    if counterpart:
        alternates["ru-ru" if counterpart["lang"] == "ru" else "en-us"] = (
            ROOT + article_path(counterpart))
    hreflang = "\n".join(f'<link rel="alternate" hreflang="{code}" href="{esc(href)}">'
                         for code, href in alternates.items() if href)
    head = (
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="description" content="{esc(article["lead"])}">\n'
        f'<meta property="og:type" content="article">\n'
        f'<meta property="og:site_name" content="Turkmenportal">\n'
        f'<meta property="og:locale" content="{labels["locale"]}">\n'
        f'<meta property="og:title" content="{esc(article["title"])}">\n'
        f'<meta property="og:description" content="{esc(article["lead"])}">\n'
        f'<meta property="og:url" content="{esc(url)}">\n'
        f'<meta property="og:image" content="{ROOT}/storage/news/{article["id"]}/main.jpg">\n'
        f'<meta property="article:published_time" '
        f'content="{published_at(article).isoformat()}">\n'
        f'<link rel="canonical" href="{esc(url)}">\n{hreflang}\n{COUNTER_SCRIPT}'
    )
    category_slug, category_name = labels["category"]
    meta_line = ""
    if article["key"] != NO_DATE_LINE_KEY:
        author = (f'<span class="news-author">{esc(article["author"])}</span>'
                  if article.get("author") else "")
        meta_line = (
            f'<div class="news-meta flex items-center gap-4 text-sm text-gray-500">'
            f'<span class="news-date">{date_line(article)}</span>'
            f'<span class="news-views" title="{labels["views"]}"><svg class="w-4 h-4" '
            f'viewBox="0 0 24 24"><path d="M12 5c-7 0-10 7-10 7s3 7 10 7 10-7 10-7-3-7-10-7z"/>'
            f'</svg>{article["views"]}</span>{author}</div>'
        )
    body_paragraphs = "\n".join(f'<p style="text-align: justify;">{esc(text)}</p>'
                                for text in article["body"])
    prompt, login = labels["comment_prompt"]
    body = f"""{_header(lang, latest)}
<main class="container mx-auto">
<nav class="breadcrumbs text-sm"><a href="/{lang}/news">{labels['news']}</a> /
<a href="/{lang}/news/category/{category_slug}">{category_name}</a></nav>
<div class="text-3xl font-bold lg:text-xl sm:leading-7">{esc(article['title'])}</div>
{meta_line}
<img class="mx-auto cursor-pointer rounded-md" src="/storage/news/{article['id']}/main.jpg" alt="">
<div id="content">
<p style="text-align: justify;"><strong>{esc(article['lead'])}</strong></p>
{body_paragraphs}
</div>
<section id="comments" class="comments mt-8"><h3>{labels['comments']}</h3>
<p class="text-gray-500">{prompt}<a href="/{lang}/login">{login}</a></p></section>
</main>
{_footer(lang)}"""
    return document(title=f"{article['title']} | Turkmenportal", head=head, body=body,
                    lang=lang, charset=charset)


def _listing_path(lang: str, number: int) -> str:
    return f"/{lang}/news" + (f"?page={number}" if number > 1 else "")


def _listing_page(lang: str, items: list[dict], latest: list[dict], number: int,
                  pages: int) -> str:
    labels = LABELS[lang]
    entries = "\n".join(
        f'<div class="news-item flex gap-4"><a href="{esc(article_path(a))}">'
        f'<img src="/storage/news/{a["id"]}/thumb.jpg" alt=""></a><div>'
        f'<a href="{esc(article_path(a))}"><h2 class="font-bold">{esc(a["title"])}</h2></a>'
        f'<span class="news-date text-sm">{date_line(a)}</span></div></div>'
        for a in items
    )
    links = []
    if number > 1:
        links.append(f'<a rel="prev" href="{_listing_path(lang, number - 1)}">'
                     f'{labels["prev"]}</a>')
    for other in range(1, pages + 1):
        current = ' aria-current="page"' if other == number else ""
        links.append(f'<a href="{_listing_path(lang, other)}"{current}>{other}</a>')
    if number < pages:
        links.append(f'<a rel="next" href="{_listing_path(lang, number + 1)}">'
                     f'{labels["next"]}</a>')
    body = (f'{_header(lang, latest)}\n<main class="container mx-auto"><h1>{labels["news"]}</h1>'
            f'\n{entries}\n<nav class="pagination">{" ".join(links)}</nav></main>\n'
            f"{_footer(lang)}")
    return document(title=f"{labels['news']} | Turkmenportal", body=body, lang=lang)


def build() -> ReplicaSite:
    site = ReplicaSite(source="turkmenportal", real_root=ROOT)
    articles = sorted(load_content("turkmenportal"), key=published_at, reverse=True)
    for article in articles:
        latest = [a for a in articles if a["lang"] == article["lang"]][:3]
        if article["key"] == CP1251_KEY:
            html = _article_page(article, articles, latest, charset="windows-1251")
            page = Page(html.encode("cp1251", errors="xmlcharrefreplace"),
                        content_type="text/html; charset=windows-1251")
        else:
            page = Page(_article_page(article, articles, latest).encode())
        url = site.add(article_path(article), page)
        site.articles.append(ExpectedArticle(article["key"], url, article["lang"],
                                             article["title"], article["date"],
                                             article.get("seed")))
    for lang in ("ru", "en"):
        edition = [a for a in articles if a["lang"] == lang]
        pages = chunks(edition, PER_PAGE)
        for number, items in enumerate(pages, start=1):
            html = _listing_page(lang, list(items), edition[:3], number, len(pages))
            site.add(_listing_path(lang, number), Page(html.encode()))
    entries = [(f"{ROOT}/{lang}/news", published_at(articles[0]).isoformat())
               for lang in ("ru", "en")]
    entries += [(ROOT + article_path(a), published_at(a).isoformat()) for a in articles]
    site.add("/sitemap.xml", Page(sitemap(entries), content_type="application/xml; charset=utf-8"))
    site.add("/robots.txt", Page(robots(disallow=["/ru/login", "/en/login", "/tm/login",
                                                  "/search"],
                                        sitemaps=[f"{ROOT}/sitemap.xml"]),
                                 content_type="text/plain"))
    turkmen = articles[0]
    site.excluded.append(ExcludedPage(f"{ROOT}/tm/news/{turkmen['id']}-{turkmen['slug']}",
                                      "tk-tm hreflang alternate that answers 404"))
    return site
