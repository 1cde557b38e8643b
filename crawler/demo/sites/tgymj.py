"""Replica of the Red Crescent Society of Turkmenistan (tgymj.gov.tm), a Joomla 3 site: /en and /ru.

Real (sources.md): Joomla article URLs /{lang}/9-news/{id}-{slug}, some with a menu segment
(/en/news/9-news/…, /ru/novosti/9-news/…); recent slugs are the date and the language
(``1367-09-02-2024-en``, ``1821-28-02-2025-ru-2``), older ones transliterated titles; some old
bodies open with the date ("05.08.2015, …"); no visible date line; the print view
``?tmpl=component&print=1``; the noise: a quotation of the President at the top, the seven
Fundamental Principles after the article, a visitor counter ("This Month / Last Month / All days
/ Your IP:", the labels of the Vinaora Visitors Counter module). The Turkmen edition /tm/ exists
on the real site; the replica only links to it (the spider does not crawl it).

Chosen here (not known): the category blog listings /en/9-news and /ru/novosti/9-news, 5 items a
page, paginated with Joomla's ``?start=5``, ``?start=10``; Protostar-like markup (``item-page``,
``itemprop="articleBody"``, the print/e-mail icons dropdown on the article and on each blog item,
a full-text image); the President's quotation (written for the replica) pasted by the editors
as a borderless table on top of the bodies of the articles before 2024 (the 2021 page seen has
one, the 2024 seed page has none); the principles and the counter as modules after the article
(class suffix ``moduletable_principles``, Vinaora's ``vvisit_counter``), the counter labels left
untranslated on /ru/; the footer (no copyright year); no feed and no sitemap (none seen).
The print view is served (Joomla's ``noindex, nofollow`` included): linked, never archived.
"Contacts" (/en/9-news/1400-contacts) is an article of the news category, so it shows in the
English blog between the 2024 items: linked, fetched, and rejected (too few words, no date).
An article is expected in the archive only when its page carries its date (slug or body
opening); an old article with neither has no date anywhere on the page and is listed in
``excluded`` instead (rejected ``no-date``): that is what a crawl of the real site does with it.
"""

from __future__ import annotations

import re

from crawler.demo.html import chunks, document, esc, load_content, robots
from crawler.demo.server import ExcludedPage, ExpectedArticle, Page, ReplicaSite

ROOT = "https://tgymj.gov.tm"
PER_PAGE = 5
LANGUAGES = ("en", "ru")
PRINT_QUERY = "tmpl=component&print=1"
SLUG_DATE = re.compile(r"^\d{2}-\d{2}-\d{4}")
BODY_DATE = re.compile(r"^\d{2}\.\d{2}\.\d{4}")

LABELS = {
    "en": {
        "html_lang": "en-gb", "site": "National Red Crescent Society of Turkmenistan",
        "listing": "/en/9-news", "category": "News", "print": "Print", "email": "Email",
        "read_more": "Read more:", "page": "Page {0} of {1}",
        "pager": ("Start", "Prev", "Next", "End"),
        "menu": [("Home", "/en/"), ("About us", "/en/about-us"), ("News", "/en/9-news"),
                 ("Activities", "/en/activities"), ("Contacts", "/en/9-news/1400-contacts")],
        "president": ("Esteemed President of Turkmenistan", "Serdar Berdimuhamedov:"),
        "quote": ("“The National Red Crescent Society of Turkmenistan, faithful to the "
                  "principles of humanity and mercy, is a reliable assistant of the state in "
                  "caring for the health and well-being of our people.”"),
    },
    "ru": {
        "html_lang": "ru-ru", "site": "Национальное общество Красного Полумесяца Туркменистана",
        "listing": "/ru/novosti/9-news", "category": "Новости", "print": "Печать",
        "email": "E-mail", "read_more": "Подробнее:", "page": "Страница {0} из {1}",
        "pager": ("В начало", "Назад", "Вперёд", "В конец"),
        "menu": [("Главная", "/ru/"), ("Об обществе", "/ru/ob-obshchestve"),
                 ("Новости", "/ru/novosti/9-news"), ("Деятельность", "/ru/deyatelnost"),
                 ("Контакты", "/ru/kontakty")],
        "president": ("Уважаемый Президент Туркменистана", "Сердар Бердымухамедов:"),
        "quote": ("«Национальное общество Красного Полумесяца Туркменистана, верное принципам "
                  "гуманности и милосердия, является надёжным помощником государства в заботе "
                  "о здоровье и благополучии нашего народа»."),
    },
}

