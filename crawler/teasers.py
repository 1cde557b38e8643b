"""Related-article teasers: other articles' headlines that a page puts inside its own body.

News sites break an article with a block that is nothing but a link to another of their
articles ("Tsai says …" as an ``<h3><a>``). In the visible page trafilatura leaves such a block
out, but a JSON-LD ``articleBody`` is the body flattened to text, teaser included. The rule: a
block (paragraph, heading, list item) whose whole text is one link to another page of the same
site is a teaser; where its text stands as a sentence or line of its own in ``articleBody``, it
is cut. Teaser blocks are read from the page's markup and from the body tree a script-rendered
page ships in its state (HTML strings, or element trees serialised as JSON with
type/name, attribs and children, as htmlparser2 writes them).
"""

from __future__ import annotations

import contextlib
import json
import re
import unicodedata
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

TEASER_BLOCKS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "li", "div"})
MIN_TEASER_WORDS = 4  # a short link ("Hong Kong") may be a sentence of the article itself
MAX_STATE_CHARS = 5_000_000  # larger script states are not read
MAX_STATE_NODES = 200_000
# "window.__STATE__ = {…}", "var data = […]": a script that assigns one JSON value.
STATE_ASSIGNMENT = re.compile(r"^\s*(?:(?:var|let|const)\s+)?[\w$.\[\]'\"]+\s*=\s*(?=[{\[])")
# A teaser inside running text: after a sentence end (or the start of a line) and before the
# next sentence (a capital letter or an opening quote) or the end of the line.
SENTENCE_BEFORE = r"(?:^|(?<=[.!?…:;\"”’»)])\s+)"
SENTENCE_AFTER = r"(?=\s+[\"“‘«(\[]?[A-ZÀ-ÞА-ЯЁІЇЄҐĞİŞƏ]|\s*$)"


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _same_site_other_page(href: str | None, page_url: str) -> bool:
    """True for a link to another page of the page's own site (not to the page itself)."""
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return False
    try:  # hrefs are whatever the page wrote: "//[bad-host]" raises
        target = urlsplit(urljoin(page_url, href.strip()))
        page = urlsplit(page_url)
    except ValueError:
        return False
    if target.scheme not in ("http", "https"):
        return False
    host = (target.hostname or "").removeprefix("www.")
    if host != (page.hostname or "").removeprefix("www."):
        return False
    return target.path.rstrip("/") != page.path.rstrip("/")


def _teaser_text(text: str) -> str | None:
    text = _fold(text)
    return text if len(text.split()) >= MIN_TEASER_WORDS else None


def markup_teasers(tree: lxml_html.HtmlElement, page_url: str) -> set[str]:
    """Texts of blocks in ``tree`` that are one same-site link and nothing else."""
    found: set[str] = set()
    for link in tree.iter("a"):
        block = link.getparent()
        while block is not None and block.tag not in TEASER_BLOCKS:
            block = block.getparent()
        if block is None or not _same_site_other_page(link.get("href"), page_url):
            continue
        text = _teaser_text(link.text_content())
        if text and _fold(block.text_content()) == text:
            found.add(text)
    return found


TEASER_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
MIN_LIST_TEASER_WORDS = 3


def _heading_link(item: lxml_html.HtmlElement, page_url: str) -> bool:
    """True when ``item`` holds a heading whose whole text is a link to another page of the site."""
    for heading in item.iter(*TEASER_HEADINGS):
        text = _fold(heading.text_content())
        if len(text.split()) < MIN_LIST_TEASER_WORDS:
            continue
        for link in heading.iter("a"):
            if _fold(link.text_content()) == text and _same_site_other_page(link.get("href"),
                                                                           page_url):
                return True
    return False


def teaser_lists(tree: lxml_html.HtmlElement, page_url: str) -> list[lxml_html.HtmlElement]:
    """Lists of other articles ("latest news", "more stories"): ``<ul>``/``<ol>`` of two or more
    items, each headed by a heading that is a link to another page of the same site.

    Each item may carry a thumbnail and a one-line summary, so the item's text is more than
    the link and :func:`markup_teasers` does not see it; the headings mark it as a card.
    """
    found = []
    for listing in tree.iter("ul", "ol"):
        items = [child for child in listing if child.tag == "li"]
        if len(items) >= 2 and all(_heading_link(item, page_url) for item in items):
            found.append(listing)
    return found


