"""Chinese text as every stage and engine reads it: one normaliser (and the matching form the
compliance lexicon needs, with offsets), one sentence splitter. Used in training and serving alike."""
from __future__ import annotations

import re
import unicodedata
from functools import cache


@cache
def _t2s():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """NFKC (full-width to half-width), traditional to simplified, lower case, emoji as spaces ("多谢🙏"),
    collapsed whitespace."""
    text = "".join(" " if _pictograph(c) else c for c in unicodedata.normalize("NFKC", text))
    return " ".join(_t2s().convert(text).lower().split())


def _pictograph(c: str) -> bool:
    """Emoji and other pictographic symbols, with the joiners and selectors that build them."""
    return (unicodedata.category(c) == "So" or c == "\u200d" or "\ufe00" <= c <= "\ufe0f"
            or "\U0001f3fb" <= c <= "\U0001f3ff")  # skin tones


CLAUSE_ENDS = frozenset("。！？!?；;\n，,：:")


def matching_form(text: str) -> tuple[str, list[int]]:
    """Matching form of ``text`` and, for each of its characters, the offset in ``text``.

    Clause ends survive as ',' so negation never reaches across them; other punctuation,
    symbols, whitespace and format characters vanish.
    """
    chars: list[str] = []
    origin: list[int] = []
    simplified = _t2s().convert(text)
    if len(simplified) != len(text):  # OpenCC is character-for-character for these tables
        simplified = text
    for i, ch in enumerate(simplified):
        for c in unicodedata.normalize("NFKC", ch).lower():
            if c in CLAUSE_ENDS:
                c = ","
            elif c == "%":
                pass
            elif unicodedata.category(c)[0] in "PZC" or c in "·•~`^|*_-+=<>":
                continue
            chars.append(c)
            origin.append(i)
    return "".join(chars), origin


SENTENCE_ENDS = frozenset("。！？!?；;\n")
SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;\n]?")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-blank sentence of ``text``, its end mark included."""
    return [m.span() for m in SENTENCE.finditer(text) if m.group(0).strip()]


def complete_sentences(text: str) -> tuple[list[str], str]:
    """The whole sentences at the start of ``text`` (each with its end mark) and the unfinished rest:
    the unit that streamed text is checked and released in."""
    sentences, start = [], 0
    for i, ch in enumerate(text):
        if ch in SENTENCE_ENDS:
            sentences.append(text[start:i + 1])
            start = i + 1
    return sentences, text[start:]
