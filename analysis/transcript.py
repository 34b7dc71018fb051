"""The transcript across chunk overlaps: continuous, in time order, no word twice, none lost.

Chunk k's audio starts `overlap_s` before chunk k-1 ends, so the overlap is transcribed twice,
with slightly different timings and sometimes different words or word boundaries. At each
border the two word sequences that reach into the overlap are aligned (difflib on normalised
words); an alignment is trusted when at least one matched run agrees in time within
`ANCHOR_TOLERANCE_S`. The merge then switches from the earlier chunk to the later one at one
edge of the alignment (between two opcodes, or inside a matched run) from the first trusted
match to the last: everything before the switch comes from the earlier chunk, everything
after from the later one, so a matched run is never kept twice and a disputed stretch is kept
once, in one chunk's version. Words one side has before the first match (or after the last)
are kept from the side that heard them with context, since the other side's engine was at
its chunk's cut edge there. Among the switch points, one at segment boundaries on both sides
is preferred (segments stay whole), then the one nearest the middle of the overlap.

Without a trusted alignment the switch is a time cut in the middle of the overlap: each word
(by its midpoint) is kept from the chunk on its side. A side with no words in the overlap
leaves the other side's words all kept. Words come from `TranscriptSegment.words` when the
engine gave word timings; otherwise a segment's text is split on whitespace and each word is
timed in proportion to its length within the segment.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from analysis.merge import ChunkGroup, norm_text
from analysis.schema import TranscriptSegment, Word
from ingest.types import Span

ANCHOR_TOLERANCE_S = 2.0


@dataclass(frozen=True, slots=True)
class Token:
    """One timed word of a segment: `seg` indexes the segment list it was cut from."""

    seg: int
    text: str
    start: float
    end: float
    key: str  # comparison form: casefolded, punctuation removed

    @property
    def mid(self) -> float:
        return (self.start + self.end) / 2


def word_key(text: str) -> str:
    """'Yes,' and 'yes' compare equal; 'yes' and 'yesterday' do not."""
    bare = "".join(ch for ch in norm_text(text) if unicodedata.category(ch)[0] != "P")
    return "".join(bare.split())


def segment_words(segment: TranscriptSegment) -> list[Word]:
    """The segment's words: the engine's word timings, or its text timed proportionally."""
    if segment.words:
        return [w for w in segment.words if w.text.strip()]
    start, end = segment.span.start_s or 0.0, segment.span.end_s or 0.0
    parts = segment.text.split()
    total = sum(len(p) + 1 for p in parts)
    words: list[Word] = []
    done = 0
    for part in parts:
        a = start + (end - start) * done / total
        done += len(part) + 1
        b = start + (end - start) * done / total
        words.append(Word(start_s=round(a, 3), end_s=round(b, 3), text=part))
    return words


def merge_transcript(groups: Sequence[ChunkGroup[TranscriptSegment]]) -> list[TranscriptSegment]:
    """One transcript from per-chunk transcripts; `groups` are (chunk span, segments) in order.

    Segments with page spans (documents) or no words are dropped.
    """
    segments: list[TranscriptSegment] = []
    merged: list[Token] = []
    covered_end: float | None = None
    for chunk_span, chunk_segments in groups:
        timed = sorted(
            (s for s in chunk_segments if not s.span.is_pages), key=lambda s: s.span.sort_key()
        )
        tokens = _tokens(timed, offset=len(segments))
        segments.extend(timed)
        start, end = chunk_span.sort_key()
        if covered_end is not None and start < covered_end:
            merged = _join(merged, tokens, start, covered_end)
        else:
            merged = merged + tokens
        covered_end = end if covered_end is None else max(covered_end, end)
    return _monotone(_rebuild(merged, segments))


def _monotone(segments: list[TranscriptSegment]) -> list[TranscriptSegment]:
    """Word order is right; where two chunks' timings disagree at a switch, a segment may
    seem to start before its predecessor: move its start (never its words) to keep order."""
    out: list[TranscriptSegment] = []
    for seg in segments:
        start, end = seg.span.sort_key()
        floor = out[-1].span.sort_key()[0] if out else start
        if start < floor:
            span = Span.seconds(floor, max(end, floor))
            seg = seg.model_copy(update={"span": span})
        out.append(seg)
    return out


def _tokens(segments: Sequence[TranscriptSegment], offset: int) -> list[Token]:
    return [
        Token(offset + i, w.text, w.start_s, w.end_s, word_key(w.text))
        for i, seg in enumerate(segments)
        for w in segment_words(seg)
    ]


def _join(before: list[Token], after: list[Token], o0: float, o1: float) -> list[Token]:
    """`before` (earlier chunks) and `after` (the next chunk) overlapping in [o0, o1]."""
    a0 = len(before)
    while a0 > 0 and before[a0 - 1].end > o0:
        a0 -= 1
    b1 = 0
    while b1 < len(after) and after[b1].start < o1:
        b1 += 1
    a_win, b_win = before[a0:], after[:b1]
    if not a_win or not b_win:
        return before + after
    switch = _aligned_switch(before, after, a0, b1, (o0, o1))
    if switch is None:
        cut = (o0 + o1) / 2
        i = a0 + sum(t.mid < cut for t in a_win)
        j = sum(t.mid < cut for t in b_win)
        switch = (i, j)
    i, j = switch
    return before[:i] + after[j:]


def _aligned_switch(
    before: list[Token], after: list[Token], a0: int, b1: int, overlap: tuple[float, float]
) -> tuple[int, int] | None:
    """The best switch point (absolute indices) from a trusted alignment, else None."""
    a_win, b_win = before[a0:], after[:b1]
    matcher = difflib.SequenceMatcher(
        None, [t.key for t in a_win], [t.key for t in b_win], autojunk=False
    )
    trusted = [
        (i, j, n)
        for i, j, n in matcher.get_matching_blocks()
        if n and abs(a_win[i].start - b_win[j].start) <= ANCHOR_TOLERANCE_S
    ]
    if not trusted:
        return None
    points = {(i1, j1) for _, i1, _, j1, _ in matcher.get_opcodes()} | {(len(a_win), len(b_win))}
    points |= {(i + d, j + d) for i, j, n in trusted for d in range(n + 1)}
    # Words before the first trusted match or after the last one are near a chunk's cut edge,
    # where an engine hears half a word or nothing: there, the side with context wins.
    first, last = trusted[0], trusted[-1]
    lo, hi = (first[0], first[1]), (last[0] + last[2], last[1] + last[2])
    points = {p for p in points if lo[0] <= p[0] <= hi[0] and lo[1] <= p[1] <= hi[1]}
    o0, o1 = overlap
    cut = (o0 + o1) / 2

    def score(point: tuple[int, int]) -> tuple[bool, float]:
        i, j = point
        t_before = a_win[i - 1].end if i > 0 else o0
        t_after = b_win[j].start if j < len(b_win) else o1
        whole = _at_segment_edge(before, a0 + i) and _at_segment_edge(after, j)
        return (not whole, abs((t_before + t_after) / 2 - cut))

    i, j = min(sorted(points), key=score)
    return a0 + i, j


def _at_segment_edge(tokens: list[Token], index: int) -> bool:
    return index in (0, len(tokens)) or tokens[index - 1].seg != tokens[index].seg


def _rebuild(tokens: list[Token], segments: list[TranscriptSegment]) -> list[TranscriptSegment]:
    """Segments from kept tokens: whole segments as they were, cut ones trimmed to their words."""
    counts = [len(segment_words(s)) for s in segments]
    out: list[TranscriptSegment] = []
    run: list[Token] = []
    for token in [*tokens, None]:
        if run and (token is None or token.seg != run[0].seg):
            seg = segments[run[0].seg]
            out.append(seg if len(run) == counts[run[0].seg] else _trimmed(seg, run))
            run = []
        if token is not None:
            run.append(token)
    return out


def _trimmed(segment: TranscriptSegment, run: list[Token]) -> TranscriptSegment:
    lo, hi = segment.span.sort_key()
    start = min(max(run[0].start, lo), hi)
    end = max(min(run[-1].end, hi), start)
    words = [Word(start_s=t.start, end_s=t.end, text=t.text) for t in run] if segment.words else []
    return segment.model_copy(
        update={
            "span": Span.seconds(start, end),
            "text": " ".join(t.text for t in run),
            "words": words,
        }
    )
