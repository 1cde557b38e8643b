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
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from whoosh import query as wq
from whoosh.qparser import AndGroup, MultifieldParser

from search.analysis import WORD_PATTERN, WordTerms, field_language, word_terms
from search.engine import Engine, Filters, QueryError, open_engine
from search.whoosh_engine import LANGUAGE_FIELDS, build_schema

__all__ = ["Filters", "Hit", "QueryError", "Results", "facets", "parse_query", "search",
           "timeline"]

MAX_LIMIT = 1_000
MATCH_START, MATCH_END = "\x02", "\x03"  # marks around matched words in a snippet
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
SNIPPET_CHARS, SNIPPET_SURROUND, SNIPPET_FRAGMENTS = 240, 60, 2


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


@lru_cache(maxsize=2)
def _parser(exact: bool) -> MultifieldParser:
    if exact:
        return MultifieldParser(["exact"], schema=build_schema(), group=AndGroup)
    return MultifieldParser([*TITLE_FIELDS, *TEXT_FIELDS, "fold", "names"],
                            schema=build_schema(), fieldboosts=FIELD_BOOSTS, group=AndGroup)


def parse_query(text: str, exact: bool = False) -> wq.Query:
    """The query tree both engines run; ``exact`` turns every expansion off."""
    text = text.strip()
    if not text or text == "*":
        return wq.Every()
    validate_syntax(text)
    try:
        query = _parser(exact).parse(expand_aliases(text, exact))
    except Exception as error:  # Whoosh raises assorted errors for broken syntax
        raise QueryError(f"cannot parse query {text!r}: {error}") from error
    return query.normalize()


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
            snippet=_snippet(data_dir, stored.path, stored.language, matcher) if matcher else ""))
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
            counts[(period, name, value)] += count
    values = sorted({value for _p, _n, value in counts})
    return Timeline(by=by, names=list(queries), languages=values, counts=counts, split=split)


def _iso_day(day: int) -> str:
    return f"{day // 10000:04d}-{day // 100 % 100:02d}-{day % 100:02d}"


# --- snippets --------------------------------------------------------------------------------
class SnippetMatcher:
    """Which words of an article a query matched, by the same analysis the index used."""

    def __init__(self, query: wq.Query) -> None:
        self.stems: dict[str, set[str]] = {}
        self.folds: set[str] = set()
        self.names: set[str] = set()
        self.exacts: set[str] = set()
        self.patterns: list[tuple[str, re.Pattern[str]]] = []
        self._collect(query)
        # A pattern reaches every language's field (eight times the same): each tried once.
        self.patterns = list(dict.fromkeys(self.patterns))
        # Article words repeat (and the ten hits of a page share most of them): each distinct
        # (word, language) is judged once per query.
        self._seen: dict[str, _Judged] = {}

    def _collect(self, q: wq.Query) -> None:
        if isinstance(q, wq.Not):
            return
        if isinstance(q, wq.AndNot):
            self._collect(q.a)
            return
        if isinstance(q, wq.Term | wq.Phrase | wq.Prefix | wq.Wildcard):
            texts = q.words if isinstance(q, wq.Phrase) else [q.text]
            kind, lang = _field_kind(q.fieldname)
            if kind is None:
                return
            if isinstance(q, wq.Prefix | wq.Wildcard):
                pattern = q.text + ("*" if isinstance(q, wq.Prefix) else "")
                regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                                for c in pattern)
                self.patterns.append((kind, re.compile(regex + "$")))
                return
            target = {"fold": self.folds, "name": self.names, "exact": self.exacts}.get(kind)
            if target is None:
                target = self.stems.setdefault(lang, set())
            target.update(texts)
            return
        for sub in getattr(q, "subqueries", ()) or ([q.child] if hasattr(q, "child") else []):
            self._collect(sub)

    def matches(self, word: str, lang: str) -> bool:
        return self.judged(lang)[word]

    def judged(self, lang: str) -> _Judged:
        """Whether each word of an article in ``lang`` matched: ``judged[word]``, a plain dict
        look-up once a word was judged (the snippet loop asks once a word of the text)."""
        judged = self._seen.get(lang)
        if judged is None:
            judged = self._seen[lang] = _Judged(self, lang)
        return judged


def _field_kind(fieldname: str) -> tuple[str | None, str]:
    if fieldname.startswith(("title_", "text_")):
        return "stem", fieldname.split("_", 1)[1]
    return {"fold": ("fold", "tr"), "names": ("name", ""), "exact": ("exact", "")}.get(
        fieldname, (None, ""))


