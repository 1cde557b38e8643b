"""Replica of Anadolu Agency (www.aa.com.tr): /tr, /en and /ru editions.

Real: article URLs /{lang}/{category}/{slug}/{id}, the "dd.mm.yyyy - Güncelleme : dd.mm.yyyy"
line in span.tarih, body in div.detay-icerik, a currency ticker on top, RSS per edition at
/{lang}/rss/default?cat=guncel. Chosen here (not known): the listing /{lang}/guncel paginated
with ?page=N. The feed links carry utm_* parameters: the tracking-variant duplicate. As on the
real site, one story is also filed under a second category path (/tr/turkiye/… for a /tr/dunya/…
story), linked from the second Turkish listing page; its canonical link names the first path.
Briefs (``"kind": "brief"``, one per edition: a spot and two short sentences, ~250 characters,
~30 words in tr and ru) must be archived; a photo gallery page (``"kind": "gallery"``: a
headline and a one-line spot under /tr/galeri/) is listed and must be rejected as too short.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from crawler.demo.html import chunks, document, esc, load_content, paragraphs, robots, rss
from crawler.demo.server import ExcludedPage, ExpectedArticle, Page, ReplicaSite

ROOT = "https://www.aa.com.tr"
TURKEY = timezone(timedelta(hours=3))
PER_PAGE = 5
LABELS = {
    "tr": {"update": "Güncelleme", "related": "İlgili haberler", "more": "Daha fazla",
           "sections": ["Gündem", "Türkiye", "Dünya", "Ekonomi", "Spor"]},
    "en": {"update": "Update", "related": "Related news", "more": "More",
           "sections": ["Türkiye", "World", "Economy", "Sports"]},
    "ru": {"update": "Обновлено", "related": "Другие новости", "more": "Ещё",
           "sections": ["Турция", "Мир", "Экономика", "Спорт"]},
}
TICKER = ('<div class="piyasa-ticker"><span>Dolar</span> 42,3518 <span>Euro</span> 48,9120 '
          '<span>Sterlin</span> 55,6301 <span>Altın</span> 5.612,40 <span>BIST 100</span> '
          '10.942,17</div>')


def article_path(article: dict) -> str:
    return f"/{article['lang']}/{article['category']}/{article['slug']}/{article['id']}"


def _header(lang: str) -> str:
    links = "".join(f'<li><a href="/{lang}/guncel">{esc(s)}</a></li>'
                    for s in LABELS[lang]["sections"])
    return f'<header>{TICKER}<nav class="menu"><ul>{links}</ul></nav></header>'


def _article_page(article: dict, related: list[dict]) -> str:
    lang, labels = article["lang"], LABELS[article["lang"]]
    day = datetime.fromisoformat(article["date"]).strftime("%d.%m.%Y")
    url = ROOT + article_path(article)
    head = (
        f'<meta http-equiv="Content-Language" content="{lang}">\n'
        f'<meta name="description" content="{esc(article["lead"])} - Anadolu Ajansı">\n'
        f'<meta property="og:title" content="{esc(article["title"])}">\n'
        f'<meta property="og:type" content="article">\n'
        f'<meta property="og:url" content="{esc(url)}">\n'
        f'<link rel="canonical" href="{esc(url)}">'
    )
    related_links = "".join(
        f'<li><a href="{esc(article_path(other))}">{esc(other["title"])}</a></li>'
        for other in related
    )
    body = f"""{_header(lang)}
