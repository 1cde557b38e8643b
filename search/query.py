"""Queries on either engine: Whoosh syntax across all languages, filters, paging, snippets,
facets and counts over time.

One parser (Whoosh's, over the Whoosh schema) turns a query into a tree that both engines run. A
query word is searched in every language's stemmed fields, in the ASCII-folded Turkish field when
typed without Turkish letters, and in the cross-script name field; ``exact`` searches only the
unstemmed, case-folded field. Snippets are cut from the archived text by the same analysis, so
they look the same on both engines.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from whoosh import query as wq
from whoosh.qparser import AndGroup, MultifieldParser

from search.engine import Engine, Filters, QueryError, open_engine
from search.snippets import MATCH_END, MATCH_START, SnippetMatcher, archived_snippet
from search.whoosh_engine import LANGUAGE_FIELDS, build_schema

__all__ = ["MATCH_END", "MATCH_START", "Filters", "Hit", "QueryError", "Results", "facets",
           "parse_query", "search", "timeline"]

MAX_LIMIT = 1_000
TITLE_FIELDS = tuple(f"title_{lang}" for lang in LANGUAGE_FIELDS)
TEXT_FIELDS = tuple(f"text_{lang}" for lang in LANGUAGE_FIELDS)
# Ranking: a title match counts double; an ASCII-folded or cross-script match counts less than
# the word as typed.
FIELD_BOOSTS = {**dict.fromkeys(TITLE_FIELDS, 2.0), "fold": 0.8, "names": 0.6}
# `title:` and `text:` name a family of per-language fields (or the exact field).
FIELD_ALIAS = re.compile(r'\b(title|text):("[^"]*"|\([^)]*\)|\S+)')
QUERYABLE_FIELDS = frozenset({"title", "text", "source", "language", "month", "id", "url",
                              "fold", "names", "exact", *TITLE_FIELDS, *TEXT_FIELDS})
FIELD_PREFIX = re.compile(r'(?:^|[\s(])([A-Za-z_]\w*):')
PERIODS = ("month", "week", "day")
SPLITS = ("language", "source")


@dataclass
class Hit:
    id: str
    url: str
    source: str
    language: str
    title: str
    published: str
    score: float | None  # None when sorted by date
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
    engine: str = "whoosh"
    facets: dict[str, Counter] | None = None  # counts by source, language, month (on request)


# --- parsing ---------------------------------------------------------------------------------
def expand_aliases(query: str, exact: bool = False) -> str:
    """``title:x`` → ``(title_en:x OR title_ru:x …)``; likewise ``text:``; ``exact:x`` if exact."""

    def replace(match: re.Match[str]) -> str:
        family, value = match[1], match[2]
        if exact:
            return f"exact:{value}"
        return "(" + " OR ".join(f"{family}_{lang}:{value}" for lang in LANGUAGE_FIELDS) + ")"

    return FIELD_ALIAS.sub(replace, query)


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
        known = "title, text, source, language, month, url, id"
        raise QueryError(f"unknown field(s) {', '.join(sorted(unknown))} (fields: {known})")


# The fields an unfielded word is searched in, and their boosts: every expansion, or exact.
QUERY_FIELDS = {False: ((*TITLE_FIELDS, *TEXT_FIELDS, "fold", "names"), FIELD_BOOSTS),
                True: (("exact",), {})}


@lru_cache(maxsize=2)
def _parser(exact: bool) -> MultifieldParser:
    fields, boosts = QUERY_FIELDS[exact]
    return MultifieldParser(list(fields), schema=build_schema(), fieldboosts=boosts or None,
                            group=AndGroup)


def parse_query(text: str, exact: bool = False) -> wq.Query:
    """The query tree both engines run; ``exact`` turns every expansion off."""
    text = text.strip()
    if not text or text == "*":
        return wq.Every()
    plain = _plain_words_query(text, exact)
    if plain is not None:
        return plain
    validate_syntax(text)
    try:
        query = _parser(exact).parse(expand_aliases(text, exact))
    except Exception as error:  # Whoosh raises assorted errors for broken syntax
        raise QueryError(f"cannot parse query {text!r}: {error}") from error
    return query.normalize()


# Words of letters and digits only, none an operator: most of what is typed in a search box.
PLAIN_WORD = re.compile(r"\w+")
OPERATOR_WORDS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})
MAX_PLAIN_WORDS = 32


def _plain_words_query(text: str, exact: bool) -> wq.Query | None:
    """The tree Whoosh's parser makes of a query of plain words (every word in every field,
    all the words required), built without the parser's passes over it (~0.4 ms of a search
    page); None for anything else, which the parser reads."""
    words = text.split()
    if len(words) > MAX_PLAIN_WORDS or any(
            word in OPERATOR_WORDS or not PLAIN_WORD.fullmatch(word) for word in words):
        return None
    groups = []
    for word in words:
        terms = []
        analysed: dict[Any, list[str]] = {}  # title_ru and text_ru analyse a word alike
        for name, analyzer, boost in _word_fields(exact):
            texts = analysed.get(analyzer)
            if texts is None:
                texts = analysed[analyzer] = [t.text for t in analyzer(word, mode="query")]
            if len(texts) > 1:  # the parser would join them by the field's rule
                return None
            if texts:
                terms.append(wq.Term(name, texts[0], boost=boost))
        groups.append(wq.Or(terms))
    return wq.And(groups).normalize()


@lru_cache(maxsize=2)
def _word_fields(exact: bool) -> list[tuple[str, Any, float]]:
    """(field, its analyzer, its boost) of each field an unfielded word is searched in."""
    schema = _parser(exact).schema
    fields, boosts = QUERY_FIELDS[exact]
    return [(name, schema[name].analyzer, boosts.get(name, 1.0)) for name in fields]


# --- searching -------------------------------------------------------------------------------
def _engine(data_dir: Path, engine: str | Engine | None) -> Engine:
    return engine if isinstance(engine, Engine) else open_engine(data_dir, engine)


def search(
    data_dir: Path,
    text: str,
    filters: Filters | None = None,
    *,
    limit: int = 10,
    page: int = 1,
    sort: str = "relevance",
    snippets: bool = True,
    engine: str | Engine | None = None,
    exact: bool = False,
    with_facets: bool = False,
) -> Results:
    """Run ``text`` on the data directory's index; snippets come from the archive files.
    ``with_facets``: the facet counts of the same query too (``Results.facets``), parsed and
    (on Whoosh) matched once for both."""
    chosen = _engine(data_dir, engine)
    limit = max(1, min(limit, MAX_LIMIT))
    page = max(1, page)
    query = parse_query(text, exact)
    counts = None
    if with_facets:
        result, counts = chosen.search_with_facets(query, filters or Filters(), limit=limit,
                                                   page=page, sort=sort)
    else:
        result = chosen.search(query, filters or Filters(), limit=limit, page=page, sort=sort)
    matcher = SnippetMatcher(query) if snippets else None
    hits = []
    for stored in result.hits:
        hits.append(Hit(
            id=stored.id, url=stored.url, source=stored.source, language=stored.language,
            title=stored.title, published=_iso_day(stored.day), score=stored.score,
            snippet=archived_snippet(data_dir, stored.path, stored.language, matcher)
            if matcher else ""))
    return Results(total=result.total, page=page, hits=hits, engine=chosen.name, facets=counts)


def facets(data_dir: Path, text: str, filters: Filters | None = None, *,
           engine: str | Engine | None = None, exact: bool = False) -> dict[str, Counter]:
    """Counts of every matching article by source, language and month."""
    return _engine(data_dir, engine).facets(parse_query(text, exact), filters or Filters())


@dataclass
class Timeline:
    """Counts per period, query name and language (``rows`` sorted by period).

    With ``split="source"`` the ``languages`` are source names: the columns the counts are split
    into."""

    by: str
    names: list[str]
    languages: list[str]
    counts: Counter  # (period, name, language or source) → articles
    split: str = "language"

    def periods(self) -> list[str]:
        return sorted({period for period, _name, _lang in self.counts})

    def total(self, period: str, name: str) -> int:
        return sum(self.counts[(period, name, lang)] for lang in self.languages)

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for period in self.periods():
            for name in self.names:
                row: dict[str, Any] = {"period": period, "query": name}
                row.update({lang: self.counts[(period, name, lang)] for lang in self.languages})
                row["total"] = self.total(period, name)
                out.append(row)
        return out


def period_of(day: int, by: str) -> str:
    """20251119 → ``2025-11`` (month), ``2025-W47`` (ISO week) or ``2025-11-19`` (day)."""
    year, month, dom = day // 10000, day // 100 % 100, day % 100
    if by == "month":
        return f"{year:04d}-{month:02d}"
    if by == "day":
        return f"{year:04d}-{month:02d}-{dom:02d}"
    iso = date(year, month, dom).isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def timeline(data_dir: Path, queries: dict[str, str], filters: Filters | None = None, *,
             by: str = "month", engine: str | Engine | None = None,
             exact: bool = False, split: str = "language") -> Timeline:
    """Coverage over time: matching articles per period and language (or source, with
    ``split="source"``) for each named query."""
    if by not in PERIODS:
        raise QueryError(f"--by must be one of {', '.join(PERIODS)}, not {by!r}")
    if split not in SPLITS:
        raise QueryError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    chosen = _engine(data_dir, engine)
    counts: Counter = Counter()
    periods: dict[int, str] = {}  # each day's period computed once for all the queries
    for name, text in queries.items():
        found = chosen.day_counts(parse_query(text, exact), filters or Filters(), split,
                                  month_only=by == "month")
        for (day, value), count in found.items():
            period = periods.get(day) or periods.setdefault(day, period_of(day, by))
            key = (period, name, value)
            counts[key] = counts.get(key, 0) + count  # not +=: Counter's __missing__ is Python
    values = sorted({value for _p, _n, value in counts})
    return Timeline(by=by, names=list(queries), languages=values, counts=counts, split=split)


def _iso_day(day: int) -> str:
    return f"{day // 10000:04d}-{day // 100 % 100:02d}-{day % 100:02d}"
