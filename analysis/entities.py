"""Entities across chunks: one entity per resolved name, with every mention kept.

Which names denote one entity is decided by `analysis.resolve` (the rules, with their
confidences, are listed there). Here the names' entities are joined: mentions are merged as a
multiset union so the overlap between chunks never double-counts, the fullest name becomes the
display name, and every other name is an alias with the confidence and reason of its merge.
A name left apart because it fits several entities lists them in `ambiguous_with`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from analysis.merge import ChunkGroup, norm_text, sorted_by_span, union_across_chunks
from analysis.names import HONORIFICS, normalise_name, parse_person
from analysis.resolve import Key, Resolved, resolve
from analysis.schema import Entity, EntityType, Mention, Resolution
from analysis.vectors import Embedder
from ingest.types import Span

__all__ = ["merge_entities", "normalise_name"]

SAME_NAME = "same name once case, punctuation, honorifics and “the” are ignored"


def _keys(entity: Entity) -> list[Key]:
    names = [entity.name, *entity.aliases]
    keys = [(entity.type, normalise_name(n, entity.type)) for n in names]
    return [k for k in keys if k[1]]


def merge_entities(
    groups: Sequence[ChunkGroup[Entity]],
    *,
    contexts: Sequence[str] = (),
    embedder: Embedder | None = None,
) -> list[Entity]:
    """Resolve entities across chunks (groups in document order); most-mentioned first.

    `contexts[k]` is a text about chunk k (its summary), used with `embedder` only to break
    ties between people an initial could stand for.
    """
    raw: dict[Key, list[str]] = defaultdict(list)
    context: dict[Key, list[str]] = defaultdict(list)
    edges: list[tuple[Key, Key, str]] = []
    for k, (span, entities) in enumerate(groups):
        for entity in entities:
            keys = _keys(entity)
            for key, name in zip(keys, [entity.name, *entity.aliases], strict=False):
                clean = " ".join(name.split())
                if clean not in raw[key]:
                    raw[key].append(clean)
                if k < len(contexts) and contexts[k] and len(context[key]) < 3:
                    context[key].append(contexts[k])
            edges.extend((keys[0], key, span.label()) for key in keys[1:] if key != keys[0])
    resolved = resolve(raw, context=context, edges=edges, embedder=embedder)

    members: dict[Key, list[tuple[int, Entity]]] = defaultdict(list)
    for k, (_, entities) in enumerate(groups):
        for entity in entities:
            keys = _keys(entity)
            if keys:
                members[resolved.root[keys[0]]].append((k, entity))
    display = {root: _display_name([e for _, e in group]) for root, group in members.items()}
    merged = [
        _merge_group(groups, group, display[root], resolved, display)
        for root, group in members.items()
    ]
    return sorted(merged, key=lambda e: (-len(e.mentions), e.name.casefold(), e.type))


def _display_name(entities: Sequence[Entity]) -> str:
    """The fullest form (a spelled-out first name for people, then most words once
    normalised), the most mentioned, without a title or "The", the longest."""
    weight: Counter[str] = Counter()
    for entity in entities:
        weight[" ".join(entity.name.split())] += max(1, len(entity.mentions))
    type_ = entities[0].type

    def rank(name: str) -> tuple[bool, int, int, bool, int]:
        key = normalise_name(name, type_)
        spelled = type_ != "person" or parse_person(key).has_first_name
        titled = name.split()[0].casefold().strip(".") in HONORIFICS | {"the"}
        return (spelled, len(key.split()), weight[name], not titled, len(name))

    return max(weight, key=rank)


def _resolution(
    entities: Sequence[Entity], display: str, resolved: Resolved
) -> tuple[list[str], list[Resolution]]:
    type_ = entities[0].type
    display_key = (type_, normalise_name(display, type_))
    seen = {norm_text(display)}
    aliases: list[str] = []
    resolution: list[Resolution] = []
    for entity in entities:
        for name in (entity.name, *entity.aliases):
            clean = " ".join(name.split())
            if not clean or norm_text(clean) in seen:
                continue
            seen.add(norm_text(clean))
            aliases.append(clean)
            key = (type_, normalise_name(clean, type_))
            confidence, reason = (1.0, SAME_NAME)
            if key != display_key:
                confidence, reason = resolved.links.get(key, (1.0, SAME_NAME))
            resolution.append(Resolution(alias=clean, confidence=confidence, reason=reason))
    return aliases, resolution


def _merge_group(
    groups: Sequence[ChunkGroup[Entity]],
    group: Sequence[tuple[int, Entity]],
    display: str,
    resolved: Resolved,
    displays: dict[Key, str],
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
    type_: EntityType = entities[0].type
    aliases, resolution = _resolution(entities, display, resolved)
    ambiguous = {
        displays[root]
        for entity in entities
        for key in _keys(entity)
        for root in resolved.ambiguous.get(key, ())
        if root in displays
    }
    return Entity(
        name=display,
        type=type_,
        mentions=sorted_by_span(mentions, lambda m: m.span),
        aliases=aliases,
        resolution=resolution,
        ambiguous_with=sorted(ambiguous),
    )
