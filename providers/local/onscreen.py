"""On-screen text: tesseract on the chunk's keyframes, de-duplicated across frames.

A caption or lower-third stays up for many sampled frames. Each frame's text is split into
blocks (tesseract separates them by blank lines); a block whose normalised text is close
to an open run's (difflib ratio ≥ `SIMILAR`) extends that run, so a lower-third visible
for 20 s is reported once, spanning the frames it was seen on. A run survives one frame
where OCR missed it. Frames that look the same as the previous one (tiny grey thumbnails
within `SAME_FRAME` mean difference) reuse its text instead of running tesseract again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from PIL import Image, ImageChops, ImageStat

from analysis.schema import OnScreenText
from ingest.ocr import OcrSettings, ocr_image
from ingest.types import Span

SIMILAR = 0.8
# Tesseract's word confidence below which a word on a video frame is texture, not text: on
# a synthetic test pattern every junk word scored under 60, real captions score 80–96.
MIN_CONFIDENCE = 60.0
SAME_FRAME = 2.0  # mean absolute grey-level difference (0–255) of 64×36 thumbnails
MISSES = 1  # frames a run may be absent from and still continue
_BLOCKS = re.compile(r"\n\s*\n")
_WS = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w]+")


@dataclass(frozen=True, slots=True)
class Frame:
    time_s: float
    path: Path


@dataclass
class _Run:
    text: str
    key: str
    start_s: float
    end_s: float
    last_frame: int


def normalise(text: str) -> str:
    return _NON_WORD.sub(" ", text.casefold()).strip()


def _plausible(block: str) -> bool:
    """Tesseract reads texture as '| _ ~' runs; keep blocks that look like words."""
    letters = sum(ch.isalnum() for ch in block)
    words = [w for w in re.findall(r"[^\W\d_]{2,}", block) if any(c in "aeiouyAEIOUY" for c in w)]
    return letters >= 3 and letters >= 0.6 * len(block.replace(" ", "")) and bool(words)


def blocks(text: str) -> list[str]:
    out = []
    for raw in _BLOCKS.split(text):
        lines = [_WS.sub(" ", line).strip() for line in raw.splitlines()]
        lines = [line for line in lines if _plausible(line)]
        if lines:
            out.append(" ".join(lines))
    return out


def _thumb(image: Image.Image) -> Image.Image:
    return image.convert("L").resize((64, 36))


def _same(a: Image.Image | None, b: Image.Image) -> bool:
    if a is None:
        return False
    return ImageStat.Stat(ImageChops.difference(a, b)).mean[0] < SAME_FRAME


def read_frames(frames: list[Frame], settings: OcrSettings | None = None) -> list[list[str]]:
    """Text blocks of each frame, in order (similar consecutive frames are read once)."""
    settings = settings or OcrSettings(languages="eng", dpi=96)
    texts: list[list[str]] = []
    previous: Image.Image | None = None
    for frame in frames:
        with Image.open(frame.path) as image:
            thumb = _thumb(image)
            if _same(previous, thumb) and texts:
                texts.append(texts[-1])
            else:
                text = ocr_image(image.convert("RGB"), settings, min_confidence=MIN_CONFIDENCE)
                texts.append(blocks(text))
        previous = thumb
    return texts


def _match(key: str, runs: list[_Run]) -> _Run | None:
    best, score = None, SIMILAR
    for run in runs:
        ratio = 1.0 if run.key == key else SequenceMatcher(None, run.key, key).ratio()
        if ratio >= score:
            best, score = run, ratio
    return best


def dedupe(frames: list[Frame], texts: list[list[str]]) -> list[OnScreenText]:
    """One item per run of similar text across consecutive frames, first seen first."""
    open_runs: list[_Run] = []
    done: list[_Run] = []
    for index, (frame, found) in enumerate(zip(frames, texts, strict=True)):
        alive = [r for r in open_runs if index - r.last_frame <= MISSES + 1]
        done += [r for r in open_runs if r not in alive]
        open_runs = alive
        for text in found:
            key = normalise(text)
            if not key:
                continue
            run = _match(key, [r for r in open_runs if r.last_frame < index])
            if run is None:
                open_runs.append(_Run(text, key, frame.time_s, frame.time_s, index))
                continue
            run.end_s, run.last_frame, run.key = frame.time_s, index, key
            if len(text) > len(run.text):  # keep the fullest reading
                run.text = text
    runs = sorted(done + open_runs, key=lambda r: (r.start_s, r.end_s))
    return [OnScreenText(span=Span.seconds(r.start_s, r.end_s), text=r.text) for r in runs]


def onscreen_text(frames: list[Frame], settings: OcrSettings | None = None) -> list[OnScreenText]:
    ordered = sorted(frames, key=lambda f: f.time_s)
    return dedupe(ordered, read_frames(ordered, settings))
