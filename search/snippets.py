"""Snippets: the words of an article a query matched, found by the analysis the index used, and
up to two fragments of its text around them with the matches marked (the same on both engines).

A search page cuts ten snippets for a query no page asked before, so which words of a text
match is worked out from the query's side: each language keeps the words its snippets have met
(the vocabulary) filed under each of their terms, and a query's words in a text are the text's
words that are filed under the query's terms: two set operations in C instead of a judgement
per word. Only words never met before are analysed (and filed), and only a query with
wildcards tests the text's other words against its patterns, each word once a query.
"""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path
from typing import Any

from whoosh import query as wq

from search.analysis import WORD_AT, WORD_PATTERN, WordTerms, field_language, word_terms

MATCH_START, MATCH_END = "\x02", "\x03"  # marks around matched words in a snippet
SNIPPET_CHARS, SNIPPET_SURROUND, SNIPPET_FRAGMENTS = 240, 60, 2
# A snippet is cut from the start of the text when it matches there: the words past this many
# characters (and past the fragment a match there opens) are not read. A longer article whose
# first match lies deeper is read on, this many characters at a time, to that match, so it is
# still marked.
SNIPPET_SCAN_CHARS = 4000
SNIPPET_FALLBACK_WORDS = 40
# Words a language's vocabulary keeps before it starts again (~200 bytes a word with its
# filings and the word itself, measured: ~4 MiB a language at most).
VOCABULARY_WORDS = 20_000
_SPACE = re.compile(r"\s")


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
        self._pattern_seen: dict[str, dict[str, bool]] = {}  # by language: word → matched?

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

    def matched(self, words: set[str], lang: str) -> set[str]:
        """The ``words`` (of an article in analysis language ``lang``) the query matches."""
        vocabulary = _vocabulary(lang)
        with vocabulary.lock:
            vocabulary.learn(words)
            filed = vocabulary.filed_under(self.stems.get(lang, ()), self.exacts, self.names,
                                           self.folds)
        found = words & filed
        if self.patterns:  # a wildcard: each word's terms tried once per query
            seen = self._pattern_seen.setdefault(lang, {})
            for word in words - found:
                hit = seen.get(word)
                if hit is None:
                    hit = seen[word] = self._pattern_matches(word_terms(word, lang))
                if hit:
                    found.add(word)
        return found

    def _pattern_matches(self, terms: WordTerms) -> bool:
        return any(pattern.match(terms.exact if kind == "exact" else terms.stem)
                   for kind, pattern in self.patterns)


def _field_kind(fieldname: str) -> tuple[str | None, str]:
    if fieldname.startswith(("title_", "text_")):
        return "stem", fieldname.split("_", 1)[1]
    return {"fold": ("fold", "tr"), "names": ("name", ""), "exact": ("exact", "")}.get(
        fieldname, (None, ""))