# The Fundamental Principles module; the English text as the seed page shows it (line breaks and
# the cut-off "Independence" included), the Russian one the Movement's official wording.
PRINCIPLES = {
    "en": [
        ("Humanity", "The International Red Cross and Red Crescent Movement, born of a desire to "
         "bring assistance\nwithout discrimination to the wounded on the battlefield, endeavours, "
         "in its international and\nnational capacity, to prevent and alleviate human suffering "
         "wherever it may be found. Its purpose\nis to protect life and health and to ensure "
         "respect for the human being. It promotes mutual\nunderstanding, friendship, cooperation "
         "and lasting peace amongst all peoples."),
        ("Impartiality", "It makes no discrimination as to nationality, race, religious beliefs, "
         "class or political opinions. It\nendeavors to relieve the suffering of individuals, "
         "being guided solely by their needs, and to give\npriority to the most urgent cases of "
         "distress."),
        ("Neutrality", "In order to continue to enjoy the confidence of all, the Movement may not "
         "take sides in hostilities or\nengage at any time in controversies of a political, "
         "racial, religious or ideological nature."),
        ("Independence", "The Movement is independent. The National Societies, while auxiliaries "
         "in the humanitarian services\nof their governments and subject to the laws of their "
         "respective countries, must always maintain\ntheir autonomy so that they may be able at "
         "all times to act in accordance with the principles of the"),
        ("Voluntary service", "It is a voluntary relief movement not prompted in any manner by "
         "desire for gain."),
        ("Unity", "There can be only one Red Cross or one Red Crescent Society in any one country. "
         "It must be open\nto all. It must carry on its humanitarian work throughout its "
         "territory."),
        ("Universality", "The International Red Cross and Red Crescent Movement, in which all "
         "Societies have equal status\nand share equal responsibilities and duties in helping "
         "each other, is worldwide."),
    ],
    "ru": [
        ("Гуманность", "Международное движение Красного Креста и Красного Полумесяца, порожденное "
         "стремлением оказывать помощь всем раненым на поле боя без исключения или "
         "предпочтения, старается при любых обстоятельствах как в международном, так и в "
         "национальном масштабе предотвращать или облегчать страдания людей. Движение призвано "
         "охранять жизнь и здоровье людей и обеспечивать уважение к человеческой личности. Оно "
         "содействует достижению взаимопонимания, дружбы, сотрудничества и прочного мира между "
         "всеми народами."),
        ("Беспристрастность", "Движение не проводит никакого различия по признаку "
         "национальности, расы, вероисповедания, классовой или политической принадлежности. Оно "
         "стремится облегчить страдания людей и прежде всего тех, кто больше всего в этом "
         "нуждается."),
        ("Нейтральность", "Чтобы сохранить всеобщее доверие, Движение не может принимать "
         "чью-либо сторону в вооруженных конфликтах и вступать в споры политического, расового, "
         "религиозного или идеологического характера."),
        ("Независимость", "Движение является независимым. Национальные общества, оказывая помощь "
         "своим правительствам в их гуманитарной деятельности и подчиняясь законам своей "
         "страны, должны, тем не менее, всегда сохранять автономию, чтобы иметь возможность "
         "действовать в соответствии с принципами Движения."),
        ("Добровольность", "В своей добровольной деятельности по оказанию помощи Движение "
         "никоим образом не руководствуется стремлением к получению выгоды."),
        ("Единство", "В стране может быть только одно национальное общество Красного Креста или "
         "Красного Полумесяца. Оно должно быть открыто для всех и осуществлять свою гуманитарную "
         "деятельность на всей территории страны."),
        ("Универсальность", "Движение является всемирным. Все национальные общества пользуются "
         "равными правами и обязаны помогать друг другу."),
    ],
}

# The "Contacts" article of the news category: no date, a few words.
CONTACTS = {
    "key": "contacts", "id": 1400, "slug": "contacts", "menu": "", "lang": "en",
    "title": "Contacts", "date": "2024-03-15",  # Joomla's created date: only orders the blog
    "body": ["Address: 744000, Ashgabat, Archabil avenue, 48",
             "Phone: (+993 12) 39-21-98, 39-21-99",
             "Fax: (+993 12) 39-21-97",
             "E-mail: info@tgymj.gov.tm"],
}


def article_path(article: dict) -> str:
    menu = f"{article['menu']}/" if article["menu"] else ""
    return f"/{article['lang']}/{menu}9-news/{article['id']}-{article['slug']}"


def photo_path(article: dict) -> str:
    """The full-text image: named after the slug, old articles keep their Joomla 1.5 folder."""
    if SLUG_DATE.match(article["slug"]):
        return f"/images/news/{article['date'][:4]}/{article['slug']}.jpg"
    return f"/images/stories/news_{article['id']}.jpg"


