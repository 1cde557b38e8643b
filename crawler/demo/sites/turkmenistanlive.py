"""Replica of turkmenistanlive.com: a Russian WordPress news site.

Real (sources.md, seed 004): Russian only; WordPress permalinks /YYYY/MM/DD/{cyrillic-slug}/ with
the slug cut short and duplicates suffixed -2; the feed at /feed; bodies credit their origin
("в беседе с корреспондентом Turkmenportal", "Как сообщает газета «Нейтральный Туркменистан»");
a "Туркменистанский туризм" banner that leaked into the seed text just before its last paragraph;
the English comment form ("Leave a Reply / Your email address will not be published") that
WordPress themes keep on Russian sites.

Chosen here (not known): the theme markup (underscores-style: article.post, h1.entry-title,
time.entry-date.published with a datetime attribute and the day written "5 сентября 2025",
div.entry-content, entry-footer with "Рубрика:" and "Метки:", post navigation, Jetpack-style
"Поделиться:" and "Похожие записи" blocks inside the content, sidebar with "Свежие записи", the
tourism banner widget, archives and categories); the banner is an Ad Inserter block placed
before the last paragraph of each body, which is how it reached the seed text. Home page / and
the category /category/novosti/ are paginated /page/N/ with 6 posts a page; the feed is served
at /feed/ (/feed redirects there, as WordPress does) with the 10 newest posts. Hrefs carry the
slugs percent-encoded in lower case, as WordPress stores them. Site name "Turkmenistan Live",
times in Ashgabat time (GMT+5), post ids, tags, the author "admin", the attachment page of the
seed's photo, the pages /o-sajte/ and /turizm/ and the monthly archives are all invented.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from urllib.parse import quote

from crawler.demo.html import chunks, document, esc, load_content
from crawler.demo.server import ExcludedPage, ExpectedArticle, Page, ReplicaSite

ROOT = "https://turkmenistanlive.com"
SITE_NAME = "Turkmenistan Live"
TAGLINE = "Новости Туркменистана"
ASHGABAT = timezone(timedelta(hours=5))
PER_PAGE = 6
FEED_ITEMS = 10
CATEGORY = ("novosti", "Новости")
BANNER = "Туркменистанский туризм"
MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
          "сентября", "октября", "ноября", "декабря"]
MONTH_NAMES = ["Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август",
               "Сентябрь", "Октябрь", "Ноябрь", "Декабрь"]
TAG_RULES = (  # (word in title or body, tag name, tag slug)
    ("Красн", "Красный Полумесяц", "красный-полумесяц"),
    ("Ашхабад", "Ашхабад", "ашхабад"),
    ("волонтер", "волонтеры", "волонтеры"),
    ("МККК", "МККК", "мккк"),
    ("донор", "донорство", "донорство"),
)
MENU = (("/", "Главная"), ("/category/novosti/", "Новости"), ("/turizm/", "Туризм"),
        ("/o-sajte/", "О сайте"))
ATTACHMENT = "img_4521"


def wp_href(path: str) -> str:
    """A path as WordPress writes it in links: UTF-8 percent-encoded, hex in lower case."""
    return re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), quote(path))


def post_path(post: dict) -> str:
    year, month, day = post["date"].split("-")
    return f"/{year}/{month}/{day}/{post['slug']}/"


def real_url(post: dict) -> str:
    return ROOT + wp_href(post_path(post))


def tag_path(slug: str) -> str:
    return f"/tag/{slug}/"


def _russian_day(moment: datetime) -> str:
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def _excerpt(post: dict, words: int = 30) -> str:
    tokens = post["body"][0].split()
    return " ".join(tokens[:words]) + (" […]" if len(tokens) > words else "")


def _prepare(raw: list[dict]) -> list[dict]:
    """Newest first, with the WordPress fields the content file does not have."""
    oldest_first = sorted(raw, key=lambda p: (p["date"], p["key"]))
    posts = []
    for number, source in enumerate(oldest_first):
        post = dict(source)
        post["id"] = 4117 + number * 53
        hour, minute = 9 + (number * 4) % 9, (number * 17) % 60
        post["published_at"] = datetime.fromisoformat(
            f"{post['date']}T{post.get('time', f'{hour:02d}:{minute:02d}')}").replace(
            tzinfo=ASHGABAT)
        # Every third post was edited the next day: the "updated" time must not be taken.
        post["modified_at"] = post["published_at"] + timedelta(
            days=1 if number % 3 == 0 else 0, hours=2)
        text = post["title"] + " " + " ".join(post["body"])
        post["tags"] = [(name, slug) for word, name, slug in TAG_RULES if word in text][:3]
        posts.append(post)
    return posts[::-1]


# -- shared chrome ------------------------------------------------------------------------------
def _head(title: str, canonical: str, extra: str = "") -> str:
    return (
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="robots" content="index, follow, max-image-preview:large">\n'
        f'<link rel="canonical" href="{esc(canonical)}">\n'
        '<meta property="og:locale" content="ru_RU">\n'
        f'<meta property="og:title" content="{esc(title)}">\n'
        f'<meta property="og:url" content="{esc(canonical)}">\n'
        f'<meta property="og:site_name" content="{SITE_NAME}">\n'
        f'<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} &raquo; Лента" '
        f'href="{ROOT}/feed/">\n'
        "<link rel='stylesheet' id='tlive-style-css' "
        "href='/wp-content/themes/tlive/style.css?ver=6.4.3' media='all'>\n"
        f"{extra}"
    )


def _header() -> str:
    menu = "".join(f'<li class="menu-item"><a href="{esc(href)}">{esc(label)}</a></li>'
                   for href, label in MENU)
    return (
        '<a class="skip-link screen-reader-text" href="#content">Перейти к содержимому</a>\n'
        '<header id="masthead" class="site-header">'
        '<div class="site-branding"><p class="site-title">'
        f'<a href="{ROOT}/" rel="home">{SITE_NAME}</a></p>'
        f'<p class="site-description">{TAGLINE}</p></div>\n'
        '<nav id="site-navigation" class="main-navigation" aria-label="Основное меню">'
        '<button class="menu-toggle" aria-controls="primary-menu" aria-expanded="false">Меню'
        f'</button><ul id="primary-menu" class="menu">{menu}</ul></nav></header>'
    )


def _sidebar(posts: list[dict]) -> str:
    recent = "".join(f'<li><a href="{esc(real_url(p))}">{esc(p["title"])}</a></li>'
                     for p in posts[:5])
    months = sorted({p["date"][:7] for p in posts}, reverse=True)
    archives = "".join(
        f'<li><a href="{ROOT}/{m[:4]}/{m[5:]}/">{MONTH_NAMES[int(m[5:]) - 1]} {m[:4]}</a></li>'
        for m in months
    )
    return f"""<aside id="secondary" class="widget-area" role="complementary">