class _Vocabulary:
    """The words one language's snippets have met, filed under each of their terms."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.lock = threading.Lock()  # learn and look up as one: threads may cut snippets
        self.known: set[str] = set()
        # term → the word filed under it, or a set of them when several are
        self.by_stem: dict[str, str | set[str]] = {}
        self.by_exact: dict[str, str | set[str]] = {}
        self.by_name: dict[str, str | set[str]] = {}
        self.by_fold: dict[str, str | set[str]] = {}

    def _forget(self) -> None:
        """Every word, and its filings (the lock stays: a thread may be waiting on it)."""
        for table in (self.known, self.by_stem, self.by_exact, self.by_name, self.by_fold):
            table.clear()

    def learn(self, words: set[str]) -> None:
        new = words - self.known
        if not new:
            return
        if len(self.known) + len(new) > VOCABULARY_WORDS:
            # Start again rather than track which words are old: the frequent ones come back
            # with the next few pages.
            self._forget()
            new = words
        for word in new:
            terms = word_terms(word, self.lang)
            _file(self.by_stem, terms.stem, word)
            _file(self.by_exact, terms.exact, word)
            if terms.name:
                _file(self.by_name, terms.name, word)
            for fold in terms.fold:
                _file(self.by_fold, fold, word)
        self.known |= new

    def filed_under(self, stems, exacts, names, folds) -> set[str]:
        """Every known word with one of these terms."""
        found: set[str] = set()
        for table, keys in ((self.by_stem, stems), (self.by_exact, exacts),
                            (self.by_name, names), (self.by_fold, folds)):
            for key in keys:
                words = table.get(key)
                if words is None:
                    continue
                if isinstance(words, str):
                    found.add(words)
                else:
                    found |= words
        return found


def _file(table: dict[str, str | set[str]], term: str, word: str) -> None:
    """File ``word`` under ``term``: most terms have one word, kept as it is (a set of one
    took 200 bytes more, four times a word)."""
    filed = table.get(term)
    if filed is None:
        table[term] = word
    elif isinstance(filed, str):
        if filed != word:
            table[term] = {filed, word}
    else:
        filed.add(word)


_VOCABULARIES: dict[str, _Vocabulary] = {}


def _vocabulary(lang: str) -> _Vocabulary:
    found = _VOCABULARIES.get(lang)
    if found is None:
        found = _VOCABULARIES.setdefault(lang, _Vocabulary(lang))
    return found


def matched_spans(text: str, start: int, end: int, matcher: SnippetMatcher,
                  lang: str) -> list[tuple[int, int]]:
    """Where the words of ``text[start:end]`` the query matched are, in order (``start`` and
    ``end`` must not cut a word)."""
    words = matcher.matched(set(WORD_PATTERN.findall(text, start, end)), lang)
    spans = []
    for word in words:
        # Each place the word is written, if a word begins and ends there (not inside a longer
        # word): a word never starts inside another, so the search goes on after it.
        size = len(word)
        at = text.find(word, start, end)
        while at != -1:
            found = WORD_AT.match(text, at, end)
            if found is not None and found.end() == at + size:
                spans.append((at, at + size))
            at = text.find(word, at + size, end)
    spans.sort()
    return spans


def make_snippet(text: str, language: str, matcher: SnippetMatcher) -> str:
    """Up to two fragments of ``text`` around the matched words, matches marked.

    The fragments with the most matches are taken from the first ``SNIPPET_SCAN_CHARS``
    characters that hold a match, not from the whole text: the same snippet for a text of that
    length, a bounded cost for a long one.
    """
    lang = field_language(language)
    cut = _word_end(text, SNIPPET_SCAN_CHARS)  # no word holds a space: none is cut in two
    spans = matched_spans(text, 0, cut, matcher, lang)
    if cut < len(text):
        scanned = cut
        while not spans and scanned < len(text):  # the first match lies deeper: read on to it
            ahead = _word_end(text, scanned + SNIPPET_SCAN_CHARS)
            spans = matched_spans(text, scanned, ahead, matcher, lang)[:1]
            scanned = ahead
        if spans:  # and on to where its fragment may end
            spans += matched_spans(text, max(cut, spans[-1][1]),
                                   _word_end(text, spans[-1][0] + SNIPPET_CHARS), matcher, lang)
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


def archived_snippet(data_dir: Path, path: str, language: str, matcher: SnippetMatcher) -> str:
    """The snippet of the archived article at ``path`` (relative to the archive), or "" when it
    cannot be read."""
    try:
        record = json.loads(_read(os.path.join(data_dir, "archive", path)))
    except (OSError, ValueError):
        return ""
    return make_snippet(record["text"], language, matcher)


def _read(path: str) -> bytes:
    """A file's bytes through the system calls alone: a page reads ten records, and a Path and
    a buffered file object for each were ~40 % of the reading (182 -> 100 us for ten)."""
    handle = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(handle, 1 << 16):
            chunks.append(chunk)
    finally:
        os.close(handle)
    return b"".join(chunks)
