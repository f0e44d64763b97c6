"""Loan purposes and the purposes a product's own terms exclude.

A product is offered for a purpose only when the catalogue lists it *and* its terms do not exclude
it: "用于装修、购车以外的大额家庭消费" excludes 装修 and 购车, "不得用于购房" excludes 购房. The terms
win over the purpose list, so a data-entry slip can never offer a product against its contract.
"""
from __future__ import annotations

import re

PURPOSES = ("装修", "经营", "购车", "购房", "消费", "教育")
# Words a contract uses for each purpose.
PURPOSE_WORDS = {"装修": ("装修",), "经营": ("经营", "生产经营"), "购车": ("购车", "买车", "汽车"),
                 "购房": ("购房", "买房", "住房贷款", "房产"), "消费": (), "教育": ("教育", "学费", "留学")}
EXCLUSION = re.compile(r"(?:用于|用在)([^。；;，]*?)以外|(?:不得|不能|不可|禁止)(?:用于|用作|投向)([^。；;]*)")


def excluded_purposes(terms: str) -> set[str]:
    """The purposes ``terms`` (a product description or contract clause) rule out."""
    excluded: set[str] = set()
    for m in EXCLUSION.finditer(terms or ""):
        span = m.group(1) or m.group(2)
        excluded |= {p for p, words in PURPOSE_WORDS.items() if any(w in span for w in words)}
    return excluded


def serves(purposes: list[str], terms: str) -> list[str]:
    """The listed purposes a product really serves: those its terms do not exclude."""
    ruled_out = excluded_purposes(terms)
    return [p for p in purposes if p not in ruled_out]
