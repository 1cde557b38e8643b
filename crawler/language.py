"""Language of an article: py3langid on the body, the page's declarations, confusable neighbours.

py3langid classifies over all its languages (restricting it to a few makes neighbours collapse
into Turkish or Russian). Two rules keep the neighbours apart on short texts too: letters that
Turkish or Russian never use (Azerbaijani ə, Turkmen ň ý ž ä, Uzbek oʻ gʻ, Kazakh ә ғ қ ұ һ,
Kyrgyz ң ө ү, Ukrainian ї є ґ і) overrule a tr/ru answer, and a page's declared language never
turns such a text into tr or ru.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# What Turkish/Russian never write, and which neighbour each sign points to.
LATIN_SIGNS = (
    ("az", re.compile(r"[əƏ]")),
    ("tk", re.compile(r"[ňŇýÝžŽäÄ]")),
    ("uz", re.compile(r"[oOgG][ʻ‘]")),  # oʻ gʻ (an ASCII or ’ apostrophe is Turkish too)
    ("kk", re.compile(r"[ǵǴńŃáÁúÚ]")),
)
CYRILLIC_SIGNS = (
    ("uk", re.compile(r"[їЇєЄґҐ]")),
    ("kk", re.compile(r"[әӘғҒқҚұҰһҺ]")),
    ("ky", re.compile(r"[ңҢөӨүҮ]")),
    ("be", re.compile(r"[ўЎ]")),
    ("uk", re.compile(r"[іІ]")),  # Ukrainian (also Kazakh, Belarusian: checked above first)
)
NEIGHBOURS = {"tr": ("az", "tk", "uz", "kk"), "ru": ("uk", "kk", "ky", "be", "uz", "tg", "mn")}
CONFUSABLE = frozenset(code for codes in NEIGHBOURS.values() for code in codes)
MIN_SIGNS = 2  # a single stray letter (a name, a quote) is not evidence
SIGN_SHARE = 0.01  # and in a long text, neither are a few names (one letter in 100)
UNSURE = 0.6  # below this probability, detection may give way to the declared language
SHORT_TEXT_WORDS = 15


class QuantizedTable:
    """py3langid's feature-by-language log-probabilities in 8 bits, one affine scale per language.

    The table is 100,053 features × 142 languages: 28 MiB as the float16 py3langid ships, shared
    by every process of a crawl and the largest thing in its memory. In bytes it is half that.
    Checked against the float16 table on 14,128 texts and snippets (the eval pages, the seeds,
    the replica articles, 5- to 50-word pieces of each): 2 labels changed, both near-ties under
    0.4 probability on five-word snippets; probabilities moved by at most 0.005.
    """

    def __init__(self, table: Any) -> None:
        import numpy as np

        table = np.asarray(table)
        self.offset = table.min(axis=0).astype(np.float32)
        self.scale = (table.max(axis=0).astype(np.float32) - self.offset) / 255
        self.scale[self.scale == 0] = 1.0
        self.codes = np.empty(table.shape, dtype=np.uint8)
        for start in range(0, len(table), 8192):  # in slices: a float32 copy would be 57 MiB
            rows = table[start:start + 8192].astype(np.float32)
            self.codes[start:start + 8192] = np.rint((rows - self.offset) / self.scale)
        self.shape = self.codes.shape

    def __getitem__(self, rows: Any) -> Any:
        """The float32 rows py3langid's scoring multiplies (it only ever indexes rows)."""
        return self.codes[rows] * self.scale + self.offset


@lru_cache(maxsize=1)
def _identifier():  # loaded once: the model takes ~0.3 s to unpack
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
    from py3langid.modelio import load_model

    table, priors, classes, nextmove, rows, outputs = load_model(MODEL_DIR / MODEL_FILE)
    return LanguageIdentifier(QuantizedTable(table), priors, classes, nextmove, outputs,
                              norm_probs=True, tk_row=rows)


def detect_language(text: str) -> tuple[str, float]:
    """py3langid over all its languages; returns (ISO 639-1 code, probability)."""
    lang, prob = _identifier().classify(text[:20_000])
    return str(lang), round(float(prob), 4)


def neighbour_signs(text: str, language: str) -> str | None:
    """The neighbour of ``language`` (tr or ru) whose letters ``text`` keeps using, if any.

    The letters must be more than stray names: at least two, and one in 100 letters.
    """
    signs = LATIN_SIGNS if language == "tr" else CYRILLIC_SIGNS if language == "ru" else ()
    sample = text[:20_000]
    needed = max(MIN_SIGNS, sum(char.isalpha() for char in sample) * SIGN_SHARE)
    for code, pattern in signs:  # strongest evidence first
        if len(pattern.findall(sample)) >= needed:
            return code
    return None


def identify(text: str) -> tuple[str, float]:
    """The language of ``text``, with the neighbour rule applied to tr and ru answers."""
    language, confidence = detect_language(text)
    if language in NEIGHBOURS:
        sign = neighbour_signs(text, language)
        if sign:
            return sign, confidence
    return language, confidence


def choose_language(
    detected: str, confidence: float, declared: str | None, source_languages: tuple[str, ...],
    words: int, text: str = "",
) -> str:
    """Detection on the body wins, unless it is unsure on a short text and the page says better.

    The declared language is taken only when it is one the source publishes in (or the source
    says nothing), never over a detected neighbour (az, kk, ky, uz, tk, uk, …), and for tr and
    ru only when the text has none of the neighbours' letters.
    """
    if not declared or declared == detected:
        return detected
    if confidence >= UNSURE and words >= SHORT_TEXT_WORDS:
        return detected
    if source_languages and declared not in source_languages:
        return detected
    if detected in CONFUSABLE or (declared in NEIGHBOURS and neighbour_signs(text, declared)):
        return detected  # a neighbour recognised is never relabelled tr or ru
    return declared
