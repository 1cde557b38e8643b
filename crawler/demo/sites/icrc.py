"""Replica of the International Committee of the Red Cross (www.icrc.org): /en and /ru editions.

Real (sources.md): host www.icrc.org; editions /en/ and /ru/, Russian pages keeping English
slugs; typed article paths /{lang}/{type}/{slug} with type news-release, article or document
(the 2015–2023 generation is /en/document/{slug}, where the seed article lives); the line
"News release 18 August 2022 Azerbaijan" (type, date, country) above the title, Russian type
labels "Пресс-релиз" / "Статья" and dates "3 сентября 2025"; the large menu ("Skip to main
content / Find help / Donate / Who we are / What we do / Where we work"); photo credits
"CC BY-NC-ND / ICRC / …"; "For further information, please contact:" closing news releases; the
English RSS feed /en/rss (English items only).

Chosen here (not known): the Drupal-style markup (the type/date/country line is
div.content-meta with the date in its own span.date, the credit in figcaption.photo-credit,
the contact paragraph in div.contact-block, a breadcrumb repeating the title, a related-content
block, a donate call to action, share links, footer); the label "Document" / "Документ" for
documents ("Legal factsheet" for the factsheet, as seen on the real site); the listings
/{lang}/latest-news paginated Drupal-style with a 0-based ?page=N (?page=1 is the second page,
the pager's "first" link is ?page=0); country pages /{lang}/where-we-work/{region}/{country};
robots.txt. No sitemap (not known). No publication-date metadata in <head>: the only date on an
article page is the type/date/country line (the related block carries other articles' dates).
One English article (``line_without_date``) shows no date on that line: only the feed dates it,
and its feed time, 00:30 Geneva time, falls on the day before in UTC.

Excluded: a download-only document page (a PDF summary too short to be an article) and the
country pages the type/date/country line links to.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from crawler.demo.html import chunks, document, esc, load_content, paragraphs, robots, rss
from crawler.demo.server import ExcludedPage, ExpectedArticle, Page, ReplicaSite

ROOT = "https://www.icrc.org"
GENEVA = timezone(timedelta(hours=2))
PER_PAGE = 5
CONTACT_PREFIX = "For further information, please contact:"
RU_MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
             "сентября", "октября", "ноября", "декабря")
TYPE_LABELS = {
    "en": {"news-release": "News release", "article": "Article", "document": "Document"},
    "ru": {"news-release": "Пресс-релиз", "article": "Статья", "document": "Документ"},
}
# The real site labels documents by kind; only this one is known from stored pages.
LABEL_OVERRIDES = {"en-missing-persons-ihl-factsheet": "Legal factsheet"}
COUNTRIES = {  # English name → (region slug, country slug, Russian name)
    "Azerbaijan": ("europe-central-asia", "azerbaijan", "Азербайджан"),
    "Türkiye": ("europe-central-asia", "turkiye", "Турция"),
    "Turkmenistan": ("europe-central-asia", "turkmenistan", "Туркменистан"),
    "Uzbekistan": ("europe-central-asia", "uzbekistan", "Узбекистан"),
    "Tajikistan": ("europe-central-asia", "tajikistan", "Таджикистан"),
    "Kyrgyzstan": ("europe-central-asia", "kyrgyzstan", "Кыргызстан"),
}
LABELS = {
    "en": {
        "skip": "Skip to main content", "find_help": "Find help", "donate": "Donate",
        "menu": {
            "Who we are": ["The ICRC's mandate and mission", "History", "Funding", "Careers"],
            "What we do": ["Protecting people", "Restoring family links", "Health",
                           "International humanitarian law", "Mines and explosive remnants"],
            "Where we work": ["Africa", "Americas", "Asia and the Pacific",
                              "Europe and Central Asia", "Near and Middle East"],
            "Latest news": ["News releases", "Articles", "Documents", "Statements"],
        },
        "home": "Home", "latest": "Latest news", "related": "Related content",
        "share": "Share this", "contact": "Contact",
        "cta": "Your support helps us protect people affected by armed conflict. Donate now",
        "footer": ["Contact us", "Terms of use", "Privacy policy", "Subscribe to our newsletter"],
        "rights": "© International Committee of the Red Cross", "site": "ICRC",
        "first": "« First", "previous": "‹ Previous", "next": "Next ›", "last": "Last »",
        "download": "Download (PDF, 2.4 MB)", "country_intro": (
            "The ICRC's delegation works with the authorities and the National Red Cross or "
            "Red Crescent Society."),
    },
    "ru": {
        "skip": "Перейти к основному содержанию", "find_help": "Найти помощь",
        "donate": "Пожертвовать",
        "menu": {
            "Кто мы": ["Мандат и миссия МККК", "История", "Финансирование", "Карьера"],
            "Что мы делаем": ["Защита людей", "Восстановление семейных связей",
                              "Здравоохранение", "Международное гуманитарное право"],
            "Где мы работаем": ["Африка", "Америка", "Азия и Тихий океан",
                                "Европа и Центральная Азия", "Ближний и Средний Восток"],
            "Новости": ["Пресс-релизы", "Статьи", "Документы", "Заявления"],
        },
        "home": "Главная", "latest": "Новости", "related": "Материалы по теме",
        "share": "Поделиться", "contact": "Контакты",
        "cta": "Ваша поддержка помогает нам защищать людей, пострадавших от вооруженных "
               "конфликтов. Сделать пожертвование",
        "footer": ["Связаться с нами", "Условия использования", "Политика конфиденциальности",
                   "Подписаться на рассылку"],
        "rights": "© Международный Комитет Красного Креста", "site": "МККК",
        "first": "« Первая", "previous": "‹ Предыдущая", "next": "Следующая ›",
        "last": "Последняя »", "download": "Скачать (PDF, 2,4 МБ)", "country_intro": (
            "Делегация МККК работает с властями и национальным обществом Красного Креста или "
            "Красного Полумесяца."),
    },
}
MENU_SECTIONS = ("who-we-are", "what-we-do", "where-we-work", "latest-news")
LANGUAGE_SWITCHER = (("en", "English"), ("fr", "Français"), ("es", "Español"),
                     ("ar", "العربية"), ("ru", "Русский"), ("zh", "中文"))
# A document page that is only a download link with a two-line summary: linked from the
# English listing like any document, but not an article.
DOWNLOAD_STUB = {
    "key": "en-azerbaijan-facts-and-figures-2023", "lang": "en", "type": "document",
    "slug": "azerbaijan-facts-and-figures-2023", "country": "Azerbaijan", "date": "2024-03-01",
    "title": "Azerbaijan: Facts and figures 2023",
    "body": ["An overview in figures of the ICRC's work in Azerbaijan in 2023.",
             "Download the PDF to read the full report."],
}


def article_path(article: dict) -> str:
    return f"/{article['lang']}/{article['type']}/{article['slug']}"


def country_path(lang: str, country: str) -> str:
    region, slug, _ = COUNTRIES[country]
    return f"/{lang}/where-we-work/{region}/{slug}"


def country_name(lang: str, country: str) -> str:
    return COUNTRIES[country][2] if lang == "ru" else country


def written_date(lang: str, iso: str) -> str:
    """ "18 August 2022" or "3 сентября 2025", as the type/date/country line writes it."""
    day = date.fromisoformat(iso)
    month = RU_MONTHS[day.month - 1] if lang == "ru" else day.strftime("%B")
    return f"{day.day} {month} {day.year}"


def type_label(article: dict) -> str:
    return LABEL_OVERRIDES.get(article["key"], TYPE_LABELS[article["lang"]][article["type"]])


def split_contact(article: dict) -> tuple[list[str], str | None]:
    """The body paragraphs, and the closing contact paragraph of a news release if any."""
    body = list(article["body"])
    if article["type"] == "news-release" and body and body[-1].startswith(CONTACT_PREFIX):
        return body[:-1], body[-1]
    return body, None


def _meta_line(article: dict) -> str:
    lang, country = article["lang"], article["country"]
    day = ("" if article.get("line_without_date") else
           f'<span class="date">{written_date(lang, article["date"])}</span> ')
    return (
        f'<div class="content-meta"><span class="content-type">{esc(type_label(article))}'
        f"</span> {day}"
        f'<span class="country"><a href="{country_path(lang, country)}">'
        f"{esc(country_name(lang, country))}</a></span></div>"
    )


def _header(lang: str) -> str:
    labels = LABELS[lang]
    menu = "".join(
        f'<li class="menu-item menu-item--expanded"><a href="/{lang}/{section}">{esc(top)}</a>'
        '<ul class="submenu">'
        + "".join(f'<li><a href="/{lang}/{section}?topic={number}">{esc(sub)}</a></li>'
                  for number, sub in enumerate(subs))
        + "</ul></li>"
        for section, (top, subs) in zip(MENU_SECTIONS, labels["menu"].items(), strict=True)
    )
    switcher = "".join(f'<li><a href="/{code}" hreflang="{code}">{esc(name)}</a></li>'
                       for code, name in LANGUAGE_SWITCHER)
    return (
        f'<a href="#main-content" class="skip-link visually-hidden focusable">{labels["skip"]}'
        f"</a>\n"
        f'<header class="site-header" role="banner"><div class="header-top">'
        f'<a class="site-logo" href="/{lang}" rel="home">{labels["site"]}</a>'
        f'<nav class="utility-menu"><a href="/{lang}/find-help">{labels["find_help"]}</a> '
        f'<a class="button donate" href="/{lang}/donate">{labels["donate"]}</a></nav>'
        f'<nav class="language-switcher"><ul>{switcher}</ul></nav></div>\n'
        f'<nav class="main-menu" role="navigation"><ul class="menu">{menu}</ul></nav></header>'
    )


def _footer(lang: str) -> str:
    labels = LABELS[lang]
    links = "".join(f'<li><a href="/{lang}/page/{i}">{esc(text)}</a></li>'
                    for i, text in enumerate(labels["footer"]))
    return (f'<footer class="site-footer" role="contentinfo"><ul>{links}</ul>'
            f'<p>{labels["rights"]}</p></footer>')


def _card(article: dict) -> str:
    lang = article["lang"]
    return (
        f'<div class="news-card"><span class="content-type">{esc(type_label(article))}</span> '
        f'<span class="date">{written_date(lang, article["date"])}</span>'
        f'<h3><a href="{esc(article_path(article))}">{esc(article["title"])}</a></h3></div>'
    )


def _article_page(article: dict, related: list[dict]) -> str:
    lang, labels = article["lang"], LABELS[article["lang"]]
    url = ROOT + article_path(article)
    body_paragraphs, contact = split_contact(article)
    head = (
        f'<meta name="description" content="{esc(body_paragraphs[0][:200])}">\n'
        f'<meta property="og:site_name" content="{esc(labels["site"])}">\n'
        f'<meta property="og:title" content="{esc(article["title"])}">\n'
        f'<meta property="og:type" content="article">\n'
        f'<meta property="og:url" content="{esc(url)}">\n'
        f'<link rel="canonical" href="{esc(url)}">'
    )
    figure = ""
    if article.get("photo_credit"):
        figure = (f'<figure class="hero-image"><img src="/sites/default/files/styles/hero/'
                  f'{esc(article["slug"])}.jpg" alt="">'
                  f'<figcaption class="photo-credit">{esc(article["photo_credit"])}'
                  f"</figcaption></figure>")
    if article is DOWNLOAD_STUB:
        figure = (f'<div class="file-download"><a href="/sites/default/files/document_new/'
                  f'file_list/{esc(article["slug"])}.pdf">{labels["download"]}</a></div>')
    contact_block = ""
    if contact:
        contact_block = (f'<div class="contact-block"><h2>{labels["contact"]}</h2>'
                         f"<p>{esc(contact)}</p></div>")
    related_cards = "".join(_card(other) for other in related)
    body = f"""{_header(lang)}
