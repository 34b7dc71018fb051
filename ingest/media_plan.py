"""Time chunk planning for video and audio: pure arithmetic on duration and key frames.

A video chunk can only start on a key frame (stream-copy cuts land on them), so each planned
boundary moves to a nearby key frame, preferring one off the encoder's regular key-frame
cadence: encoders insert those at scene cuts, so this finds shot changes for free. Audio-only
files are cut at exact times. Each chunk then starts `overlap_s` earlier (its audio, and the
chunk's span, reach back into the previous chunk); the first starts at 0.
"""

from __future__ import annotations

import bisect
import itertools
import math
import statistics
from collections.abc import Sequence

from ingest.backend import ChunkBudget
from ingest.types import ChunkPlan, Span

AUDIO_TOKENS_PER_S = 32  # Gemini bills audio at 32 tokens a second
FRAME_TOKENS = 258  # and an image (<= 768 px) at 258
FRAME_EVERY_S = 10.0  # at least one image this often, where key frames are further apart
MIN_TAIL = 0.25  # a last chunk shorter than this share of the target joins the one before
SNAP_WINDOW = 0.5  # key frames within +-50 % of the target length are boundary candidates
SCENE_WINDOW = 0.15  # off-cadence (scene-cut) key frames are preferred within +-15 %


def chunk_length(budget: ChunkBudget, bit_rate: int | None) -> float:
    """Target chunk length: `chunk_seconds`, shorter when the bit rate would bust the payload."""
    if budget.chunk_seconds <= budget.overlap_s or budget.chunk_seconds <= 0:
        raise ValueError("chunk_seconds must be positive and longer than overlap_s")
    length = budget.chunk_seconds
    if bit_rate:
        fits = budget.max_payload_bytes * 8 / bit_rate
        length = min(length, fits / (1 + SNAP_WINDOW))  # a snapped chunk still fits
    return max(length, 1.0)


def plan_times(
    duration_s: float,
    keyframes: Sequence[float] | None,
    budget: ChunkBudget,
    bit_rate: int | None = None,
) -> list[ChunkPlan]:
    """Chunks covering [0, duration_s]; boundaries on `keyframes` unless it is None (audio)."""
    length = chunk_length(budget, bit_rate)
    bounds = _bounds(duration_s, length, keyframes)
    plans = []
    for index, (cut, end) in enumerate(itertools.pairwise(bounds)):
        start = max(0.0, cut - budget.overlap_s) if index else 0.0
        frames = _frames_in(cut, end, keyframes, budget.max_frames)
        tokens = math.ceil((end - start) * AUDIO_TOKENS_PER_S) + frames * FRAME_TOKENS
        plans.append(
            ChunkPlan(
                index=index,
                span=Span.seconds(start, end),
                overlap_s=round(cut - start, 3),
                token_estimate=tokens,
                max_frames=budget.max_frames if keyframes is not None else None,
            )
        )
    return plans


def _bounds(duration_s: float, length: float, keyframes: Sequence[float] | None) -> list[float]:
    """0, the cut points, then `duration_s`."""
    cadence = _cadence(keyframes) if keyframes else None
    bounds = [0.0]
    while True:
        target = bounds[-1] + length
        if duration_s - target < MIN_TAIL * length:
            break
        cut = target if keyframes is None else _snap(bounds[-1], length, keyframes, cadence)
        if cut is None or duration_s - cut < MIN_TAIL * length:
            break
        bounds.append(cut)
    bounds.append(duration_s)
    return bounds


def _snap(
    previous: float, length: float, keyframes: Sequence[float], cadence: float | None
) -> float | None:
    """The key frame to cut at after `previous`, or None when no later key frame is usable."""
    target = previous + length
    lo = bisect.bisect_right(keyframes, previous + length * (1 - SNAP_WINDOW))
    hi = bisect.bisect_right(keyframes, previous + length * (1 + SNAP_WINDOW))
    candidates = list(keyframes[lo:hi])
    if not candidates:
        # Key frames further apart than the window: the next one after it, if any.
        return keyframes[lo] if lo < len(keyframes) else None
    if cadence:
        scene_cuts = [
            k for n, k in enumerate(candidates, start=lo)
            if abs(k - target) <= SCENE_WINDOW * length and n > 0
            and k - keyframes[n - 1] < 0.9 * cadence
        ]  # fmt: skip
        if scene_cuts:
            candidates = scene_cuts
    return min(candidates, key=lambda k: (abs(k - target), k))


def _cadence(keyframes: Sequence[float]) -> float | None:
    """The encoder's regular key-frame interval (the median gap), if there are enough."""
    gaps = [b - a for a, b in itertools.pairwise(keyframes)]
    return statistics.median(gaps) if len(gaps) >= 3 else None


def _frames_in(start: float, end: float, keyframes: Sequence[float] | None, max_frames: int) -> int:
    """Images a chunk's payload will hold: its key frames plus fill-ins, at most `max_frames`."""
    if keyframes is None:
        return 0
    inside = bisect.bisect_left(keyframes, end) - bisect.bisect_left(keyframes, start)
    return min(max_frames, max(inside, math.ceil((end - start) / FRAME_EVERY_S)))
