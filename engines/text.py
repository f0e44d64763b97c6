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
