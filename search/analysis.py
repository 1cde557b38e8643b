"""Per-language text analysis for the index: Turkish-aware case folding, apostrophes, Snowball.

Whoosh pickles the schema, so every filter here is a module-level class holding only plain data.
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer
from whoosh.analysis import Filter, RegexTokenizer

# A word may carry a suffix after an apostrophe (Aslanov'un, Kızılay'ın, Türkiye’de).
WORD_PATTERN = re.compile(r"\w+(?:['’ʼ`]\w+)*", re.UNICODE)
APOSTROPHES = re.compile(r"['’ʼ`]")
SNOWBALL = {"en": "english", "ru": "russian", "tr": "turkish"}
ANALYZED_LANGUAGES = tuple(SNOWBALL)  # each has its own fields; others share "xx"


def fold_case(text: str) -> str:
    """Lower-case so that İ, I, ı and i are one letter; ё is е (Russian writes both)."""
    text = text.replace("İ", "i").replace("I", "i").replace("ı", "i")
    return text.lower().replace("\u0307", "").replace("ё", "е")


def turkish_lower(text: str) -> str:
    """Turkish lower-casing (I→ı, İ→i), which the Turkish stemmer expects."""
    return text.replace("I", "ı").replace("İ", "i").lower().replace("\u0307", "")


@lru_cache(maxsize=8)
def stemmer_for(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(SNOWBALL[language])


class ApostropheFilter(Filter):
    """Keeps the stem before an apostrophe: ``Aslanov'un`` → ``Aslanov``."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = APOSTROPHES.split(token.text, maxsplit=1)[0]
            yield token


class FoldCaseFilter(Filter):
    """Case folding that treats the four Turkish i's alike (stock lowercasing does not)."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = fold_case(token.text)
            yield token


class TurkishLowerFilter(Filter):
    def __call__(self, tokens):
        for token in tokens:
            token.text = turkish_lower(token.text)
            yield token


class SnowballFilter(Filter):
    """Snowball stemming through PyStemmer, for one language."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SnowballFilter) and other.language == self.language

    def __hash__(self) -> int:
        return hash(("snowball", self.language))

    def __call__(self, tokens):
        stem = stemmer_for(self.language).stemWord
        for token in tokens:
            if not token.stopped:
                token.text = stem(token.text)
            yield token


def analyzer_for(language: str | None):
    """The analyzer for text in ``language``; unknown languages are folded but not stemmed."""
    tokens = RegexTokenizer(WORD_PATTERN) | ApostropheFilter()
    if language == "tr":
        # Stem with real Turkish letters, then fold ı into i so any casing finds any casing.
        return tokens | TurkishLowerFilter() | SnowballFilter("tr") | FoldCaseFilter()
    if language in SNOWBALL:
        return tokens | FoldCaseFilter() | SnowballFilter(language)
    return tokens | FoldCaseFilter()


def field_language(language: str | None) -> str:
    """Which family of index fields holds text in ``language``."""
    return language if language in SNOWBALL else "xx"
