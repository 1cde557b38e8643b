"""Turn one HTML page into an article or a named rejection: the single extraction path.

The crawler and ``crescent extract`` both call :func:`extract`; the benchmark and the quality
gate call :func:`analyse`, which returns every field it found even for a page it would reject.
trafilatura finds the text, our own rules the dates (:mod:`crawler.dates`), the language
(:mod:`crawler.language`, py3langid) and the encoding (:mod:`crawler.encoding`). Nothing here
raises for a bad page: every way a page can fail to be an article is a :class:`Rejection`.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import htmldate
import trafilatura
from lxml import etree
from lxml import html as lxml_html

from crawler.dates import (
    EARLIEST_DATE,
    ISO_DATETIME,
    find_dates,
    first_date,
    parse_timestamp,
    plausible,
    safe_date,
    timestamp_offset,
    zone,
)
from crawler.encoding import decode_html
from crawler.language import choose_language, detect_language, identify
from crawler.pagekind import weigh_tree
from crawler.teasers import drop_teasers, page_teasers, teaser_lists

__all__ = [
    "ALL_LANGUAGES", "DEFAULT_LANGUAGES", "Article", "Extraction", "FoundDate", "Rejection",
    "SourceHints", "analyse", "clean_text", "clean_title", "decode_html", "detect_language",
    "extract", "find_authors", "listed_date", "parse_date_text", "split_authors",
]

DEFAULT_LANGUAGES = frozenset({"tr", "ru", "en"})
ALL_LANGUAGES = frozenset({"*"})  # accept_languages that keeps every language
MAX_HTML_CHARS = 8_000_000  # pages larger than this are not news articles
MAX_TEXT_CHARS = 400_000
MAX_TITLE_CHARS = 1_000
MAX_AUTHORS = 20
# The too-short rule counts characters, not words: Turkish and Russian say in fewer, longer words
# what English says in more (a 250-character brief is ~30 words in tr/ru, ~40 in en). A text of
# twice MIN_CHARS is long enough whatever its shape; a shorter one needs MIN_CHARS in lines that
# hold sentences (menus, date lines, a headline or a contact card hold none) and two sentences,
# as a news brief has and a contact card, a download stub or a one-line teaser has not.
MIN_CHARS = 200
BRIEF_SENTENCES = 2
SENTENCE_END = re.compile(r"[.!?…]+[\"'»”’)\]]*(?=\s|$)")
DATE_SOURCES = ("json-ld", "meta", "time-element", "text", "url", "feed", "sitemap")

# Lines that are whole widget labels seen around articles; they are never article text.
BOILERPLATE_LINES = re.compile(
    r"^\s*(?:Your IP:.*|This Month|Last Month|All days|Leave a Reply|close|Comments|"
    r"Your email address will not be published\..*|Required fields are marked.*|"
    r"Published:\s*\S+\s*\\\s*Reads:.*|Downloaded:\s*times|more|Advertisement|Реклама|Reklam)"
    r"\s*$",
    re.IGNORECASE,
)
# Short lines that ask the reader to do something (subscribe, sign up, comment, read another
# story) or point to the publisher's own pages; in Turkish, Russian, Ukrainian and English.
CALL_TO_ACTION = re.compile(
    r"\b(?:sign(?:ing)? up|subscribe|newsletter|never miss|join (?:our|the) (?:commenting|"
    r"conversation|discussion)|submit a letter|letters? to the editor|our standards:|"
    r"trust principles|follow us on|download (?:our|the) app|"
    r"read (?:also|more|next)\b|see also\b|also read\b|"
    r"подпис(?:ыв)?айтесь|подписаться на|читайте (?:также|тоже|нас)|смотрите также|"
    r"читайте також|підписуйтесь|дивіться також|"
    r"abone ol|bültenimize|ayrıca bakınız|ilginizi çekebilir|haberin devamı|"
    r"google(?:'|’)?da takip edin|gelişmelerden anında haberdar)",
    re.IGNORECASE,
)
CALL_TO_ACTION_MAX_WORDS = 25
PHOTO_CREDIT = re.compile(r"^\(?(?:photo|credit|image|фото|foto|fotoğraf)\s*:\s*[^.]{0,80}\)?$",
                          re.IGNORECASE)

LANG_SEGMENT = re.compile(r"^/(tr|ru|en|az|tm|tk|kk|ky|uz|uk)(?:/|$)")
LANG_ALIASES = {"tm": "tk", "tur": "tr", "rus": "ru", "eng": "en", "aze": "az", "ua": "uk"}
QUOTE_PAIRS = (('"', '"'), ("'", "'"), ("«", "»"), ("“", "”"), ("„", "“"), ("‘", "’"))
TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " « ", " » ", " / ", " · ")

# Class or id names of blocks that are never article text (newsletters, comments, related
# links, sharing, ads). A block holding the headline or half of the page's paragraph text is
# kept whatever its name says. Every alternative opens with a letter (the look-behinds follow
# it: "c(?<!no-c)omment" is "(?<!no-)comment", "c(?<![^\s_-]c)ta" is "(?:^|[\s_-])cta"), so the
# regex engine skips positions that start none of them: a third faster on ~500 names a page.
NOISE_NAME = re.compile(
    r"newsletter|subscri(?:be|ption)|c(?<!no-c)omment(?!ary)|read-?also|also-?read|related|"
    r"advert|promo|outbrain|taboola|social|share|sponsor|trending|most-?read|popular|"
    r"recommend|breadcrumb|"
    r"(?:c(?<![^\s_-]c)ta|a(?<![^\s_-]a)ds|t(?<![^\s_-]t)ags|s(?<![^\s_-]s)ignup)(?:$|[\s_-])")
KEEP_TAGS = frozenset({"html", "body", "main", "article"})
# An element named as a credit ("credit", "photo-credit", "image-credits") marks a caption.
CREDIT_NAME = re.compile(r"(?:^|[\s_-])(?:photo|image|img|video|media)?-?credits?(?:$|[\s_])")
MAX_CAPTION_WORDS = 60
ARTICLE_TYPES = frozenset({"newsarticle", "article", "reportagenews", "blogposting",
                           "analysisnewsarticle", "opinionnewsarticle", "backgroundnewsarticle",
                           "reviewnewsarticle", "liveblogposting", "scholarlyarticle",
                           "techarticle", "report", "socialmediaposting", "webpage"})
NEWS_TYPES = ARTICLE_TYPES - {"webpage"}
PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "og:published_time",
    "article:published", "published_time", "datepublished", "publication_date",
    "publish_date", "publish-date", "publishdate", "pubdate", "date", "dc.date", "dc.date.issued",
    "dc.date.created", "dcterms.date", "dcterms.issued", "dcterms.created", "dc:date",
    "citation_publication_date", "parsely-pub-date", "article.published", "originalpublicationdate",
    "cxenseparse:recs:publishtime", "mediator_published_time", "datecreated",
)
PUBLISHED_CLASS = re.compile(r"publish|pubdate|posted|created|dateline|date-?time|article-?date|"
                             r"entry-date|news-?date|^date$|\bdate\b|tarih|дата", re.IGNORECASE)
URL_DATE = re.compile(
    r"/(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?:/|-|$)|[/_-](\d{4})(\d{2})(\d{2})[/_-]")
MARKDOWN_LINK = re.compile(r"\[([^\[\]\n]{1,300})\]\((?:https?://|/)[^)\s]*\)")
# Shortcode lines some CMSs leave in articleBody: "+++dropcap", "[embed …]", "{{ widget }}".
SHORTCODE_LINE = re.compile(r"^\s*(?:\+{3}\w*|\[\w+[^\]]*\]|\{\{[^}]*\}\})\s*$")
INVISIBLE_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title"})
HEADLINE_WINDOW = 400  # characters of page text after the headline searched for its date line
# Numeric character references to characters XML forbids (C0 controls but tab, LF and CR; the
# non-characters U+FFFE and U+FFFF). A word processor pasted into a CMS leaves them ("&#x0b;"
# for a line break); libxml2 stops reading the element there and trafilatura finds no text.
CHARACTER_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")
# A visible time of day next to a written date ("23:30", "11:30 pm", "11:30 a.m."), perhaps
# with its offset ("14:05 GMT+3", "09:00 (UTC+03:00)").
TIME_OF_DAY = re.compile(
    r"(?<![\d:])([01]?\d|2[0-3]):([0-5]\d)(?![\d:]\d)(?::\d\d)?(?:\s*([ap])\.?\s?m\b\.?)?"
    r"(?:\s*\(?(?:GMT|UTC)\s*([+-])(\d{1,2})(?::?(\d{2}))?\)?)?", re.IGNORECASE)
TIME_NEAR_DATE = 40  # characters around a written date searched for its time of day
MAX_UTC_OFFSET = timedelta(hours=14)


@dataclass(frozen=True)
class SourceHints:
    """What a source declares about its pages; every field has a safe generic default."""

    source: str = "web"
    languages: tuple[str, ...] = ()  # languages the source publishes in
    accept_languages: frozenset[str] = DEFAULT_LANGUAGES  # languages the archive keeps
    date_selectors: tuple[str, ...] = ()  # CSS selectors whose text holds the date
    date_order: str = "DMY"  # how the source writes numeric dates with / or -
    url_date_pattern: str | None = None  # regex with named groups y, m, d
    remove_selectors: tuple[str, ...] = ()  # noise blocks dropped before extraction
    author_selectors: tuple[str, ...] = ()  # CSS selectors whose text is the byline
    site_names: tuple[str, ...] = ()  # title suffixes to strip
    min_chars: int = MIN_CHARS  # 0 turns the too-short rule off (see MIN_CHARS)
    min_words: int = 0  # a source may also ask for this many words
    judge_page: bool = False  # article or listing? weigh the page's evidence (crawler.pagekind)
    timezone: str | None = None  # IANA zone of the site's clock, e.g. "Asia/Ashgabat"


@dataclass(frozen=True)
class FoundDate:
    """A publication day, where it was found (one of DATE_SOURCES) and the string as found."""

    day: date
    source: str
    raw: str


@dataclass
class Article:
    """An extracted article, ready for the archive (fetch metadata is added by the caller)."""

    url: str
    title: str
    text: str
    language: str
    language_confidence: float
    published: str
    date_source: str
    modified: str | None = None
    authors: list[str] = field(default_factory=list)
    description: str | None = None
    declared_language: str | None = None
    date_raw: str | None = None

    @property
    def word_count(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class Rejection:
    """Why a page is not archived: ``reason`` is a short stats key, ``detail`` free text."""

    reason: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}" if self.detail else self.reason


@dataclass
class Extraction:
    """Everything :func:`analyse` found on a page, and the first reason to reject it."""

    url: str
    title: str | None = None
    text: str | None = None
    language: str | None = None
    language_confidence: float = 0.0
    declared_language: str | None = None
    published: str | None = None
    date_source: str | None = None
    date_raw: str | None = None
    authors: list[str] = field(default_factory=list)
    description: str | None = None
    rejection: Rejection | None = None

    def reject(self, reason: str, detail: str = "") -> None:
        if self.rejection is None:
            self.rejection = Rejection(reason, detail)


# -- language declarations ---------------------------------------------------------------------

def _clean_lang(code: str | None) -> str | None:
    if not code:
        return None
    primary = re.split(r"[-_]", code.strip().lower())[0]
    primary = LANG_ALIASES.get(primary, primary)
    return primary if re.fullmatch(r"[a-z]{2}", primary) else None


def declared_language(tree: lxml_html.HtmlElement, url: str) -> str | None:
    """The language the page says it is in: <html lang>, og:locale, Content-Language, URL."""
    candidates = [
        tree.get("lang"),
        *tree.xpath("//meta[@property='og:locale']/@content"),
        *tree.xpath("//meta[translate(@http-equiv,'CONTENTLAGU','contentlagu')='content-language']"
                    "/@content"),
    ]
    match = LANG_SEGMENT.match(urlsplit(url).path)
    if match:
        candidates.append(match.group(1))
    for candidate in candidates:
        code = _clean_lang(candidate)
        if code:
            return code
    return None


# -- dates --------------------------------------------------------------------------------------

def parse_date_text(text: str, hints: SourceHints, now: datetime) -> date | None:
    """The first full date (day, month, year) a person wrote in ``text``.

    Numeric dates are day first unless the source says otherwise (dotted ones always); month
    names in Turkish, Russian, Ukrainian, English, Azerbaijani and Turkmen; a short text that is
    only a relative date ("2 часа назад", "3 saat önce", "yesterday") is resolved against
    ``now``; an ISO timestamp keeps the day at its own offset.
    """
    text = " ".join(text.split())[:300]
    if not text:
        return None
    local = zone(hints.timezone)
    if re.match(r"\d{4}-\d{2}-\d{2}T", text):
        return plausible(parse_timestamp(text, local), now)
    found = first_date(text, now, hints.date_order, local)
    if found:
        return found[0]
    if len(text) <= 40:
        return _dateparser_day(text, hints, now)
    return None


def _dateparser_day(text: str, hints: SourceHints, now: datetime) -> date | None:
    """dateparser for the rare forms our own rules do not read ("Monday 5th of May 2025")."""
    import dateparser

    languages = [lang for lang in hints.languages if lang in {"tr", "ru", "en", "az", "uk"}]
    settings = {"DATE_ORDER": hints.date_order, "PREFER_DATES_FROM": "past",
                "RELATIVE_BASE": now.replace(tzinfo=None),
                "REQUIRE_PARTS": ["day", "month", "year"]}
    parsed = dateparser.parse(text, languages=languages or None, settings=settings)
    return plausible(parsed.date(), now) if parsed else None


def listed_date(raw: str | None, source: str, hints: SourceHints,
                now: datetime) -> FoundDate | None:
    """The day a feed entry or a sitemap's lastmod gives for a URL, on the site's calendar.

    Read from the string as written: a timestamp keeps the day at its own offset (feedparser's
    ``*_parsed`` fields are UTC, which moves an item of 00:16 Moscow time to the day before), a
    UTC one moves to the source's ``timezone``; other forms are read as written dates (our rules,
    not dateparser: this runs in the crawl process for every entry).
    """
    if not raw or not raw.strip():
        return None
    raw = " ".join(raw.split())[:200]
    local = zone(hints.timezone)
    day = parse_timestamp(raw, local)
    if day is None:
        written = first_date(raw, now, hints.date_order, local)
        day = written[0] if written else None
    return _found(day, source, raw, now)


def _found(day: date | None, source: str, raw: str, now: datetime) -> FoundDate | None:
    day = plausible(day, now)
    return FoundDate(day, source, " ".join(raw.split())[:200]) if day else None


def _site_zone(hints: SourceHints, stamps: list[str]) -> tzinfo | None:
    """The site's clock: the source's declared zone, else an offset other timestamps show."""
    declared = zone(hints.timezone)
    if declared is not None:
        return declared
    for stamp in stamps:
        offset = timestamp_offset(stamp)
        if offset:
            return timezone(offset)
    return None


def json_ld_objects(tree: lxml_html.HtmlElement) -> list[dict[str, Any]]:
    """Every JSON-LD object of the page, @graph and lists flattened."""
    objects: list[dict[str, Any]] = []
    for script in tree.xpath("//script[contains(translate(@type,'LDJSON','ldjson'),'ld+json')]"):
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                objects.append(item)
                if isinstance(item.get("@graph"), list):
                    stack.extend(reversed(item["@graph"]))
    return objects


def _types(item: dict[str, Any]) -> set[str]:
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds if k}


def main_json_ld(objects: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The JSON-LD object describing the article itself (an article type over a web page)."""
    best, rank = None, 99
    for item in objects:
        types = _types(item) & ARTICLE_TYPES
        if not types:
            continue
        item_rank = 1 if types == {"webpage"} else 0
        if item_rank < rank:
            best, rank = item, item_rank
    return best


