"""Find dates with a year in page text and normalise them to ISO 8601.

English month names and numeric forms are normalised here, exactly; other languages'
month names ("12 mars 2021", "3 de marzo de 2021") go through `dateparser.parse` with
`PREFER_DAY_OF_MONTH=first`. A date without a day keeps month precision ("2023-06").
Dates without a year are skipped: any year we filled in would be invented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_M = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_ORD = r"(?:st|nd|rd|th)?"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("mdy", re.compile(rf"\b(?P<m>{_M})\.?\s+(?P<d>\d{{1,2}}){_ORD},?\s+(?P<y>\d{{4}})\b")),
    (
        "dmy",
        re.compile(
            rf"\b(?P<d>\d{{1,2}})(?:\.|{_ORD})\s+(?:day\s+)?(?:of\s+)?(?P<m>{_M})\.?,?\s+(?P<y>\d{{4}})\b"
        ),
    ),
    ("my", re.compile(rf"\b(?P<m>{_M})\.?,?\s+(?:of\s+)?(?P<y>\d{{4}})\b")),
    ("iso", re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b")),
    ("slash", re.compile(r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4}|\d{2})(?![\d/])")),
    ("dot", re.compile(r"(?<![\d.])(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})(?![\d.])")),
    (
        "cjk",
        re.compile(
            r"(?P<y>\d{4})\s*[年년]\s*(?P<m>\d{1,2})\s*[月월](?:\s*(?P<d>\d{1,2})\s*[日일])?"
        ),
    ),
]
_FOREIGN = re.compile(
    r"(?<!\d)(?P<d>\d{1,2})\.?\s+(?:de\s+)?(?P<w>[^\s\d.,;:()\[\]\"'/]{3,15})\.?,?\s+(?:de\s+)?"
    r"(?P<y>\d{4})(?!\d)"
)


@dataclass(frozen=True, slots=True)
class DateMention:
    start: int
    end: int
    text: str
    iso: str | None


def _iso(year: int, month: int, day: int | None, language: str | None) -> str | None:
    if year < 100:
        year += 2000 if year < 50 else 1900
    if language == "th" and year > 2400:  # Buddhist era
        year -= 543
    if not 1800 <= year <= 2100:
        return None
    try:
        date(year, month, day or 1)
    except ValueError:
        return None
    return f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")


def _from_match(kind: str, m: re.Match[str], language: str | None) -> str | None:
    year = int(m["y"])
    if kind in ("mdy", "dmy", "my"):
        month = _MONTHS[m["m"][:3].lower()]
        return _iso(year, month, int(m["d"]) if kind != "my" else None, language)
    if kind == "slash":
        first, second = int(m["a"]), int(m["b"])
        month_first = (language in (None, "en") and first <= 12) or second > 12
        month, day = (first, second) if month_first else (second, first)
        return _iso(year, month, day, language)
    day_text = m["d"] if "d" in m.groupdict() else None
    return _iso(year, int(m["m"]), int(day_text) if day_text else None, language)


@lru_cache(maxsize=4096)
def parse_foreign(text: str, language: str | None) -> str | None:
    """Normalise a non-English date string with dateparser (slow: cached)."""
    import dateparser

    settings = {"PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["day", "month", "year"]}
    languages = [language] if language else None
    try:
        parsed = dateparser.parse(text, languages=languages, settings=settings)
    except (ValueError, LookupError):
        parsed = dateparser.parse(text, settings=settings)
    if parsed is None:
        return None
    return _iso(parsed.year, parsed.month, parsed.day, language)


def find_dates(text: str, language: str | None) -> list[DateMention]:
    """Non-overlapping dates in `text`, earliest first; longer matches win ties."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            iso = _from_match(kind, m, language)
            if iso is not None:
                found.append(DateMention(m.start(), m.end(), m.group(), iso))
                taken.append((m.start(), m.end()))
    if language not in (None, "en"):
        for m in _FOREIGN.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            iso = parse_foreign(m.group(), language)
            if iso is not None:
                found.append(DateMention(m.start(), m.end(), m.group(), iso))
                taken.append((m.start(), m.end()))
    return sorted(found, key=lambda d: d.start)
