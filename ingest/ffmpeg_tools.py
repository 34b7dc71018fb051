"""Running ffprobe and ffmpeg: one place that turns their failures into `IngestError`s.

ffprobe's stream/format JSON comes through ffmpeg-python (`ffmpeg.probe`); everything else runs
as a plain subprocess, since ffmpeg-python's graph builder cannot express the multi-output,
per-stream-option commands ingest needs. stdin is closed and output captured for every run.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ffmpeg

from ingest.errors import CorruptFile, ToolUnavailable

# ffprobe/ffmpeg stderr → what a person should read instead.
_EXPLANATIONS = (
    ("moov atom not found", "The MP4/MOV file is truncated: its index (moov atom) is missing, "
     "as happens when a recording or download is cut short."),
    ("Invalid data found when processing input",
     "The file is not audio or video that ffmpeg can read (its bytes are not a media stream)."),
    ("could not find codec parameters", "No audio or video stream in the file could be decoded."),
    ("End of file", "The file ends before its first media data: it is truncated."),
)  # fmt: skip


class FfmpegFailed(CorruptFile):
    """ffmpeg ran but failed on this file (the message carries the end of its stderr)."""

    code = "corrupt_file"


def explain(stderr: str) -> str:
    """A sentence for people from ffmpeg's stderr, with ffmpeg's own last line appended."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else "no error output"
    for needle, sentence in _EXPLANATIONS:
        if needle.lower() in stderr.lower():
            return f"{sentence} (ffmpeg: {last})"
    return f"ffmpeg could not read the file: {last}"


def probe_json(path: Path, ffprobe_cmd: str = "ffprobe") -> dict[str, Any]:
    """ffprobe's `-show_format -show_streams` JSON for `path`."""
    try:
        data: dict[str, Any] = ffmpeg.probe(str(path), cmd=ffprobe_cmd)
    except FileNotFoundError as exc:
        raise _missing(ffprobe_cmd) from exc
    except PermissionError as exc:
        raise _missing(ffprobe_cmd) from exc
    except ffmpeg.Error as exc:
        stderr = exc.stderr.decode(errors="replace") if exc.stderr else ""
        if "moov atom not found" in stderr and not _looks_iso_bmff(path):
            stderr = "Invalid data found when processing input"  # MP4 by name only
        raise CorruptFile(explain(stderr)) from exc
    return data


def keyframe_times(path: Path, ffprobe_cmd: str = "ffprobe", timeout: float = 600) -> list[float]:
    """Presentation times (raw stream seconds) of the key frames of the first video stream.

    Reads packet flags, not frames: `-discard nokey` makes the demuxer skip non-key packets
    without reading them where the container has an index (MP4, MKV cues), so a 60-minute
    1.4 GB MP4 takes well under a second. See bench/ingest_media.py for the alternatives.
    """
    args = [ffprobe_cmd, "-v", "error", "-select_streams", "v:0", "-discard", "nokey",
            "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", str(path)]  # fmt: skip
    out = run(args, timeout=timeout).stdout
    times = []
    for line in out.splitlines():
        pts, _, flags = line.partition(",")
        if "K" in flags and pts not in ("", "N/A"):
            times.append(float(pts))
    return sorted(set(times))


def run(args: Sequence[str], *, timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    """Run ffmpeg/ffprobe; a non-zero exit raises `FfmpegFailed` with the reason explained."""
    try:
        done = subprocess.run(
            list(args), capture_output=True, text=True, errors="replace", timeout=timeout,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except (FileNotFoundError, PermissionError) as exc:
        raise _missing(args[0]) from exc
    except subprocess.TimeoutExpired as exc:
        raise FfmpegFailed(f"{Path(args[0]).name} took longer than {timeout:.0f} s") from exc
    if done.returncode != 0:
        raise FfmpegFailed(explain(done.stderr))
    return done


def ffmpeg_args(ffmpeg_cmd: str, *args: str) -> list[str]:
    """An ffmpeg command line that never prompts, overwrites outputs and logs only errors."""
    return [ffmpeg_cmd, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y", *args]


_SHOWINFO = re.compile(r"\bn:\s*(\d+)\s+pts:\s*(-?\d+)\s+pts_time:(-?[\d.]+)")


def showinfo_times(stderr: str) -> list[float]:
    """Frame times logged by ffmpeg's `showinfo` filter, in output order."""
    return [float(match.group(3)) for match in _SHOWINFO.finditer(stderr)]


def _looks_iso_bmff(path: Path) -> bool:
    """Whether the file starts like an MP4/MOV (a box such as ftyp, moov, mdat, free)."""
    with path.open("rb") as handle:
        head = handle.read(8)
    return head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip")


def _missing(cmd: str) -> ToolUnavailable:
    return ToolUnavailable(
        f"{cmd} is not installed or cannot be run on this server; video and audio need ffmpeg "
        "(e.g. `apt-get install ffmpeg`)."
    )
