"""Entity resolution over the whole file: which name forms denote one entity, and how sure.

Input: every distinct name key `(type, normalise_name(name))` seen in any chunk. Keys of
different types are never joined. The rules, in order (each merge records its confidence and
reason on the less specific form, the one that joined):

1. Same key (case, punctuation, honorifics, "the" ignored): one entity, confidence 1.0.
   Names a chunk's analysis listed as aliases of one entity: 0.9.
2. People, same first name and surname: "John Smith" joins "John A. Smith" when that is the
   only John Smith with a middle name or generation ("Jr.") in the file (0.9); forms whose
   middle names fit join each other (0.95). With "John A." and "John B." both present, the
   plain "John Smith" stays apart and says so.
3. People, an initial: "J. Smith" joins the only spelled-out person it fits (0.85). If it fits
   several, an `Embedder` (when given) may break the tie by the similarity of the contexts
   the names appear in (at most 0.7); otherwise it stays apart and says so.
4. People, a bare surname: "Smith" (or "Mr. Smith") joins the one person in the file with that
   surname (0.75); with two or more it is never merged, and says which ones it could be.
5. Organizations: the same name without its corporate suffixes ("Acme Corp." = "Acme
   Corporation" = "ACME", 0.95); an all-capitals acronym joins the only organization whose
   initials it is ("IBM" = "International Business Machines", 0.7).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from analysis.names import PersonName, acronym_of, given_fits, looks_like_acronym, org_core
from analysis.names import parse_person as _parse
from analysis.vectors import Embedder, embed

Key = tuple[str, str]  # (type, normalised name)
Link = tuple[float, str]  # (confidence, reason)

TIE_MIN = 0.5  # context similarity a tie-breaking candidate must reach
TIE_MARGIN = 0.1  # ...and by how much it must beat the runner-up
CONTEXTS_PER_KEY = 3
TIE_TEXTS = 32  # most texts embedded to break ties, per file
CONTEXT_KEYS = 4  # names of an entity whose contexts describe it
CONTEXT_WORDS = 60  # words of context per text (model embedders cost grows with length)


@dataclass
class Resolved:
    """`root[key]` is the key's entity; `links[key]` how it joined; `ambiguous[key]` the roots
    of the entities an unmerged key could also be."""

    root: dict[Key, Key] = field(default_factory=dict)
    links: dict[Key, Link] = field(default_factory=dict)
    ambiguous: dict[Key, list[Key]] = field(default_factory=dict)


class _Resolver:
    def __init__(
        self, raw: Mapping[Key, Sequence[str]], context: Mapping[Key, Sequence[str]]
    ) -> None:
        self.raw, self.context = raw, context
        self.parent: dict[Key, Key] = {key: key for key in raw}
        self.links: dict[Key, Link] = {}
        self.ambiguous: dict[Key, list[Key]] = {}
        self.ties: list[tuple[Key, list[Key]]] = []

    def find(self, key: Key) -> Key:
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def join(self, key: Key, into: Key, confidence: float, reason: str) -> None:
        a, b = self.find(key), self.find(into)
        if a != b:
            self.parent[max(a, b)] = min(a, b)
        if confidence > self.links.get(key, (-1.0, ""))[0]:
            self.links[key] = (confidence, reason)

    def name(self, key: Key) -> str:
        return self.raw[key][0]

    def roots(self, keys: Iterable[Key]) -> list[Key]:
        return sorted({self.find(k) for k in keys})

    # ------------------------------------------------------------------ people

    def people(self) -> None:
        parsed = {k: _parse(k[1]) for k in self.raw if k[0] == "person"}
        by_surname: dict[str, list[Key]] = defaultdict(list)
        for key, person in parsed.items():
            if person.surname:
                by_surname[person.surname].append(key)
        for keys in by_surname.values():
            full = [k for k in keys if parsed[k].has_first_name]
            initials = [k for k in keys if parsed[k].given and not parsed[k].has_first_name]
            by_first: dict[str, list[Key]] = defaultdict(list)
            for key in full:
                by_first[parsed[key].given[0]].append(key)
            for same_first in by_first.values():
                self._same_first_name(same_first, parsed)
            for key in initials:
                self._initial(key, [f for f in full if given_fits(parsed[key], parsed[f])])
        for keys in by_surname.values():
            self._surname([k for k in keys if not parsed[k].given], keys, parsed)

    def _same_first_name(self, keys: list[Key], parsed: Mapping[Key, PersonName]) -> None:
        plain = [k for k in keys if len(parsed[k].given) == 1 and not parsed[k].generation]
        specific = [k for k in keys if k not in plain]
        groups: list[list[Key]] = []
        for key in sorted(specific, key=lambda k: (-len(k[1]), k)):
            home = next((g for g in groups if _same_person(parsed[g[0]], parsed[key])), None)
            if home is None:
                groups.append([key])
            else:
                home.append(key)
                pair = f"“{self.name(key)}” / “{self.name(home[0])}”"
                self.join(
                    key, home[0], 0.95, f"same first name and surname, middle names fit ({pair})"
                )
        if len(groups) == 1:
            target = self.name(groups[0][0])
            reason = f"same first name and surname as “{target}”, the only one with a middle name"
            for key in plain:
                self.join(key, groups[0][0], 0.9, reason)
        elif len(groups) > 1:
            for key in plain:
                self.ambiguous[key] = [g[0] for g in groups]

    def _initial(self, key: Key, fits: list[Key]) -> None:
        candidates = self.roots(fits)
        if not candidates or self.find(key) in candidates:
            return
        if len(candidates) == 1:
            target = self.name(fits[0])
            self.join(
                key,
                candidates[0],
                0.85,
                f"initials fit “{target}”, the only person with that surname they fit",
            )
        else:
            self.ties.append((key, candidates))

    def _surname(self, bare: list[Key], keys: list[Key], parsed: Mapping[Key, PersonName]) -> None:
        named = [k for k in keys if parsed[k].given]
        for key in bare:
            candidates = self.roots(named)
            if not candidates or self.find(key) in candidates:
                continue
            if len(candidates) == 1:
                target = self.name(max(named, key=lambda k: len(k[1])))
                reason = (
                    f"surname only; “{target}” is the only person with that surname in the file"
                )
                self.join(key, candidates[0], 0.75, reason)
            else:
                self.ambiguous[key] = candidates

    # ------------------------------------------------------------------ organizations

    def organizations(self) -> None:
        by_core: dict[str, list[Key]] = defaultdict(list)
        for key in self.raw:
            if key[0] == "organization":
                by_core[org_core(key[1])].append(key)
        for keys in by_core.values():
            forms = " / ".join(f"“{self.name(k)}”" for k in keys[:3])
            reason = f"same name without the corporate suffix ({forms})"
            for key in keys if len(keys) > 1 else ():
                self.join(key, keys[0], 0.95, reason)
        by_acronym: dict[str, list[Key]] = defaultdict(list)
        for core, keys in by_core.items():
            if acronym_of(core):
                by_acronym[acronym_of(core)].append(keys[0])
        for core, keys in by_core.items():
            if " " in core or not any(looks_like_acronym(r) for k in keys for r in self.raw[k]):
                continue
            candidates = self.roots(by_acronym.get(core, ()))
            if len(candidates) == 1 and self.find(keys[0]) not in candidates:
                target = self.name(by_acronym[core][0])
                self.join(
                    keys[0],
                    candidates[0],
                    0.7,
                    f"acronym of “{target}”, the only organization with those initials",
                )

    # ------------------------------------------------------------------ ties

    def break_ties(self, embedder: Embedder | None) -> None:
        """Initials fitting several people: the closest context wins if clearly closer.

        At most `TIE_TEXTS` texts are embedded (each tied name and each candidate once);
        ties past that budget stay apart, as they do without an embedder.
        """
        ties, roots = self._affordable_ties() if embedder is not None else ([], [])
        for key, candidates in self.ties[len(ties) :]:
            self.ambiguous[key] = candidates
        if not ties:
            return
        members: dict[Key, list[Key]] = defaultdict(list)
        for key in self.raw:
            members[self.find(key)].append(key)
        texts = [self._context([key]) for key, _ in ties]
        texts += [self._context(members[root]) for root in roots]
        vectors = embed(texts, embedder)
        row = {root: len(ties) + j for j, root in enumerate(roots)}
        for i, (key, candidates) in enumerate(ties):
            sims = [float(vectors[i] @ vectors[row[c]]) for c in candidates]
            self._tie(key, candidates, sims)

    def _affordable_ties(self) -> tuple[list[tuple[Key, list[Key]]], list[Key]]:
        roots: dict[Key, None] = {}
        taken: list[tuple[Key, list[Key]]] = []
        for key, candidates in self.ties:
            more = [c for c in candidates if c not in roots]
            if len(taken) + 1 + len(roots) + len(more) > TIE_TEXTS:
                break
            taken.append((key, candidates))
            roots.update(dict.fromkeys(more))
        return taken, list(roots)

    def _tie(self, key: Key, candidates: list[Key], sims: list[float]) -> None:
        order = sorted(range(len(candidates)), key=lambda j: -sims[j])
        best, second = sims[order[0]], sims[order[1]]
        if best < TIE_MIN or best - second < TIE_MARGIN:
            self.ambiguous[key] = candidates
            return
        target = self.name(candidates[order[0]])
        reason = (
            f"initials fit {len(candidates)} people; the contexts are closest to “{target}”"
            f" (cosine {best:.2f} vs {second:.2f})"
        )
        confidence = round(min(0.7, 0.5 + best - second), 2)
        self.join(key, candidates[order[0]], confidence, reason)

    def _context(self, keys: Sequence[Key]) -> str:
        """A few of the names and the texts they appear in (the longest names first)."""
        keys = sorted(keys, key=lambda k: (-len(k[1]), k))[:CONTEXT_KEYS]
        texts = [c for k in keys for c in self.context.get(k, ())[:CONTEXTS_PER_KEY]]
        words = " ".join([*(self.raw[k][0] for k in keys), *dict.fromkeys(texts)]).split()
        return " ".join(words[:CONTEXT_WORDS])


def _same_person(a: PersonName, b: PersonName) -> bool:
    """Two specific forms (middle names or generations) of one person."""
    return given_fits(a, b) and a.generation == b.generation


def resolve(
    raw: Mapping[Key, Sequence[str]],
    *,
    context: Mapping[Key, Sequence[str]] | None = None,
    edges: Sequence[tuple[Key, Key, str]] = (),
    embedder: Embedder | None = None,
) -> Resolved:
    """Resolve name keys (with their raw spellings, first seen first) into entities.

    `edges` are (key, key, where) pairs a chunk's analysis gave as one entity; `context`
    the texts each key appears in, used only when `embedder` breaks ties (rule 3).
    """
    resolver = _Resolver(raw, context or {})
    for a, b, where in edges:
        resolver.join(a, b, 0.9, f"listed as one entity by the analysis of {where}")
        resolver.join(b, a, 0.9, f"listed as one entity by the analysis of {where}")
    resolver.people()
    resolver.break_ties(embedder)
    resolver.organizations()
    roots = {key: resolver.find(key) for key in raw}
    ambiguous = {
        key: sorted({roots[c] for c in candidates})
        for key, candidates in resolver.ambiguous.items()
        if roots[key] not in {roots[c] for c in candidates}
    }
    return Resolved(root=roots, links=resolver.links, ambiguous=ambiguous)
