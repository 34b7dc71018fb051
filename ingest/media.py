"""Video and audio backend: ffprobe, key-frame-aligned time chunks, payloads from one pass.

The first `materialize` of a plan this backend made runs the whole-file passes once (see
`ingest.media_passes`: stream-copied segments, key frames, 16 kHz audio, in parallel) into a
work directory; every chunk is then assembled from those files without touching the source
again. A plan this backend did not make (a resumed job in a fresh process) is served by the
same passes restricted to the chunk's window, at a cost proportional to the chunk.

Parts are handed out as hard links in a per-chunk folder (a copy across file systems), so the
caller may move them away and materializing the same plan again still works. Every time is in
seconds from the start of the source, as ffmpeg presents it (the container's start time is 0).

A video chunk after the first also gets the last frame shown before its segment, as an image
part marked `FRAME_BEFORE_SEGMENT` with its own time (before the segment's start): the
evidence an analysis needs to tell whether the segment's first shot continues the previous
segment's last one or starts at a cut placed on the border.
"""

from __future__ import annotations

import itertools
import math
import os
import shutil
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ingest.backend import ChunkBudget, IngestBackend, IngestLimits, register_backend
from ingest.errors import CorruptFile
from ingest.media_passes import (
    Frame,
    PassOutput,
    Segment,
    extract_audio,
    frame_before,
    frames_between,
    key_frames,
    run_passes,
    segment,
    slice_wav,
)
from ingest.media_plan import AUDIO_TOKENS_PER_S, FRAME_EVERY_S, FRAME_TOKENS, plan_times
from ingest.media_probe import probe_media, segment_format
from ingest.types import (
    FRAME_BEFORE_SEGMENT,
    Chunk,
    ChunkPart,
    ChunkPlan,
    MediaProbe,
    MediaType,
    Span,
)

FILL_GAP_S = 12.0  # key frames further apart than this get frames decoded in between
_TOLERANCE_S = 0.002


