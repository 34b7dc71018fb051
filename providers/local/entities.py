"""Merge NER, rule and date matches into schema `Entity` objects with page-cited mentions.

spaCy's small model mislabels bare surnames (ORG, GPE) and misses many repeats, so:
- overlaps: rule types (money, date, legal reference) beat spaCy, then the longer span wins;
- junk (emails, "Exhibit 14", "Esq") is dropped; a company suffix makes an organization;
- alias rule: a one-word name equal to the surname (or first name) of exactly one known
  multi-word person is that person ("Price" tagged ORG ⇒ "Robert Price");
- known full names and surnames are also found where spaCy missed them;
- an unknown one-word "person" right after "in/at/to/near" is a place; a name's type is
  its most frequent one.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

from analysis.schema import Entity, EntityType, Mention
from providers.local.text import Page

_RULE_TYPES = frozenset({"money", "date", "legal_reference"})
_NAMED = ("person", "organization", "place")
_JUNK = re.compile(
    r"@|https?:|^(?:Exhibit|Ex|Tab|Page|Esq|Q|A|Social Security|Court|Counsel|Witness)\b\.?\s*\d*$",
    re.IGNORECASE,
)
_COMPANY = re.compile(
    r"\b(?:Inc|LLC|LLP|L\.L\.C|Ltd|Corp|Corporation|Co|Company|B\.V|N\.V|GmbH|AG|S\.A|PLC|plc"
    r"|L\.P|LP|Bank|Holdings|Partners|Group|Trust)\.?$"
)
# Words that end company names far more often than people's or places' names; spaCy's small
# model tags "Apex Biotech" or "Silverline Freight" PERSON when it has not seen them.
_SECTOR = re.compile(
    r"\s(?:Biotech|Bio|Pharma|Pharmaceuticals|Therapeutics|Health|Healthcare|Medical|Energy"
    r"|Power|Capital|Ventures|Investments|Insurance|Assurance|Freight|Logistics|Shipping"
    r"|Airlines|Motors|Industries|Manufacturing|Systems|Technologies|Technology|Software"
    r"|Labs|Laboratories|Networks|Media|Foods|Brands|Realty|Properties|Securities|Advisors"
    r"|Consulting|Solutions|Services|Associates|Enterprises)$"
)
_OF_COMPANY = re.compile(r"\s+of\s+.*$")  # "Lucia Okafor of Cobalt Ridge Capital" → the person
_SUFFIX = re.compile(r",?\s+(?:Inc|LLC|LLP|Ltd|Corp|Co|B\.V|N\.V|GmbH|AG|S\.A|PLC|L\.P)\.?$", re.I)
_LOCATIVE = re.compile(r"\b(?:in|at|to|near|from|via)\s+(?:the\s+)?$")


@dataclass(frozen=True, slots=True)
class Found:
    page: int
    start: int
    end: int
    type: EntityType
    name: str
    text: str = ""  # surface form, when `name` is a normalised value (dates)


def _resolve_overlaps(found: list[Found]) -> list[Found]:
    ranked = sorted(found, key=lambda f: (f.type not in _RULE_TYPES, -(f.end - f.start), f.start))
    kept: dict[int, list[Found]] = defaultdict(list)
    for item in ranked:
        if all(item.end <= k.start or k.end <= item.start for k in kept[item.page]):
            kept[item.page].append(item)
    return sorted((f for group in kept.values() for f in group), key=lambda f: (f.page, f.start))


def _people(found: list[Found]) -> dict[str, str]:
    """Surname or first name (casefolded) → the one multi-word person it can only mean."""
    owners: dict[str, set[str]] = defaultdict(set)
    for item in found:
        words = item.name.split()
        if item.type == "person" and len(words) >= 2:
            owners[words[-1].casefold()].add(item.name)
            owners.setdefault(words[0].casefold(), set()).add(item.name)
    return {part: next(iter(names)) for part, names in owners.items() if len(names) == 1}


def _first_names(found: list[Found]) -> set[str]:
    """First words shared by two or more different multi-word people ("Tomas" in "Tomas
    Patel" and "Tomas Rossi"): a name starting with one is a person, whatever spaCy said."""
    people: dict[str, set[str]] = defaultdict(set)
    for item in found:
        words = item.name.split()
        if item.type == "person" and len(words) >= 2:
            people[words[0].casefold()].add(item.name)
    return {first for first, names in people.items() if len(names) >= 2}


def _retype(
    item: Found,
    pages: list[Page],
    owners: dict[str, str],
    first_names: frozenset[str] | set[str] = frozenset(),
) -> Found | None:
    if item.type not in _NAMED:
        return item
    if _JUNK.search(item.name):
        return None
    words = item.name.split()
    if len(words) == 1 and words[0].casefold() in owners:
        return replace(item, type="person", text=item.name, name=owners[words[0].casefold()])
    if item.type == "person" and _OF_COMPANY.search(item.name):
        name = _OF_COMPANY.sub("", item.name)
        return replace(item, name=name, text=name, end=item.start + len(name))
    if _COMPANY.search(item.name) or (len(words) >= 2 and _SECTOR.search(item.name)):
        return replace(item, type="organization")
    if item.type != "person" and len(words) == 2 and words[0].casefold() in first_names:
        return replace(item, type="person")
    before = pages[item.page].text[max(0, item.start - 12) : item.start]
    if item.type == "person" and len(words) == 1 and _LOCATIVE.search(before):
        return replace(item, type="place")
    return item


def _gazetteer(pages: list[Page], found: list[Found], owners: dict[str, str]) -> list[Found]:
    """Mentions of known people that spaCy missed (full name, surname or first name)."""
    names = {n for n in owners.values()} | {k for k in owners if len(k) >= 3}
    if not names:
        return found
    forms = sorted({n if " " in n else n.capitalize() for n in names}, key=len, reverse=True)
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(f) for f in forms) + r")\b")
    extra: list[Found] = []
    for index, page in enumerate(pages):
        for m in pattern.finditer(page.text):
            name = owners.get(m.group().casefold(), m.group())
            extra.append(Found(index, m.start(), m.end(), "person", name, m.group()))
    return [*found, *extra]


