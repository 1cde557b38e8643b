"""Turn one HTML page into an article or a named rejection: the single extraction path.

The crawler and ``crescent extract`` both call :func:`extract`. trafilatura finds the text and
metadata, htmldate the dates it misses, py3langid the language. Nothing here raises for a bad
page: every way a page can fail to be an article is a :class:`Rejection` with a reason.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

import dateparser
import htmldate
import trafilatura
from lxml import html as lxml_html
from w3lib.encoding import html_to_unicode

DEFAULT_LANGUAGES = frozenset({"tr", "ru", "en"})
MAX_HTML_CHARS = 8_000_000  # pages larger than this are not news articles
MAX_TEXT_CHARS = 400_000
MAX_TITLE_CHARS = 1_000
MAX_AUTHORS = 20
EARLIEST_DATE = date(1990, 1, 1)
MIN_WORDS = 40

# Lines that are whole widget labels seen around articles; they are never article text.
BOILERPLATE_LINES = re.compile(
    r"^\s*(?:Your IP:.*|This Month|Last Month|All days|Leave a Reply|close|"
    r"Your email address will not be published\..*|Required fields are marked.*|"
    r"Published:\s*\S+\s*\\\s*Reads:.*|Downloaded:\s*times|more)\s*$",
    re.IGNORECASE,
)

LANG_SEGMENT = re.compile(r"^/(tr|ru|en|az|tm|tk|kk|ky|uz|uk)(?:/|$)")
# Language codes that pages declare under another name than ISO 639-1 uses.
LANG_ALIASES = {"tm": "tk", "tur": "tr", "rus": "ru", "eng": "en", "aze": "az"}

QUOTE_PAIRS = (('"', '"'), ("'", "'"), ("«", "»"), ("“", "”"), ("„", "“"))
NUMERIC_DMY = re.compile(r"\b(\d{1,2})[./-](\d{1,2})[./-](\d{4})\b")
NUMERIC_YMD = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
# "5 сентября 2025", "19 Kasım 2025", "18 August 2022", "August 18, 2022", "сент. 2025" forms.
NAMED_MONTH_DATE = re.compile(
    r"\b\d{1,2}\s+[^\W\d_]{3,}\.?,?\s+\d{4}\b|\b[^\W\d_]{3,}\.?\s+\d{1,2},?\s+\d{4}\b")


@dataclass(frozen=True)
class SourceHints:
    """What a source declares about its pages; every field has a safe generic default."""

    source: str = "web"
    languages: tuple[str, ...] = ()  # languages the source publishes in
    accept_languages: frozenset[str] = DEFAULT_LANGUAGES  # languages the archive keeps
    date_selectors: tuple[str, ...] = ()  # CSS selectors whose text holds the date
    date_order: str = "DMY"  # how the source writes numeric dates
    url_date_pattern: str | None = None  # regex with named groups y, m, d
    remove_selectors: tuple[str, ...] = ()  # noise blocks dropped before extraction
    author_selectors: tuple[str, ...] = ()  # CSS selectors whose text is the byline
    site_names: tuple[str, ...] = ()  # title suffixes to strip
    min_words: int = MIN_WORDS


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


@lru_cache(maxsize=1)
def _language_identifier():  # loaded once: the model takes ~0.3 s to unpack
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> tuple[str, float]:
    """py3langid over all its languages; returns (ISO 639-1 code, probability)."""
    lang, prob = _language_identifier().classify(text[:20_000])
    return str(lang), round(float(prob), 4)


def decode_html(body: bytes | str, encoding: str | None = None) -> str:
    """Text of ``body``: HTTP-declared encoding first, then BOM and meta charset, then detection."""
    if isinstance(body, str):
        return body
    header = f"text/html; charset={encoding}" if encoding else None
    return html_to_unicode(header, body)[1]


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


def parse_date_text(text: str, hints: SourceHints, now: datetime) -> date | None:
    """The first full date (day, month, year) a person wrote in ``text``.

    Numeric dates follow the source's order (day first unless it says otherwise); dates with
    month names in Turkish, Russian or English go through dateparser; a short text that is only
    a relative date ("2 часа назад") is resolved against ``now``.
    """
    text = " ".join(text.split())[:300]
    if not text:
        return None
    found = _first_numeric_date(text, hints.date_order)
    if found:
        return found
    languages = [lang for lang in hints.languages if lang in {"tr", "ru", "en", "az"}] or None
    settings = {"DATE_ORDER": hints.date_order, "PREFER_DATES_FROM": "past",
                "RELATIVE_BASE": now.replace(tzinfo=None)}
    for match in NAMED_MONTH_DATE.finditer(text):
        parsed = dateparser.parse(match[0], languages=languages,
                                  settings={**settings, "REQUIRE_PARTS": ["day", "month", "year"]})
        if parsed:
            return parsed.date()
    if len(text) <= 40:
        parsed = dateparser.parse(text, languages=languages, settings=settings)
        return parsed.date() if parsed else None
    return None


def _first_numeric_date(text: str, order: str) -> date | None:
    candidates = []
    for match in NUMERIC_YMD.finditer(text):
        candidates.append((match.start(), _safe_date(int(match[1]), int(match[2]), int(match[3]))))
    for match in NUMERIC_DMY.finditer(text):
        first, second, year = int(match[1]), int(match[2]), int(match[3])
        if order == "MDY":
            first, second = second, first
        candidates.append((match.start(), _safe_date(year, second, first)))
    for _position, day in sorted(candidates, key=lambda item: item[0]):
        if day:
            return day
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _plausible(day: date | None, now: datetime) -> date | None:
    if day is None or day < EARLIEST_DATE or day > (now + timedelta(days=1)).date():
        return None
    return day


def find_published(
    tree: lxml_html.HtmlElement, url: str, hints: SourceHints, now: datetime
) -> tuple[date | None, str]:
    """Publication day and where it came from, most explicit evidence first."""
    for selector in hints.date_selectors:
        for element in tree.cssselect(selector):
            day = _plausible(parse_date_text(element.text_content(), hints, now), now)
            if day:
                return day, "selector"
    if hints.url_date_pattern:
        match = re.search(hints.url_date_pattern, url)
        if match:
            day = _plausible(_safe_date(int(match["y"]), int(match["m"]), int(match["d"])), now)
            if day:
                return day, "url"
    window = {"min_date": EARLIEST_DATE.isoformat(), "max_date": (now + timedelta(days=1))
              .strftime("%Y-%m-%d")}
    found = htmldate.find_date(copy.deepcopy(tree), url=url, original_date=True,
                               extensive_search=False, **window)
    if found:
        return date.fromisoformat(found), "metadata"
    return None, ""


def find_text_date(text: str, hints: SourceHints, now: datetime) -> date | None:
    """A full date written in the opening lines of the article ("05.08.2015, Ашхабад …").

    Only day-month-year dates count: a bare year (a copyright line) says nothing of the day.
    """
    return _plausible(parse_date_text(text[:600], hints, now), now)


def clean_title(title: str, hints: SourceHints, site_name: str | None) -> str:
    """Title without the site-name suffix, surrounding quotes and extra whitespace."""
    title = " ".join(title.split())
    for name in (*hints.site_names, *([site_name] if site_name else [])):
        for separator in (" | ", " - ", " – ", " — ", " :: "):
            suffix = f"{separator}{name}"
            if title.lower().endswith(suffix.lower()) and len(title) > len(suffix):
                title = title[: -len(suffix)].rstrip()
    for opening, closing in QUOTE_PAIRS:
        inner = title[len(opening):-len(closing)] if len(title) > 2 else ""
        if title.startswith(opening) and title.endswith(closing) and opening not in inner \
                and closing not in inner:
            title = inner.strip()
            break
    return title[:MAX_TITLE_CHARS]


def clean_text(text: str, title: str = "") -> str:
    """Article text without widget-label lines or the headline repeated on top."""
    lines = []
    for line in unicodedata.normalize("NFC", text).splitlines():
        line = " ".join(line.split())
        if line and not BOILERPLATE_LINES.match(line):
            lines.append(line)
    while lines and title and lines[0].strip("\"'«»“” ").casefold() == title.casefold():
        lines.pop(0)
    return "\n".join(lines)[:MAX_TEXT_CHARS]


def find_authors(tree: lxml_html.HtmlElement, hints: SourceHints) -> list[str]:
    """Bylines from the source's selectors, cleaned to names ("By X |" → "X")."""
    for selector in hints.author_selectors:
        for element in tree.cssselect(selector):
            raw = re.sub(r"^\s*(?:by|автор:?)\s+", "", element.text_content(), flags=re.I)
            names = split_authors(raw.strip(" |/\u00a0\t\n,"))
            if names:
                return names
    return []