def _meta_published(tree: lxml_html.HtmlElement) -> list[tuple[str, str]]:
    """(key, value) of the page's publication-time meta tags, in order of PUBLISHED_META."""
    found: dict[str, str] = {}
    for meta in tree.xpath("//meta[@content]"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key in PUBLISHED_META and key not in found and meta.get("content", "").strip():
            found[key] = meta.get("content").strip()
    return sorted(found.items(), key=lambda item: PUBLISHED_META.index(item[0]))


def page_titles(tree: lxml_html.HtmlElement) -> list[str]:
    """The titles the page gives itself: og:title, twitter:title, <title>."""
    titles = tree.xpath("//meta[@property='og:title' or @name='twitter:title']/@content")
    titles += [t.text_content() for t in tree.xpath("//head/title")[:1]]
    return [" ".join(t.split()) for t in titles if t and t.strip()]


def _headline(tree: lxml_html.HtmlElement) -> lxml_html.HtmlElement | None:
    """The visible headline: the h1 (or itemprop headline) that the page's title repeats.

    A site logo in an h1 ("KBS WORLD") is not the headline; without a title that names one,
    the first h1 inside <article>, then the longest h1, is taken.
    """
    candidates = [e for e in tree.xpath("//*[@itemprop='headline'][not(self::meta)] | //h1")
                  if len(e.text_content().strip()) >= 3]
    if not candidates:
        return None
    titles = [_fold(t) for t in page_titles(tree)]
    for element in candidates:
        text = _fold(element.text_content())
        if len(text) >= 10 and any(text in title or title[:40] in text for title in titles
                                   if len(title) >= 10):
            return element
    in_article = [e for e in candidates if any(a.tag == "article" for a in e.iterancestors())]
    if in_article:
        return in_article[0]
    return max(candidates, key=lambda e: len(e.text_content().split()))


def _following(element: lxml_html.HtmlElement):
    """Elements after ``element`` in document order (not inside it)."""
    current = element
    while current is not None:
        for sibling in current.itersiblings():
            yield from sibling.iter()
        current = current.getparent()


def _text_after(element: lxml_html.HtmlElement, limit: int) -> str:
    """About ``limit`` characters of visible text following ``element`` in document order."""
    parts = [element.tail or ""]
    size = len(parts[0].strip())
    for item in _following(element):
        if isinstance(item.tag, str) and item.tag not in INVISIBLE_TAGS:
            parts.append(item.text or "")
        parts.append(item.tail or "")
        size += len(parts[-1].strip()) + len(parts[-2].strip())
        if size >= limit:
            break
    return " ".join(" ".join(parts).split())[:limit]


def find_published(
    tree: lxml_html.HtmlElement, url: str, hints: SourceHints, now: datetime,
    json_ld: list[dict[str, Any]] | None = None, listed: FoundDate | None = None,
    headline: lxml_html.HtmlElement | bool | None = True,
) -> FoundDate | None:
    """Publication day, most explicit evidence first.

    1. the source's date line (``date_selectors``) and its URL date (``url_date_pattern``);
    2. JSON-LD ``datePublished`` of the article object; 3. publication-time meta tags;
    4. a ``<time datetime>`` marked as published or in the article header;
    5. the date the feed gave (``listed`` with source "feed");
    6. the date line right after the headline ("Written: 2023-11-07", "13 Oct 2020 18:29");
    7. a date in the URL path (/2020/01/19/); 8. htmldate on the rest of the page;
    9. a sitemap's lastmod (``listed`` with source "sitemap").
    Machine timestamps keep the day at the offset written; a UTC one moves to the site's zone,
    or to the local time the page shows for it (see :func:`visible_zone`). ``headline`` is the
    element :func:`_headline` found, when the caller has it (``True``: look it up here).
    """
    json_ld = json_ld if json_ld is not None else json_ld_objects(tree)
    if isinstance(headline, bool):
        headline = _headline(tree) if headline else None
    for selector in hints.date_selectors:
        for element in tree.cssselect(selector):
            stamp = element.get("datetime") or element.get("content")
            if stamp:
                found = _found(parse_timestamp(stamp, zone(hints.timezone)), "time-element"
                               if element.tag == "time" else "meta", stamp, now)
            else:
                text = element.text_content()
                found = _found(parse_date_text(text, hints, now), "text", text, now)
            if found:
                return found
    if hints.url_date_pattern:
        match = re.search(hints.url_date_pattern, url)
        if match:
            found = _found(safe_date(int(match["y"]), int(match["m"]), int(match["d"])), "url",
                           match[0], now)
            if found:
                return found
    article = main_json_ld(json_ld)
    meta = _meta_published(tree)
    stamps = [str(article.get(key)) for key in ("datePublished", "dateCreated", "dateModified")
              if article and article.get(key)] + [value for _, value in meta]
    local = _site_zone(hints, stamps)
    if local is None and stamps:
        local = visible_zone(tree, headline, stamps, hints)
    if article:
        for key in ("datePublished", "dateCreated"):
            value = article.get(key)
            if isinstance(value, str) and value.strip():
                found = _found(parse_timestamp(value, local), "json-ld", value, now)
                if found:
                    return found
    for _key, value in meta:
        found = _found(parse_timestamp(value, local), "meta", value, now)
        if found:
            return found
    found = _time_element(tree, local, now)
    if found:
        return found
    if listed and listed.source == "feed" and plausible(listed.day, now):
        return listed
    if headline is not None:
        window = _text_after(headline, HEADLINE_WINDOW)
        day = first_date(window, now, hints.date_order, zone(hints.timezone))
        if day:
            return FoundDate(day[0], "text", day[1])
    match = URL_DATE.search(urlsplit(url).path)
    if match:
        y, m, d = (match[1], match[2], match[3]) if match[1] else (match[4], match[5], match[6])
        found = _found(safe_date(int(y), int(m), int(d)), "url", match[0].strip("/_-"), now)
        if found:
            return found
    found = _htmldate(tree, url, now)
    if found is None and listed and plausible(listed.day, now):
        return listed  # a sitemap's lastmod may be a later edit: the last resort
    return found


def _utc_moment(stamp: str) -> datetime | None:
    """The instant of an ISO timestamp written in UTC ("…Z", "+00:00") with its time of day."""
    match = ISO_DATETIME.match(stamp.strip())
    if not match or not match[4] or timestamp_offset(stamp) != timedelta(0):
        return None
    day = safe_date(int(match[1]), int(match[2]), int(match[3]))
    if day is None:
        return None
    return datetime(day.year, day.month, day.day, int(match[4]), int(match[5]),
                    int(match[6] or 0), tzinfo=UTC)


def _shown_time(text: str, start: int, end: int) -> re.Match[str] | None:
    """The time of day written just after (else just before) the date at text[start:end]."""
    after = TIME_OF_DAY.search(text, end, end + TIME_NEAR_DATE)
    if after:
        return after
    before = list(TIME_OF_DAY.finditer(text, max(0, start - TIME_NEAR_DATE), start))
    return before[-1] if before else None


def visible_zone(tree: lxml_html.HtmlElement, headline: lxml_html.HtmlElement | None,
                 stamps: list[str], hints: SourceHints) -> tzinfo | None:
    """The site's UTC offset as the page shows it, for a page whose timestamps are in UTC.

    The README promises the site's local day. A page that shows "2023-11-08 23:30" under its
    headline and carries "2023-11-09T05:30:59Z" in JSON-LD was published on the 8th where it
    was written: the offset written next to the time ("GMT+3"), else the difference between
    the time shown and the UTC instant (whole quarter hours, at most 14 hours), is the site's.
    """
    moment = next((m for m in map(_utc_moment, stamps) if m is not None), None)
    if moment is None:
        return None
    texts = [_text_after(headline, HEADLINE_WINDOW)] if headline is not None else []
    texts += [" ".join(t.text_content().split()) for t in tree.xpath("//time")[:5]]
    for text in texts:
        for start, day, raw in find_dates(text, hints.date_order)[:1]:
            shown = _shown_time(text, start, start + len(raw))
            if shown is None or abs(day - moment.date()) > timedelta(days=1):
                continue
            if shown[4]:  # the page writes its offset
                offset = int(shown[5]) * 60 + int(shown[6] or 0)
                return timezone(timedelta(minutes=-offset if shown[4] == "-" else offset))
            hour = int(shown[1]) % 12 + (12 if (shown[3] or "").lower() == "p" else 0) \
                if shown[3] else int(shown[1])
            local = datetime(day.year, day.month, day.day, hour, int(shown[2]), tzinfo=UTC)
            quarters = round((local - moment) / timedelta(minutes=15))
            offset = quarters * timedelta(minutes=15)
            if abs(offset) <= MAX_UTC_OFFSET and abs(local - moment - offset) <= \
                    timedelta(minutes=1):
                return timezone(offset)
    return None


def _time_element(tree: lxml_html.HtmlElement, local: tzinfo | None,
                  now: datetime) -> FoundDate | None:
    """A <time datetime> marked as the publication time, or the first in the article header."""
    times = tree.xpath("//time[@datetime]")
    marked = [t for t in times if t.get("itemprop", "").lower() == "datepublished"
              or t.get("pubdate") is not None
              or PUBLISHED_CLASS.search(" ".join([t.get("class", ""),
                                                  t.getparent().get("class", "")
                                                  if t.getparent() is not None else ""]))]
    in_header = [t for t in times if any(a.tag in ("header", "article") for a in t.iterancestors())]
    for element in (*marked, *in_header, *(times[:1] if len(times) == 1 else [])):
        value = element.get("datetime", "")
        found = _found(parse_timestamp(value, local), "time-element", value, now)
        if found:
            return found
    for element in tree.xpath("//*[@itemprop='datePublished'][not(self::meta)]"):
        value = element.get("content") or element.get("datetime") or element.text_content()
        found = _found(parse_timestamp(value, local), "time-element", value, now)
        if found:
            return found
    return None


def _htmldate(tree: lxml_html.HtmlElement, url: str, now: datetime) -> FoundDate | None:
    """htmldate's reading of the rest of the page; the source is where its day is written."""
    window = {"min_date": EARLIEST_DATE.isoformat(),
              "max_date": (now + timedelta(days=1)).strftime("%Y-%m-%d")}
    try:
        found = htmldate.find_date(tree, url=url, original_date=True, extensive_search=False,
                                   deferred_url_extractor=True, **window)
    except (ValueError, TypeError):
        return None
    if not found:
        return None
    day = date.fromisoformat(found)
    iso = day.isoformat()
    for value in tree.xpath("//meta/@content"):
        if value.strip().startswith(iso):
            return _found(day, "meta", value, now)
    for value in tree.xpath("//time/@datetime"):
        if value.strip().startswith(iso):
            return _found(day, "time-element", value, now)
    return _found(day, "text", iso, now)


def find_text_date(text: str, hints: SourceHints, now: datetime) -> FoundDate | None:
    """A full date written in the opening lines of the article ("05.08.2015, Ашхабад …").

    Only day-month-year dates count: a bare year (a copyright line) says nothing of the day.
    """
    found = first_date(text[:600], now, hints.date_order, zone(hints.timezone))
    return FoundDate(found[0], "text", found[1]) if found else None


# -- title, authors, text ------------------------------------------------------------------------

def clean_title(title: str, hints: SourceHints, site_name: str | None) -> str:
    """Title without the site-name suffix (or prefix), surrounding quotes and extra whitespace."""
    title = " ".join(unicodedata.normalize("NFC", title).split())
    names = [n for n in (*hints.site_names, *([site_name] if site_name else [])) if n]
    for name in names:
        for separator in TITLE_SEPARATORS:
            suffix = f"{separator}{name}"
            if title.lower().endswith(suffix.lower()) and len(title) > len(suffix):
                title = title[: -len(suffix)].rstrip()
            prefix = f"{name}{separator}"
            if title.lower().startswith(prefix.lower()) and len(title) > len(prefix):
                title = title[len(prefix):].lstrip()
    for opening, closing in QUOTE_PAIRS:
        inner = title[len(opening):-len(closing)] if len(title) > 2 else ""
        if title.startswith(opening) and title.endswith(closing) and opening not in inner \
                and closing not in inner:
            title = inner.strip()
            break
    return title[:MAX_TITLE_CHARS]


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


ARTICLE_ITEMTYPE = re.compile(r"schema\.org/(?:\w*Article|Report|BlogPosting|\w*NewsArticle)\b",
                              re.IGNORECASE)
MIN_HEADLINE_CHARS = 10


def article_headline(element: lxml_html.HtmlElement | None) -> str | None:
    """The text of ``element`` when it is the article's own visible headline, else None.

    An ``<h1>`` inside ``<article>`` or inside an element typed as a schema.org article, or
    one marked ``itemprop="headline"``: the words the reader sees above the article.
    """
    if element is None or element.tag != "h1":
        return None
    text = " ".join(element.text_content().split())
    if len(text) < MIN_HEADLINE_CHARS or len(text) > MAX_TITLE_CHARS or "{{" in text:
        return None
    if element.get("itemprop", "").lower() == "headline":
        return text
    for ancestor in element.iterancestors():
        if ancestor.tag == "article" or ARTICLE_ITEMTYPE.search(ancestor.get("itemtype", "")):
            return text
    return None


def _title_parts(title: str) -> dict[str, str]:
    """The title and its parts between separators ("Section | Headline | Site"), folded → text."""
    parts = {title}
    for separator in TITLE_SEPARATORS:
        if separator in title:
            parts |= {part for whole in parts for part in whole.split(separator)}
    return {_fold(part): part.strip() for part in parts
            if len(part.strip()) >= MIN_HEADLINE_CHARS}


def prefer_visible_headline(title: str, headline: str) -> str:
    """The article's headline when the metadata title and the visible ``<h1>`` differ.

    They are the same headline when one holds the other (a section label in the h1, "Local
    News | X"; a site name after the title, "X – Site"): the part they share, else the title.
    Beyond that, the headline the reader sees is the article's (the metadata one may be an
    SEO title or a CMS placeholder).
    """
    if not title:
        return headline
    title_parts, headline_parts = _title_parts(title), _title_parts(headline)
    shared = [key for key in title_parts if key in headline_parts]
    if shared:
        return title_parts[max(shared, key=len)]
    folded_title, folded_headline = _fold(title), _fold(headline)
    if folded_title in folded_headline or folded_headline in folded_title:
        return title
    return headline


def choose_title(title: str, headline: str | None) -> str:
    """The visible headline when the metadata title is a shortened form of it.

    Social titles are often cut short ("X" for the headline "X and Y"); a headline that begins
    with the whole metadata title and goes on is the full one. A title that is an unrendered
    template (``{{ … }}``) gives way to the headline.
    """
    if not headline:
        return title
    headline = " ".join(headline.split())
    if not title or "{{" in title or "{%" in title:
        return headline
    short, full = _fold(title).rstrip(" .…"), _fold(headline)
    if len(full) > len(short) + 3 and full.startswith(short) and len(headline) <= MAX_TITLE_CHARS:
        return headline
    return title


def find_authors(tree: lxml_html.HtmlElement, hints: SourceHints) -> list[str]:
    """Bylines from the source's selectors, cleaned to names ("By X |" → "X")."""
    for selector in hints.author_selectors:
        for element in tree.cssselect(selector):
            names = split_authors(element.text_content())
            if names:
                return names
    return []


AUTHOR_NOISE = re.compile(
    r"https?://\S+|\S+@\S+|@\w+|\b(?:by|von|par|автор(?:ы)?|текст|yazar|muhabir|haber merkezi|"
    r"reporter|correspondent|staff writer|contributor|editor|updated|published|photo(?:s)?|"
    r"фото|foto(?:ğraf)?)\b\s*:?",
    re.IGNORECASE)


# Accounts that sign posts but are not people.
ACCOUNT_NAMES = frozenset({"admin", "administrator", "editor", "author", "staff", "guest",
                           "webmaster", "user", "redaksiyon", "editör", "редакция", "редактор",
                           "администратор", "админ"})


def split_authors(raw: str | None) -> list[str]:
    """Names only: no "By", roles, accounts ("admin"), e-mail addresses, handles or dates.

    Several names are split on ; , | / and the words and/ve/и.
    """
    if not raw:
        return []
    raw = AUTHOR_NOISE.sub(" ", raw)
    raw = re.sub(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}.*$", " ", raw)  # a date fused to the byline
    names = []
    for part in re.split(r"[;,|/\n]|\band\b|\bve\b|\bи\b|&", raw):
        name = " ".join(part.split()).strip(" .:-–—()")
        if (name and len(name) <= 100 and re.search(r"[^\W\d_]", name)
                and len(name.split()) <= 6 and name.casefold() not in ACCOUNT_NAMES):
            names.append(name)
    unique = list(dict.fromkeys(names))
    return unique[:MAX_AUTHORS]


@lru_cache(maxsize=8192)
def _noise_name(names: str) -> bool:
    """NOISE_NAME on class and id names: a page repeats a few hundred of them, sites too."""
    return NOISE_NAME.search(names.lower()) is not None


def _in_body(tree: lxml_html.HtmlElement, *tags: Any):
    """Elements under the page's ``<body>`` in document order (XPath ``//body//*``), of ``tags``.

    lxml's iterators walk in C; an XPath (``//body//*[@class or @id]``) built its node set ~25 %
    slower, and one compiled per call (``element.xpath(".//h1")``) cost ~3 µs more each time.
    """
    for body in tree.iter("body"):
        if next(body.iterancestors("body"), None) is None:  # one inside another: walked with it
            yield from body.iterdescendants(*(tags or (etree.Element,)))


def remove_noise_blocks(tree: lxml_html.HtmlElement) -> None:
    """Drop blocks named as newsletters, comments, related links, sharing, ads (see NOISE_NAME).

    A block is kept when it holds the headline or at least half of the page's paragraph text.
    """
    candidates = []
    for element in _in_body(tree):
        names = f"{element.get('class', '')} {element.get('id', '')}"
        if names != " " and element.tag not in KEEP_TAGS and _noise_name(names):
            candidates.append(element)
    if not candidates:
        return
    total = sum(len(p.text_content()) for p in _in_body(tree, "p")) or 1
    for element in candidates:
        if element.getparent() is None or not _attached(element, tree):
            continue
        if next(element.iterdescendants("h1"), None) is not None or next(
                element.iterancestors("header"), None) is not None:
            continue
        paragraphs = sum(len(p.text_content()) for p in element.iterdescendants("p"))
        if paragraphs * 2 >= total:
            continue
        element.drop_tree()


def remove_captions_and_teaser_lists(tree: lxml_html.HtmlElement, url: str) -> None:
    """Drop photo captions that carry a credit and lists of other articles' headlines.

    A caption is the short block (a paragraph, figcaption) holding an element named as a
    credit: "AMO found … <span class="credit">By U.S. Customs</span>". Lists of teasers are
    found by :func:`crawler.teasers.teaser_lists`. Neither holds the headline.
    """
    captions = []
    for element in tree.xpath("//body//*[contains(@class, 'redit')]"):
        if element.tag in KEEP_TAGS or not CREDIT_NAME.search(element.get("class", "").lower()):
            continue
        captions.append(next((block for block in (element, *element.iterancestors())
                              if block.tag in ("p", "figcaption")), element))
    for block in [*captions, *teaser_lists(tree, url)]:
        if block.getparent() is None or not _attached(block, tree) or block.xpath(".//h1"):
            continue
        if block in captions and len(block.text_content().split()) > MAX_CAPTION_WORDS:
            continue
        block.drop_tree()


def _attached(element: lxml_html.HtmlElement, tree: lxml_html.HtmlElement) -> bool:
    root = element.getroottree().getroot()
    return root is tree or root is tree.getroottree().getroot()


def clean_text(text: str, title: str = "") -> str:
    """Article text without widget labels, calls to action, credits or the headline on top.

    Markdown links become their text and CMS shortcode lines go (both occur in JSON-LD bodies);
    a long paragraph repeated verbatim is kept once.
    """
    lines: list[str] = []
    seen: set[str] = set()
    text = MARKDOWN_LINK.sub(r"\1", unicodedata.normalize("NFC", text))
    for line in text.splitlines():
        line = " ".join(line.split())
        if SHORTCODE_LINE.match(line):
            continue
        if not line or BOILERPLATE_LINES.match(line) or PHOTO_CREDIT.match(line):
            continue
        if len(line.split()) <= CALL_TO_ACTION_MAX_WORDS and CALL_TO_ACTION.search(line):
            continue
        key = line.casefold()
        if len(line) > 80 and key in seen:  # a paragraph repeated (a pull quote, a re-render)
            continue
        seen.add(key)
        lines.append(line)
    while lines and title and lines[0].strip("\"'«»“” ").casefold() == title.casefold():
        lines.pop(0)
    return "\n".join(lines)[:MAX_TEXT_CHARS]


def _description(tree: lxml_html.HtmlElement, article: dict[str, Any] | None) -> str | None:
    for xpath in ("//meta[@property='og:description']/@content",
                  "//meta[@name='description']/@content",
                  "//meta[@name='twitter:description']/@content"):
        for value in tree.xpath(xpath):
            if value.strip():
                return " ".join(value.split())
    value = article.get("description") if article else None
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


BLOCK_TAGS = frozenset({"p", "div", "h2", "h3", "h4", "section", "header", "li", "blockquote",
                        "span", "strong", "b", "em"})


def _comes_before(element: lxml_html.HtmlElement, other: lxml_html.HtmlElement) -> bool:
    """True when ``element`` opens before ``other`` in document order (an ancestor before its
    descendants); False when ``other`` is no longer in ``element``'s tree.

    Compared along the two lines of ancestors, not by numbering the whole page (~1 ms).
    """
    line = [*reversed(list(element.iterancestors())), element]
    other_line = [*reversed(list(other.iterancestors())), other]
    if line[0] is not other_line[0]:
        return False
    for mine, theirs in zip(line, other_line, strict=False):
        if mine is not theirs:  # children of the same parent: their places decide
            parent = mine.getparent()
            return parent.index(mine) < parent.index(theirs)
    return len(line) < len(other_line)


def find_lead(tree: lxml_html.HtmlElement, description: str | None, text: str,
              headline: lxml_html.HtmlElement | bool | None = True) -> str | None:
    """The article's lead (standfirst) when the extracted text lacks it.

    The lead is the visible block whose text begins like the page's description and that
    comes after the headline; trafilatura often drops it as a header element.
    """
    if not description or len(description) < 40:
        return None
    start = _fold(description)[:40]
    if start in _fold(text):
        return None
    if isinstance(headline, bool):
        headline = _headline(tree) if headline else None
    for element in tree.xpath("//body//text()/.."):
        if element.tag in ("script", "style", "noscript", "title", "template", "a"):
            continue
        own = _fold(element.text or "")
        if not own or (not start.startswith(own[:40]) and not own.startswith(start)):
            continue
        block = element
        while block.tag not in BLOCK_TAGS or block.tag in ("span", "strong", "b", "em"):
            parent = block.getparent()
            if parent is None or parent.tag == "body":
                break
            block = parent
        if headline is not None and _comes_before(block, headline):
            continue
        lead = " ".join(block.text_content().split())
        if len(lead) > 1500:  # a block left open around the body: its own words are the lead
            lead = " ".join((element.text or "").split())
        if 40 <= len(lead) <= 1500 and _fold(lead).startswith(start[:30]):
            return lead
    return None


def _flattened(text: str, ld_body: str) -> bool:
    """True when trafilatura's ``text`` is the JSON-LD body (its baseline reads it when the
    page's markup gives little): its opening, and its paragraphs run together."""
    opening = _fold(ld_body)[:200]
    return text.count("\n") * 400 < len(text) and opening[:100] in _fold(text)[:1000]


def json_ld_body(article: dict[str, Any] | None) -> str | None:
    """The JSON-LD articleBody, paragraphs kept, markup dropped."""
    value = article.get("articleBody") if article else None
    if not isinstance(value, str) or not value.strip():
        return None
    if "<" in value and ">" in value:
        with contextlib.suppress(etree.ParserError, ValueError):
            value = lxml_html.fromstring(f"<div>{value}</div>").text_content()
    elif "&" in value:  # entities without markup ("&nbsp;", "&amp;") are still HTML-escaped
        value = html.unescape(value)
    return value  # Markdown links and shortcodes go in clean_text


# -- the pipeline --------------------------------------------------------------------------------

def page_metadata(tree: lxml_html.HtmlElement) -> Any:
    """trafilatura's title, author, site name and description, without its date search.

    The same steps as ``trafilatura.metadata.extract_metadata`` minus htmldate, categories,
    tags, licence and the domain lookup: crescent finds dates itself.
    """
    from trafilatura import metadata as tm

    meta = tm.examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None
    with contextlib.suppress(Exception):  # trafilatura's JSON-LD reader has its own bugs
        meta = tm.extract_meta_json(tree, meta)
    if not meta.title:
        meta.title = tm.extract_title(tree)
    if not meta.author:
        meta.author = tm.extract_author(tree)
    if not meta.sitename:
        meta.sitename = tm.extract_sitename(tree)
    if meta.sitename:
        meta.sitename = meta.sitename.lstrip("@")
    return meta


# trafilatura's justext fallback scores paragraphs by the stop words of every language justext
# knows (154,000 words, ~25 MiB in every extraction process). crescent keeps tr/ru/en and tells
# their neighbours apart; their stop words give those pages the same scores.
JUSTEXT_LANGUAGES = ("English", "Russian", "Turkish", "Ukrainian", "Belarusian", "Bulgarian",
                     "Azerbaijani", "Kazakh", "Kyrgyz", "Turkmen", "Uzbek")


def limit_justext_stoplist(languages: tuple[str, ...] = JUSTEXT_LANGUAGES) -> int:
    """Give trafilatura's justext fallback the stop words of ``languages``; returns their count."""
    from justext import get_stoplist
    from trafilatura import external

    words = tuple(sorted({word for name in languages for word in get_stoplist(name)}))
    external.JT_STOPLIST = words
    return len(words)


with contextlib.suppress(ImportError, AttributeError, ValueError):  # a trafilatura that changed
    limit_justext_stoplist()


def _forbidden_reference(match: re.Match[str]) -> str:
    code = int(match[1], 16) if match[1] else int(match[2])
    if (code < 32 and code not in (9, 10, 13)) or code in (0xFFFE, 0xFFFF):
        return ""
    return match[0]


def drop_control_references(html_text: str) -> str:
    """``html_text`` without numeric references to control characters (``&#x0b;``, ``&#8;``).

    One such character must not lose an article: libxml2 gives up on the element that holds it.
    Raw control bytes are dropped by the parser itself; references are not.
    """
    if "&#" not in html_text:
        return html_text
    return CHARACTER_REFERENCE.sub(_forbidden_reference, html_text)


def html_class_lookup() -> etree.ElementNamespaceClassLookup:
    """lxml.html's element classes (form fields' own, HtmlElement for the rest), chosen in C.

    lxml.html's parser asks a Python method (``HtmlElementClassLookup.lookup``) for the class of
    every element Python touches, each time a walk wraps it anew: ~5,000 calls a page between
    trafilatura and crescent's rules, ~2 ms of a page's ~30. This lookup gives the same classes
    from lxml's C code (a table of tag names, then a default).
    """
    default = etree.ElementDefaultClassLookup(
        element=lxml_html.HtmlElement, comment=lxml_html.HtmlComment,
        pi=lxml_html.HtmlProcessingInstruction, entity=lxml_html.HtmlEntity)
    lookup = etree.ElementNamespaceClassLookup(default)
    by_tag = lookup.get_namespace(None)  # the HTML parser's elements have no namespace
    by_tag.update({"form": lxml_html.FormElement, "input": lxml_html.InputElement,
                   "select": lxml_html.SelectElement, "textarea": lxml_html.TextareaElement,
                   "label": lxml_html.LabelElement})
    return lookup


# trafilatura parses every page with this parser (crescent's trees and its own).
with contextlib.suppress(AttributeError):  # a trafilatura that changed
    trafilatura.utils.HTML_PARSER.set_element_class_lookup(html_class_lookup())


def _load_tree(html_text: str) -> lxml_html.HtmlElement | None:
    tree = trafilatura.utils.load_html(html_text)
    return tree if tree is not None and len(tree) else None


def analyse(
    body: bytes | str,
    url: str,
    hints: SourceHints | None = None,
    *,
    encoding: str | None = None,
    now: datetime | None = None,
    listed: FoundDate | None = None,
) -> Extraction:
    """Everything the page says about its article, and the first reason it is not one.

    ``encoding`` is the HTTP charset; ``listed`` the date a feed or sitemap gave for the URL.
    """
    hints = hints or SourceHints()
    now = now or datetime.now(UTC)
    found = Extraction(url=url)
    html_text = decode_html(body, encoding)
    if not html_text.strip():
        found.reject("empty")
        return found
    if len(html_text) > MAX_HTML_CHARS:
        found.reject("too-large", f"{len(html_text)} characters")
        return found
    tree = _load_tree(drop_control_references(html_text))
    if tree is None:
        found.reject("not-html")
        return found
    found.declared_language = declared_language(tree, url)
    json_ld = json_ld_objects(tree)
    article_ld = main_json_ld(json_ld)
    headline_element = _headline(tree)
    headline = headline_element.text_content() if headline_element is not None else None
    published = find_published(tree, url, hints, now, json_ld, listed, headline_element)
    found.authors = find_authors(tree, hints)
    visible_headline = article_headline(headline_element)
    if hints.judge_page:  # the generic spider has no article pattern: the page must say
        evidence = weigh_tree(tree, url, main_ld=article_ld, news_types=NEWS_TYPES,
                              headline=headline, date_source=published and published.source)
        if evidence.is_listing:
            found.reject("not-article", evidence.detail())
            return found
    description = _description(tree, article_ld)
    for selector in hints.remove_selectors:
        for element in tree.cssselect(selector):
            element.drop_tree()
    metadata = page_metadata(tree)
    remove_noise_blocks(tree)
    remove_captions_and_teaser_lists(tree, url)
    document = trafilatura.bare_extraction(
        tree, url=url, with_metadata=False, include_comments=False, include_tables=True)
    raw_title = metadata.title or headline or ""
    title = clean_title(choose_title(raw_title, headline), hints, metadata.sitename)
    if visible_headline:
        title = prefer_visible_headline(title, clean_title(visible_headline, hints,
                                                           metadata.sitename))
    found.title = title or None
    text = clean_text(document.text or "", title) if document else ""
    ld_body = json_ld_body(article_ld)
    from_ld = bool(ld_body) and len(ld_body) > 2 * len(text) + 200
    if from_ld:  # the page renders its body by script
        text = clean_text(ld_body, title)
    if ld_body and text and (from_ld or _flattened(text, ld_body)):
        # A flattened body (ours, or trafilatura's fallback reading the same JSON-LD) holds
        # the teasers a page puts between its paragraphs; text from the page's markup does not.
        text = drop_teasers(text, page_teasers(tree, url))

    lead = find_lead(tree, description, text, headline_element) if text else None
    if lead:
        text = clean_text(f"{lead}\n{text}", title)
    found.text = text
    found.description = description or metadata.description or None
    if found.description:
        found.description = " ".join(found.description.split())[:2_000]
    if not found.authors:
        found.authors = split_authors(metadata.author)
    if published is None and text:
        published = find_text_date(text, hints, now)
    if published:
        found.published = published.day.isoformat()
        found.date_source, found.date_raw = published.source, published.raw
    words = len(text.split())
    if text:
        detected, confidence = identify(f"{title}\n{text}")
        found.language = choose_language(detected, confidence, found.declared_language,
                                          hints.languages, words, text)
        found.language_confidence = confidence
    if not text:
        found.reject("no-text")
    elif short := too_short(text, hints, words):
        found.reject("too-short", short)
    elif not title:
        found.reject("no-title")
    elif published is None:
        found.reject("no-date")
    elif "*" not in hints.accept_languages and found.language not in hints.accept_languages:
        found.reject("language", found.language or "")
    return found


def too_short(text: str, hints: SourceHints, words: int | None = None) -> str | None:
    """Why ``text`` is too short to be an article (see MIN_CHARS), or None."""
    words = len(text.split()) if words is None else words
    if words < hints.min_words:
        return f"{words} words"
    total = len(" ".join(text.split()))
    if not hints.min_chars or total >= 2 * hints.min_chars:
        return None
    prose = [line for line in text.splitlines() if SENTENCE_END.search(line)]
    chars = len(" ".join(" ".join(prose).split()))
    sentences = sum(len(SENTENCE_END.findall(line)) for line in prose)
    if chars < hints.min_chars or sentences < BRIEF_SENTENCES:
        return (f"{total} characters, {chars} of them in {sentences} "
                f"sentence{'s' if sentences != 1 else ''}")
    return None


def extract(
    body: bytes | str,
    url: str,
    hints: SourceHints | None = None,
    *,
    encoding: str | None = None,
    now: datetime | None = None,
    listed: FoundDate | None = None,
) -> Article | Rejection:
    """Extract the article at ``url`` from ``body``, or say why it is not one."""
    found = analyse(body, url, hints, encoding=encoding, now=now, listed=listed)
    if found.rejection is not None:
        return found.rejection
    assert found.title and found.text and found.language and found.published
    return Article(
        url=url,
        title=found.title,
        text=found.text,
        language=found.language,
        language_confidence=found.language_confidence,
        published=found.published,
        date_source=found.date_source or "text",
        authors=found.authors,
        description=found.description,
        declared_language=found.declared_language,
        date_raw=found.date_raw,
    )