<main id="main-content" role="main">
<nav class="breadcrumb" aria-label="breadcrumb"><ol>
<li><a href="/{lang}">{labels['home']}</a></li>
<li><a href="/{lang}/latest-news">{labels['latest']}</a></li>
<li>{esc(article['title'])}</li></ol></nav>
<article class="node node--type-{article['type']}">
{_meta_line(article)}
<h1 class="page-title">{esc(article['title'])}</h1>
{figure}
<div class="field field--name-body">
{paragraphs(body_paragraphs)}
</div>
{contact_block}
<div class="share-links"><span>{labels['share']}</span> <a href="https://www.facebook.com/sharer/sharer.php?u={esc(url)}">Facebook</a>
<a href="https://x.com/intent/post?url={esc(url)}">X</a> <a href="https://www.linkedin.com/shareArticle?url={esc(url)}">LinkedIn</a></div>
</article>
<aside class="donate-cta"><p><a href="/{lang}/donate">{labels['cta']}</a></p></aside>
<section class="related-content"><h2>{labels['related']}</h2>{related_cards}</section>
</main>
{_footer(lang)}"""
    return document(title=f"{article['title']} | {labels['site']}", head=head, body=body,
                    lang=lang, html_attrs=' dir="ltr"')


def _pager(lang: str, page: int, pages: int) -> str:
    """Drupal's pager: ?page=N is 0-based, so ?page=1 is the second page."""
    labels, base = LABELS[lang], f"/{lang}/latest-news"
    links = []
    if page > 0:
        links += [f'<li class="pager__item--first"><a href="{base}?page=0">{labels["first"]}'
                  "</a></li>",
                  f'<li class="pager__item--previous"><a href="{base}?page={page - 1}" rel="prev">'
                  f'{labels["previous"]}</a></li>']
    for number in range(pages):
        current = ' class="is-active"' if number == page else ""
        links.append(f'<li{current}><a href="{base}?page={number}">{number + 1}</a></li>')
    if page < pages - 1:
        links += [f'<li class="pager__item--next"><a href="{base}?page={page + 1}" rel="next">'
                  f'{labels["next"]}</a></li>',
                  f'<li class="pager__item--last"><a href="{base}?page={pages - 1}">'
                  f'{labels["last"]}</a></li>']
    return f'<nav class="pager" role="navigation"><ul>{"".join(links)}</ul></nav>'