<section id="search-2" class="widget widget_search"><form role="search" method="get"
 class="search-form" action="{ROOT}/"><label><span class="screen-reader-text">Найти:</span>
<input type="search" class="search-field" placeholder="Поиск&hellip;" value="" name="s"></label>
<input type="submit" class="search-submit" value="Поиск"></form></section>
<section id="recent-posts-2" class="widget widget_recent_entries">
<h2 class="widget-title">Свежие записи</h2><ul>{recent}</ul></section>
<section id="media_image-2" class="widget widget_media_image">
<h2 class="widget-title">{BANNER}</h2><a href="{ROOT}/turizm/"><img width="300" height="250"
 src="/wp-content/uploads/2024/03/turizm-300x250.jpg" class="image wp-image-2231"
 alt="{BANNER}" decoding="async"></a></section>
<section id="archives-2" class="widget widget_archive"><h2 class="widget-title">Архивы</h2>
<ul>{archives}</ul></section>
<section id="categories-2" class="widget widget_categories"><h2 class="widget-title">Рубрики</h2>
<ul><li class="cat-item cat-item-3"><a href="{ROOT}/category/novosti/">Новости</a></li></ul>
</section></aside>"""


def _footer() -> str:
    return (
        '<footer id="colophon" class="site-footer"><div class="site-info">'
        f"&copy; 2025 {SITE_NAME}. Все права защищены. При использовании материалов ссылка на "
        'сайт обязательна.<span class="sep"> | </span>'
        '<a href="https://ru.wordpress.org/">Работает на WordPress</a></div></footer>\n'
        '<script src="/wp-includes/js/comment-reply.min.js?ver=6.4.3" id="comment-reply-js" '
        'async data-wp-strategy="async"></script>'
    )


def _page(*, title: str, canonical: str, body_class: str, main: str, posts: list[dict],
          head: str = "") -> bytes:
    body = (f'<div id="page" class="site">\n{_header()}\n'
            f'<div id="content" class="site-content"><div id="primary" class="content-area">'
            f'<main id="main" class="site-main">\n{main}\n</main></div>\n{_sidebar(posts)}\n'
            f"</div>\n{_footer()}\n</div>")
    return document(title=title, lang="ru-RU", head=_head(title, canonical, head),
                    body=body, charset="UTF-8",
                    html_attrs=' class="no-js"').replace(
        "<body>", f'<body class="{esc(body_class)}">', 1).encode()


# -- single post ----------------------------------------------------------------------------------
def _time_tags(post: dict) -> str:
    published, modified = post["published_at"], post["modified_at"]
    updated = (f'<time class="updated" datetime="{modified.isoformat()}">'
               f"{_russian_day(modified)}</time>" if modified.date() != published.date() else "")
    return (f'<time class="entry-date published" datetime="{published.isoformat()}">'
            f"{_russian_day(published)}</time>{updated}")


def _content(post: dict, related: list[dict]) -> str:
    paragraphs = [f"<p>{esc(text)}</p>" for text in post["body"]]
    # Ad Inserter block "before the last paragraph": where the banner entered the seed text.
    # A clickable image with a caption paragraph: generic extraction keeps the caption.
    banner = (f"<div class='code-block code-block-2' style='margin: 8px 0; clear: both;'>\n"
              '<img src="/wp-content/uploads/2024/03/turizm-728x90.jpg" width="728" height="90" '
              f'alt="{BANNER}" style="cursor: pointer;" '
              f"onclick=\"window.open('{ROOT}/turizm/', '_blank')\">\n"
              f'<p style="text-align: center;">{BANNER}</p>\n</div>')
    paragraphs.insert(len(paragraphs) - 1, banner)
    if post.get("seed"):
        attachment = real_url(post) + ATTACHMENT + "/"
        paragraphs.insert(0, (
            '<figure class="wp-block-image size-large"><a href="'
            f'{esc(attachment)}"><img decoding="async" width="1024" height="683" '
            f'src="/wp-content/uploads/{post["date"][:4]}/{post["date"][5:7]}/IMG_4521-1024x683'
            f'.jpg" alt="" class="wp-image-{post["id"] + 1}"></a></figure>'))
    if post.get("credit"):
        paragraphs.append(f"<p>{esc(post['credit'])}</p>")
    share = "".join(
        f'<li class="share-{name}"><a rel="nofollow noopener noreferrer" class="share-{name} '
        f'sd-button" href="{esc(real_url(post))}?share={name}" target="_blank">'
        f"<span>{label}</span></a></li>"
        for name, label in (("telegram", "Telegram"), ("jetpack-whatsapp", "WhatsApp"),
                            ("facebook", "Facebook"), ("print", "Печать"))
    )
    items = "".join(
        f'<div class="jp-relatedposts-post jp-relatedposts-post{n}" data-post-id="{o["id"]}">'
        f'<h4 class="jp-relatedposts-post-title"><a class="jp-relatedposts-post-a" '
        f'href="{esc(real_url(o))}" title="{esc(o["title"])}">{esc(o["title"])}</a></h4>'
        f'<p class="jp-relatedposts-post-excerpt">{esc(_excerpt(o, 20))}</p>'
        f'<p class="jp-relatedposts-post-date">{_russian_day(o["published_at"])}</p>'
        f'<p class="jp-relatedposts-post-context">В рубрике "Новости"</p></div>'
        for n, o in enumerate(related)
    )
    return (
        '<div class="entry-content">\n' + "\n".join(paragraphs) + "\n"
        '<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block '
        'sd-social sd-social-icon-text sd-sharing"><h3 class="sd-title">Поделиться:</h3>'
        f'<div class="sd-content"><ul>{share}</ul></div></div></div>\n'
        '<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline">'
        f'<em>Похожие записи</em></h3><div class="jp-relatedposts-items '
        f'jp-relatedposts-items-visual">{items}</div></div>\n</div>'
    )


def _comment_form(post: dict) -> str:
    url = esc(real_url(post))
    return f"""<div id="comments" class="comments-area">