def _node_name(node: dict[str, Any]) -> str:
    for key in ("name", "tagName", "tag", "type", "nodeName"):
        value = node.get(key)
        if isinstance(value, str):
            return value.lower()
    return ""


def _node_children(node: dict[str, Any]) -> list[Any]:
    for key in ("children", "childNodes", "content"):
        value = node.get(key)
        if isinstance(value, list):
            return value
    return []


def _node_href(node: dict[str, Any]) -> str | None:
    for key in ("attribs", "attributes", "attrs", "props"):
        value = node.get(key)
        if isinstance(value, dict) and isinstance(value.get("href"), str):
            return value["href"]
    value = node.get("href")
    return value if isinstance(value, str) else None


def _node_text(node: Any, depth: int = 0) -> str:
    """The text of a serialised element: its text nodes' ``data``/``text``/``value`` joined."""
    if depth > 50:
        return ""
    if isinstance(node, str):
        return node
    if not isinstance(node, dict):
        return ""
    if _node_name(node) in ("text", "#text"):
        for key in ("data", "text", "value", "nodeValue"):
            if isinstance(node.get(key), str):
                return node[key]
    return "".join(_node_text(child, depth + 1) for child in _node_children(node))


def _tree_teaser(node: dict[str, Any], page_url: str) -> str | None:
    """The teaser text of a serialised block made of one same-site link, else None."""
    if _node_name(node) not in TEASER_BLOCKS:
        return None
    children = [c for c in _node_children(node) if not (isinstance(c, dict) and _node_name(c)
                                                         in ("text", "#text")
                                                         and not _node_text(c).strip())]
    if len(children) != 1 or not isinstance(children[0], dict):
        return None
    link = children[0]
    if _node_name(link) != "a" or not _same_site_other_page(_node_href(link), page_url):
        return None
    return _teaser_text(_node_text(link))


def state_teasers(data: Any, page_url: str) -> set[str]:
    """Teaser texts in a script's JSON state: serialised element trees and HTML strings."""
    found: set[str] = set()
    stack, seen = [data], 0
    while stack and seen < MAX_STATE_NODES:
        item = stack.pop()
        seen += 1
        if isinstance(item, dict):
            text = _tree_teaser(item, page_url)
            if text:
                found.add(text)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and "</a>" in item and "<a " in item:
            with contextlib.suppress(etree.ParserError, ValueError):
                found |= markup_teasers(lxml_html.fromstring(f"<div>{item}</div>"), page_url)
    return found


def _script_state(script: str) -> Any:
    """The JSON value a script is, or assigns to one name; None for other scripts."""
    if len(script) > MAX_STATE_CHARS:
        return None
    match = STATE_ASSIGNMENT.match(script)
    start = match.end() if match else len(script) - len(script.lstrip())
    if start >= len(script) or script[start] not in "{[":
        return None
    try:
        value, _end = json.JSONDecoder(strict=False).raw_decode(script, start)
    except ValueError:
        return None
    return value


def page_teasers(tree: lxml_html.HtmlElement, page_url: str) -> set[str]:
    """Every teaser text of the page: from its markup and from its scripts' state."""
    found = markup_teasers(tree, page_url)
    for script in tree.iter("script"):
        kind = (script.get("type") or "").lower()
        if script.get("src") or "ld+json" in kind or not script.text:
            continue
        if kind and "json" not in kind and "javascript" not in kind:
            continue
        state = _script_state(script.text)
        if state is not None:
            found |= state_teasers(state, page_url)
    return found


def drop_teasers(text: str, teasers: set[str]) -> str:
    """``text`` without the teasers that stand as a line or a sentence of their own."""
    if not teasers:
        return text
    lines = []
    for line in text.splitlines():
        line = _fold(line)
        for teaser in teasers:
            if teaser in line:
                line = re.sub(SENTENCE_BEFORE + re.escape(teaser) + SENTENCE_AFTER, "", line)
        if line.strip():
            lines.append(line.strip())
    return "\n".join(lines)
