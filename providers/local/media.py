"""`analyze_media_chunk`: transcript, shots, on-screen text, then the text engines.

A media chunk holds at most one "audio" part (16 kHz mono WAV covering the chunk and its
leading overlap), one "video" part (a stream-copied segment) and "image" keyframes with
span [t, t]; every part has a readable local `path` and an absolute span. An image marked
`FRAME_BEFORE_SEGMENT` is the frame shown just before the video part: it only decides whether
the first shot continues the previous chunk's last one (see `providers.local.shots`). Transcript
segments become the text units (their language is Whisper's, not lingua's: segments are
too short to tag one by one); on-screen text blocks are extra units for entities, events
and flags. Everything comes back in absolute seconds of the source.
"""

from __future__ import annotations

from pathlib import Path

from analysis.schema import ChunkResult, OnScreenText, TranscriptSegment
from ingest.types import FRAME_BEFORE_SEGMENT, Chunk, ChunkPart
from providers.base import AnalysisTask
from providers.local import langid
from providers.local.asr import Transcript, transcribe
from providers.local.engine import MODEL, analyze_units, language_notes
from providers.local.onscreen import Frame, onscreen_text
from providers.local.shots import Keyframe, continues, find_shots, scenes
from providers.local.text import Unit

SHOTS_MODEL = "PySceneDetect ContentDetector"
OCR_MODEL = "tesseract 5"
CAPTION_LANGID_LETTERS = 80


class MediaPartError(ValueError):
    """A media part has no readable local file."""


def _path(part: ChunkPart) -> Path:
    if not part.path:
        raise MediaPartError(f"{part.kind} part at {part.span.label()} has no local path")
    path = Path(part.path)
    if not path.is_file():
        raise MediaPartError(f"{part.kind} part file {path} does not exist")
    return path


def _first(chunk: Chunk, kind: str) -> ChunkPart | None:
    return next((p for p in chunk.parts if p.kind == kind), None)


def keyframe_name(part: ChunkPart) -> str:
    return Path(part.blob_key).name if part.blob_key else _path(part).name


def _images(chunk: Chunk) -> list[ChunkPart]:
    """The chunk's keyframes (not the frame before its video segment)."""
    parts = [
        p
        for p in chunk.parts
        if p.kind == "image" and not p.span.is_pages and p.method != FRAME_BEFORE_SEGMENT
    ]
    return sorted(parts, key=lambda p: p.span.start_s or 0.0)


def _frame_before(chunk: Chunk, video: ChunkPart) -> ChunkPart | None:
    """The frame shown just before the video part starts, if ingest provided it."""
    start = video.span.start_s or 0.0
    before = [
        p
        for p in chunk.parts
        if p.kind == "image" and p.method == FRAME_BEFORE_SEGMENT and not p.span.is_pages
        and (p.span.start_s or 0.0) < start
    ]  # fmt: skip
    return max(before, key=lambda p: p.span.start_s or 0.0, default=None)


def _continues(chunk: Chunk, video: ChunkPart | None) -> bool:
    """No cut at the video part's start: its first frame continues the frame before it."""
    before = _frame_before(chunk, video) if video else None
    return video is not None and before is not None and continues(_path(before), _path(video))


def _transcript(chunk: Chunk, task: AnalysisTask, cache_dir: Path | None) -> Transcript:
    audio = _first(chunk, "audio")
    if audio is None:
        return Transcript(language_source="no audio part")
    hint = (task.languages[0] if task.languages else None) or chunk.language
    return transcribe(
        _path(audio),
        audio.span.start_s or 0.0,
        limit=audio.span.end_s,
        hint=hint,
        cache_dir=cache_dir,
    )


def _units(segments: list[TranscriptSegment], language: str | None) -> list[Unit]:
    return [Unit(span=s.span, text=s.text, language=language) for s in segments]


def _onscreen_units(items: list[OnScreenText], spoken: str | None) -> list[Unit]:
    """Captions are too short to tag one by one: the speech's language, else all of them
    together when that is long enough for lingua (short Latin-script text reads as anything)."""
    joined = " ".join(o.text for o in items)
    language = spoken
    if language is None and sum(ch.isalpha() for ch in joined) >= CAPTION_LANGID_LETTERS:
        language = langid.detect(joined)
    return [Unit(span=o.span, text=o.text, language=language) for o in items]


def _notes(chunk: Chunk, transcript: Transcript, units: list[Unit]) -> list[str]:
    notes = []
    if transcript.model:
        notes.append(
            f"speech recognised offline with {transcript.model} (faster-whisper int8, greedy, "
            f"VAD); language '{transcript.language}' from {transcript.language_source}"
        )
    elif transcript.language_source:
        notes.append(f"no transcript: {transcript.language_source}")
    if _first(chunk, "video") is None:
        notes.append("no video part: no shot detection")
    if not _images(chunk):
        notes.append("no keyframes: no on-screen text")
    return notes + language_notes(units, transcript.language)


def analyze_media_chunk(
    chunk: Chunk, task: AnalysisTask, model_cache_dir: Path | None = None
) -> ChunkResult:
    """Transcript, scenes, on-screen text and timestamped findings for one media chunk."""
    transcript = _transcript(chunk, task, model_cache_dir)
    images = _images(chunk)
    frames = [Frame(p.span.start_s or 0.0, _path(p)) for p in images]
    onscreen = onscreen_text(frames) if frames else []
    video = _first(chunk, "video")
    shots = find_shots(_path(video), video.span.start_s or 0.0, video.span.end_s) if video else []
    keyframes = [Keyframe(p.span.start_s or 0.0, keyframe_name(p)) for p in images]
    units = _units(transcript.segments, transcript.language)
    engines = [transcript.model] if transcript.model else []
    engines += [SHOTS_MODEL] if video else []
    engines += [OCR_MODEL] if images else []
    model = " + ".join([MODEL, *engines])
    result = analyze_units(
        chunk,
        units,
        transcript.language,
        extra=_onscreen_units(onscreen, transcript.language),
        model=model,
    )
    result.transcript = transcript.segments
    result.scenes = scenes(shots, keyframes, onscreen, continues_previous=_continues(chunk, video))
    result.onscreen_text = onscreen
    result.notes = _notes(chunk, transcript, units)
    return result
