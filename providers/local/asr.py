"""Speech to text with faster-whisper: tiny.en for English, Whisper base for the rest.

The language is the task's hint when there is one; otherwise Whisper base detects it on
the first 30 s of speech (VAD first, so leading silence does not decide), and English
audio is then transcribed by tiny.en (about 3× cheaper than base, and as accurate on
English). Greedy decoding (beam 1), Silero VAD and word timestamps; one CPU thread per
model, loaded once per process from a local directory, never by name (a name would make
faster-whisper try the Hugging Face hub).

Times come back relative to the audio file; `transcribe` adds the audio part's absolute
start, so every segment and word is in seconds of the source.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis.schema import TranscriptSegment, Word
from ingest.types import Span
from providers.local.integrity import WHISPER_TINY_EN_PINS, verify
from providers.local.whisper_models import ensure_base, tiny_dir

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Audio = npt.NDArray[np.float32]

SAMPLE_RATE = 16_000
DETECT_SECONDS = 30
SPARSE_MIN_S = 8.0  # a segment this long with fewer than 1 word/s is re-decoded
SPARSE_WORDS_PER_S = 1.0
TINY_EN = "Whisper tiny.en"
BASE = "Whisper base"


@dataclass
class Transcript:
    segments: list[TranscriptSegment] = field(default_factory=list)
    language: str | None = None
    model: str = ""
    language_source: str = ""  # "hint" or "detected (p=0.97)"


def _load(directory: Path) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # guard: never reach for the hub
    from faster_whisper import WhisperModel

    return WhisperModel(
        str(directory), device="cpu", compute_type="int8", cpu_threads=1, num_workers=1
    )


@cache
def tiny_model() -> Any:
    directory = tiny_dir()
    verify(directory, WHISPER_TINY_EN_PINS)
    return _load(directory)


@cache
def base_model(cache_dir: Path | None) -> Any:
    return _load(ensure_base(cache_dir))


def _audio(path: Path) -> Audio:
    from faster_whisper import decode_audio

    audio: Audio = decode_audio(str(path), sampling_rate=SAMPLE_RATE)
    return audio


def detect_language(audio: Audio, cache_dir: Path | None) -> tuple[str | None, float]:
    """Whisper base's language for the first `DETECT_SECONDS` of speech, with its probability."""
    from faster_whisper.vad import collect_chunks, get_speech_timestamps

    speech = get_speech_timestamps(audio[: SAMPLE_RATE * 120])
    if not speech:
        return None, 0.0
    import numpy as np

    voiced = np.concatenate(collect_chunks(audio[: SAMPLE_RATE * 120], speech)[0])
    language, probability, _ = base_model(cache_dir).detect_language(
        audio=voiced[: SAMPLE_RATE * DETECT_SECONDS]
    )
    return str(language), float(probability)


@dataclass
class _Raw:
    start: float
    end: float
    text: str
    words: list[tuple[float, float, str]]


def _decode(
    model: Any, audio: Audio, language: str | None, offset: float = 0.0, *, prompt: bool = True
) -> list[_Raw]:
    raw, _ = model.transcribe(
        audio,
        language=language,
        beam_size=1,
        vad_filter=True,
        word_timestamps=True,
        condition_on_previous_text=prompt,
    )
    return [
        _Raw(
            offset + float(seg.start),
            offset + float(seg.end),
            str(seg.text).strip(),
            [
                (offset + float(w.start), offset + float(w.end), str(w.word).strip())
                for w in seg.words or []
            ],
        )
        for seg in raw
    ]


def _sparse(seg: _Raw) -> bool:
    duration = seg.end - seg.start
    return duration >= SPARSE_MIN_S and len(seg.words) < SPARSE_WORDS_PER_S * duration


def _decode_repaired(model: Any, audio: Audio, language: str | None) -> list[_Raw]:
    """Decode, then re-decode on its own any long segment with few words in it.

    Greedy tiny.en sometimes jumps its timestamp over 10–20 s of speech ("Later that week,"
    for 15 s, the sentences in between lost); decoded alone, without the previous text as
    prompt, the same audio comes back whole. The re-decode is kept only if it has more words.
    """
    out: list[_Raw] = []
    for seg in _decode(model, audio, language):
        if _sparse(seg):
            window = audio[int(seg.start * SAMPLE_RATE) : int(seg.end * SAMPLE_RATE)]
            again = _decode(model, window, language, seg.start, prompt=False)
            if sum(len(s.words) for s in again) > len(seg.words):
                out += again
                continue
        out.append(seg)
    return out


def _segments(raw: list[_Raw], offset: float, limit: float | None) -> list[TranscriptSegment]:
    out: list[TranscriptSegment] = []
    for seg in raw:
        if not seg.text:
            continue
        end = offset + seg.end
        end = min(end, limit) if limit is not None else end
        start = min(offset + seg.start, end)
        words = [
            Word(start_s=round(offset + a, 3), end_s=round(offset + b, 3), text=text)
            for a, b, text in seg.words
        ]
        out.append(TranscriptSegment(span=Span.seconds(start, end), text=seg.text, words=words))
    return out


def transcribe(
    path: Path,
    offset: float,
    *,
    limit: float | None = None,
    hint: str | None = None,
    cache_dir: Path | None = None,
) -> Transcript:
    """Segments of the audio file at `path`, shifted by `offset` seconds (clamped to `limit`)."""
    audio = _audio(path)
    language: str | None = hint.lower()[:2] if hint else None
    source = "task hint"
    if language is None:
        language, probability = detect_language(audio, cache_dir)
        source = f"detected (p={probability:.2f})"
        if language is None:
            return Transcript(language_source="no speech found")
    english = language == "en"
    model = tiny_model() if english else base_model(cache_dir)
    raw = _decode_repaired(model, audio, None if english else language)
    return Transcript(
        segments=_segments(raw, offset, limit),
        language=language,
        model=TINY_EN if english else BASE,
        language_source=source,
    )