<div id="respond" class="comment-respond">
<h3 id="reply-title" class="comment-reply-title">Leave a Reply <small><a rel="nofollow"
 id="cancel-comment-reply-link" href="{url}#respond" style="display:none;">Cancel reply</a>
</small></h3><form action="{ROOT}/wp-comments-post.php" method="post" id="commentform"
 class="comment-form" novalidate><p class="comment-notes"><span id="email-notes">Your email
 address will not be published.</span> <span class="required-field-message">Required fields are
 marked <span class="required">*</span></span></p><p class="comment-form-comment"><label
 for="comment">Comment <span class="required">*</span></label> <textarea id="comment"
 name="comment" cols="45" rows="8" maxlength="65525" required></textarea></p>
<p class="comment-form-author"><label for="author">Name <span class="required">*</span></label>
<input id="author" name="author" type="text" value="" size="30" maxlength="245" required></p>
<p class="comment-form-email"><label for="email">Email <span class="required">*</span></label>
<input id="email" name="email" type="email" value="" size="30" maxlength="100" required></p>
<p class="comment-form-url"><label for="url">Website</label> <input id="url" name="url"
 type="url" value="" size="30" maxlength="200"></p>
<p class="comment-form-cookies-consent"><input id="wp-comment-cookies-consent"
 name="wp-comment-cookies-consent" type="checkbox" value="yes"> <label
 for="wp-comment-cookies-consent">Save my name, email, and website in this browser for the next
 time I comment.</label></p>
