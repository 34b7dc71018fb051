"""Entity resolution across chunks.

Entities from different chunks are one entity when they share a type and a normalised name
(or a normalised alias). A one-word person name ("Smith", after "Mr." is stripped) joins the
single multi-word person whose last name it is; with two candidates it stays on its own,
because guessing wrong would misattribute testimony. Mentions are merged as a multiset union
so the overlap between chunks never double-counts.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence

from analysis.merge import ChunkGroup, norm_text, sorted_by_span, union_across_chunks
from analysis.schema import Entity, EntityType, Mention
from ingest.types import Span

# fmt: off
HONORIFICS = frozenset({
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "hon",
    "honorable", "judge", "justice", "rev", "officer", "detective", "det", "sgt", "sergeant",
    "lt", "lieutenant", "capt", "captain", "agent",
})
# fmt: on
_WORDY_TYPES = frozenset({"person", "organization", "place", "other"})

Key = tuple[str, str]  # (type, normalised name)


def normalise_name(name: str, type_: str) -> str:
    """The comparison form of an entity name.

    Casefolded and NFKC-normalised for every type; for names of people, organizations, places
    and other things, punctuation and a leading "the" go too, and for people the honorifics
    ("Mr.", "Dr.", "Judge") and a trailing "Esq.". Money, dates and legal references keep their
    symbols ("$" is not "€"; "§ 12" is not "12").
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


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Key, Key] = {}

    def find(self, key: Key) -> Key:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a: Key, b: Key) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _keys(entity: Entity) -> list[Key]:
    names = [entity.name, *entity.aliases]
    keys = [(entity.type, normalise_name(n, entity.type)) for n in names]
    return [k for k in keys if k[1]]


def _join_surnames(uf: _UnionFind, keys: Sequence[Key]) -> None:
    """Attach one-word person names to the only multi-word person ending in that word."""
    by_last: dict[str, set[Key]] = defaultdict(set)
    for key in keys:
        words = key[1].split()
        if key[0] == "person" and len(words) > 1:
            by_last[words[-1]].add(uf.find(key))
    for key in keys:
        if key[0] != "person" or " " in key[1]:
            continue
        targets = by_last.get(key[1], set())
        if len(targets) == 1:
            uf.union(key, next(iter(targets)))


def _display_name(entities: Sequence[Entity]) -> str:
    """The fullest form (most words once normalised), the most mentioned,
    without a title or "The", the longest."""
    weight: Counter[str] = Counter()
    for entity in entities:
        weight[" ".join(entity.name.split())] += max(1, len(entity.mentions))

    def rank(name: str) -> tuple[int, int, bool, int]:
        words = len(normalise_name(name, entities[0].type).split())
        titled = name.split()[0].casefold().strip(".") in HONORIFICS | {"the"}
        return (words, weight[name], not titled, len(name))

    return max(weight, key=rank)


def _aliases(entities: Sequence[Entity], display: str) -> list[str]:
    seen = {norm_text(display)}
    aliases: list[str] = []
    for entity in entities:
        for name in (entity.name, *entity.aliases):
            clean = " ".join(name.split())
            if clean and norm_text(clean) not in seen:
                seen.add(norm_text(clean))
                aliases.append(clean)
    return aliases


def merge_entities(groups: Sequence[ChunkGroup[Entity]]) -> list[Entity]:
    """Resolve entities across chunks (groups in document order); most-mentioned first."""
    uf = _UnionFind()
    all_keys: list[Key] = []
    for _, entities in groups:
        for entity in entities:
            keys = _keys(entity)
            all_keys.extend(keys)
            for key in keys[1:]:
                uf.union(keys[0], key)
    _join_surnames(uf, all_keys)

    members: dict[Key, list[tuple[int, Entity]]] = defaultdict(list)
    for k, (_, entities) in enumerate(groups):
        for entity in entities:
            keys = _keys(entity)
            if keys:
                members[uf.find(keys[0])].append((k, entity))
    merged = [_merge_group(groups, group) for group in members.values()]
    return sorted(merged, key=lambda e: (-len(e.mentions), e.name.casefold(), e.type))


def _merge_group(
    groups: Sequence[ChunkGroup[Entity]], group: Sequence[tuple[int, Entity]]
) -> Entity:
    entities = [entity for _, entity in group]
    per_chunk: dict[int, list[Mention]] = defaultdict(list)
    for k, entity in group:
        per_chunk[k].extend(entity.mentions)
    mention_groups: list[tuple[Span, list[Mention]]] = [
        (groups[k][0], per_chunk[k]) for k in sorted(per_chunk)
    ]
    mentions = union_across_chunks(
        mention_groups, key=lambda m: norm_text(m.quote), span=lambda m: m.span
    )
    display = _display_name(entities)
    type_: EntityType = entities[0].type
    return Entity(
        name=display,
        type=type_,
        mentions=sorted_by_span(mentions, lambda m: m.span),
        aliases=_aliases(entities, display),
    )
