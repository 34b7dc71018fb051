"""Indicators of attorney–client privilege and attorney work product (English).

These are review flags, not conclusions: a human decides privilege. A "legal advice"
mention only counts when counsel is named close by (an attorney, counsel, "Esq.", a law firm).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_RULES: list[tuple[str, str, re.Pattern[str]]] = [
    (
        "attorney_client",
        "marked privileged and confidential",
        re.compile(r"\bprivileged\s*(?:&|and)\s*confidential\b", re.IGNORECASE),
    ),
    (
        "attorney_client",
        "attorney–client privilege indicator",
        re.compile(
            r"\battorney[\s\-–]+client\s+(?:privileged?|communications?|privilege)\b"
            r"|\bprivileged\s+(?:and\s+confidential\s+)?attorney[\s\-–]+client\b"
            r"|\bconfidential\s+(?:legal\s+)?communication\s+with\s+counsel\b",
            re.IGNORECASE,
        ),
    ),
    (
        "work_product",
        "attorney work product indicator",
        re.compile(
            r"\b(?:attorney|counsel)[\s\-]+work[\s\-]+product\b"
            r"|\bwork[\s\-]+product\s+(?:doctrine|protected|privilege|protection)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "work_product",
        "prepared in anticipation of litigation or at counsel's direction",
        re.compile(
            r"\bprepared\s+(?:\w+\s+){0,3}(?:in\s+anticipation\s+of\s+litigation"
            r"|at\s+the\s+(?:direction|request)\s+of\s+(?:legal\s+)?counsel)\b",
            re.IGNORECASE,
        ),
    ),
]
_ADVICE = re.compile(r"\blegal\s+(?:advice|opinion|counsel)\b", re.IGNORECASE)
_COUNSEL = re.compile(
    r"\b(?:counsel|attorneys?|lawyers?|law\s+firm|legal\s+department|LLP)\b|\bEsq\.",
    re.IGNORECASE,
)
NEAR = 200  # characters either side of "legal advice" searched for counsel


@dataclass(frozen=True, slots=True)
class PrivilegeHit:
    start: int
    end: int
    subtype: str
    reason: str


def find_privilege(text: str) -> list[PrivilegeHit]:
    hits = [
        PrivilegeHit(m.start(), m.end(), subtype, f"{reason}: “{' '.join(m.group().split())}”")
        for subtype, reason, pattern in _RULES
        for m in pattern.finditer(text)
    ]
    for m in _ADVICE.finditer(text):
        lo, hi = max(0, m.start() - NEAR), min(len(text), m.end() + NEAR)
        near = _COUNSEL.search(text, lo, hi)
        if near is not None and not (m.start() <= near.start() < m.end()):
            reason = (
                f"request for or giving of legal advice near “{' '.join(near.group().split())}”"
            )
            hits.append(PrivilegeHit(m.start(), m.end(), "attorney_client", reason))
    return sorted(hits, key=lambda h: h.start)
