"""PII detectors with checksums: emails, phones, US SSNs, payment cards (Luhn), IBANs (mod 97).

Each hit becomes a `pii` flag whose quote keeps the raw value in its context: this is a
discovery report, and reviewers need to see what was found. Dates and amounts do not match:
phones need separators or a leading +, SSNs need the 3-2-4 shape or an SSN label, cards
need a known prefix and a valid Luhn digit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

EMAIL = re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,24}\b")
PHONE_NANP = re.compile(
    r"(?<![\w+/.-])(?:\+?1[\s.-]?)?(?:\((?P<a1>[2-9]\d{2})\)\s?|(?P<a2>[2-9]\d{2})[\s.-])"
    r"(?P<x>[2-9]\d{2})[\s.-](?P<n>\d{4})(?![\w/-])"
)
PHONE_INTL = re.compile(
    r"(?<![\w+])\+(?!1[\s.(-]?[2-9]\d{2}\b)[1-9]\d{0,2}(?:[\s.-]?\(?\d{1,5}\)?){2,5}(?![\w-])"
)
SSN = re.compile(r"(?<![\w-])(?P<a>\d{3})-(?P<g>\d{2})-(?P<s>\d{4})(?![\w-])")
SSN_LABELLED = re.compile(
    r"\b(?:SSN|social\s+security(?:\s+(?:number|no\.?|#))?)\s*[:#]?\s*(?P<a>\d{3})[\s-]?(?P<g>\d{2})[\s-]?(?P<s>\d{4})\b",
    re.IGNORECASE,
)
CARD = re.compile(r"(?<![\w-])(?:\d[ -]?){12,18}\d(?![\w-])")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
_IBAN_LENGTHS = {
    "DE": 22, "GB": 22, "FR": 27, "ES": 24, "IT": 27, "NL": 18, "BE": 16, "CH": 21, "AT": 20,
    "IE": 22, "PT": 25, "LU": 20, "SE": 24, "NO": 15, "DK": 18, "FI": 18, "PL": 28, "CZ": 24,
}  # fmt: skip
_CARD_PREFIX = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|6(?:011|5|4[4-9])|35|3(?:0[0-5]|[689]))")


@dataclass(frozen=True, slots=True)
class PiiHit:
    start: int
    end: int
    subtype: str
    reason: str


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def ssn_ok(area: str, group: str, serial: str) -> bool:
    """SSA rules: area not 000, 666 or 900–999; group not 00; serial not 0000."""
    a = int(area)
    return a != 0 and a != 666 and a < 900 and group != "00" and serial != "0000"


def iban_ok(raw: str) -> bool:
    iban = raw.replace(" ", "")
    expected = _IBAN_LENGTHS.get(iban[:2])
    if (expected is not None and len(iban) != expected) or not 15 <= len(iban) <= 34:
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def _emails(text: str) -> Iterator[PiiHit]:
    for m in EMAIL.finditer(text):
        yield PiiHit(m.start(), m.end(), "email", "email address")


def _phones(text: str) -> Iterator[PiiHit]:
    for m in PHONE_NANP.finditer(text):
        yield PiiHit(m.start(), m.end(), "phone", "North American phone number")
    for m in PHONE_INTL.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 8 <= len(digits) <= 15:
            yield PiiHit(m.start(), m.end(), "phone", "international (E.164) phone number")


def _ssns(text: str) -> Iterator[PiiHit]:
    for pattern in (SSN, SSN_LABELLED):
        for m in pattern.finditer(text):
            if ssn_ok(m["a"], m["g"], m["s"]):
                start = m.start("a")
                yield PiiHit(
                    start, m.end(), "us_ssn", "US social security number (valid area/group/serial)"
                )


def _cards(text: str) -> Iterator[PiiHit]:
    for m in CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and _CARD_PREFIX.match(digits) and luhn_ok(digits):
            yield PiiHit(
                m.start(), m.end(), "payment_card", "payment card number (passes Luhn check)"
            )


def _ibans(text: str) -> Iterator[PiiHit]:
    for m in IBAN.finditer(text):
        if iban_ok(m.group()):
            yield PiiHit(m.start(), m.end(), "iban", "IBAN (passes mod-97 check)")


_DETECTORS: tuple[Callable[[str], Iterator[PiiHit]], ...] = (
    _emails,
    _ibans,
    _cards,
    _ssns,
    _phones,
)


def find_pii(text: str) -> list[PiiHit]:
    """Non-overlapping PII hits in `text`; earlier detectors win (a card is not also a phone)."""
    hits: list[PiiHit] = []
    for detector in _DETECTORS:
        for hit in detector(text):
            if all(hit.end <= h.start or h.end <= hit.start for h in hits):
                hits.append(hit)
    return sorted(hits, key=lambda h: h.start)