def page_shows_date(article: dict) -> bool:
    """True when the page carries the article's date: in the slug or opening the body."""
    return bool(SLUG_DATE.match(article["slug"]) or (
        article["body"] and BODY_DATE.match(article["body"][0])))


def _head(lang: str, robots_meta: str = "") -> str:
    return (
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        '<meta name="keywords" content="Red Crescent, Turkmenistan, TGYMJ">\n'
        f'<meta name="description" content="{esc(LABELS[lang]["site"])}">\n'
        '<meta name="generator" content="Joomla! - Open Source Content Management">\n'
        f"{robots_meta}"
        '<link href="/templates/protostar/favicon.ico" rel="shortcut icon" '
        'type="image/vnd.microsoft.icon">\n'
        '<link href="/templates/protostar/css/template.css?4b1d8a3c" rel="stylesheet">\n'
        '<script src="/media/jui/js/jquery.min.js?4b1d8a3c"></script>\n'
        '<script src="/media/jui/js/bootstrap.min.js?4b1d8a3c"></script>\n'
        "<script>jQuery(function($){ initTooltips(); $(\"body\").on(\"subform-row-add\", "
        "initTooltips); function initTooltips (event, container) { container = container || "
        "document;$(container).find(\".hasTooltip\").tooltip({\"html\": true,"
        "\"container\": \"body\"});} });</script>"
    )


def _header(lang: str) -> str:
    menu = "".join(f'<li class="item-{101 + n}"><a href="{esc(href)}">{esc(label)}</a></li>'
                   for n, (label, href) in enumerate(LABELS[lang]["menu"]))
    switcher = "".join(
        f'<li class="{"lang-active" if code == lang else ""}" dir="ltr">'
        f'<a href="/{code}/"><img src="/media/mod_languages/images/{flag}.gif" alt="{label}" '
        f'title="{label}"></a></li>'
        for code, flag, label in (("tm", "tk_tm", "Türkmen"), ("en", "en_gb", "English (UK)"),
                                  ("ru", "ru_ru", "Русский (Россия)"))
    )
    return f"""<header class="header" role="banner">
<div class="header-inner clearfix">
<a class="brand pull-left" href="/{lang}/"><img src="/images/logo.png" alt="TGÝMJ"></a>
<div class="header-search pull-right"><div class="moduletable"><div class="mod-languages">
<ul class="lang-inline" dir="ltr">{switcher}</ul></div></div></div>
</div></header>
<nav class="navigation" role="navigation"><div class="moduletable_menu">
<ul class="nav menu nav-pills mod-list">{menu}</ul></div></nav>"""


def _footer(lang: str) -> str:
    return f"""<footer class="footer" role="contentinfo"><div class="container">
<hr><p class="pull-right"><a href="#top" id="back-top">Back to Top</a></p>
<p>{esc(LABELS[lang]['site'])} · Türkmenistanyň Gyzyl Ýarymaý milli jemgyýeti ©</p>
</div></footer>"""


POPUP = ("window.open(this.href,'win2','status=no,toolbar=no,scrollbars=yes,titlebar=no,"
         "menubar=no,resizable=yes,width=640,height=480,directories=no,location=no'); "
         "return false;")


def _icons(article: dict) -> str:
    labels = LABELS[article["lang"]]
    path = article_path(article)
    tip = f"{labels['print']} < {article['title']} >"
    mailto = (f"/{article['lang']}/component/mailto/?tmpl=component&amp;template=protostar"
              "&amp;link=a1b2c3")
    return f"""<div class="icons"><div class="btn-group pull-right">
<button class="btn dropdown-toggle" type="button" data-toggle="dropdown" aria-expanded="false">
<span class="icon-cog" aria-hidden="true"></span><span class="caret" aria-hidden="true"></span>
</button><ul class="dropdown-menu">
<li class="print-icon"><a href="{esc(path)}?tmpl=component&amp;print=1" title="{esc(tip)}"
 onclick="{POPUP}" rel="nofollow"><span class="icon-print" aria-hidden="true"></span>
{esc(labels['print'])}</a></li>
<li class="email-icon"><a href="{mailto}" title="{esc(labels['email'])}" rel="nofollow">
<span class="icon-envelope" aria-hidden="true"></span>{esc(labels['email'])}</a></li>
</ul></div></div>"""


def _image(article: dict) -> str:
    return (f'<div class="pull-none item-image"><img src="{esc(photo_path(article))}" alt="" '
            'itemprop="image"></div>')