@register_backend
class MediaBackend(IngestBackend[MediaProbe]):
    """Any video or audio file ffmpeg can read; video-ness comes from its streams."""

    media_types = frozenset(t for t in MediaType if not t.is_document)

    def __init__(
        self, path: Path, *, password: str | None = None, limits: IngestLimits | None = None
    ) -> None:
        super().__init__(path, password=password, limits=limits)
        self._probe: MediaProbe | None = None
        self._plans: dict[int, ChunkPlan] = {}
        self._whole: tuple[PassOutput, Path] | None = None
        self._work: Path | None = None
        self._lock = threading.Lock()  # guards the whole-file passes and the plan
        self._dir_lock = threading.Lock()  # guards the creation of the work directory
        self._closed = False

    def probe(self) -> MediaProbe:
        """Streams, duration and key frames, checked against the limits (cached)."""
        if self._probe is None:
            self._probe = probe_media(self.path, self.limits)
        return self._probe

    def plan(self, budget: ChunkBudget) -> list[ChunkPlan]:
        """About `chunk_seconds` each, cut on key frames for video, with `overlap_s` overlap."""
        probe = self.probe()
        keyframes = probe.keyframes_s if probe.video else None
        plans = plan_times(probe.duration_s, keyframes, budget, probe.bit_rate)
        with self._lock:
            if [p.span for p in plans] != [p.span for p in self._plans.values()]:
                self._drop_whole()
            self._plans = {p.index: p for p in plans}
        return plans

    def materialize(self, plan: ChunkPlan) -> Chunk:
        """The chunk's video segment, 16 kHz mono audio and key frames, with actual spans."""
        probe = self.probe()
        start, end = plan.span.start_s, plan.span.end_s
        if start is None or end is None or end > probe.duration_s + _TOLERANCE_S:
            raise ValueError(f"plan span {plan.span.label()} is not within the media")
        out = self._fresh_dir(f"chunk-{plan.index:05d}")
        if self._plans.get(plan.index) == plan:
            return self._assemble(plan, self._whole_passes(), 0.0, out)
        scratch = self._fresh_dir(f"scratch-{plan.index:05d}")
        try:
            passes, audio_origin = self._window_passes(plan, scratch)
            return self._assemble(plan, passes, audio_origin, out)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def close(self) -> None:
        """Remove the work directory and everything this backend wrote there."""
        with self._lock, self._dir_lock:
            self._closed = True
            self._whole = None
            if self._work is not None:
                shutil.rmtree(self._work, ignore_errors=True)
                self._work = None

    # ------------------------------------------------------------------ passes

    def _whole_passes(self) -> PassOutput:
        with self._lock:
            if self._whole is None:
                out = self._fresh_dir("whole")
                self._whole = (self._run_whole(out), out)
            return self._whole[0]

    def _run_whole(self, out: Path) -> PassOutput:
        probe = self.probe()
        plans = sorted(self._plans.values(), key=lambda p: p.index)
        video = probe.video is not None
        cuts = [_cut(p) for p in plans[1:]] if video else None
        passes = run_passes(
            self.path, out, cuts=cuts, keyframes=probe.keyframes_s,
            duration_s=probe.duration_s, fmt=segment_format(probe),
            with_audio=probe.audio is not None, ffmpeg_cmd=self.limits.ffmpeg_cmd,
            fps=probe.video.fps if probe.video else None,
        )  # fmt: skip
        if video:
            frames = self._fill(passes.frames, 0.0, probe.duration_s, out / "fill")
            passes = PassOutput(passes.segments, frames, passes.wav, passes.before)
        return passes

    def _window_passes(self, plan: ChunkPlan, out: Path) -> tuple[PassOutput, float]:
        """The passes for one chunk only: seeks to its window instead of reading the file."""
        probe = self.probe()
        cmd = self.limits.ffmpeg_cmd
        cut, end = _cut(plan), plan.span.end_s or 0.0
        audio_from = plan.span.start_s or 0.0
        with ThreadPoolExecutor(max_workers=4) as pool:
            seg = frames = wav = before = None
            if probe.video is not None:
                fmt = segment_format(probe)
                seg = pool.submit(segment, self.path, out / "seg", [], probe.keyframes_s,
                                  probe.duration_s, fmt, cmd, (cut, end))  # fmt: skip
                frames = pool.submit(key_frames, self.path, out / "kf", cmd, (cut, end))
                if plan.index and cut > 0:
                    before = pool.submit(frame_before, self.path, out / "before", cut,
                                         probe.video.fps, cmd)  # fmt: skip
            if probe.audio is not None:
                wav = pool.submit(extract_audio, self.path, out / "audio.wav", cmd,
                                  (audio_from, end))  # fmt: skip
            segments = seg.result() if seg else []
            kept = self._fill(frames.result(), cut, end, out / "fill") if frames else []
            previous = before.result() if before else None
            passes = PassOutput(
                segments, kept, wav.result() if wav else None, {cut: previous} if previous else {}
            )
        return passes, audio_from

    def _fill(self, frames: list[Frame], start: float, end: float, out: Path) -> list[Frame]:
        """Add frames where key frames are more than `FILL_GAP_S` apart (long-GOP video)."""
        times = [start, *(f.time_s for f in frames), end]
        gaps = [(a, b) for a, b in itertools.pairwise(times) if b - a > FILL_GAP_S]
        if not gaps:
            return frames
        cmd = self.limits.ffmpeg_cmd
        with ThreadPoolExecutor(max_workers=2) as pool:
            found = pool.map(
                lambda gap: frames_between(
                    self.path, out, gap[0], gap[1], _step(gap[1] - gap[0]), cmd
                ),
                gaps,
            )
            extra = [frame for batch in found for frame in batch]
        return sorted([*frames, *extra], key=lambda f: f.time_s)

    # ------------------------------------------------------------------ assembly

    def _assemble(
        self, plan: ChunkPlan, passes: PassOutput, audio_origin: float, out: Path
    ) -> Chunk:
        probe = self.probe()
        start, end = plan.span.start_s or 0.0, plan.span.end_s or 0.0
        parts: list[ChunkPart] = []
        frames: list[Frame] = []
        previous: Frame | None = None
        if probe.video is not None:
            seg = _segment_at(passes.segments, _cut(plan))
            start = max(0.0, seg.start_s - plan.overlap_s) if plan.index else start
            end = seg.end_s
            mime = segment_format(probe).mime
            path = _hand_out(seg.path, out / f"segment_{plan.index:05d}{seg.path.suffix}")
            parts.append(_part("video", mime, seg.start_s, seg.end_s, path))
            frames = _subsample(
                [f for f in passes.frames if seg.start_s <= f.time_s < seg.end_s],
                plan.max_frames,
            )
            previous = _before_at(passes.before, seg.start_s) if plan.index else None
        if passes.wav is not None:
            wav = out / f"audio_{plan.index:05d}.wav"
            first, last = slice_wav(passes.wav, wav, start - audio_origin, end - audio_origin)
            parts.append(
                _part("audio", "audio/wav", first + audio_origin, last + audio_origin, wav)
            )
        for frame in frames:
            path = _hand_out(frame.path, out / f"kf_{round(frame.time_s * 1000):09d}.jpg")
            parts.append(_part("image", "image/jpeg", frame.time_s, frame.time_s, path))
        if previous is not None:
            path = _hand_out(previous.path, out / f"before_{round(previous.time_s * 1000):09d}.jpg")
            part = _part("image", "image/jpeg", previous.time_s, previous.time_s, path)
            parts.append(part.model_copy(update={"method": FRAME_BEFORE_SEGMENT}))
        return Chunk(
            index=plan.index,
            span=Span.seconds(start, end),
            overlap_s=round(_cut(plan) - start, 3) if plan.index else 0.0,
            parts=parts,
            token_estimate=math.ceil((end - start) * AUDIO_TOKENS_PER_S)
            + (len(frames) + (previous is not None)) * FRAME_TOKENS,
        )

    # ------------------------------------------------------------------ files

    def _fresh_dir(self, name: str) -> Path:
        """An empty folder `name` in the work directory (created on first use)."""
        with self._dir_lock:
            if self._closed:
                raise RuntimeError("the media backend is closed")
            if self._work is None:
                base = self.limits.work_dir
                if base is not None:
                    base.mkdir(parents=True, exist_ok=True)
                self._work = Path(tempfile.mkdtemp(prefix="longform-media-", dir=base))
            path = self._work / name
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir()
        return path

    def _drop_whole(self) -> None:
        if self._whole is not None:
            shutil.rmtree(self._whole[1], ignore_errors=True)
            self._whole = None


