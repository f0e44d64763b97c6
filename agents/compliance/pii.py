"""PII guard: 18-digit resident ID numbers (GB 11643 checksum), bank cards (Luhn) and mainland
mobile numbers are masked to their last 4 digits in any outgoing text."""
from __future__ import annotations

import re
from dataclasses import dataclass

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
SEPARATORS = "\\s\\-\u200b\u200c\u200d\u2060\ufeff"  # spaces, hyphens and zero-width joiners inside a number
DIGIT_RUN = re.compile(rf"(?<![0-9A-Za-z])(\d[\d{SEPARATORS}]{{9,30}}[\dXx])(?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")


@dataclass(frozen=True)
class PiiFinding:
    kind: str  # id_number | bank_card | mobile
    start: int
    end: int


def valid_id_number(digits: str) -> bool:
    if len(digits) != 18 or not digits[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11] == digits[17].upper()


def luhn_ok(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def find_pii(text: str) -> list[PiiFinding]:
    found = []
    for m in DIGIT_RUN.finditer(text):
        digits = re.sub(rf"[{SEPARATORS}]", "", m.group(1))
        if valid_id_number(digits):
            found.append(PiiFinding("id_number", m.start(1), m.end(1)))
        elif 16 <= len(digits) <= 19 and luhn_ok(digits):
            found.append(PiiFinding("bank_card", m.start(1), m.end(1)))
    for m in MOBILE.finditer(text):
        if not any(f.start <= m.start() < f.end for f in found):
            found.append(PiiFinding("mobile", m.start(1), m.end(1)))
    return sorted(found, key=lambda f: f.start)


def mask_pii(text: str) -> tuple[str, list[PiiFinding]]:
    """``text`` with every finding masked except its last 4 digits."""
    findings = find_pii(text)
    out, last = [], 0
    for f in findings:
        value = text[f.start:f.end]
        digits_seen = 0
        masked = []
        total_digits = sum(c.isalnum() for c in value)
        for c in value:
            if c.isalnum():
                digits_seen += 1
                masked.append(c if digits_seen > total_digits - 4 else "*")
            else:
                masked.append(c)
        out.append(text[last:f.start] + "".join(masked))
        last = f.end
    out.append(text[last:])
    return "".join(out), findings
