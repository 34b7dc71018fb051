"""Local analysis of 60 minutes of speech: wall time, real-time factor, CPU-s and WER.

Generates a long varied script (seeded templates: names, places, dates, amounts), speaks it
with espeak-ng en-us in ~2-minute pieces, concatenates them into one 16 kHz mono WAV (cached
under bench/out/speech-<N>min/), cuts it with ffmpeg into 2-minute chunks with a 4 s leading
overlap (as ingest does), and runs every chunk through `LocalProvider.analyze` on 2 worker
processes with no language hint (so each chunk also pays Whisper base language detection).
CPU-s counts this process and the workers (reaped at `aclose`). WER: each chunk keeps the
words whose midpoint lies on its side of the middle of the overlap; words are assigned to
script pieces by time and scored per piece (word-level Levenshtein, lower case, no
punctuation, no number normalisation).

    .venv/bin/python bench/analyze_audio.py [--minutes 60] [--workers 2] [--chunk 120]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import _common as c

from analysis.schema import ChunkResult, Word
from ingest.types import Chunk, ChunkPart, Span
from providers.base import AnalysisTask
from providers.local import LocalProvider

TARGET_RTF = 0.13
OVERLAP_S = 4.0
PIECE_WORDS = 300
NAMES = [
    "Daniel Whitaker",
    "Maria Lopez",
    "Helen Park",
    "Samuel Osei",
    "Laura Brennan",
    "Victor Almeida",
    "Grace Kimura",
    "Thomas Reed",
    "Nadia Haddad",
    "Oliver Grant",
]
PLACES = [
    "Springfield",
    "the harbor office",
    "Denver",
    "the north warehouse",
    "Chicago",
    "the county courthouse",
    "Portland",
    "the training center",
    "Atlanta",
    "the lab",
]
THINGS = [
    "the shipping contract",
    "the safety report",
    "the budget proposal",
    "the lease",
    "the insurance claim",
    "the hiring plan",
    "the audit findings",
    "the vendor invoices",
    "the maintenance schedule",
    "the settlement offer",
    "the building permit",
]
VERBS = [
    "reviewed",
    "signed",
    "questioned",
    "approved",
    "rejected",
    "discussed",
    "delayed",
    "summarized",
    "defended",
    "criticized",
    "updated",
    "presented",
]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
TEMPLATES = [
    "{name} {verb} {thing} at {place} on {month} {day}, {year}.",
    "According to {name}, {thing} was {verb} after the meeting in {place}.",
    "The committee asked {name} why {thing} was {verb} so late.",
    "In {place}, {name} explained that {thing} still needed careful review.",
    "Nobody at {place} expected {name} to say that {thing} had been {verb}.",
    "{name} said the team would finish {thing} before the end of {month}.",
    "Later that week, {name} traveled to {place} and {verb} {thing} with the managers.",
    "The records show that {thing} was {verb} twice, first in {month} and again in {year}.",
]


def script(words: int, seed: int = 7) -> list[str]:
    """Pieces of about `PIECE_WORDS` words each, `words` in total."""
    rng = random.Random(seed)
    pieces: list[str] = []
    current: list[str] = []
    count = total = 0
    while total < words:
        sentence = rng.choice(TEMPLATES).format(
            name=rng.choice(NAMES), verb=rng.choice(VERBS), thing=rng.choice(THINGS),
            place=rng.choice(PLACES), month=rng.choice(MONTHS), day=rng.randint(1, 28),
            year=rng.randint(2015, 2024),
        )  # fmt: skip
        current.append(sentence)
        n = len(sentence.split())
        count, total = count + n, total + n
        if count >= PIECE_WORDS:
            pieces.append(" ".join(current))
            current, count = [], 0
    if current:
        pieces.append(" ".join(current))
    return pieces


def _ffmpeg(*args: str) -> None:
    cmd = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]
    subprocess.run(cmd, check=True, capture_output=True)


def _speak(index: int, text: str, folder: Path) -> Path:
    raw, wav = folder / f"piece{index:03d}.raw.wav", folder / f"piece{index:03d}.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(raw), text], check=True)
    _ffmpeg("-i", str(raw), "-af", "apad=pad_dur=0.5", "-ar", "16000", "-ac", "1", str(wav))
    raw.unlink()
    return wav


def _duration(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return float(out.stdout)


def speech(minutes: float) -> tuple[Path, list[tuple[float, float, str]]]:
    """The cached long WAV and its pieces as (start_s, end_s, text)."""
    folder = c.out_dir() / f"speech-{minutes:g}min"
    wav, meta = folder / "speech16k.wav", folder / "pieces.json"
    if wav.exists() and meta.exists():
        return wav, [tuple(p) for p in json.loads(meta.read_text())]  # type: ignore[misc]
    folder.mkdir(parents=True, exist_ok=True)
    pieces = script(int(minutes * 155))  # espeak-ng at 160 wpm says ~155 words a minute
    with ThreadPoolExecutor(max_workers=2) as pool:
        wavs = list(pool.map(lambda a: _speak(a[0], a[1], folder), enumerate(pieces)))
    spans, at = [], 0.0
    for path, text in zip(wavs, pieces, strict=True):
        length = _duration(path)
        spans.append((at, at + length, text))
        at += length
    listing = folder / "list.txt"
    listing.write_text("".join(f"file '{p.name}'\n" for p in wavs))
    _ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(wav))
    for path in wavs:
        path.unlink()
    meta.write_text(json.dumps(spans))
    return wav, spans


def cut(wav: Path, total: float, chunk_s: float, folder: Path) -> list[Chunk]:
    """16 kHz WAV slices [start − overlap, end], as ingest/media.py materializes them."""
    folder.mkdir(parents=True, exist_ok=True)
    chunks: list[Chunk] = []
    start, index = 0.0, 0
    while start < total - 0.5:
        end = min(total, start + chunk_s)
        lo = max(0.0, start - OVERLAP_S)
        path = folder / f"chunk{index:03d}.wav"
        _ffmpeg("-ss", f"{lo:.3f}", "-t", f"{end - lo:.3f}", "-i", str(wav), str(path))
        part = ChunkPart(kind="audio", mime="audio/wav", span=Span.seconds(lo, end), path=str(path))
        chunks.append(Chunk(index=index, span=Span.seconds(lo, end), overlap_s=start - lo,
                            parts=[part], token_estimate=0))  # fmt: skip
        start, index = end, index + 1
    return chunks


def _words(text: str) -> list[str]:
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


def _edits(ref: list[str], hyp: list[str]) -> int:
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, start=1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


def owned_words(results: list[ChunkResult]) -> list[Word]:
    """Each chunk's words on its side of the middle of the overlaps."""
    kept: list[Word] = []
    for k, result in enumerate(results):
        lo = (result.span.start_s or 0.0) + (OVERLAP_S / 2 if k else 0.0)
        hi = (results[k + 1].span.start_s or 0.0) + OVERLAP_S / 2 if k + 1 < len(results) else 1e9
        for segment in result.transcript:
            kept += [w for w in segment.words if lo <= (w.start_s + w.end_s) / 2 < hi]
    return sorted(kept, key=lambda w: w.start_s)


