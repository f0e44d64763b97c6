"""Banned-phrase lexicon matched with Aho-Corasick over normalised text."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import ahocorasick

# Obfuscation that must not hide a phrase ("保.本", "稳 赚"): whitespace, zero-width, separators.
IGNORED = set(" \t\r\n\u200b\u200c\u200d\ufeff.·•_-*~|/\\")


@dataclass(frozen=True)
class LexiconEntry:
    phrase: str
    category: str
    severity: str  # rewrite | block
    rule: str


@dataclass(frozen=True)
class Hit:
    entry: LexiconEntry
    start: int  # span in the original text, end exclusive
    end: int


def normalise(text: str) -> tuple[str, list[int]]:
    """NFKC (full-width to half-width), lower-case, drop obfuscators; keeps a map to original offsets."""
    chars, origin = [], []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch).lower():
            if c not in IGNORED:
                chars.append(c)
                origin.append(i)
    return "".join(chars), origin


class Lexicon:
    def __init__(self, entries: list[LexiconEntry]) -> None:
        if not entries:
            raise ValueError("empty lexicon")
        self.entries = entries
        self._automaton = ahocorasick.Automaton()
        for entry in entries:
            key, _ = normalise(entry.phrase)
            self._automaton.add_word(key, (len(key), entry))
        self._automaton.make_automaton()

    @classmethod
    def from_tsv(cls, path: Path) -> Lexicon:
        entries = []
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 4 or cols[2] not in ("rewrite", "block"):
                raise ValueError(f"{path.name}:{n}: want phrase, category, rewrite|block, rule")
            entries.append(LexiconEntry(*cols))
        return cls(entries)

    def scan(self, text: str) -> list[Hit]:
        norm, origin = normalise(text)
        hits = []
        for end, (length, entry) in self._automaton.iter(norm):
            start = end - length + 1
            hits.append(Hit(entry, origin[start], origin[end] + 1))
        return hits