def _body_html(article: dict) -> str:
    return "\n".join(f'<p style="text-align: justify;">{esc(text)}</p>'
                     for text in article["body"])


def has_quote(article: dict) -> bool:
    """The editors pasted the President's quotation on top of the articles before 2024."""
    return article["date"] < "2024"


def _quote(lang: str) -> str:
    """The quotation as pasted in the editor: a borderless table, no class."""
    labels = LABELS[lang]
    title, name = labels["president"]
    return f"""<table border="0" style="width: 100%;"><tbody><tr>
<td style="width: 90px;"><img src="/images/president.jpg" alt="" width="80"></td>
<td><p style="text-align: center;"><strong>{esc(title)}</strong></p>
<p style="text-align: center;"><strong>{esc(name)}</strong></p>
<p style="text-align: justify;"><em>{esc(labels['quote'])}</em></p></td>
</tr></tbody></table>"""


def _counter() -> str:
    rows = "".join(
        f'<div class="vrow {cls} vfleft">{label}</div><div class="vrow vfright">{value}</div>'
        '<div class="vfclear"></div>'
        for cls, label, value in (("vstatsmonth", "This Month", "3418"),
                                  ("vstatslmonth", "Last Month", "5126"),
                                  ("vstatsall", "All days", "1187342"))
    )
    return f"""<div class="moduletable">
<!-- Vinaora Visitors Counter >> http://vinaora.com/ -->
<style>.vfleft{{float:left;}}.vfright{{float:right;}}.vfclear{{clear:both;}}</style>
<div id="vvisit_counter112" class="vvisit_counter vacenter">
<div class="vstats_counter"><div class="vstats_icon vmarginleft">{rows}</div></div>
<hr style="margin-bottom: 5px;"><div>Your IP: 127.0.0.1</div>
</div></div>"""


def _principles(lang: str) -> str:
    items = "\n".join(
        f'<h4>– {esc(name)}</h4>\n<p>{"<br>".join(esc(line) for line in text.splitlines())}</p>'
        for name, text in PRINCIPLES[lang]
    )
    return (f'<div class="moduletable_principles"><div class="custom_principles">\n{items}\n'
            "</div></div>")


def _article_page(article: dict) -> str:
    lang, labels = article["lang"], LABELS[article["lang"]]
    body = f"""{_header(lang)}
<div class="body"><div class="container"><div class="row-fluid">
<main id="content" role="main" class="span9">
<div id="system-message-container"></div>
<div class="item-page" itemscope itemtype="https://schema.org/Article">
<meta itemprop="inLanguage" content="{labels['html_lang'][:2]}-{labels['html_lang'][3:].upper()}">
<div class="page-header"><h2 itemprop="headline">{esc(article['title'])}</h2></div>
{_icons(article)}
{_image(article)}
<div itemprop="articleBody">
{_quote(lang) if has_quote(article) else ""}
{_body_html(article)}
</div>
</div>
{_counter()}
{_principles(lang)}
</main>
</div></div></div>
{_footer(lang)}"""
    return document(title=f"{article['title']} - {labels['site']}", body=body,
                    head=_head(lang), lang=labels["html_lang"],
                    html_attrs=f' xml:lang="{labels["html_lang"]}" dir="ltr"')


def _print_page(article: dict) -> str:
    lang, labels = article["lang"], LABELS[article["lang"]]
    body = f"""<div id="system-message-container"></div>
<div class="item-page" itemscope itemtype="https://schema.org/Article">
<div class="page-header"><h2 itemprop="headline">{esc(article['title'])}</h2></div>
<div id="pop-print" class="btn hidden-print"><a href="#" onclick="window.print();return false;">
<span class="icon-print" aria-hidden="true"></span>{esc(labels['print'])}</a></div>
{_image(article)}
<div itemprop="articleBody">
{_quote(lang) if has_quote(article) else ""}
{_body_html(article)}
</div></div>"""
    return document(title=f"{article['title']} - {labels['site']}", body=body,
                    head=_head(lang, '<meta name="robots" content="noindex, nofollow">\n'),
                    lang=labels["html_lang"], html_attrs=' class="contentpane modal" dir="ltr"')


