"""Scenes and on-screen text across chunk borders.

Scenes. A shot detector sees each chunk alone, so every chunk's first scene starts at the
chunk's start and its last scene ends at the chunk's end whether or not a cut is there; a
shot that crosses a border arrives as two scenes. The rule, at each border:

- **Marked continuation** (checked first): a chunk's first scene with `continues_previous`
  (its provider compared its first frame with the frame just before it and saw no cut) that
  starts where the previous chunk's last scene ends (within `CONTINUE_GAP_S`) is joined to
  it: the earlier span start and keyframe, descriptions combined. A cut listed in `cuts_s` at
  that border wins over the mark. Unmarked scenes meeting at a border stay apart (chunks are
  often cut exactly at a scene cut), unless one of the rules below finds evidence.
- **Overlapping chunks** (the default plan): both chunks saw the overlap. A *cut* is a scene
  boundary a chunk saw away from its own edges (more than `SCENE_TOLERANCE_S` inside it).
  The scenes that reach into the overlap are re-cut at the union of both chunks' cuts there
  (cuts closer than the tolerance count as one; a cut only one chunk saw is kept: when
  unsure, keep both scenes). Each resulting scene takes its description and keyframe from
  the source scene that covers most of it. A shot neither chunk cut becomes one scene.
- **Touching chunks** (no overlap, within the tolerance): neither chunk can see a cut at its
  own edge, so the two edge scenes are merged only when the caller knows the detected cuts
  (`cuts_s`, e.g. from the planner's shot detection) and none lies at the border.
  With `cuts_s=None` (unknown), both scenes are kept.
- Chunks with a gap between them (a failed chunk) are never stitched.

Descriptions in the form the local engine writes (`shot_description`: "Shot N, X s" and
the on-screen text) are rewritten once scenes are merged, so that N is the scene's number in
the report and X its length; other descriptions (a model's words) are kept as they are.

On-screen text. An item of a later chunk is merged into one of an earlier chunk when their
texts match (normalised; OCR readings may differ slightly, so a difflib ratio of at least
`ONSCREEN_SIMILAR`) and their times overlap or are at most `ONSCREEN_GAP_S` apart. The span
becomes their union and the longer reading wins. Items of one chunk are never merged with
each other here (the engine de-duplicated its own frames).
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterable, Sequence

from analysis.merge import ChunkGroup, norm_text
from analysis.schema import OnScreenText, Scene
from ingest.types import Span

SCENE_TOLERANCE_S = 0.5
CONTINUE_GAP_S = 0.1  # a marked continuation joins a scene ending at most this far from it
ONSCREEN_MAX = 160  # characters of on-screen text quoted in a generated description
ONSCREEN_GAP_S = 2.0
ONSCREEN_SIMILAR = 0.9


_SHOT = re.compile(r"Shot \d+, \d+(?:\.\d+)? s(?:; on screen: “(?P<seen>.*)”)?", re.DOTALL)


def _bounds(span: Span) -> tuple[float, float]:
    return span.sort_key()


def shot_description(number: int, length_s: float, seen: Sequence[str]) -> str:
    """'Shot 3, 4.2 s; on screen: “a | b”': what is known of a shot without a model."""
    text = f"Shot {number}, {length_s:.1f} s"
    if seen:
        joined = " | ".join(seen)
        if len(joined) > ONSCREEN_MAX:
            joined = joined[: ONSCREEN_MAX - 1].rstrip() + "…"
        text += f"; on screen: “{joined}”"
    return text


def _shot_seen(description: str) -> list[str] | None:
    """The on-screen texts of a `shot_description`, or None for any other description."""
    match = _SHOT.fullmatch(description)
    if match is None:
        return None
    seen = match.group("seen")
    return seen.split(" | ") if seen else []


def merge_scenes(
    groups: Sequence[ChunkGroup[Scene]], cuts_s: Sequence[float] | None = None
) -> list[Scene]:
    """One scene list from per-chunk scenes; `groups` are (chunk span, scenes) in order."""
    merged: list[Scene] = []
    covered: tuple[float, float] | None = None
    for chunk_span, scenes in groups:
        mine = sorted((s for s in scenes if not s.span.is_pages), key=lambda s: s.span.sort_key())
        start, end = _bounds(chunk_span)
        if merged and mine and _continues_shot(merged[-1], mine[0], cuts_s):
            merged = [*merged[:-1], _join(merged[-1], mine[0]), *mine[1:]]
        elif covered is None or not mine or not merged:
            merged += mine
        elif start < covered[1] - SCENE_TOLERANCE_S:
            merged = _stitch_overlap(merged, mine, covered, (start, end))
        elif start <= covered[1] + SCENE_TOLERANCE_S:
            merged = _stitch_touching(merged, mine, covered[1], cuts_s)
        else:
            merged += mine
        covered = (start, end) if covered is None else (covered[0], max(covered[1], end))
    return _renumbered(merged)


def _continues_shot(last: Scene, first: Scene, cuts_s: Sequence[float] | None) -> bool:
    """`first` is marked as continuing the shot of `last`, which ends where it starts."""
    border = _bounds(first.span)[0]
    if not first.continues_previous or abs(_bounds(last.span)[1] - border) > CONTINUE_GAP_S:
        return False
    return cuts_s is None or all(abs(c - border) > SCENE_TOLERANCE_S for c in cuts_s)


def _join(last: Scene, first: Scene) -> Scene:
    """One scene from a shot's two parts: the earlier start, keyframe and mark."""
    lo, hi = _bounds(last.span)[0], max(_bounds(last.span)[1], _bounds(first.span)[1])
    seen_a, seen_b = _shot_seen(last.description), _shot_seen(first.description)
    a, b = last.description.strip(), first.description.strip()
    if seen_a is not None and seen_b is not None:
        description = shot_description(1, hi - lo, list(dict.fromkeys([*seen_a, *seen_b])))
    elif not b or norm_text(a).rstrip(".;, ") == norm_text(b).rstrip(".;, "):
        description = last.description
    elif not a:
        description = first.description
    else:
        description = f"{a} / {b}"
    return last.model_copy(
        update={
            "span": Span.seconds(lo, hi),
            "description": description,
            "keyframe": last.keyframe or first.keyframe,
        }
    )