def _listing_page(lang: str, items: list[dict], page: int, pages: int) -> str:
    labels = LABELS[lang]
    cards = "".join(_card(a) for a in items)
    body = (f'{_header(lang)}<main id="main-content" role="main"><h1>{labels["latest"]}</h1>'
            f'<div class="view-content">{cards}</div>{_pager(lang, page, pages)}</main>'
            f"{_footer(lang)}")
    return document(title=f"{labels['latest']} | {labels['site']}", body=body, lang=lang)


def _country_page(lang: str, country: str, items: list[dict]) -> str:
    labels = LABELS[lang]
    name = country_name(lang, country)
    cards = "".join(_card(a) for a in items)
    body = (f'{_header(lang)}<main id="main-content" role="main"><h1>{esc(name)}</h1>'
            f'<p class="intro">{labels["country_intro"]}</p>'
            f'<div class="view-content">{cards}</div></main>{_footer(lang)}')
    return document(title=f"{name} | {labels['site']}", body=body, lang=lang)


def _feed_time(article: dict) -> datetime:
    return datetime.fromisoformat(f"{article['date']}T{article.get('time', '10:00')}").replace(
        tzinfo=GENEVA)


def build() -> ReplicaSite:
    site = ReplicaSite(source="icrc", real_root=ROOT)
    articles = sorted(load_content("icrc"), key=lambda a: (a["date"], a["key"]), reverse=True)
    for article in articles:
        others = [a for a in articles if a["lang"] == article["lang"] and a is not article]
        related = sorted(others, key=lambda a: a["country"] != article["country"])[:3]
        url = site.add(article_path(article), Page(_article_page(article, related).encode()))
        site.articles.append(ExpectedArticle(article["key"], url, article["lang"],
                                             article["title"], article["date"],
                                             article.get("seed")))
    stub_url = site.add(article_path(DOWNLOAD_STUB),
                        Page(_article_page(DOWNLOAD_STUB, []).encode()))
    site.excluded.append(ExcludedPage(stub_url, "download-only document page, too short"))
    listed = sorted([*articles, DOWNLOAD_STUB], key=lambda a: a["date"], reverse=True)
    for lang in ("en", "ru"):
        edition = [a for a in listed if a["lang"] == lang]
        pages = chunks(edition, PER_PAGE)
        for number, items in enumerate(pages):
            page = Page(_listing_page(lang, list(items), number, len(pages)).encode())
            site.add(f"/{lang}/latest-news?page={number}", page)
            if number == 0:
                site.add(f"/{lang}/latest-news", page)
        for country in sorted({a["country"] for a in edition}):
            items = [a for a in edition if a["country"] == country]
            url = site.add(country_path(lang, country),
                           Page(_country_page(lang, country, items).encode()))
            site.excluded.append(ExcludedPage(url, "country page, not an article"))
    english = [a for a in articles if a["lang"] == "en"]
    feed_items = [(a["title"], ROOT + article_path(a), _feed_time(a), split_contact(a)[0][0])
                  for a in english[:6]]
    site.add("/en/rss", Page(rss("ICRC", f"{ROOT}/en", feed_items),
                             content_type="application/rss+xml; charset=utf-8"))
    site.add("/robots.txt", Page(robots(disallow=["/core/", "/search/", "/user/"]),
                                 content_type="text/plain"))
    return site