def _cut(plan: ChunkPlan) -> float:
    """Where a chunk's own part begins (after the overlap it shares with the previous one)."""
    return round((plan.span.start_s or 0.0) + plan.overlap_s, 6)


def _segment_at(segments: list[Segment], cut: float) -> Segment:
    """The segment the segmenter started at `cut` (the first one for the first chunk)."""
    if not segments:
        raise CorruptFile("ffmpeg produced no video segment for this file.")
    best = min(segments, key=lambda s: abs(s.start_s - cut))
    if cut > 0 and abs(best.start_s - cut) > 0.5:
        raise CorruptFile(f"The video could not be cut at {cut:.3f} s (no key frame there).")
    return best


def _before_at(before: dict[float, Frame], start: float) -> Frame | None:
    """The frame decoded just before the segment starting at `start`, if the pass found one."""
    near = [cut for cut in before if abs(cut - start) <= 0.5]
    if not near:
        return None
    frame = before[min(near, key=lambda cut: abs(cut - start))]
    return frame if frame.time_s < start else None


def _subsample(frames: list[Frame], limit: int | None) -> list[Frame]:
    """At most `limit` frames, spread evenly, keeping the first and the last."""
    if limit is None or len(frames) <= limit:
        return frames
    if limit <= 1:
        return frames[:limit]
    last = len(frames) - 1
    return [frames[round(n * last / (limit - 1))] for n in range(limit)]


def _step(gap: float) -> float:
    return gap / math.ceil(gap / FRAME_EVERY_S)


def _hand_out(src: Path, dst: Path) -> Path:
    """`src` under `dst` without copying bytes where possible (a hard link)."""
    dst.unlink(missing_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)
    return dst


def _part(kind: str, mime: str, start: float, end: float, path: Path) -> ChunkPart:
    return ChunkPart.model_validate(
        {"kind": kind, "mime": mime, "span": Span.seconds(start, end), "path": str(path)}
    )
