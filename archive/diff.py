"""Readable word-level differences between two versions of an article."""

from __future__ import annotations

from difflib import SequenceMatcher

CONTEXT_WORDS = 6  # unchanged words kept around each change


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Pieces ('=', text), ('-', removed), ('+', added); long unchanged runs shortened with …

    Empty when the texts have the same words.
    """
    a, b = old.split(), new.split()
    matcher = SequenceMatcher(a=a, b=b, autojunk=False)
    if matcher.ratio() == 1.0:
        return []
    pieces: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            same = a[i1:i2]
            if len(same) > 2 * CONTEXT_WORDS:
                same = [*same[:CONTEXT_WORDS], "…", *same[-CONTEXT_WORDS:]]
            pieces.append(("=", " ".join(same)))
            continue
        if i2 > i1:
            pieces.append(("-", " ".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("+", " ".join(b[j1:j2])))
    if pieces and pieces[0][0] == "=":
        pieces[0] = ("=", "… " + " ".join(pieces[0][1].split()[-CONTEXT_WORDS:]))
    return pieces