<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit"
 value="Post Comment"> <input type="hidden" name="comment_post_ID" value="{post['id']}"
 id="comment_post_ID"> <input type="hidden" name="comment_parent" id="comment_parent" value="0">
</p></form></div></div>"""


def _post_page(post: dict, older: dict | None, newer: dict | None, related: list[dict],
               posts: list[dict]) -> bytes:
    url = real_url(post)
    tags = ", ".join(f'<a href="{esc(ROOT + wp_href(tag_path(slug)))}" rel="tag">{esc(name)}</a>'
                     for name, slug in post["tags"])
    tag_classes = " ".join(f"tag-{wp_href(slug)}" for _, slug in post["tags"])
    nav = ""
    if older:
        nav += (f'<div class="nav-previous"><a href="{esc(real_url(older))}" rel="prev">'
                f'<span class="meta-nav">Предыдущая запись</span> {esc(older["title"])}</a></div>')
    if newer:
        nav += (f'<div class="nav-next"><a href="{esc(real_url(newer))}" rel="next">'
                f'<span class="meta-nav">Следующая запись</span> {esc(newer["title"])}</a></div>')
    main = f"""<article id="post-{post['id']}" class="post-{post['id']} post type-post
 status-publish format-standard hentry category-novosti {tag_classes}">
