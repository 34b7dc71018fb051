"""Name normalisation and the compatibility of name forms (people, organizations).

`normalise_name` is the comparison form used everywhere: two names with the same form are the
same name. The rest describes how two *different* forms may still name one entity: "J. Smith"
fits "John Smith" (an initial stands for a first name), "John Smith" fits "John A. Smith" (a
middle name is missing from one form), "Acme Corp." fits "Acme Corporation" and "ACME" (a
corporate suffix is dropped), "IBM" fits "International Business Machines" (an acronym).
Whether a fit becomes a merge is decided by `analysis.resolve`, which also asks that it be
the only fit in the document.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# fmt: off
HONORIFICS = frozenset({
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "hon",
    "honorable", "judge", "justice", "rev", "officer", "detective", "det", "sgt", "sergeant",
    "lt", "lieutenant", "capt", "captain", "agent",
})
CORPORATE_SUFFIXES = frozenset({
    "inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited", "llc",
    "llp", "lp", "plc", "gmbh", "ag", "sa", "sas", "srl", "bv", "nv", "pty", "pte", "kk",
})  # not "group" or "holdings": a holding is often a different legal entity
SURNAME_PARTICLES = frozenset({
    "van", "von", "der", "den", "de", "da", "di", "del", "della", "du", "la", "le", "ter",
    "bin", "ibn", "al", "el", "mac", "st",
})
# fmt: on
GENERATIONS = frozenset({"jr", "sr", "ii", "iii", "iv"})
_ACRONYM_SKIP = frozenset({"of", "and", "for", "the", "in", "on", "at", "to"})
_WORDY_TYPES = frozenset({"person", "organization", "place", "other"})


def normalise_name(name: str, type_: str) -> str:
    """The comparison form of an entity name.

    Casefolded and NFKC-normalised for every type; for names of people, organizations, places
    and other things, punctuation and a leading "the" go too, and for people the honorifics
    ("Mr.", "Dr.", "Judge") and a trailing "Esq.". Money, dates and legal references keep their
    symbols ("$" is not "€"; "§ 12" is not "12"). Corporate suffixes stay (see `org_core`).
    """
    text = unicodedata.normalize("NFKC", name).casefold()
    if type_ not in _WORDY_TYPES:
        return " ".join(text.split())
    text = "".join(" " if unicodedata.category(ch)[0] in "PS" else ch for ch in text)
    tokens = text.split()
    if len(tokens) > 1 and tokens[0] == "the":
        tokens = tokens[1:]
    if type_ == "person":
        while len(tokens) > 1 and tokens[0] in HONORIFICS:
            tokens = tokens[1:]
        if len(tokens) > 1 and tokens[-1] == "esq":
            tokens = tokens[:-1]
    return " ".join(tokens)


# ---------------------------------------------------------------------------- people


@dataclass(frozen=True)
class PersonName:
    """A normalised person name split into given names, surname and generation ("jr")."""

    given: tuple[str, ...]
    surname: str
    generation: str = ""

    @property
    def has_first_name(self) -> bool:
        """Whether the first given name is spelled out (not an initial)."""
        return bool(self.given) and len(self.given[0]) > 1


def parse_person(key: str) -> PersonName:
    """Split a `normalise_name` person key: "john a van der berg jr" →
    given ("john", "a"), surname "van der berg", generation "jr"."""
    tokens = key.split()
    generation = ""
    if len(tokens) > 1 and tokens[-1] in GENERATIONS:
        generation = tokens.pop()
    if not tokens:
        return PersonName((), "", generation)
    cut = len(tokens) - 1
    while cut > 1 and tokens[cut - 1] in SURNAME_PARTICLES:
        cut -= 1
    if cut == 1 and tokens[0] in SURNAME_PARTICLES and len(tokens) > 1:
        cut = 0  # "van der Berg" alone is a surname, not a first name "van"
    return PersonName(tuple(tokens[:cut]), " ".join(tokens[cut:]), generation)


def _token_fits(a: str, b: str) -> bool:
    """Equal, or one is the initial of the other."""
    if a == b:
        return True
    return (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))


def given_fits(a: PersonName, b: PersonName) -> bool:
    """Same surname and generation (if both give one), first names fit, and every middle
    name both forms give fits ("John A." fits "John", "J. Adam"; not "John B.")."""
    if a.surname != b.surname or not a.given or not b.given:
        return False
    if a.generation and b.generation and a.generation != b.generation:
        return False
    return all(_token_fits(x, y) for x, y in zip(a.given, b.given, strict=False))


# ---------------------------------------------------------------------------- organizations


def org_core(key: str) -> str:
    """An organization key without its trailing corporate suffixes ("acme corp" → "acme");
    the key itself if nothing else would be left ("company")."""
    tokens = key.split()
    while len(tokens) > 1 and tokens[-1] in CORPORATE_SUFFIXES:
        tokens.pop()
    return " ".join(tokens)


def acronym_of(core: str) -> str:
    """The initials of a multi-word organization core, skipping "of", "and" and the like
    ("international business machines" → "ibm"); "" for a one-word core."""
    words = [w for w in core.split() if w not in _ACRONYM_SKIP]
    return "".join(w[0] for w in words) if len(words) > 1 else ""


def looks_like_acronym(raw: str) -> bool:
    """ "IBM", "I.B.M.": two to six capital letters, with or without dots."""
    letters = raw.replace(".", "").strip()
    return 2 <= len(letters) <= 6 and letters.isalpha() and letters.isupper()
