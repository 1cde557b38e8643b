"""Per-language text analysis shared by both engines: Turkish casing, Snowball, ASCII, scripts.

Every word of an article is turned into the terms of four kinds of field:

- ``stem``  its language's Snowball stem (PyStemmer), case-folded so that İ, I, ı and i are one
  letter; Turkish is lower-cased the Turkish way before stemming, a suffix after an apostrophe is
  dropped (``Kızılay'ın`` → ``kızılay``), and a short list of Turkish stems the stemmer cuts too far
  is protected (``yardım`` is not ``yar``); capitalised Russian surnames keep -ов/-ев/-ин
  (``Асланова`` → ``асланов``, not the ``аслан`` of ``Аслана``).
- ``fold``  (Turkish only) the same after folding to ASCII, for queries typed without Turkish
  letters (``Askabat``, ``gonullu``); a query word with Turkish letters never uses it.
- ``name``  (capitalised words) a script-independent key: Russian case endings dropped,
  transliterated to Latin with anyascii, romanisation differences levelled (kh/h/g/x → k, sh/ş → s,
  ch/ç/c → c, final d → t, …), so ``Aslanov`` meets ``Асланова`` and ``Ashgabat`` meets ``Ашхабад``
  and ``Aşkabat``.
- ``exact`` the word as written, case-folded, unstemmed (``--exact``).

The analysis is plain functions over words with a cache (both engines call them); the Whoosh
analyzer below is a thin wrapper, a module-level class because Whoosh pickles the schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

import Stemmer
from anyascii import anyascii
from whoosh.analysis import Analyzer, Token

# A word may carry a suffix after an apostrophe (Aslanov'un, Kızılay'ın, Türkiye’de).
JOINERS = "['’ʼ`]"
WORD_PATTERN = re.compile(rf"\w+(?:{JOINERS}\w+)*", re.UNICODE)
# WORD_PATTERN where a scan from the text's start would begin a word: not inside one, nor after
# a word and its apostrophe (``ın`` in ``Kızılay'ın`` is no word of its own).
WORD_AT = re.compile(rf"(?<!\w)(?<!\w{JOINERS})" + WORD_PATTERN.pattern, re.UNICODE)
APOSTROPHES = re.compile(JOINERS)
SNOWBALL = {"en": "english", "ru": "russian", "tr": "turkish"}
ANALYZED_LANGUAGES = tuple(SNOWBALL)  # each has its own fields; others share "xx"
KINDS = ("stem", "fold", "name", "exact")

# Stems PyStemmer's Turkish stemmer cuts into another word (yardım → yar, başkan → başka,
# toplantı → topla, kan → ka): a word starting with one of them whose Snowball stem is a prefix of
# it keeps the whole protected stem (what Elasticsearch calls a stemmer override).
PROTECTED_TURKISH = frozenset({
    "yardım", "başkan", "toplantı", "kızılay", "kızılhaç", "kan", "gemi", "kurban", "bayram",
    "deprem", "insani", "liman", "türkiye", "kadın", "adım", "afet", "gönüllü", "bağış",
    "ateşkes", "dernek", "devlet", "sağlık", "eğitim", "tatbikat", "aşkabat", "bakü", "hastane",
    "göç", "göçmen", "mülteci", "sel", "yangın", "toplum", "okul", "çocuk", "aile", "anne",
})
_PROTECTED_BY_LENGTH = tuple(sorted(PROTECTED_TURKISH, key=len, reverse=True))
ASCII_TURKISH = str.maketrans("şçğıöüâîûŞÇĞİÖÜ", "scgiouaiuSCGIOU")
_PROTECTED_ASCII = tuple(word.translate(ASCII_TURKISH) for word in _PROTECTED_BY_LENGTH)
# Russian surnames and place names decline like adjectives; Snowball reads -ов as a plural ending
# (Асланов → аслан, Асланова → асланов). Capitalised words of this shape keep the -ов/-ев/-ин stem.
RUSSIAN_SURNAME = re.compile(
    r"^(?P<stem>\w{2,}(?:ов|ев|ёв|ин|ын))(?:а|у|ым|ом|е|ой|ою|ых|ыми|ы)?$")
# Russian case endings dropped from capitalised words for the name key, longest first.
RUSSIAN_ENDINGS = ("ыми", "ами", "ями", "ого", "его", "ому", "ему", "ой", "ей", "ою", "ом", "ем",
                   "ым", "им", "ах", "ях", "ых", "их", "а", "я", "у", "ю", "е", "ы", "и", "о")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Romanisation differences between English, Turkish, Azerbaijani, Turkmen and transliterated
# Russian, levelled in this order on lower-case ASCII.
NAME_RULES = (
    (re.compile(r"shch|sch"), "s"), (re.compile(r"dzh|dj"), "c"), (re.compile(r"sh"), "s"),
    (re.compile(r"ch"), "c"), (re.compile(r"zh"), "j"), (re.compile(r"kh|gh"), "k"),
    (re.compile(r"ts|tz"), "c"), (re.compile(r"ph"), "f"), (re.compile(r"w"), "v"),
    (re.compile(r"[xqhg]"), "k"), (re.compile(r"(?<![aeiou])y(?![aeiou])"), "i"),
    (re.compile(r"iy"), "i"), (re.compile(r"(.)\1+"), r"\1"),
    (re.compile(r"d$"), "t"), (re.compile(r"b$"), "p"), (re.compile(r"z$"), "s"),
)


def fold_case(text: str) -> str:
    """Lower-case so that İ, I, ı and i are one letter; ё is е (Russian writes both)."""
    text = text.replace("İ", "i").replace("I", "i").replace("ı", "i")
    return text.lower().replace("\u0307", "").replace("ё", "е")


def turkish_lower(text: str) -> str:
    """Turkish lower-casing (I→ı, İ→i), which the Turkish stemmer expects."""
    return text.replace("I", "ı").replace("İ", "i").lower().replace("\u0307", "")


def ascii_fold(text: str) -> str:
    """Turkish, Azerbaijani and Turkmen letters to ASCII (ş → s, ı → i, ə → e …)."""
    return anyascii(text.translate(ASCII_TURKISH))


@lru_cache(maxsize=8)
def stemmer_for(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(SNOWBALL[language])


def field_language(language: str | None) -> str:
    """Which family of index fields holds text in ``language``."""
    return language if language in SNOWBALL else "xx"


def _turkish_stem(lowered: str, protected: tuple[str, ...] = _PROTECTED_BY_LENGTH) -> str:
    stem = stemmer_for("tr").stemWord(lowered)
    for word in protected:
        if lowered.startswith(word) and word.startswith(stem):
            return word
    return stem


def stem_word(base: str, language: str, capitalised: bool = False) -> str:
    """The ``stem`` term of one word (already without its apostrophe suffix)."""
    if language == "tr":
        return fold_case(_turkish_stem(turkish_lower(base)))
    folded = fold_case(base)
    if language == "ru":
        surname = RUSSIAN_SURNAME.match(folded) if capitalised else None
        return surname["stem"] if surname else stemmer_for("ru").stemWord(folded)
    if language in SNOWBALL:
        return stemmer_for(language).stemWord(folded)
    return folded


def fold_word(base: str) -> str:
    """The ``fold`` term of a query word: ASCII first, then the Turkish stemmer."""
    return _turkish_stem(ascii_fold(turkish_lower(base)).lower(), _PROTECTED_ASCII)


def fold_terms(base: str) -> tuple[str, ...]:
    """The ``fold`` terms of an article's word: as a query typed in ASCII would stem it, and its
    real stem in ASCII (the stemmer's vowel harmony differs without ö, ü: ``gönüllüler``)."""
    typed = fold_word(base)
    real = ascii_fold(_turkish_stem(turkish_lower(base))).lower()
    return (typed,) if real == typed else (typed, real)


def name_key(base: str) -> str:
    """The cross-script key of a name: Асланова, Aslanov → aslanov; Ашхабад, Aşkabat → askabat."""
    word = fold_case(base.replace("Ə", "A").replace("ə", "a"))
    if CYRILLIC.search(word):
        for ending in RUSSIAN_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                word = word[: -len(ending)]
                break
    elif len(word) > 3 and word[-1] in "aeiouöü":
        word = word[:-1]
    key = anyascii(word).lower()
    for pattern, replacement in NAME_RULES:
        key = pattern.sub(replacement, key)
    return key


@dataclass(frozen=True, slots=True)
class WordTerms:
    stem: str
    fold: tuple[str, ...]  # Turkish only
    name: str | None  # capitalised words only
    exact: str


_CACHE: dict[tuple[str, str], WordTerms] = {}
# An entry takes ~630 bytes. A crawl's index writer keeps this cache for the whole crawl, and
# every MiB of it counts against the crawl's memory: 20,000 entries (~12 MiB) hold the frequent
# words of the archive's languages; when full, the older half goes (frequent words come back at
# once), so the cache never empties all at once.
_CACHE_LIMIT = 20_000


def word_terms(word: str, language: str) -> WordTerms:
    """Every term of one word as written in an article of ``language`` (cached)."""
    cached = _CACHE.get((word, language))
    if cached is not None:
        return cached
    base = APOSTROPHES.split(word, maxsplit=1)[0]
    capitalised = base[:1].isupper()
    terms = WordTerms(
        stem=stem_word(base, language, capitalised),
        fold=fold_terms(base) if language == "tr" else (),
        name=name_key(base) if capitalised else None,
        exact=fold_case(APOSTROPHES.sub("'", word)),
    )
    if len(_CACHE) >= _CACHE_LIMIT:
        for key in list(islice(_CACHE, _CACHE_LIMIT // 2)):
            del _CACHE[key]
    _CACHE[(word, language)] = terms
    return terms


def words(text: str) -> list[str]:
    return WORD_PATTERN.findall(text)


@dataclass
class AnalysedText:
    """One text's terms per kind; ``fold`` and ``names`` are (position, term) pairs."""

    stem: list[str]
    fold: list[tuple[int, str]]
    names: list[tuple[int, str]]
    exact: list[str]


# The text last analysed and its analyses by language, swapped as one tuple (thread-safe).
_LAST: list[tuple[str | None, dict[str, AnalysedText]]] = [(None, {})]


def analyse(text: str, language: str) -> AnalysedText:
    """The index terms of ``text`` (an article in ``language``), positions = list indices.

    The last text's analyses are kept: an article's title and text go to three fields in a
    row (exact, fold for Turkish, names), which would otherwise analyse them each time.
    """
    last_text, analyses = _LAST[0]
    if last_text is text and language in analyses:
        return analyses[language]
    lang = field_language(language)
    terms = [word_terms(word, lang) for word in words(text)]
    analysed = AnalysedText(
        stem=[t.stem for t in terms],
        fold=[(pos, term) for pos, t in enumerate(terms) for term in t.fold],
        names=[(pos, t.name) for pos, t in enumerate(terms) if t.name],
        exact=[t.exact for t in terms],
    )
    if last_text is text:
        analyses[language] = analysed
    else:
        _LAST[0] = (text, {language: analysed})
    return analysed


def query_terms(text: str, kind: str, language: str) -> list[str]:
    """A query's words as terms of one kind of field (no ``fold`` terms if Turkish letters)."""
    lang = field_language(language)
    found = words(text)
    if kind == "stem":
        return [stem_word(APOSTROPHES.split(w, 1)[0], lang, w[:1].isupper()) for w in found]
    if kind == "fold":
        if lang != "tr" or not text.isascii():
            return []
        return [fold_word(APOSTROPHES.split(w, 1)[0]) for w in found]
    if kind == "name":
        return [name_key(APOSTROPHES.split(w, 1)[0]) for w in found]
    return [fold_case(APOSTROPHES.sub("'", w)) for w in found]


def pattern_term(text: str, kind: str) -> str | None:
    """A wildcard or range endpoint (``Kızıl*``) as written in one kind of field, or None."""
    if kind in ("stem", "exact"):
        return fold_case(APOSTROPHES.sub("'", text))
    if kind == "fold" and text.isascii():
        return text.lower()
    return None


class TermAnalyzer(Analyzer):
    """Whoosh analyzer for one kind of field in one language (index and query side)."""

    def __init__(self, kind: str, language: str) -> None:
        self.kind = kind
        self.language = language

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, TermAnalyzer) and other.kind == self.kind
                and other.language == self.language)

    def __hash__(self) -> int:
        return hash((self.kind, self.language))

    def index_terms(self, value: str) -> list[tuple[int, str]]:
        """(position, term) of every term this field indexes for ``value``."""
        analysed = analyse(value, self.language)
        if self.kind in ("name", "fold"):
            return analysed.names if self.kind == "name" else analysed.fold
        return list(enumerate(getattr(analysed, self.kind)))

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            texts = [(0, t) for t in [pattern_term(value, self.kind)] if t]
        elif mode == "query":
            texts = list(enumerate(query_terms(value, self.kind, self.language)))
        else:
            texts = self.index_terms(value)
        for pos, text in texts:
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos + pos
            if chars:  # offsets are not used: snippets are made from the archived text
                token.startchar = token.endchar = start_char
            yield token


def analyzer_for(language: str | None, kind: str = "stem") -> TermAnalyzer:
    """The analyzer for text in ``language``; unknown languages are folded but not stemmed."""
    return TermAnalyzer(kind, field_language(language))
