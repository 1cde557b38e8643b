"""A page's state read from its URL (query, filters, sort, page, coverage options), validated:
anything malformed is a BadInput the page shows with status 400."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any
from urllib.parse import quote_plus, urlencode

from archive.store import ID_RE, SOURCE_RE
from search import Filters
from search.query import PERIODS, SPLITS

MAX_QUERY_CHARS = 1000
MAX_PAGE = 10_000
PER_PAGE = 10
MAX_QUERIES = 5
SORTS = ("relevance", "date")
LANGUAGE_RE = re.compile(r"^[a-z]{2}$")
# What URL-encoding leaves as it is: such a value (a date, a page, a language, most source
# names) is written without quote_plus (a search page writes ~50 links to itself).
PLAIN_VALUE = re.compile(r"[A-Za-z0-9_.~-]*\Z")


class BadInput(ValueError):
    """A request the user must fix: shown as a page (or JSON) with status 400."""


@dataclass(frozen=True)
class Selection:
    """What a search (or an export) selects, and how a result page is ordered."""

    query: str = ""
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    sort: str = "relevance"
    page: int = 1
    exact: bool = False

    @property
    def text(self) -> str:
        """The query the engine runs: an empty box means every article."""
        return self.query.strip() or "*"

    def filters(self) -> Filters:
        return Filters(languages=self.languages, sources=self.sources, since=self.since,
                       until=self.until)

    def _values(self) -> dict[str, Any]:
        return {"q": self.query, "lang": list(self.languages), "source": list(self.sources),
                "since": self.since.isoformat() if self.since else "",
                "until": self.until.isoformat() if self.until else "",
                "sort": self.sort, "exact": "1" if self.exact else "", "page": 1}

    def params(self, **changes: Any) -> list[tuple[str, str]]:
        """The URL parameters of this selection with ``changes`` (page back to 1 unless given)."""
        values = self._values()
        values.update(changes)
        return [pair for name, value in values.items() for pair in _pairs(name, value)]

    @cached_property
    def _encoded(self) -> dict[str, str]:
        """Each parameter of this selection URL-encoded, once: a search page links to itself
        with one change ~50 times (facets, pages, exports), each encoding all of them."""
        return {name: _encode(_pairs(name, value)) for name, value in self._values().items()}

    def url(self, path: str = "/", **changes: Any) -> str:
        """``path`` with ``params(**changes)`` as its query string."""
        encoded = self._encoded
        pieces = [_encode(_pairs(name, changes[name])) if name in changes else
                  "" if name == "page" else encoded[name] for name in encoded]
        pieces += [_encode(_pairs(name, value)) for name, value in changes.items()
                   if name not in encoded]
        query = "&".join(piece for piece in pieces if piece)
        return f"{path}?{query}" if query else path


def _encode(pairs: list[tuple[str, str]]) -> str:
    """``urlencode(pairs)`` (the names are plain words)."""
    return "&".join(f"{name}={value if PLAIN_VALUE.match(value) else quote_plus(value)}"
                    for name, value in pairs)


def _pairs(name: str, value: Any) -> list[tuple[str, str]]:
    """A parameter's (name, value) pairs; empty values, page 1 and relevance order left out."""
    return [(name, str(item)) for item in (value if isinstance(value, list) else [value])
            if not (item in ("", None) or (name == "page" and item == 1)
                    or (name == "sort" and item == "relevance"))]


@dataclass(frozen=True)
class CoverageRequest:
    """Up to five queries compared over time, by period, split by language or source (or not)."""

    queries: tuple[str, ...] = ()
    by: str = "month"
    split: str = ""
    selection: Selection = field(default_factory=Selection)

    def named(self) -> dict[str, str]:
        return {text: text for text in self.queries}

    def url(self, path: str = "/coverage", **changes: Any) -> str:
        values = {"q": list(self.queries), "by": self.by, "split": self.split, **changes}
        params = [("q", q) for q in values["q"]]
        params += [(name, values[name]) for name in ("by", "split") if values[name]]
        params += [(k, v) for k, v in self.selection.params() if k in (
            "lang", "source", "since", "until", "exact")]
        return f"{path}?{urlencode(params)}"


def _one(params, name: str) -> str:
    values = params.getlist(name)
    if len(values) > 1:
        raise BadInput(f"give {name} once, not {len(values)} times")
    return values[0] if values else ""


def _day(text: str, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{name} must be a date (YYYY-MM-DD), not {text[:40]!r}") from None


def _query(text: str) -> str:
    if len(text) > MAX_QUERY_CHARS:
        raise BadInput(f"the query is longer than {MAX_QUERY_CHARS} characters")
    if any(ord(ch) < 32 and ch not in "\t" for ch in text):
        raise BadInput("the query holds control characters")
    return text.strip()


def parse_selection(params) -> Selection:
    """A Selection from a request's query parameters (a Starlette ``QueryParams``)."""
    languages = tuple(dict.fromkeys(v.strip().lower() for v in params.getlist("lang")
                                    if v.strip()))
    bad = [code for code in languages if not LANGUAGE_RE.match(code)]
    if bad:
        raise BadInput(f"lang takes ISO 639-1 codes (tr, ru, en), not {bad[0][:20]!r}")
    sources = tuple(dict.fromkeys(v.strip() for v in params.getlist("source") if v.strip()))
    bad = [name for name in sources if not SOURCE_RE.match(name)]
    if bad:
        raise BadInput(f"{bad[0][:40]!r} is not a source name")
    since, until = _day(_one(params, "since"), "since"), _day(_one(params, "until"), "until")
    if since and until and since > until:
        raise BadInput(f"since ({since}) is after until ({until})")
    query = _query(_one(params, "q"))
    # Every article ranked by relevance is no ranking at all: an empty box lists newest first.
    sort = _one(params, "sort") or ("relevance" if query not in ("", "*") else "date")
    if sort not in SORTS:
        raise BadInput(f"sort must be relevance or date, not {sort[:20]!r}")
    page_text = _one(params, "page") or "1"
    if not page_text.isdigit() or not 1 <= int(page_text) <= MAX_PAGE:
        raise BadInput(f"page must be a number from 1 to {MAX_PAGE}, not {page_text[:20]!r}")
    exact = _one(params, "exact")
    if exact not in ("", "1", "on"):
        raise BadInput("exact takes 1 or nothing")
    return Selection(query=query, languages=languages, sources=sources,
                     since=since, until=until, sort=sort, page=int(page_text),
                     exact=bool(exact))


def parse_coverage(params) -> CoverageRequest:
    queries = tuple(dict.fromkeys(_query(q) for q in params.getlist("q") if q.strip()))
    if len(queries) > MAX_QUERIES:
        raise BadInput(f"compare at most {MAX_QUERIES} queries, not {len(queries)}")
    by = _one(params, "by") or "month"
    if by not in PERIODS:
        raise BadInput(f"by must be one of {', '.join(PERIODS)}, not {by[:20]!r}")
    split = _one(params, "split")
    if split and split not in SPLITS:
        raise BadInput(f"split must be language, source or nothing, not {split[:20]!r}")
    selection = parse_selection(params.__class__(
        [(k, v) for k, v in params.multi_items() if k not in ("q", "by", "split")]))
    return CoverageRequest(queries=queries, by=by, split=split, selection=selection)


def article_id(text: str) -> str:
    """An article id from a URL, checked before it reaches the archive."""
    if not ID_RE.match(text):
        raise BadInput(f"{text[:40]!r} is not an article id (16 hex digits)")
    return text