def _renumbered(scenes: Sequence[Scene]) -> list[Scene]:
    """Generated descriptions with the scene's number in the list and its real length."""
    out: list[Scene] = []
    for number, scene in enumerate(scenes, start=1):
        seen = _shot_seen(scene.description)
        if seen is not None:
            lo, hi = _bounds(scene.span)
            scene = scene.model_copy(
                update={"description": shot_description(number, hi - lo, seen)}
            )
        out.append(scene)
    return out


def _stitch_touching(
    before: list[Scene], after: list[Scene], border: float, cuts_s: Sequence[float] | None
) -> list[Scene]:
    last, first = before[-1], after[0]
    at_border = abs(_bounds(last.span)[1] - border) <= SCENE_TOLERANCE_S
    at_border = at_border and abs(_bounds(first.span)[0] - border) <= SCENE_TOLERANCE_S
    known_cut = cuts_s is None or any(abs(c - border) <= SCENE_TOLERANCE_S for c in cuts_s)
    if not at_border or known_cut:
        return before + after
    span = Span.seconds(_bounds(last.span)[0], max(_bounds(first.span)[1], border))
    return [*before[:-1], _covering(span, [last, first]), *after[1:]]


def _stitch_overlap(
    before: list[Scene],
    after: list[Scene],
    earlier: tuple[float, float],
    chunk: tuple[float, float],
) -> list[Scene]:
    """Re-cut the scenes reaching into the overlap [chunk start, earlier end]."""
    o0, o1 = chunk[0], earlier[1]
    k = len(before)
    while k > 0 and _bounds(before[k - 1].span)[1] > o0 + SCENE_TOLERANCE_S:
        k -= 1
    m = 0
    while m < len(after) and _bounds(after[m].span)[0] < o1 - SCENE_TOLERANCE_S:
        m += 1
    a_side, b_side = before[k:], after[:m]
    if not a_side or not b_side:
        return before + after
    both = [*a_side, *b_side]
    lo = min(_bounds(s.span)[0] for s in both)
    hi = max(_bounds(s.span)[1] for s in both)
    cuts = _cuts(a_side, (earlier[0], o1)) + _cuts(b_side, chunk)
    edges = [lo, *_cluster(c for c in cuts if lo < c < hi), hi]
    pieces = [
        _covering(Span.seconds(a, b), both)
        for a, b in itertools.pairwise(edges)
        if any(_shared(s.span, a, b) > 0 for s in both)  # no scene invented over a hole
    ]
    return [*before[:k], *pieces, *after[m:]]


def _cuts(scenes: Sequence[Scene], chunk: tuple[float, float]) -> list[float]:
    """Scene boundaries a chunk saw away from its own edges."""
    lo, hi = chunk[0] + SCENE_TOLERANCE_S, chunk[1] - SCENE_TOLERANCE_S
    times = {t for s in scenes for t in _bounds(s.span)}
    return [t for t in times if lo < t < hi]


def _cluster(times: Iterable[float]) -> list[float]:
    out: list[float] = []
    for t in sorted(times):
        if not out or t - out[-1] > SCENE_TOLERANCE_S:
            out.append(t)
    return out


def _covering(span: Span, sources: Sequence[Scene]) -> Scene:
    """A scene at `span`, described by the source scene overlapping it most (earliest on ties)."""
    lo, hi = _bounds(span)
    best = max(sources, key=lambda s: _shared(s.span, lo, hi))  # max keeps the first of equals
    return best.model_copy(update={"span": span})


def _shared(span: Span, lo: float, hi: float) -> float:
    a, b = _bounds(span)
    return min(b, hi) - max(a, lo)


# ---------------------------------------------------------------------------- on-screen text


def merge_onscreen(groups: Sequence[ChunkGroup[OnScreenText]]) -> list[OnScreenText]:
    """On-screen text of all chunks, one item per text run continuing over a border."""
    merged: list[OnScreenText] = []
    for chunk_span, items in groups:
        reach = chunk_span.sort_key()[0] - ONSCREEN_GAP_S
        near = [i for i, o in enumerate(merged) if o.span.sort_key()[1] >= reach]
        for item in sorted(items, key=lambda o: o.span.sort_key()):
            match = next((i for i in near if _continues(merged[i], item)), None)
            if match is None:
                merged.append(item)
            else:
                merged[match] = _union(merged[match], item)
    return sorted(merged, key=lambda o: o.span.sort_key())


def _continues(a: OnScreenText, b: OnScreenText) -> bool:
    if a.span.is_pages or b.span.is_pages:
        return False
    a0, a1 = _bounds(a.span)
    b0, b1 = _bounds(b.span)
    if b0 > a1 + ONSCREEN_GAP_S or a0 > b1 + ONSCREEN_GAP_S:
        return False
    ka, kb = norm_text(a.text), norm_text(b.text)
    return ka == kb or difflib.SequenceMatcher(None, ka, kb).ratio() >= ONSCREEN_SIMILAR


def _union(a: OnScreenText, b: OnScreenText) -> OnScreenText:
    a0, a1 = _bounds(a.span)
    b0, b1 = _bounds(b.span)
    text = b.text if len(b.text) > len(a.text) else a.text
    return OnScreenText(span=Span.seconds(min(a0, b0), max(a1, b1)), text=text)