class _Judged(dict):
    """word → matched?, for one language, each word judged on first sight (a search page
    judges ~600 distinct words; the matcher's sets are held here, read once a word)."""

    def __init__(self, matcher: SnippetMatcher, lang: str) -> None:
        super().__init__()
        self.lang = lang
        self.stems = matcher.stems.get(lang, frozenset())
        self.folds, self.names, self.exacts = matcher.folds, matcher.names, matcher.exacts
        self.patterns = matcher.patterns

    def __missing__(self, word: str) -> bool:
        terms = word_terms(word, self.lang)
        # Most words match nothing and go through every test: no generator for an empty
        # pattern list, no fold test without folds (a page judges ~430 words).
        found = (terms.stem in self.stems or terms.exact in self.exacts
                 or terms.name in self.names
                 or bool(self.folds and terms.fold and not self.folds.isdisjoint(terms.fold))
                 or bool(self.patterns and self._pattern_matches(terms)))
        self[word] = found
        return found

    def _pattern_matches(self, terms: WordTerms) -> bool:
        return any(pattern.match(terms.exact if kind == "exact" else terms.stem)
                   for kind, pattern in self.patterns)


# A snippet is cut from the start of the text when it matches there: the words past this many
# characters (and past the fragment a match there opens) are not read. A longer article whose
# first match lies deeper is read on to that match, so it is still marked.
SNIPPET_SCAN_CHARS = 4000
SNIPPET_FALLBACK_WORDS = 40
_SPACE = re.compile(r"\s")


def make_snippet(text: str, language: str, matcher: SnippetMatcher) -> str:
    """Up to two fragments of ``text`` around the matched words, matches marked.

    The fragments with the most matches are taken from the first ``SNIPPET_SCAN_CHARS``
    characters that hold a match, not from the whole text: the same snippet for a text of that
    length, a bounded cost for a long one (each word of a text is a regex match and a look-up).
    """
    judged = matcher.judged(field_language(language))
    words = WORD_PATTERN.finditer
    cut = _word_end(text, SNIPPET_SCAN_CHARS)  # no word holds a space: none is cut in two
    spans = [m.span() for m in words(text, 0, cut) if judged[m[0]]]
    if cut < len(text):
        if not spans:  # the first match lies deeper: read on to it
            first = next((m.span() for m in words(text, cut) if judged[m[0]]), None)
            spans = [first] if first else []
        if spans:  # and on to where its fragment may end
            spans += [m.span() for m in words(text, max(cut, spans[-1][1]),
                                              _word_end(text, spans[-1][0] + SNIPPET_CHARS))
                      if judged[m[0]]]
    if not spans:
        return _opening(text)
    fragments: list[list[Any]] = []
    for start, end in spans:
        if fragments and end - fragments[-1][0] <= SNIPPET_CHARS - 2 * SNIPPET_SURROUND:
            fragments[-1][1] = end
            fragments[-1][2].append((start, end))
        else:
            fragments.append([start, end, [(start, end)]])
    best = sorted(fragments, key=lambda f: -len(f[2]))[:SNIPPET_FRAGMENTS]
    pieces = []
    for start, end, marks in sorted(best, key=lambda f: f[0]):
        left = max(0, start - SNIPPET_SURROUND)
        right = min(len(text), end + SNIPPET_SURROUND)
        if left > 0:  # start and end on word boundaries
            space = text.find(" ", left, start)
            left = space + 1 if space != -1 else left
        if right < len(text):
            space = text.rfind(" ", end, right)
            right = space if space != -1 else right
        out, cursor = [], left
        for mark_start, mark_end in marks:
            out.append(text[cursor:mark_start])
            out.append(f"{MATCH_START}{text[mark_start:mark_end]}{MATCH_END}")
            cursor = mark_end
        out.append(text[cursor:right])
        pieces.append("".join(out))
    return " ".join(" … ".join(pieces).split())


def _word_end(text: str, at: int) -> int:
    """The first whitespace at or after ``at`` (or the text's end)."""
    if at >= len(text):
        return len(text)
    found = _SPACE.search(text, at)
    return found.start() if found else len(text)


def _opening(text: str) -> str:
    """The first words of a text that matched nowhere (the match was in its title)."""
    size = 600
    while size < len(text):
        # More words than kept: the last kept word is whole (the cut fell after it).
        words = text[:size].split()
        if len(words) > SNIPPET_FALLBACK_WORDS:
            return " ".join(words[:SNIPPET_FALLBACK_WORDS])
        size *= 4
    return " ".join(text.split()[:SNIPPET_FALLBACK_WORDS])


def _snippet(data_dir: Path, path: str, language: str, matcher: SnippetMatcher) -> str:
    try:
        record = json.loads((data_dir / "archive" / path).read_text("utf-8"))
    except (OSError, ValueError):
        return ""
    return make_snippet(record["text"], language, matcher)
