"""Building blocks for the replica pages: escaping, documents, feeds, sitemaps, robots.txt."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from datetime import datetime
from email.utils import format_datetime
from html import escape
from importlib import resources
from typing import Any


def esc(text: Any) -> str:
    return escape(str(text), quote=True)


# Set while a replica is built as it stands the next day (crawler.demo.build_site(next_day=True)).
NEXT_DAY: ContextVar[bool] = ContextVar("NEXT_DAY", default=False)


def load_content(source: str) -> list[dict[str, Any]]:
    """The articles of a replica, from ``crawler/demo/content/<source>.json`` (plus, the next
    day, those ``content/next-day.json`` lists for it)."""
    content = resources.files("crawler.demo").joinpath("content")
    articles = json.loads(content.joinpath(f"{source}.json").read_text("utf-8"))["articles"]
    if NEXT_DAY.get():
        later = json.loads(content.joinpath("next-day.json").read_text("utf-8"))
        articles = [*articles, *later.get(source, [])]
    return articles


def paragraphs(texts: Iterable[str]) -> str:
    return "\n".join(f"<p>{esc(text)}</p>" for text in texts)


def document(*, title: str, body: str, head: str = "", lang: str | None = None,
             charset: str = "utf-8", html_attrs: str = "") -> str:
    lang_attr = f' lang="{esc(lang)}"' if lang else ""
    return (
        f"<!DOCTYPE html>\n<html{lang_attr}{html_attrs}>\n<head>\n"
        f'<meta charset="{esc(charset)}">\n<title>{esc(title)}</title>\n{head}\n</head>\n'
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def rss(title: str, link: str, items: Iterable[tuple[str, str, datetime, str]]) -> bytes:
    """RSS 2.0: items are (title, link, published, description)."""
    entries = "\n".join(
        f"<item><title>{esc(t)}</title><link>{esc(u)}</link>"
        f"<guid>{esc(u)}</guid><pubDate>{format_datetime(d)}</pubDate>"
        f"<description>{esc(s)}</description></item>"
        for t, u, d, s in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{esc(title)}</title><link>{esc(link)}</link>\n{entries}\n</channel></rss>\n"
    ).encode()


def sitemap(entries: Iterable[tuple[str, str]]) -> bytes:
    """A urlset of (loc, lastmod)."""
    urls = "\n".join(f"<url><loc>{esc(loc)}</loc><lastmod>{esc(mod)}</lastmod></url>"
                     for loc, mod in entries)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}\n</urlset>\n'
    ).encode()


def robots(disallow: Iterable[str] = (), sitemaps: Iterable[str] = ()) -> bytes:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in disallow)]
    lines += [f"Sitemap: {url}" for url in sitemaps]
    return ("\n".join(lines) + "\n").encode()