<header class="entry-header">
<div class="entry-cats"><a href="{ROOT}/category/novosti/" rel="category tag">Новости</a></div>
<h1 class="entry-title">{esc(post['title'])}</h1>
<div class="entry-meta"><span class="posted-on"><a href="{esc(url)}" rel="bookmark">
{_time_tags(post)}</a></span> <span class="byline"> Автор: <span class="author vcard"><a
 class="url fn n" href="{ROOT}/author/admin/">admin</a></span></span></div>
</header>
{_content(post, related)}
<footer class="entry-footer"><span class="cat-links">Рубрика: <a href="{ROOT}/category/novosti/"
 rel="category tag">Новости</a></span> <span class="tags-links">Метки: {tags}</span></footer>
</article>
<nav class="navigation post-navigation" aria-label="Записи"><h2 class="screen-reader-text">
Навигация по записям</h2><div class="nav-links">{nav}</div></nav>
{_comment_form(post)}"""
    published_utc = post["published_at"].astimezone(UTC)
    modified_utc = post["modified_at"].astimezone(UTC)
    head = (
        f'<meta name="description" content="{esc(_excerpt(post))}">\n'
        '<meta property="og:type" content="article">\n'
        f'<meta property="og:description" content="{esc(_excerpt(post))}">\n'
        '<meta property="article:section" content="Новости">\n'
        f'<meta property="article:published_time" content="{published_utc.isoformat()}">\n'
        f'<meta property="article:modified_time" content="{modified_utc.isoformat()}">\n'
        f'<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} &raquo; Лента '
        f'комментариев к &laquo;{esc(post["title"])}&raquo;" href="{esc(url)}feed/">\n'
        f"<link rel='shortlink' href='{ROOT}/?p={post['id']}'>\n"
    )
    return _page(title=f"{post['title']} – {SITE_NAME}", canonical=url, main=main, posts=posts,
                 body_class=f"post-template-default single single-post postid-{post['id']} "
                            "single-format-standard", head=head)


# -- listings -----------------------------------------------------------------------------------
def _summary(post: dict) -> str:
    url = esc(real_url(post))
    return f"""<article id="post-{post['id']}" class="post-{post['id']} post type-post
 status-publish format-standard hentry category-novosti">
<header class="entry-header"><div class="entry-meta"><span class="posted-on"><a href="{url}"
 rel="bookmark">{_time_tags(post)}</a></span></div>
