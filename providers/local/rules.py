"""Regex entities: money and legal references, plus titled surnames ("Mr. Price").

spaCy's small model misses "approximately €3.2 million" and "$850,000" (ENGINES.md §3), and
it has no notion of a citation, so these come from rules. Each match is (start, end, type,
name) in page coordinates; overlaps are resolved longest-first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analysis.schema import EntityType

_QUAL = (
    r"(?:(?:approximately|about|roughly|nearly|almost|over|under|more\s+than|less\s+than"
    r"|up\s+to|in\s+excess\s+of)\s+)?"
)
_SCALE = r"(?:\s?(?:million|billion|thousand|trillion|[MmBbKk]n?)\b)?"
_NUM = r"\d{1,3}(?:[,.\s]\d{3})*(?:[.,]\d{1,2})?(?!\d)|\d+(?:[.,]\d{1,2})?"
MONEY = re.compile(
    rf"{_QUAL}(?:(?:US|A|C|NZ|HK)?[$€£¥₹]|\b(?:USD|EUR|GBP|JPY|CHF|CAD|AUD)\s?)\s?(?:{_NUM}){_SCALE}"
    rf"|{_QUAL}\b(?:{_NUM}){_SCALE}\s(?:dollars|euros?|Euro|pounds(?:\s+sterling)?|baht|บาท|yen|USD|EUR|GBP|THB|JPY)\b",
    re.IGNORECASE,
)
_SUBDIV = r"(?:\s?\([a-zA-Z0-9]{1,4}\))*"
_REPORTERS = (
    r"U\.\s?S\.|S\.\s?Ct\.|L\.\s?Ed\.(?:\s?2d)?|F\.(?:\s?(?:2d|3d|4th))?|F\.\s?Supp\.(?:\s?[23]d)?"
    r"|F\.\s?App'x|B\.R\.|A\.(?:\s?[23]d)?|P\.(?:\s?[23]d)?|N\.E\.(?:\s?[23]d)?|N\.W\.(?:\s?2d)?"
    r"|S\.E\.(?:\s?2d)?|S\.W\.(?:\s?[23]d)?|So\.(?:\s?[23]d)?|Cal\.\s?Rptr\.(?:\s?[23]d)?"
    r"|N\.Y\.S\.(?:\s?[23]d)?|Del\.\s?Ch\.|WL|Ill\.(?:\s?2d)?"
)
_PARTY = r"(?:[A-Z][\w.&'\-]*,?\s+(?:(?:of|the|and|&|de|ex\s+rel\.)\s+)?){0,5}[A-Z][\w.&'\-]*"
LEGAL = re.compile(
    rf"\b\d+\s+U\.\s?S\.\s?C\.(?:\s?A\.)?\s*§§?\s*\d+[\w\-.]*?{_SUBDIV}(?=[\s,;.)]|$)"
    rf"|\b\d+\s+C\.\s?F\.\s?R\.\s*(?:§§?|[Pp]art|pt\.)?\s*\d+(?:\.\d+[a-z]?(?:-\d+)?)*{_SUBDIV}"
    rf"|\bFed(?:eral|\.)\s+R(?:ules?|\.)\s+(?:of\s+)?(?:Civ(?:il|\.)\s+P(?:roc(?:edure|\.)?|\.)"
    rf"|Evid(?:ence|\.)|Crim(?:inal|\.)\s+P(?:roc(?:edure|\.)?|\.)|App(?:ellate|\.)\s+P\.)\s*\d+{_SUBDIV}"
    rf"|\b(?:{_PARTY}\s+v\.\s+{_PARTY}|In\s+re\s+{_PARTY}),\s+\d{{1,4}}\s+(?:{_REPORTERS})\s+\d+"
    rf"(?:,\s*\d+(?:-\d+)?)?(?:\s*\([^()]{{0,40}}\d{{4}}\))?"
    rf"|\b(?:Section|Sec\.|Article|Art\.|Rule|Clause)\s+\d+(?:\.\d+)*[a-z]?{_SUBDIV}"
    rf"|§§?\s*\d+(?:\.\d+)*[a-z]?{_SUBDIV}"
)
TITLED = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof|Judge|Justice|Hon|Det|Officer|Agent)\.?\s+"
    r"(?P<name>[A-Z][a-zA-Z'\-]+(?:\s+[A-Z][a-zA-Z'\-]+)?)"
)


@dataclass(frozen=True, slots=True)
class RuleMatch:
    start: int
    end: int
    type: EntityType
    name: str


_LEAD = re.compile(r"^(?:(?:See|see|In|Cf\.|But|Also|Accord|Under)\s+)+(?!re\b)")


def _clean(text: str) -> str:
    return _LEAD.sub("", re.sub(r"\s+", " ", text).strip(" ,;"))


def find_rules(text: str) -> list[RuleMatch]:
    """Money, legal references and titled names in `text`, non-overlapping."""
    found = [
        RuleMatch(m.start(), m.end(), "money", _clean(m.group())) for m in MONEY.finditer(text)
    ]
    found += [
        RuleMatch(m.start(), m.end(), "legal_reference", _clean(m.group()))
        for m in LEGAL.finditer(text)
    ]
    found += [
        RuleMatch(m.start("name"), m.end("name"), "person", m["name"])
        for m in TITLED.finditer(text)
    ]
    found.sort(key=lambda r: (r.start, -(r.end - r.start)))
    kept: list[RuleMatch] = []
    for match in found:
        if kept and match.start < kept[-1].end:
            continue
        kept.append(match)
    return kept
