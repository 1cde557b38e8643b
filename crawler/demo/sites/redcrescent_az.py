"""Replica of the Azerbaijan Red Crescent Society (www.redcrescent.az): /en and /ru editions.

Real (sources.md and seed 000): the English home page /en/ opens with a sidebar block (the
book "Humanitarian Diplomacy" by Novruz Aslanov with its "Downloaded: times" counter, a letter
"from President of IFRC" Tadateru Konoé), then a list of items, each title, lead and the line
``Published: 2014-10-20 \\ Reads: 6 \\ more`` (ISO date, backslash separators, a "more" link to
the article); below the list, the president's column ("Novruzali Aslanov" over its title). The
society writes itself "Az.RCS"; Azerbaijani is the site's main language.

Chosen here (not known): article URLs /{lang}/news/{id}-{slug}.html; listing pages /{lang}/
paginated with ?page=N, 6 items a page on the English home (as many as the seed shows) and 3 on
the smaller Russian edition so that its pagination is walked too; the Russian edition writes the
Published/Reads line and the sidebar with Russian labels (``Опубликовано: … \\ Прочитано: …
\\ подробнее``); article pages repeat the sidebar, show the title, the Published/Reads line, the
body and a "Last news" block of headlines; no feed and no sitemap (none is known).

One Azerbaijani article is posted untranslated in the English edition (its page declares
<html lang="en">): the crawl must recognise it as Azerbaijani and keep it out of the archive.
"""

from __future__ import annotations

from crawler.demo.html import chunks, document, esc, load_content, paragraphs, robots
from crawler.demo.server import ExcludedPage, ExpectedArticle, Page, ReplicaSite

ROOT = "https://www.redcrescent.az"
EDITIONS = ("en", "ru")
PER_PAGE = {"en": 6, "ru": 3}
ARCHIVED_LANGUAGES = ("en", "ru")  # the archive keeps tr/ru/en; the site's az text is not
LABELS = {
    "en": {"published": "Published", "reads": "Reads", "more": "more",
           "last_news": "Last news", "news": "News", "next": "Next »",
           "book": "Humanitarian Diplomacy", "book_author": "Novruz Aslanov",
           "downloaded": "Downloaded: times", "letter": "from President of IFRC",
           "letter_author": "Tadateru Konoé", "society": "Azerbaijan Red Crescent Society",
           "menu": ["Home", "About us", "Activities", "News", "Volunteers", "Contacts"],
           "address": "Baku, S.Safarov str. 2, AZ1010"},
    "ru": {"published": "Опубликовано", "reads": "Прочитано", "more": "подробнее",
           "last_news": "Последние новости", "news": "Новости", "next": "Далее »",
           "book": "Гуманитарная дипломатия", "book_author": "Новруз Асланов",
           "downloaded": "Скачано: раз", "letter": "от Президента МФОКК",
           "letter_author": "Тадатэру Коноэ",
           "society": "Азербайджанское общество Красного Полумесяца",
           "menu": ["Главная", "О нас", "Деятельность", "Новости", "Волонтёры", "Контакты"],
           "address": "Баку, ул. С.Сафарова 2, AZ1010"},
}


def article_path(article: dict, edition: str | None = None) -> str:
    return f"/{edition or article['lang']}/news/{article['id']}-{article['slug']}.html"


def edition_of(article: dict) -> str:
    """The edition that posts the article: its own, or English for untranslated az news."""
    return article["lang"] if article["lang"] in EDITIONS else "en"


def _info_line(article: dict, labels: dict) -> str:
    return (f"{labels['published']}: {esc(article['date'])} \\ "
            f"{labels['reads']}: {article.get('reads', 0)}")


def _header(lang: str) -> str:
    labels = LABELS[lang]
    menu = "".join(f'<li><a href="/{lang}/{"" if i == 0 else f"page/{i}.html"}">{esc(m)}</a></li>'
                   for i, m in enumerate(labels["menu"]))
    switch = "".join(f'<a href="/{code}/">{code.upper()}</a> ' for code in ("az", "en", "ru"))
    return (f'<div id="header"><a class="logo" href="/{lang}/"><img src="/images/logo_{lang}.png"'
            f' alt="{esc(labels["society"])}"></a><div class="langs">{switch}</div>'
            f'<ul id="menu">{menu}</ul></div>')


def _sidebar(lang: str) -> str:
    labels = LABELS[lang]
    return f"""<div id="sidebar-top">
<div class="book"><a href="/files/humanitarian_diplomacy_{lang}.pdf">
<img src="/images/book.jpg" alt=""></a>
<div class="book-title">{esc(labels['book'])}</div>
<div class="book-author">{esc(labels['book_author'])}</div>
<br><br>
<div class="downloads">{esc(labels['downloaded'])}</div></div>
<div class="letter"><a href="/{lang}/letter.html">{esc(labels['letter'])}</a>
<div class="letter-author">{esc(labels['letter_author'])}</div></div>
</div>"""


