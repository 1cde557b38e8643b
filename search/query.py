"""Queries over the index: Whoosh syntax across all languages, filters, paging, snippets."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from whoosh import highlight
from whoosh.qparser import AndGroup, MultifieldParser
from whoosh.qparser.dateparse import DateParserPlugin
from whoosh.query import And, DateRange, Every, Query, Term

from archive.export import RecordFilter
from search.index import LANGUAGE_FIELDS, TEXT_FIELDS, TITLE_FIELDS, SearchIndex

MAX_LIMIT = 1_000
MATCH_START, MATCH_END = "\x02", "\x03"  # marks around matched words in a snippet
# `title:` and `text:` name a family of per-language fields.
FIELD_ALIAS = re.compile(r'\b(title|text):("[^"]*"|\([^)]*\)|\S+)')


class QueryError(ValueError):
    """A query the user must fix: malformed syntax, unknown field."""


@dataclass
class Hit:
    id: str
    url: str
    source: str
    language: str
    title: str
    published: str
    score: float | None  # None when sorted by date (Whoosh then ranks by the date key)
    snippet: str = ""  # plain text with MATCH_START/MATCH_END around matches

    def snippet_html(self) -> str:
        escaped = html.escape(self.snippet, quote=False)
        return escaped.replace(MATCH_START, "<mark>").replace(MATCH_END, "</mark>")

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "url": self.url, "source": self.source, "language": self.language,
            "title": self.title, "published": self.published,
            "score": None if self.score is None else round(self.score, 4),
            "snippet": self.snippet_html(),
        }


@dataclass
class Results:
    total: int
    page: int
    hits: list[Hit] = field(default_factory=list)


@dataclass(frozen=True)
class Filters(RecordFilter):
    """The archive's record filter, expressed as a Whoosh filter query."""

    def as_query(self) -> Query | None:
        parts: list[Query] = []
        if self.languages:
            parts.append(_any_of("language", self.languages))
        if self.sources:
            parts.append(_any_of("source", self.sources))
        if self.since or self.until:
            start = datetime.combine(self.since, datetime.min.time()) if self.since else None
            end = (datetime.combine(self.until + timedelta(days=1), datetime.min.time())
                   - timedelta(microseconds=1)) if self.until else None
            parts.append(DateRange("published", start, end))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else And(parts)


def _any_of(fieldname: str, values: tuple[str, ...]) -> Query:
    from whoosh.query import Or

    terms = [Term(fieldname, value) for value in values]
    return terms[0] if len(terms) == 1 else Or(terms)


class _MarkFormatter(highlight.Formatter):
    between = " … "

    def format_token(self, text, token, replace=False):
        return f"{MATCH_START}{highlight.get_text(text, token, replace)}{MATCH_END}"


def expand_aliases(query: str) -> str:
    """``title:x`` → ``(title_en:x OR title_ru:x …)``; likewise ``text:``."""

    def replace(match: re.Match[str]) -> str:
        family, value = match[1], match[2]
        return "(" + " OR ".join(f"{family}_{lang}:{value}" for lang in LANGUAGE_FIELDS) + ")"

    return FIELD_ALIAS.sub(replace, query)


QUERYABLE_FIELDS = frozenset({"title", "text", "source", "language", "month", "published",
                              "id", "url", *TITLE_FIELDS, *TEXT_FIELDS})
FIELD_PREFIX = re.compile(r'(?:^|[\s(])([A-Za-z_]\w*):')


def validate_syntax(text: str) -> None:
    """Whoosh quietly guesses at broken queries; say what is wrong instead."""
    if text.count('"') % 2:
        raise QueryError(f"unbalanced quotes in query {text!r}")
    depth = 0
    for char in re.sub(r'"[^"]*"', "", text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth:
        raise QueryError(f"unbalanced parentheses in query {text!r}")
    unknown = {name for name in FIELD_PREFIX.findall(re.sub(r'"[^"]*"', "", text))
               if name not in QUERYABLE_FIELDS}
    if unknown:
        known = "title, text, source, language, month, published, url, id"
        raise QueryError(f"unknown field(s) {', '.join(sorted(unknown))} (fields: {known})")


def parse_query(searcher, text: str) -> Query:
    text = text.strip()
    if not text or text == "*":
        return Every()
    validate_syntax(text)
    parser = MultifieldParser(
        list(TITLE_FIELDS + TEXT_FIELDS), schema=searcher.schema, group=AndGroup,
    )
    parser.add_plugin(DateParserPlugin())
    try:
        query = parser.parse(expand_aliases(text))
    except Exception as error:  # Whoosh raises assorted errors for broken syntax
        raise QueryError(f"cannot parse query {text!r}: {error}") from error
    return query


def search(
    data_dir: Path,
    text: str,
    filters: Filters | None = None,
    *,
    limit: int = 10,
    page: int = 1,
    sort: str = "relevance",
    snippets: bool = True,
) -> Results:
    """Run ``text`` against the index of ``data_dir``; snippets come from the archive files."""
    index = SearchIndex(data_dir / "index")
    limit = max(1, min(limit, MAX_LIMIT))
    page = max(1, page)
    if not index.exists():
        return Results(total=0, page=page)
    with index.open().searcher() as searcher:
        query = parse_query(searcher, text)
        filter_query = (filters or Filters()).as_query()
        kwargs: dict[str, Any] = {"filter": filter_query, "terms": True}
        if sort == "date":
            kwargs.update(sortedby="published", reverse=True)
        page_results = searcher.search_page(query, page, pagelen=limit, **kwargs)
        page_results.results.formatter = _MarkFormatter()
        page_results.results.fragmenter = highlight.ContextFragmenter(maxchars=240, surround=60)
        hits = [_hit(data_dir, hit, snippets, scored=sort != "date") for hit in page_results]
        return Results(total=page_results.total, page=page, hits=hits)


def _hit(data_dir: Path, hit, with_snippet: bool, scored: bool) -> Hit:
    stored = hit.fields()
    snippet = ""
    if with_snippet:
        snippet = _snippet(data_dir, hit, stored)
    return Hit(
        id=stored["id"], url=stored["url"], source=stored["source"],
        language=stored["language"], title=stored["title"],
        published=stored["published"].date().isoformat(),
        score=float(hit.score or 0.0) if scored else None,
        snippet=snippet,
    )


def _snippet(data_dir: Path, hit, stored: dict[str, Any]) -> str:
    path = data_dir / "archive" / stored["path"]
    try:
        record = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return ""
    lang = stored["language"] if stored["language"] in LANGUAGE_FIELDS else "xx"
    snippet = hit.highlights(f"text_{lang}", text=record["text"], top=2)
    if not snippet:
        snippet = " ".join(record["text"].split()[:40])
    return " ".join(snippet.split())