<main><div class="detay-spot-category">
<span class="detay-news-category"><a href="/{lang}/{esc(article['category'])}">
{esc(article['category'].title())}</a></span>
<h1>{esc(article['title'])}</h1>
<h4>{esc(article['lead'])}</h4>
<div class="row"><span class="detay-muhabir">{esc(article.get('author', ''))} &nbsp;|</span>
<span class="tarih">{day} - {labels['update']} : {day}</span></div>
</div>
<div class="detay-icerik">
<figure><img src="/uploads/{article['id']}.jpg" alt="{esc(article['title'])}">
<figcaption class="detay-foto-editor">{esc(article.get('photo_caption', ''))}</figcaption></figure>
<h6 class="dateline">{esc(article.get('dateline', ''))}</h6>
{paragraphs(article['body'])}
</div>
<aside class="detay-ilgili"><h3>{labels['related']}</h3><ul>{related_links}</ul></aside>
</main>
<footer><p>© Anadolu Ajansı. Tüm hakları saklıdır.</p>
<a href="/{lang}/p/kunye">Künye</a></footer>"""
    return document(title=f"{article['title']} | Anadolu Ajansı", head=head, body=body,
                    html_attrs=' class="no-js" dir="ltr"')


def _listing_page(lang: str, items: list[dict], page: int, pages: int) -> str:
    entries = "".join(
        f'<div class="haber-kutu"><a href="{esc(article_path(a))}"><h3>{esc(a["title"])}</h3>'
        f'</a><p>{esc(a["lead"])}</p><span class="tarih">'
        f'{datetime.fromisoformat(a["date"]).strftime("%d.%m.%Y")}</span></div>'
        for a in items
    )
    more = (f'<a class="more" href="/{lang}/guncel?page={page + 1}">{LABELS[lang]["more"]}</a>'
            if page < pages else "")
    body = f"{_header(lang)}<main><h2>{lang.upper()}</h2>{entries}{more}</main>"
    return document(title="Anadolu Ajansı", body=body)


def build() -> ReplicaSite:
    site = ReplicaSite(source="anadolu", real_root=ROOT)
    articles = sorted(load_content("anadolu"), key=lambda a: (a["date"], a["id"]), reverse=True)
    for article in articles:
        related = [a for a in articles if a["lang"] == article["lang"] and a is not article][:3]
        url = site.add(article_path(article), Page(_article_page(article, related).encode()))
        if article.get("kind") == "gallery":
            site.excluded.append(ExcludedPage(url, "photo gallery: a headline and a one-line "
                                                   "spot, too short"))
            continue
        site.articles.append(ExpectedArticle(article["key"], url, article["lang"],
                                             article["title"], article["date"],
                                             article.get("seed")))
    for lang in ("tr", "en", "ru"):
        edition = [a for a in articles if a["lang"] == lang]
        pages = chunks(edition, PER_PAGE)
        for number, items in enumerate(pages, start=1):
            path = f"/{lang}/guncel" + (f"?page={number}" if number > 1 else "")
            site.add(path, Page(_listing_page(lang, list(items), number, len(pages)).encode()))
        feed_items = [
            (a["title"], f"{ROOT}{article_path(a)}?utm_source=rss&utm_medium=feed",
             datetime.fromisoformat(f"{a['date']}T{a.get('time', '09:00')}").replace(
                 tzinfo=TURKEY), a["lead"])
            for a in edition[:4]
        ]
        site.add(f"/{lang}/rss/default?cat=guncel",
                 Page(rss("Anadolu Ajansı", f"{ROOT}/{lang}", feed_items),
                      content_type="application/rss+xml; charset=utf-8"))
    variant = f"{ROOT}{article_path(articles[0])}?utm_source=rss&utm_medium=feed"
    site.excluded.append(ExcludedPage(variant, "tracking-parameter duplicate"))
    seed = next(a for a in articles if a.get("seed"))
    second_path = article_path(seed | {"category": "turkiye"})
    site.pages[second_path] = site.pages[article_path(seed)]  # same page, same canonical link
    site.excluded.append(ExcludedPage(ROOT + second_path, "second category path of an article"))
    listing = site.pages["/tr/guncel?page=2"]
    link = f'<a class="kategori" href="{esc(second_path)}">{esc(seed["title"])}</a>'
    listing.body = listing.body.replace(b"</main>", link.encode() + b"</main>")
    site.add("/robots.txt", Page(robots(disallow=["/search"]), content_type="text/plain"))
    return site