<h2 class="entry-title"><a href="{url}" rel="bookmark">{esc(post['title'])}</a></h2></header>
<div class="entry-summary"><p>{esc(_excerpt(post))}</p>
<a class="more-link" href="{url}#more-{post['id']}">Читать далее<span class="screen-reader-text">
 &laquo;{esc(post['title'])}&raquo;</span></a></div></article>"""


def _pagination(base: str, number: int, pages: int) -> str:
    if pages < 2:
        return ""

    def href(n: int) -> str:
        return ROOT + base + (f"page/{n}/" if n > 1 else "")

    links = []
    if number > 1:
        links.append(f'<a class="prev page-numbers" href="{href(number - 1)}">&larr; Назад</a>')
    for n in range(1, pages + 1):
        links.append(f'<span aria-current="page" class="page-numbers current">{n}</span>'
                     if n == number else f'<a class="page-numbers" href="{href(n)}">{n}</a>')
    if number < pages:
        links.append(f'<a class="next page-numbers" href="{href(number + 1)}">Далее &rarr;</a>')
    return ('<nav class="navigation pagination" aria-label="Записи"><h2 class="screen-reader-text">'
            f'Навигация по записям</h2><div class="nav-links">{"".join(links)}</div></nav>')


def _add_listing(site: ReplicaSite, base: str, heading: str | None, items: list[dict],
                 posts: list[dict], body_class: str) -> list[str]:
    """A paginated archive at ``base`` (/, /category/x/, /tag/x/, /2025/09/); its page URLs."""
    pages = chunks(items, PER_PAGE)
    urls = []
    for number, chunk in enumerate(pages, start=1):
        path = base + (f"page/{number}/" if number > 1 else "")
        header = (f'<header class="page-header"><h1 class="page-title">{heading}</h1></header>'
                  if heading else "")
        main = header + "\n".join(_summary(p) for p in chunk) + _pagination(base, number,
                                                                          len(pages))
        title = (re.sub(r"<[^>]+>", "", heading) if heading else SITE_NAME)
        title += f" – Страница {number}" if number > 1 else ""
        title += f" – {SITE_NAME}" if heading or number > 1 else f" – {TAGLINE}"
        classes = body_class + (f" paged paged-{number}" if number > 1 else "")
        urls.append(site.add(path, Page(_page(title=title, canonical=ROOT + wp_href(path),
                                              body_class=classes, main=main, posts=posts))))
    return urls


def _feed(posts: list[dict]) -> bytes:
    items = []
    for post in posts[:FEED_ITEMS]:
        url = real_url(post)
        content = "".join(f"<p>{esc(p)}</p>" for p in post["body"])
        if post.get("credit"):
            content += f"<p>{esc(post['credit'])}</p>"
        items.append(
            f"<item><title>{esc(post['title'])}</title><link>{esc(url)}</link>"
            f"<comments>{esc(url)}#respond</comments><dc:creator><![CDATA[admin]]></dc:creator>"
            f"<pubDate>{format_datetime(post['published_at'].astimezone(UTC))}"
            "</pubDate><category><![CDATA[Новости]]></category>"
            f'<guid isPermaLink="false">{ROOT}/?p={post["id"]}</guid>'
            f"<description><![CDATA[{_excerpt(post)}]]></description>"
            f"<content:encoded><![CDATA[{content}]]></content:encoded>"
            f"<wfw:commentRss>{esc(url)}feed/</wfw:commentRss>"
            "<slash:comments>0</slash:comments></item>"
        )
    built = format_datetime(posts[0]["modified_at"].astimezone(UTC))
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"\n'
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
        ' xmlns:wfw="http://wellformedweb.org/CommentAPI/"\n'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        ' xmlns:atom="http://www.w3.org/2005/Atom"\n'
        ' xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"\n'
        ' xmlns:slash="http://purl.org/rss/1.0/modules/slash/">\n<channel>\n'
        f"<title>{SITE_NAME}</title>\n"
        f'<atom:link href="{ROOT}/feed/" rel="self" type="application/rss+xml" />\n'
        f"<link>{ROOT}</link>\n<description>{TAGLINE}</description>\n"
        f"<lastBuildDate>{built}</lastBuildDate>\n<language>ru-RU</language>\n"
        "<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>1</sy:updateFrequency>\n"
        "<generator>https://wordpress.org/?v=6.4.3</generator>\n"
        + "\n".join(items) + "\n</channel>\n</rss>\n"
    ).encode()


def _static_page(site: ReplicaSite, path: str, page_id: int, title: str, texts: list[str],
                 posts: list[dict]) -> str:
    main = (f'<article id="post-{page_id}" class="post-{page_id} page type-page status-publish '
            'hentry">'
            f'<header class="entry-header"><h1 class="entry-title">{esc(title)}</h1></header>'
            '<div class="entry-content">' + "".join(f"<p>{esc(t)}</p>" for t in texts)
            + "</div></article>")
    return site.add(path, Page(_page(title=f"{title} – {SITE_NAME}", canonical=ROOT + path,
                                     body_class=f"page-template-default page page-id-{page_id}",
                                     main=main,
                                     posts=posts)))


def build() -> ReplicaSite:
    site = ReplicaSite(source="turkmenistanlive", real_root=ROOT)
    posts = _prepare(load_content("turkmenistanlive"))
    for index, post in enumerate(posts):
        newer = posts[index - 1] if index > 0 else None
        older = posts[index + 1] if index + 1 < len(posts) else None
        nearby = sorted((p for p in posts if p is not post),
                        key=lambda p: abs((p["published_at"] - post["published_at"]).days))
        site.add(post_path(post), Page(_post_page(post, older, newer, nearby[:3], posts)))
        site.articles.append(ExpectedArticle(post["key"], ROOT + post_path(post), "ru",
                                             post["title"], post["date"], post.get("seed")))
        if post.get("seed"):
            attachment = post_path(post) + ATTACHMENT + "/"
            main = (f'<article id="post-{post["id"] + 1}" class="post-{post["id"] + 1} attachment '
                    'type-attachment status-inherit hentry"><header class="entry-header">'
                    f'<h1 class="entry-title">{ATTACHMENT.upper()}</h1></header>'
                    '<div class="entry-content"><p class="attachment"><img width="1024" '
                    f'height="683" src="/wp-content/uploads/{post["date"][:4]}/'
                    f'{post["date"][5:7]}/IMG_4521-1024x683.jpg" alt=""></p></div></article>')
            url = site.add(attachment, Page(_page(
                title=f"{ATTACHMENT.upper()} – {SITE_NAME}", canonical=ROOT + wp_href(attachment),
                body_class=f"attachment attachment-template-default postid-{post['id'] + 1}",
                main=main, posts=posts)))
            site.excluded.append(ExcludedPage(url, "attachment page of the seed photo"))

    _add_listing(site, "/", None, posts, posts, "home blog")
    category = _add_listing(site, f"/category/{CATEGORY[0]}/",
                            f"Рубрика: <span>{CATEGORY[1]}</span>", posts, posts,
                            "archive category category-novosti")
    site.excluded.append(ExcludedPage(category[0], "category listing"))
    for name, slug in sorted({tag for post in posts for tag in post["tags"]}):
        tagged = [p for p in posts if (name, slug) in p["tags"]]
        urls = _add_listing(site, tag_path(slug), f"Метка: <span>{esc(name)}</span>", tagged,
                            posts, "archive tag")
        site.excluded.append(ExcludedPage(urls[0], "tag listing"))
    for month in sorted({p["date"][:7] for p in posts}):
        in_month = [p for p in posts if p["date"][:7] == month]
        label = f"{MONTH_NAMES[int(month[5:]) - 1]} {month[:4]}"
        urls = _add_listing(site, f"/{month[:4]}/{month[5:]}/", f"Месяц: <span>{label}</span>",
                            in_month, posts, "archive date")
        if month == posts[0]["date"][:7]:
            site.excluded.append(ExcludedPage(urls[0], "monthly archive listing"))

    site.excluded.append(ExcludedPage(_static_page(site, "/turizm/", 2230, BANNER, [
        "Туркменистан открыт для путешественников: древний Мерв и Куня-Ургенч, газовый кратер "
        "Дарваза, Каспийское побережье и национальная туристическая зона «Аваза» ждут гостей "
        "круглый год. Мы расскажем, как получить визу, где остановиться и что посмотреть.",
        "Туристические компании Ашхабада предлагают экскурсионные туры, поездки в Каракумы и "
        "отдых на море. Подробности и бронирование — по телефонам, указанным на сайте.",
    ], posts), "static page the tourism banner links to"))
    site.excluded.append(ExcludedPage(_static_page(site, "/o-sajte/", 2, "О сайте", [
        f"{SITE_NAME} — новостной сайт о жизни Туркменистана: общество, экономика, культура, "
        "спорт и туризм. Мы публикуем новости по материалам туркменских средств массовой "
        "информации со ссылкой на источник.",
    ], posts), "static page"))

    site.add("/feed/", Page(_feed(posts), content_type="application/rss+xml; charset=UTF-8"))
    site.add("/feed", Page(b"", status=301, headers=(("Location", f"{ROOT}/feed/"),)))
    site.add("/robots.txt", Page(
        b"User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n",
        content_type="text/plain; charset=utf-8"))
    return site