def wer(words: list[Word], pieces: list[tuple[float, float, str]]) -> float:
    edits = total = 0
    for start, end, text in pieces:
        hyp = [t for w in words if start <= (w.start_s + w.end_s) / 2 < end for t in _words(w.text)]
        ref = _words(text)
        edits, total = edits + _edits(ref, hyp), total + len(ref)
    return edits / max(1, total)


async def analyze(chunks: list[Chunk], workers: int) -> tuple[list[ChunkResult], float, float]:
    provider = LocalProvider(workers=workers)
    started = time.perf_counter()
    await provider.warm()
    warm_s = time.perf_counter() - started
    results = await asyncio.gather(*(provider.analyze(ch, AnalysisTask()) for ch in chunks))
    seconds = time.perf_counter() - started
    await provider.aclose()
    return list(results), seconds, warm_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk", type=float, default=120.0)
    args = parser.parse_args()

    t0 = time.perf_counter()
    wav, pieces = speech(args.minutes)
    total = _duration(wav)
    chunks = cut(wav, total, args.chunk, c.out_dir() / "speech-chunks")
    prepare_s = time.perf_counter() - t0
    cpu0 = c.cpu_seconds()
    load0 = c.machine()["loadavg"]
    results, seconds, warm_s = asyncio.run(analyze(chunks, args.workers))
    cpu = c.cpu_delta(cpu0, c.cpu_seconds())
    words = owned_words(results)
    figures = {
        "audio_s": round(total, 1),
        "chunks": len(chunks),
        "workers": args.workers,
        "wall_s": round(seconds, 1),
        "warm_s": round(warm_s, 1),
        "rtf_wall": round(seconds / total, 4),
        "cpu_s": cpu,
        "cpu_s_per_audio_s": round(cpu["total"] / total, 4),
        "wer": round(wer(words, pieces), 4),
        "words_recognised": len(words),
        "models": sorted({r.model for r in results}),
        "languages": sorted({str(r.language) for r in results}),
        "target_rtf": TARGET_RTF,
        "meets_target": seconds / total <= TARGET_RTF,
        "prepare_s_cached_or_generated": round(prepare_s, 1),
        "loadavg_before": load0,
        "machine": c.machine(),
    }
    (c.out_dir() / "analyze_audio.json").write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
