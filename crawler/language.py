"""Language of an article: py3langid on the body, the page's declarations, confusable neighbours.

py3langid classifies over all its languages (restricting it to a few makes neighbours collapse
into Turkish or Russian). Two rules keep the neighbours apart on short texts too: letters that
Turkish or Russian never use (Azerbaijani ə, Turkmen ň ý ž ä, Uzbek oʻ gʻ, Kazakh ә ғ қ ұ һ,
Kyrgyz ң ө ү, Ukrainian ї є ґ і) overrule a tr/ru answer, and a page's declared language never
turns such a text into tr or ru.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

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

    @classmethod
    def from_parts(cls, codes: Any, offset: Any, scale: Any) -> QuantizedTable:
        table = cls.__new__(cls)
        table.codes, table.offset, table.scale = codes, offset, scale
        table.shape = codes.shape
        return table


# What the identifier is built from, as plain arrays: py3langid's model unpacked (LZMA) and its
# table quantized takes ~0.5 s, a crawl's largest start-up cost; read back from this cache, 60 ms.
MODEL_ARRAYS = ("codes", "offset", "scale", "priors", "classes", "nextmove", "rows", "outputs")
MODEL_CACHE_FORMAT = 1  # bump when QuantizedTable or the arrays' meaning changes


def model_cache_file() -> Path:
    """``$XDG_CACHE_HOME/crescent/langid-…npz`` (else ``~/.cache``), named after the model file
    it was made from, so a new py3langid gets a new cache."""
    import py3langid
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    stat = (MODEL_DIR / MODEL_FILE).stat()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    version = getattr(py3langid, "__version__", "0")
    return base / "crescent" / (f"langid-{version}-{stat.st_size}-{stat.st_mtime_ns}"
                                f"-q{MODEL_CACHE_FORMAT}.npz")


def _model_from_package() -> dict[str, Any]:
    import numpy as np
    from py3langid.langid import MODEL_DIR, MODEL_FILE
    from py3langid.modelio import load_model

    table, priors, classes, nextmove, rows, outputs = load_model(MODEL_DIR / MODEL_FILE)
    quantized = QuantizedTable(table)
    return {"codes": quantized.codes, "offset": quantized.offset, "scale": quantized.scale,
            "priors": np.asarray(priors), "classes": np.array(classes), "nextmove":
            np.frombuffer(nextmove, dtype=f"u{nextmove.itemsize}"),
            "rows": np.frombuffer(rows, dtype=f"u{rows.itemsize}"),
            "outputs": np.asarray(outputs, dtype=np.int32)}


def _read_model_cache(path: Path) -> dict[str, Any] | None:
    import numpy as np

    try:
        with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as data:
            arrays = {name: data[name] for name in MODEL_ARRAYS}
    except FileNotFoundError:
        return None
    except Exception as error:  # a torn or foreign file: rebuilt and replaced
        logger.warning("language model cache %s unreadable (%s); rebuilding it", path, error)
        return None
    codes = arrays["codes"]
    if (codes.dtype != np.uint8 or codes.ndim != 2 or len(arrays["classes"]) != codes.shape[1]
            or len(arrays["rows"]) != len(arrays["outputs"])):
        logger.warning("language model cache %s does not fit the model; rebuilding it", path)
        return None
    return arrays


def _write_model_cache(path: Path, arrays: dict[str, Any]) -> None:
    import numpy as np

    from archive.atomic import atomic_write

    try:
        atomic_write(path, lambda handle: np.savez(handle, **arrays))  # whole file or none
        for stale in path.parent.glob("langid-*.npz"):  # made from an earlier py3langid
            if stale != path:
                with contextlib.suppress(OSError):
                    stale.unlink()
    except OSError as error:  # a read-only home: every start unpacks the model instead
        logger.debug("cannot cache the language model in %s: %s", path, error)


def load_identifier(cache: bool = True):
    """py3langid's identifier over the 8-bit table, from the cache file when there is one."""
    from array import array

    from py3langid.langid import LanguageIdentifier

    path = None
    if cache:
        with contextlib.suppress(RuntimeError):  # no home directory to find a cache in
            path = model_cache_file()
    arrays = _read_model_cache(path) if path else None
    if arrays is None:
        arrays = _model_from_package()
        if path:
            _write_model_cache(path, arrays)
    # The DFA walk indexes these per byte of text: stdlib arrays and lists, as py3langid's own
    # loader gives them, are several times faster to index from Python than numpy arrays.
    nextmove, rows = (array(arrays[name].dtype.char) for name in ("nextmove", "rows"))
    nextmove.frombytes(memoryview(arrays["nextmove"]).cast("B"))
    rows.frombytes(memoryview(arrays["rows"]).cast("B"))
    table = QuantizedTable.from_parts(arrays["codes"], arrays["offset"], arrays["scale"])
    return LanguageIdentifier(table, arrays["priors"], arrays["classes"].tolist(), nextmove,
                              arrays["outputs"].tolist(), norm_probs=True, tk_row=rows)


@lru_cache(maxsize=1)
def _identifier():  # loaded once per process (forked workers share the parent's)
    return load_identifier()


QUICK_CHARS = 3_000  # a first look: the opening of an article says its language
SURE = 0.9999  # ... when the model is this sure; else it reads up to MAX_DETECT_CHARS
MAX_DETECT_CHARS = 20_000


def detect_language(text: str) -> tuple[str, float]:
    """py3langid over all its languages; returns (ISO 639-1 code, probability).

    The model's cost is linear in the text: the first QUICK_CHARS decide when it is sure of
    them (nearly every article), the first MAX_DETECT_CHARS otherwise.
    """
    lang, prob = _identifier().classify(text[:QUICK_CHARS])
    if prob < SURE and len(text) > QUICK_CHARS:
        lang, prob = _identifier().classify(text[:MAX_DETECT_CHARS])
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