def _pagination(lang: str, page: int, pages: int) -> str:
    base = LABELS[lang]["listing"]
    start, prev, nxt, end = LABELS[lang]["pager"]

    def href(number: int) -> str:
        return base + (f"?start={(number - 1) * PER_PAGE}" if number > 1 else "")

    def item(label: str, number: int, cls: str = "", active: bool = True) -> str:
        inner = (f'<a title="{esc(label)}" href="{esc(href(number))}" class="hasTooltip pagenav">'
                 f"{esc(label)}</a>" if active else f'<span class="pagenav">{esc(label)}</span>')
        return f'<li class="{cls}">{inner}</li>'

    parts = [item(start, 1, "pagination-start", page > 1),
             item(prev, max(page - 1, 1), "pagination-prev", page > 1)]
    parts += [item(str(n), n, "", n != page) for n in range(1, pages + 1)]
    parts += [item(nxt, min(page + 1, pages), "pagination-next", page < pages),
              item(end, pages, "pagination-end", page < pages)]
    counter = esc(LABELS[lang]["page"].format(page, pages))
    return (f'<div class="pagination"><p class="counter pull-right">{counter}</p>'
            f'<ul class="pagination-list">{"".join(parts)}</ul></div>')


def _blog_item(article: dict, row: int, read_more: str) -> str:
    href, title = esc(article_path(article)), esc(article["title"])
    return f"""<div class="items-row cols-1 row-{row} row-fluid clearfix"><div class="span12">
<div class="item column-1" itemprop="blogPost" itemscope
 itemtype="https://schema.org/BlogPosting">
<div class="page-header"><h2 itemprop="name"><a href="{href}" itemprop="url">{title}</a></h2>
</div>
{_icons(article)}
<p style="text-align: justify;">{esc(article['body'][0])}</p>
<p class="readmore"><a class="btn" href="{href}" itemprop="url"
 aria-label="{esc(read_more)} {title}"><span class="icon-chevron-right" aria-hidden="true">
</span> {esc(read_more)} {title}</a></p>
</div></div></div>"""


def _listing_page(lang: str, items: list[dict], page: int, pages: int) -> str:
    labels = LABELS[lang]
    entries = "\n".join(_blog_item(a, n, labels["read_more"]) for n, a in enumerate(items))
    body = f"""{_header(lang)}
<div class="body"><div class="container"><div class="row-fluid">
<main id="content" role="main" class="span9">
<div class="blog" itemscope itemtype="https://schema.org/Blog">
<div class="page-header"><h1>{esc(labels['category'])}</h1></div>
{entries}
{_pagination(lang, page, pages)}
</div></main></div></div></div>
{_footer(lang)}"""
    return document(title=f"{labels['category']} - {labels['site']}", body=body,
                    head=_head(lang), lang=labels["html_lang"],
                    html_attrs=f' xml:lang="{labels["html_lang"]}" dir="ltr"')


def build() -> ReplicaSite:
    site = ReplicaSite(source="tgymj", real_root=ROOT)
    articles = sorted(load_content("tgymj"), key=lambda a: (a["date"], a["id"]), reverse=True)
    for article in articles:
        url = site.add(article_path(article), Page(_article_page(article).encode()))
        if page_shows_date(article):
            site.articles.append(ExpectedArticle(article["key"], url, article["lang"],
                                                 article["title"], article["date"],
                                                 article.get("seed")))
        else:
            site.excluded.append(ExcludedPage(url, "old article: no date in its slug or body, "
                                                   "none anywhere on the page"))
    everything = sorted([*articles, CONTACTS], key=lambda a: (a["date"], a["id"]), reverse=True)
    for article in everything:
        printed = Page(_print_page(article).encode())
        path = article_path(article)
        print_url = site.add(f"{path}?{PRINT_QUERY}", printed)
        site.add(f"{path}?print=1&tmpl=component", printed)  # the same, query sorted
        site.excluded.append(ExcludedPage(print_url, "print view of an article"))
    contacts_url = site.add(article_path(CONTACTS), Page(_article_page(CONTACTS).encode()))
    site.excluded.append(ExcludedPage(contacts_url, "contacts page in the news category: "
                                                    "no date, too few words"))
    for lang in LANGUAGES:
        edition = [a for a in everything if a["lang"] == lang]
        pages = chunks(edition, PER_PAGE)
        for number, items in enumerate(pages, start=1):
            path = LABELS[lang]["listing"] + (
                f"?start={(number - 1) * PER_PAGE}" if number > 1 else "")
            site.add(path, Page(_listing_page(lang, list(items), number, len(pages)).encode()))
    site.add("/robots.txt", Page(robots(disallow=[
        "/administrator/", "/bin/", "/cache/", "/cli/", "/components/", "/includes/",
        "/installation/", "/language/", "/layouts/", "/libraries/", "/logs/", "/modules/",
        "/plugins/", "/tmp/",
    ]), content_type="text/plain"))
    return site
