"""The whole-file ffmpeg passes behind media chunks: segments, key frames, 16 kHz audio.

Each pass reads only what it needs and they run at the same time, one process each:

- **segments**: one stream-copy pass (`-f segment -c copy`) cutting at the planned key frames;
  nothing is decoded, the cost is writing a copy of the file (about 6 s for 1.4 GB here);
- **key frames**: `-discard nokey` makes the demuxer skip every other packet (MP4/MOV indexes
  say which samples are key frames) and `-skip_frame nokey` the decoder; only key frames are
  decoded, scaled to <= 768 px on the long side and written as JPEG by ffmpeg's mjpeg encoder
  (decode, scale and encode stay in one native process running in parallel with the other
  passes, instead of piping ~1 MB raw frames into Python for Pillow to encode under the GIL);
- **audio**: the first audio stream decoded once to 16 kHz mono 16-bit WAV (`-vn` skips the
  video packets), resampled against its timestamps so that sample `n` is at `n / 16000` s;
- **frames before the cuts**: for each segment after the first, the last frame shown before
  it starts (one short seek-and-decode per cut, at most a GOP), so that the analysis of a
  segment can tell whether its first shot continues the previous segment's last one.

One process reading the file once for all three outputs was measured slower (13 s against
6.5 s for a 60-minute 720p file on 2 cores): ffmpeg 5.1 runs its outputs on one thread.
Every time here is relative to the container's start time, as ffmpeg presents them.
"""

from __future__ import annotations

import wave
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ingest.ffmpeg_tools import ffmpeg_args, run, showinfo_times

SAMPLE_RATE = 16_000
MAX_SIDE = 768
JPEG_QUALITY = 3  # mjpeg qscale: 2 (best) .. 31; 3 keeps text on screen legible for OCR
SEEK_SLACK = 0.001  # seconds: seek this far from a key frame so rounding cannot miss it
BEFORE_LOOK_S = 0.5  # frames before a cut are looked for this far back (longer at low fps)
SCALE = f"scale='if(gte(iw,ih),min({MAX_SIDE},iw),-2)':'if(gte(iw,ih),-2,min({MAX_SIDE},ih))'"


@dataclass(frozen=True)
class Segment:
    path: Path
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Frame:
    path: Path
    time_s: float


@dataclass(frozen=True)
class PassOutput:
    segments: list[Segment]
    frames: list[Frame]
    wav: Path | None
    before: dict[float, Frame] = field(default_factory=dict)  # cut time -> last frame before it


@dataclass(frozen=True)
class SegmentFormat:
    muxer: str
    ext: str
    mime: str


