"""Subtitle cues from a transcript: short, readable, in order, never overlapping.

A segment becomes one or more cues, split at word boundaries (at the engine's word times
when it gave them, else at times proportional to text length) so that each cue lasts at most
`MAX_CUE_S` and fits two lines of at most `MAX_LINE_CHARS` characters (balanced). A word
longer than a line is broken. Segments with no text, or with page spans, give no cue. Cues
are then sorted and clipped so that each ends before the next begins; a cue that would last
no time at all gets `MIN_CUE_MS`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from analysis.schema import TranscriptSegment, Word
from analysis.transcript import segment_words

MAX_CUE_S = 7.0
MAX_LINE_CHARS = 42
MAX_SPEAKER_CHARS = 24  # a longer speaker label is shortened in the SRT prefix
MIN_CUE_MS = 100


@dataclass(slots=True)
class Cue:
    start_ms: int
    end_ms: int
    lines: list[str]  # plain text; the renderer escapes it
    speaker: str | None


def clean(text: str) -> str:
    """Whitespace collapsed and control characters dropped (they would break the file)."""
    visible = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return " ".join(visible.split())


def build_cues(transcript: Sequence[TranscriptSegment], *, speaker_prefix: bool) -> list[Cue]:
    """Cues for the time-stamped segments; with `speaker_prefix` the first line starts with
    "Speaker: " (SRT has no voice markup), otherwise the speaker is left to the renderer."""
    cues: list[Cue] = []
    for segment in transcript:
        if segment.span.is_pages or not clean(segment.text):
            continue
        speaker = clean(segment.speaker or "") or None
        prefix = f"{_short(speaker)}: " if speaker and speaker_prefix else ""
        cues.extend(_segment_cues(segment, speaker, prefix))
    return _without_overlaps(cues)


def _short(speaker: str) -> str:
    if len(speaker) <= MAX_SPEAKER_CHARS:
        return speaker
    return speaker[: MAX_SPEAKER_CHARS - 1] + "…"


def _segment_cues(segment: TranscriptSegment, speaker: str | None, prefix: str) -> list[Cue]:
    seg_start, seg_end = segment.span.sort_key()
    words = _short_words(segment)
    groups: list[list[Word]] = []
    for word in words:
        group = groups[-1] if groups else None
        if group is not None and _fits([*group, word], prefix if len(groups) == 1 else ""):
            group.append(word)
        else:
            groups.append([word])
    cues: list[Cue] = []
    for k, group in enumerate(groups):
        start = seg_start if k == 0 else group[0].start_s
        end = seg_end if k == len(groups) - 1 else group[-1].end_s
        end = min(max(end, start), start + MAX_CUE_S)
        head = prefix if k == 0 else ""
        lines = _wrap([w.text for w in group], head) or [head.strip(), group[0].text]
        lines = [line for line in lines if line]
        cues.append(Cue(round(start * 1000), round(end * 1000), lines, speaker))
    return cues


def _short_words(segment: TranscriptSegment) -> list[Word]:
    out: list[Word] = []
    for word in segment_words(segment):
        text = clean(word.text)
        if not text:
            continue
        pieces = [text[i : i + MAX_LINE_CHARS] for i in range(0, len(text), MAX_LINE_CHARS)]
        step = (word.end_s - word.start_s) / len(pieces)
        out.extend(
            Word(start_s=word.start_s + i * step, end_s=word.start_s + (i + 1) * step, text=p)
            for i, p in enumerate(pieces)
        )
    return out


def _fits(group: list[Word], prefix: str) -> bool:
    too_long = group[-1].end_s - group[0].start_s > MAX_CUE_S
    return not too_long and _wrap([w.text for w in group], prefix) is not None


def _wrap(words: list[str], prefix: str) -> list[str] | None:
    """One line if it fits, else the most balanced two lines that fit, else None."""
    tokens = [prefix + words[0], *words[1:]] if prefix else words
    whole = " ".join(tokens)
    if len(whole) <= MAX_LINE_CHARS:
        return [whole]
    best: list[str] | None = None
    for k in range(1, len(tokens)):
        lines = [" ".join(tokens[:k]), " ".join(tokens[k:])]
        longest = max(len(line) for line in lines)
        if longest <= MAX_LINE_CHARS and (best is None or longest < max(map(len, best))):
            best = lines
    return best


def _without_overlaps(cues: list[Cue]) -> list[Cue]:
    ordered = sorted(cues, key=lambda c: (c.start_ms, c.end_ms))
    for k, cue in enumerate(ordered):
        if k:
            before = ordered[k - 1]
            if cue.start_ms < before.end_ms and cue.start_ms > before.start_ms:
                before.end_ms = cue.start_ms
            elif cue.start_ms < before.end_ms:
                cue.start_ms = before.end_ms
        cue.end_ms = max(cue.end_ms, cue.start_ms + MIN_CUE_MS)
    return ordered