def _footer(lang: str) -> str:
    labels = LABELS[lang]
    return (f'<div id="footer"><p>© 2014 {esc(labels["society"])} (Az.RCS). '
            f'{esc(labels["address"])}. Tel: (+994 12) 493 83 81</p></div>')


def _article_page(article: dict, edition: str, last_news: list[dict]) -> str:
    labels = LABELS[edition]
    url = ROOT + article_path(article, edition)
    head = (f'<meta name="description" content="{esc(article.get("lead", ""))}">\n'
            f'<meta name="keywords" content="Az.RCS, {esc(labels["society"])}">\n'
            f'<link rel="canonical" href="{esc(url)}">')
    author = (f'<div class="news-author">{esc(article["author"])}</div>'
              if article.get("author") else "")
    headlines = "".join(
        f'<li><a href="{esc(article_path(other, edition))}">{esc(other["title"])}</a></li>'
        for other in last_news)
    body = f"""{_header(edition)}
<div id="main">
{_sidebar(edition)}
<div id="content"><div class="news-full">
{author}<h1 class="news-title">{esc(article['title'])}</h1>
<div class="news-info">{_info_line(article, labels)}</div>
<div class="news-text">
{paragraphs(article['body'])}
</div>
</div>
<div class="last-news"><h3>{esc(labels['last_news'])}</h3><ul>{headlines}</ul></div>
</div>
</div>
{_footer(edition)}"""
    return document(title=f"{article['title']} - {labels['society']}", head=head, body=body,
                    lang=edition)


def _listing_item(article: dict, edition: str) -> str:
    labels, path = LABELS[edition], esc(article_path(article, edition))
    return (f'<div class="news-item"><div class="news-item-title"><a href="{path}">'
            f'{esc(article["title"])}</a></div>'
            f'<div class="news-item-lead">{esc(article.get("lead", ""))}</div>'
            f'<div class="news-info">{_info_line(article, labels)} \\ '
            f'<a class="more" href="{path}">{labels["more"]}</a></div></div>')


def _column_block(column: dict, edition: str) -> str:
    path = esc(article_path(column, edition))
    return (f'<div class="president-word"><div class="news-author">{esc(column["author"])}</div>'
            f'<div class="news-item-title"><a href="{path}">{esc(column["title"])}</a></div>'
            f'<div class="news-item-lead">{esc(column.get("lead", ""))} '
            f'<a class="more" href="{path}">{LABELS[edition]["more"]}</a></div></div>')


def _listing_page(edition: str, items: list[dict], page: int, pages: int,
                  column: dict | None) -> str:
    labels = LABELS[edition]
    entries = "\n".join(_listing_item(a, edition) for a in items)
    numbers = " ".join(
        f'<span class="current">{n}</span>' if n == page
        else f'<a href="/{edition}/{"" if n == 1 else f"?page={n}"}">{n}</a>'
        for n in range(1, pages + 1))
    following = (f' <a class="next" href="/{edition}/?page={page + 1}">{labels["next"]}</a>'
                 if page < pages else "")
    extra = _column_block(column, edition) if column and page == 1 else ""
    body = f"""{_header(edition)}
<div id="main">
{_sidebar(edition)}
<div id="content"><h2>{esc(labels['news'])}</h2>
{entries}
<div class="pages">{numbers}{following}</div>
{extra}
</div>
</div>
{_footer(edition)}"""
    return document(title=labels["society"], body=body, lang=edition)


def build() -> ReplicaSite:
    site = ReplicaSite(source="redcrescent_az", real_root=ROOT)
    articles = sorted(load_content("redcrescent_az"), key=lambda a: (a["date"], a["id"]),
                      reverse=True)
    for edition in EDITIONS:
        edition_items = [a for a in articles if edition_of(a) == edition]
        for article in edition_items:
            last_news = [a for a in edition_items if a is not article][:5]
            page = Page(_article_page(article, edition, last_news).encode())
            url = site.add(article_path(article, edition), page)
            if article["lang"] in ARCHIVED_LANGUAGES:
                site.articles.append(ExpectedArticle(article["key"], url, article["lang"],
                                                     article["title"], article["date"],
                                                     article.get("seed")))
            else:
                site.excluded.append(ExcludedPage(
                    url, f"untranslated {article['lang']} news in the {edition} edition"))
        columns = [a for a in edition_items if a.get("author")]
        pages = chunks(edition_items, PER_PAGE[edition])
        for number, items in enumerate(pages, start=1):
            path = f"/{edition}/" + (f"?page={number}" if number > 1 else "")
            html = _listing_page(edition, list(items), number, len(pages),
                                 columns[0] if columns else None)
            site.add(path, Page(html.encode()))
    site.add("/robots.txt", Page(robots(disallow=["/admin/", "/search/"]),
                                 content_type="text/plain"))
    return site