def _key(item: Found) -> str:
    return (
        _SUFFIX.sub("", item.name).casefold()
        if item.type == "organization"
        else item.name.casefold()
    )


def refine(found: list[Found], pages: list[Page]) -> list[Found]:
    owners = _people(found)
    found = _resolve_overlaps(_gazetteer(pages, found, owners))
    first_names = _first_names(found)
    retyped = [r for r in (_retype(f, pages, owners, first_names) for f in found) if r is not None]
    votes: dict[str, Counter[EntityType]] = defaultdict(Counter)
    for item in retyped:
        if item.type in _NAMED:
            votes[item.name.casefold()][item.type] += 1
    prefer = {"place": 2, "organization": 1, "person": 0}  # ties: spaCy over-uses PERSON
    ranked = {name: max(c, key=lambda t: (c[t], prefer[t])) for name, c in votes.items()}
    return [replace(f, type=ranked.get(f.name.casefold(), f.type)) for f in retyped]


def build_entities(found: list[Found], pages: list[Page]) -> list[Entity]:
    """Entities of one chunk, each with its mentions (page span + quote), first seen first."""
    groups: dict[tuple[EntityType, str], list[Found]] = defaultdict(list)
    for item in refine(found, pages):
        groups[(item.type, _key(item))].append(item)
    entities: list[Entity] = []
    for (kind, _), items in groups.items():
        name = max((i.name for i in items), key=lambda n: (len(n), n))
        mentions: list[Mention] = []
        seen: set[tuple[int, str]] = set()
        for item in items:
            quote = pages[item.page].quote(item.start, item.end)
            if (item.page, quote) not in seen:
                seen.add((item.page, quote))
                mentions.append(Mention(span=pages[item.page].span, quote=quote))
        aliases = {i.text or i.name for i in items} | {i.name for i in items}
        entities.append(
            Entity(name=name, type=kind, mentions=mentions, aliases=sorted(aliases - {name}))
        )
    return entities