def run_passes(
    source: Path,
    out: Path,
    *,
    cuts: Sequence[float] | None,
    keyframes: Sequence[float],
    duration_s: float,
    fmt: SegmentFormat,
    with_audio: bool,
    ffmpeg_cmd: str = "ffmpeg",
    fps: float | None = None,
) -> PassOutput:
    """Run the passes a file needs, in parallel; `cuts` None means audio only."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        seg = frames = wav = before = None
        if cuts is not None:
            seg = pool.submit(segment, source, out / "seg", cuts, keyframes, duration_s, fmt,
                              ffmpeg_cmd)  # fmt: skip
            frames = pool.submit(key_frames, source, out / "kf", ffmpeg_cmd)
            if cuts:
                before = pool.submit(frames_before, source, out / "before", cuts, fps, ffmpeg_cmd)
        if with_audio:
            wav = pool.submit(extract_audio, source, out / "audio.wav", ffmpeg_cmd)
        return PassOutput(
            segments=seg.result() if seg else [],
            frames=frames.result() if frames else [],
            wav=wav.result() if wav else None,
            before=before.result() if before else {},
        )


def segment(
    source: Path,
    out: Path,
    cuts: Sequence[float],
    keyframes: Sequence[float],
    duration_s: float,
    fmt: SegmentFormat,
    ffmpeg_cmd: str = "ffmpeg",
    window: tuple[float, float] | None = None,
) -> list[Segment]:
    """Stream-copy `source` into segments that start at the key frames in `cuts`.

    The segmenter cuts at the first key frame at or after each requested time; its list gives
    each segment's start in the output timeline, which the muxer may have shifted by a few
    milliseconds (e.g. AAC priming). Each start is therefore matched to the nearest key frame
    of the source, so spans come out exactly in the source's timeline.
    """
    out.mkdir(parents=True, exist_ok=True)
    listing = out / "segments.csv"
    # Ask a little before each key frame, so a muxer shift either way still cuts on it.
    times = [_before(cut, keyframes) for cut in cuts]
    args = [*_seek(window, after=True), "-i", str(source),
            "-map", "0:V:0", "-map", "0:a:0?", "-c", "copy", "-sn", "-dn",
            "-f", "segment", "-segment_format", fmt.muxer, "-reset_timestamps", "1",
            "-segment_list", str(listing), "-segment_list_type", "csv"]  # fmt: skip
    if times:
        args += ["-segment_times", ",".join(f"{t:.6f}" for t in times)]
    else:  # one segment: the muxer's default is to cut every 2 s
        args += ["-segment_time", "1000000"]
    run(ffmpeg_args(ffmpeg_cmd, *args, str(out / f"segment_%05d.{fmt.ext}")))
    rows = [line.split(",") for line in listing.read_text().splitlines() if line.strip()]
    origin = window[0] if window else 0.0
    first = _nearest(origin, keyframes) if window or (keyframes and keyframes[0] > 0) else 0.0
    starts = [first] + [_nearest(origin + float(row[1]), keyframes) for row in rows[1:]]
    ends = [*starts[1:], window[1] if window else duration_s]
    return [
        Segment(out / row[0], start, end)
        for row, start, end in zip(rows, starts, ends, strict=True)
    ]


def key_frames(
    source: Path,
    out: Path,
    ffmpeg_cmd: str = "ffmpeg",
    window: tuple[float, float] | None = None,
) -> list[Frame]:
    """Decode only the key frames of the first video stream, scaled, as JPEG files."""
    out.mkdir(parents=True, exist_ok=True)
    args = [*_seek(window, after=False), "-discard:V", "nokey", "-skip_frame:V", "nokey",
            "-i", str(source),
            "-map", "0:V:0", "-vf", f"select=key,{SCALE},showinfo", "-fps_mode", "passthrough",
            "-q:v", str(JPEG_QUALITY), "-f", "image2", str(out / "kf_%06d.jpg")]  # fmt: skip
    done = run(_with_info_log(ffmpeg_args(ffmpeg_cmd, *args)))
    origin = max(0.0, window[0] - SEEK_SLACK) if window else 0.0
    times = [round(origin + t, 6) for t in showinfo_times(done.stderr)]
    return [Frame(out / f"kf_{n:06d}.jpg", t) for n, t in enumerate(times, start=1)]


def frames_between(
    source: Path, out: Path, start_s: float, end_s: float, step_s: float, ffmpeg_cmd: str
) -> list[Frame]:
    """Frames every `step_s` seconds strictly after `start_s` (a key frame) and before `end_s`.

    One seek to `start_s` and one decode up to `end_s`: the gap between two distant key frames
    is decoded once, whatever the number of frames taken from it.
    """
    out.mkdir(parents=True, exist_ok=True)
    name = f"fill_{round(start_s * 1000):09d}_%03d.jpg"
    pick = f"select='gte(t,(selected_n+1)*{step_s:.6f})'"
    args = ["-ss", f"{start_s:.6f}", "-t", f"{end_s - start_s - step_s / 2:.6f}",
            "-i", str(source), "-map", "0:V:0", "-vf", f"{pick},{SCALE},showinfo",
            "-fps_mode", "passthrough", "-q:v", str(JPEG_QUALITY), "-f", "image2",
            str(out / name)]  # fmt: skip
    done = run(_with_info_log(ffmpeg_args(ffmpeg_cmd, *args)))
    times = showinfo_times(done.stderr)
    return [Frame(out / (name % n), round(start_s + t, 6)) for n, t in enumerate(times, start=1)]


def frames_before(
    source: Path, out: Path, cuts: Sequence[float], fps: float | None, ffmpeg_cmd: str = "ffmpeg"
) -> dict[float, Frame]:
    """The last frame before each cut (a key frame > 0), scaled, as JPEG; cuts with none are
    left out. One process per cut, one after the other (each decodes at most one GOP)."""
    found: dict[float, Frame] = {}
    for cut in cuts:
        frame = frame_before(source, out, cut, fps, ffmpeg_cmd)
        if frame is not None:
            found[cut] = frame
    return found


def frame_before(
    source: Path, out: Path, time_s: float, fps: float | None, ffmpeg_cmd: str = "ffmpeg"
) -> Frame | None:
    """The last frame shown strictly before `time_s`, or None (at 0, or no frame close by).

    Seeks `look` seconds back (the decoder starts at the key frame before that), keeps the
    frames before `time_s` and lets the image muxer overwrite one file with each, so the
    last one stays; `showinfo` gives the times of all of them.
    """
    look = max(BEFORE_LOOK_S, 2.5 / fps) if fps else BEFORE_LOOK_S
    start = max(0.0, time_s - look)
    if time_s - start < 0.001:
        return None
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"before_{round(time_s * 1000):09d}.jpg"
    path.unlink(missing_ok=True)
    until = time_s - start - SEEK_SLACK / 2
    args = ["-ss", f"{start:.6f}", "-t", f"{until + 0.05:.6f}", "-i", str(source),
            "-map", "0:V:0", "-vf", f"select='lt(t,{until:.6f})',{SCALE},showinfo",
            "-fps_mode", "passthrough", "-q:v", str(JPEG_QUALITY), "-update", "1",
            "-f", "image2", str(path)]  # fmt: skip
    done = run(_with_info_log(ffmpeg_args(ffmpeg_cmd, *args)))
    times = showinfo_times(done.stderr)
    if not times or not path.is_file():
        return None
    at = round(start + times[-1], 6)
    return Frame(path, at) if at < time_s else None


def extract_audio(
    source: Path,
    wav: Path,
    ffmpeg_cmd: str = "ffmpeg",
    window: tuple[float, float] | None = None,
) -> Path:
    """The first audio stream as 16 kHz mono PCM WAV, padded so sample 0 is at time 0
    (or at the start of `window`)."""
    resample = f"aresample={SAMPLE_RATE}:async=1:first_pts=0"
    seek = ["-ss", f"{window[0]:.6f}", "-t", f"{window[1] - window[0]:.6f}"] if window else []
    args = [*seek, "-vn", "-sn", "-dn", "-i", str(source), "-map", "0:a:0", "-af", resample,
            "-ac", "1", "-c:a", "pcm_s16le", "-f", "wav", str(wav)]  # fmt: skip
    run(ffmpeg_args(ffmpeg_cmd, *args))
    return wav


def slice_wav(wav: Path, dst: Path, start_s: float, end_s: float) -> tuple[float, float]:
    """Copy [start_s, end_s) of a WAV into `dst`; returns the span really covered (seconds)."""
    with wave.open(str(wav), "rb") as src:
        rate = src.getframerate()
        first = min(max(0, round(start_s * rate)), src.getnframes())
        last = min(max(first, round(end_s * rate)), src.getnframes())
        src.setpos(first)
        with wave.open(str(dst), "wb") as out:
            out.setnchannels(src.getnchannels())
            out.setsampwidth(src.getsampwidth())
            out.setframerate(rate)
            remaining = last - first
            while remaining > 0:
                block = min(remaining, rate * 30)
                out.writeframes(src.readframes(block))
                remaining -= block
    return first / rate, last / rate


def wav_seconds(wav: Path) -> float:
    with wave.open(str(wav), "rb") as src:
        return src.getnframes() / src.getframerate()


def _with_info_log(args: list[str]) -> list[str]:
    """`showinfo` logs at info level: raise the level just for that filter's lines."""
    at = args.index("-loglevel")
    return [*args[: at + 1], "info", *args[at + 2 :]]


def _seek(window: tuple[float, float] | None, *, after: bool) -> list[str]:
    """Input options reading only `window`, which starts on a key frame.

    Stream copy starts at the key frame at or before the seek point, so it seeks just after
    the key frame; decoding drops frames before the seek point, so it seeks just before.
    """
    if window is None:
        return []
    start = window[0] + (SEEK_SLACK if after else -SEEK_SLACK)
    start = max(0.0, start)
    return ["-ss", f"{start:.6f}", "-t", f"{window[1] - start:.6f}"]


def _nearest(time_s: float, keyframes: Sequence[float]) -> float:
    if not keyframes:
        return time_s
    return min(keyframes, key=lambda k: abs(k - time_s))


def _before(cut: float, keyframes: Sequence[float]) -> float:
    """A request time just before key frame `cut`: half-way to the previous one, at most 0.25 s."""
    earlier = [k for k in keyframes if k < cut]
    gap = cut - earlier[-1] if earlier else cut
    return max(0.0, cut - min(0.25, gap / 2))
