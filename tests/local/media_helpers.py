"""Small media for the local provider's media tests, drawn with ffmpeg and espeak-ng."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from ingest.types import Chunk, ChunkPart, Span

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
SCRIPT = (
    "The hearing resumed after a short break. Daniel Whitaker told the committee that the "
    "contract was signed on March 3, 2021, in the regional office. He said the budget covered "
    "new equipment, staff training and a public safety campaign. Several members asked why the "
    "invoices arrived late, and he promised to send a full report before the next meeting."
)


def ffmpeg(*args: str) -> None:
    cmd = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]
    subprocess.run(cmd, check=True, capture_output=True)


def wav16k(src: Path, dst: Path) -> Path:
    ffmpeg("-i", str(src), "-ar", "16000", "-ac", "1", str(dst))
    return dst


def duration(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip())


def frame_at(video: Path, seconds: float, dst: Path) -> Path:
    ffmpeg("-ss", f"{seconds:.3f}", "-i", str(video), "-frames:v", "1", "-q:v", "3", str(dst))
    return dst


def caption_frame(dst: Path, text: str, size: str = "768x432") -> Path:
    """A news-style frame: dark background, a white lower-third with `text`."""
    draw = (
        f"drawbox=y=ih*0.72:w=iw:h=ih*0.16:color=white@1:t=fill,"
        f"drawtext=fontfile={FONT}:text='{text}':fontcolor=black:fontsize=30:x=40:y=h*0.76"
    )
    ffmpeg(
        "-f", "lavfi", "-i", f"color=c=0x203040:s={size}", "-vf", draw, "-frames:v", "1", str(dst)
    )
    return dst


def part(kind: str, path: Path, start: float, end: float, mime: str) -> ChunkPart:
    return ChunkPart(kind=kind, mime=mime, span=Span.seconds(start, end), path=str(path))  # type: ignore[arg-type]


def image(path: Path, at: float) -> ChunkPart:
    return part("image", path, at, at, "image/jpeg")


def chunk(parts: list[ChunkPart], start: float, end: float, index: int = 0) -> Chunk:
    return Chunk(index=index, span=Span.seconds(start, end), parts=parts, token_estimate=0)


def words(text: str) -> list[str]:
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate: word-level Levenshtein over lower-cased words, punctuation stripped."""
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, start=1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(1, len(ref))
