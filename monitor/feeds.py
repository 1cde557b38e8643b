"""One Atom feed per watch, ``DATA/feeds/NAME.atom``: its latest 100 alerts, written by feedgen.

Entry ids are stable (the watch and the article), so a feed reader shows each alert once even
though the file is rewritten after every run that changed it.
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from feedgen.feed import FeedGenerator

from archive.atomic import atomic_write_bytes
from search.query import MATCH_END, MATCH_START

FEED_DIR = "feeds"
FEED_ENTRIES = 100
# Characters XML 1.0 cannot carry; scraped text is untrusted and may hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def feed_path(data_dir: Path, name: str) -> Path:
    """Where a watch's feed lives (the name was checked: no separators, no leading dot)."""
    return Path(data_dir) / FEED_DIR / f"{name}.atom"


def watch_key(name: str) -> str:
    return hashlib.sha1(name.encode("utf-8")).hexdigest()[:16]


def entry_id(watch: str, article_id: str) -> str:
    return f"urn:crescent:watch:{watch_key(watch)}:{article_id}"


def parse_time(value: str | None) -> datetime:
    """An archive timestamp or day as an aware datetime (UTC when it carries no zone)."""
    try:
        moment = datetime.fromisoformat((value or "").replace("Z", "+00:00"))
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def clean(text: Any, limit: int = 1000) -> str:
    return _NOT_XML.sub("", str(text or ""))[:limit]


def _marked(snippet: str) -> list[tuple[bool, str]]:
    """A snippet's pieces, each (matched?, text), control characters dropped."""
    pieces = []
    for number, part in enumerate(str(snippet).split(MATCH_START)):
        inside, _, outside = part.partition(MATCH_END) if number else ("", "", part)
        if inside:
            pieces.append((True, clean(inside, 200)))
        pieces.append((False, clean(outside, 2000)))
    return [piece for piece in pieces if piece[1]]


def snippet_html(snippet: str) -> str:
    """A snippet with its matched words in <mark>, everything else escaped."""
    return "".join(f"<mark>{html.escape(text, quote=False)}</mark>" if matched
                   else html.escape(text, quote=False) for matched, text in _marked(snippet))


def snippet_text(snippet: str) -> str:
    """A snippet with its matched words in «»."""
    return "".join(f"«{text}»" if matched else text for matched, text in _marked(snippet))


def entry_summary_html(entry: dict[str, Any]) -> str:
    """The body of one alert as HTML (feed content and e-mail share it)."""
    published = clean(entry.get("published"), 40)[:10]
    late = " — <strong>found late</strong>" if entry.get("late") else ""
    lines = [f"{html.escape(clean(entry.get('source'), 64))} · "
             f"{html.escape(clean(entry.get('language'), 8))} · published "
             f"{html.escape(published)}{late} · archived "
             f"{html.escape(clean(entry.get('archived_at'), 40))}"]
    if entry.get("snippet"):
        lines.append(snippet_html(entry["snippet"]))
    also = entry.get("also") or []
    if also:
        links = ", ".join(f'<a href="{html.escape(clean(a.get("url"), 2000))}">'
                          f'{html.escape(clean(a.get("source"), 64))}</a>' for a in also)
        lines.append(f"also published by {links}")
    return "<br>".join(lines)


def write_feed(data_dir: Path, name: str, query: str, entries: list[dict[str, Any]]) -> Path:
    """Write the feed of watch ``name`` from its alerts, newest first (at most 100 kept)."""
    feed = FeedGenerator()
    feed.id(f"urn:crescent:watch:{watch_key(name)}")
    feed.title(f"crescent watch: {clean(name, 64)}")
    feed.subtitle(clean(f"New articles matching {query}", 500))
    feed.author({"name": "crescent"})
    feed.generator("crescent")
    newest = max((parse_time(e.get("updated") or e.get("archived_at")) for e in entries),
                 default=datetime.now(UTC))
    feed.updated(newest)
    for entry in entries[:FEED_ENTRIES]:
        item = feed.add_entry(order="append")
        item.id(entry_id(name, entry["id"]))
        item.title(clean(entry.get("title"), 300) or entry["id"])
        item.link(href=clean(entry.get("url"), 2000), rel="alternate")
        item.published(parse_time(entry.get("published")))
        item.updated(parse_time(entry.get("updated") or entry.get("archived_at")))
        item.category(term=clean(entry.get("source"), 64), label="source")
        item.category(term=clean(entry.get("language"), 8), label="language")
        item.content(entry_summary_html(entry), type="html")
    path = feed_path(data_dir, name)
    atomic_write_bytes(path, feed.atom_str(pretty=True))
    return path


def remove_feed(data_dir: Path, name: str) -> None:
    feed_path(data_dir, name).unlink(missing_ok=True)