def split_authors(raw: str | None) -> list[str]:
    """Names only: trafilatura joins several authors with ';'."""
    if not raw:
        return []
    names = [" ".join(part.split()) for part in re.split(r";|\band\b|\bve\b|\bи\b", raw)]
    return [name for name in names if name and len(name) <= 100][:MAX_AUTHORS]


def choose_language(
    detected: str, confidence: float, declared: str | None, hints: SourceHints, words: int
) -> tuple[str, float]:
    """Detection on the body wins, unless it is unsure on a short text and the page says better."""
    if declared and declared != detected and (confidence < 0.6 or words < 15) and (
        not hints.languages or declared in hints.languages
    ):
        return declared, confidence
    return detected, confidence


def _load_tree(html_text: str) -> lxml_html.HtmlElement | None:
    tree = trafilatura.utils.load_html(html_text)
    return tree if tree is not None and len(tree) else None


def extract(
    body: bytes | str,
    url: str,
    hints: SourceHints | None = None,
    *,
    encoding: str | None = None,
    now: datetime | None = None,
) -> Article | Rejection:
    """Extract the article at ``url`` from ``body``, or say why it is not one."""
    hints = hints or SourceHints()
    now = now or datetime.now(UTC)
    html_text = decode_html(body, encoding)
    if not html_text.strip():
        return Rejection("empty")
    if len(html_text) > MAX_HTML_CHARS:
        return Rejection("too-large", f"{len(html_text)} characters")
    tree = _load_tree(html_text)
    if tree is None:
        return Rejection("not-html")
    declared = declared_language(tree, url)
    published, date_source = find_published(tree, url, hints, now)
    authors = find_authors(tree, hints)
    for selector in hints.remove_selectors:
        for element in tree.cssselect(selector):
            element.drop_tree()
    document = trafilatura.bare_extraction(
        tree, url=url, with_metadata=True, include_comments=False, include_tables=True,
        date_extraction_params={"original_date": True, "extensive_search": False},
    )
    if document is None or not document.text:
        return Rejection("no-text")
    title = clean_title(document.title or "", hints, document.sitename)
    text = clean_text(document.text, title)
    words = len(text.split())
    if words < hints.min_words:
        return Rejection("too-short", f"{words} words")
    if not title:
        return Rejection("no-title")
    if published is None:
        published, date_source = find_text_date(text, hints, now), "text"
    if published is None:
        return Rejection("no-date")
    detected, confidence = detect_language(f"{title}\n{text}")
    language, confidence = choose_language(detected, confidence, declared, hints, words)
    if language not in hints.accept_languages:
        return Rejection("language", language)
    return Article(
        url=url,
        title=title,
        text=text,
        language=language,
        language_confidence=confidence,
        published=published.isoformat(),
        date_source=date_source,
        authors=authors or split_authors(document.author),
        description=" ".join(document.description.split())[:2_000]
        if document.description else None,
        declared_language=declared,
    )
