"""Text normalisation shared by every understanding engine: one definition, used in training and serving."""
from __future__ import annotations

import unicodedata
from functools import cache


@cache
def _t2s():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """NFKC (full-width to half-width), traditional to simplified, lower case, collapsed whitespace."""
    text = unicodedata.normalize("NFKC", text)
    return " ".join(_t2s().convert(text).lower().split())


SENTENCE_ENDS = frozenset("。！？!?；;\n")


def complete_sentences(text: str) -> tuple[list[str], str]:
    """The whole sentences at the start of ``text`` (each with its end mark) and the unfinished rest:
    the unit that streamed text is checked and released in."""
    sentences, start = [], 0
    for i, ch in enumerate(text):
        if ch in SENTENCE_ENDS:
            sentences.append(text[start:i + 1])
            start = i + 1
    return sentences, text[start:]
