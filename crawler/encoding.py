"""Bytes of a page to text: declared encodings in order of trust, then detection, verified.

Order: a byte-order mark, the HTTP ``Content-Type`` charset, the page's ``<meta charset>``,
UTF-8, then detection (charset-normalizer, limited to the encodings our sites use). Each
candidate is accepted only when the text it gives is not mojibake: bytes that are valid UTF-8
are UTF-8 whatever the page declares, and words that mix Latin and Cyrillic letters,
Cyrillic in capitals throughout (KOI8-R read as windows-1251 or the reverse), Latin words made
mostly of accented letters (windows-1251 read as Latin-1) or replacement characters betray a
wrong guess.
"""

from __future__ import annotations

import codecs
import re

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

# Encodings the detector may choose from: our three languages and their neighbours.
DETECTABLE = ("utf_8", "cp1251", "koi8_r", "cp1254", "iso8859_9", "cp1252", "koi8_u",
              "cp866", "iso8859_5", "mac_cyrillic")
FALLBACKS = ("utf-8", "cp1251", "cp1254", "koi8_r", "cp1252")
SAMPLE_CHARS = 300_000
SAMPLE_WORDS = 2_000
MAX_SUSPICIOUS = 0.2  # share of non-ASCII words that look garbled
_NON_ASCII_WORD = re.compile(r"[^\W\d_]*[^\x00-\x7f\W\d_][^\W\d_]*")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN1_SOUP = re.compile(r"[\u00c0-\u00ff]")
_ICELANDIC = re.compile(r"[ðýþÐÝÞ]")


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("'\"")).name
    except LookupError:
        return None


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def suspicion(text: str) -> float:
    """Share of the non-ASCII words in ``text`` that look like mojibake (0 when there are none)."""
    words = _NON_ASCII_WORD.findall(text[:SAMPLE_CHARS])[:SAMPLE_WORDS]
    bad = replaced = text.count("\ufffd", 0, SAMPLE_CHARS)
    if not words and not replaced:
        return 0.0
    for word in words:
        latin = len(_LATIN.findall(word))
        cyrillic = len(_CYRILLIC.findall(word))
        if latin and cyrillic:
            bad += 1
        elif cyrillic >= 3 and word.isupper() and len(word) == cyrillic:
            bad += 0.5  # capitals are legitimate in headlines; garbling makes nearly all of them
        elif latin >= 4 and len(_LATIN1_SOUP.findall(word)) * 2 > len(word):
            bad += 1  # windows-1251 read as Latin-1: "Ïðèâåò"
        elif _ICELANDIC.search(word):
            bad += 1  # windows-1254 read as Latin-1: "Türkiye'nin" with ý, þ, ð for ı, ş, ğ
    return min(1.0, bad / (len(words) + replaced))


def looks_mojibake(text: str, codec: str, body: bytes) -> bool:
    """True when ``text`` (``body`` decoded as ``codec``) is not what the page says."""
    if codec != "utf-8" and not body.isascii() and _is_utf8(body):
        return True  # multi-byte UTF-8 sequences do not happen by chance in single-byte text
    return suspicion(text) > MAX_SUSPICIOUS


def _detected(body: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(body[:400_000], cp_isolation=list(DETECTABLE)).best()
    return _codec(best.encoding) if best else None


def decode_html(body: bytes | str, encoding: str | None = None) -> str:
    """Text of ``body``: HTTP-declared encoding, BOM, meta charset, UTF-8, detection; verified.

    ``encoding`` is the charset of the HTTP ``Content-Type`` header (or the whole header).
    """
    if isinstance(body, str):
        return body
    bom_codec, bom = read_bom(body)
    if bom_codec:
        return body[len(bom):].decode(bom_codec, "replace")
    header = http_content_type_encoding(encoding) if encoding and "charset" in encoding.lower() \
        else encoding
    if _is_utf8(body):  # valid UTF-8 is UTF-8 whatever the page declares (see looks_mojibake)
        return body.decode("utf-8")
    tried: dict[str, str] = {}
    for name in (header, html_body_declared_encoding(body[:8192]), "utf-8", "detect"):
        codec = _detected(body) if name == "detect" else _codec(name)
        if not codec or codec in tried:
            continue
        if codec in ("latin-1", "iso8859-1", "ascii"):
            codec = "cp1252"  # what browsers do with a latin-1 or ASCII declaration
        text = body.decode(codec, "replace")
        if not looks_mojibake(text, codec, body):
            return text
        tried[codec] = text
    for codec in FALLBACKS:
        if codec not in tried:
            tried[codec] = body.decode(codec, "replace")
    return min(tried.values(), key=suspicion)
