"""Shot boundaries with PySceneDetect, and the scenes a report shows for them.

`ContentDetector` on frames downscaled to ~256 px wide (PySceneDetect's auto downscale)
found every hard cut of the ENGINES.md test set at 27× real time per CPU-second. Times come
back relative to the segment file; the video part's absolute start is added. Each scene
gets the keyframe image nearest its start (inside the scene) and a description saying only
what is known offline: its number, length and any on-screen text seen during it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from analysis.schema import OnScreenText, Scene
from ingest.types import Span

THRESHOLD = 27.0  # ContentDetector's default; hard cuts on the test set score 40+
MIN_SHOT_S = 0.6
ONSCREEN_MAX = 160


@dataclass(frozen=True, slots=True)
class Shot:
    start_s: float
    end_s: float


@dataclass(frozen=True, slots=True)
class Keyframe:
    time_s: float
    name: str


def find_shots(path: Path, offset: float, limit: float | None = None) -> list[Shot]:
    """Shots of the video file at `path`, in absolute seconds (`offset` + file time)."""
    import cv2
    from scenedetect import ContentDetector, SceneManager, open_video

    cv2.setNumThreads(1)
    video = open_video(str(path), backend="opencv")
    fps = float(video.frame_rate)
    manager = SceneManager()
    manager.auto_downscale = True
    manager.add_detector(
        ContentDetector(threshold=THRESHOLD, min_scene_len=max(1, round(MIN_SHOT_S * fps)))
    )
    manager.detect_scenes(video=video)
    shots: list[Shot] = []
    for start, end in manager.get_scene_list(start_in_scene=True):
        a, b = offset + float(start.seconds), offset + float(end.seconds)
        if limit is not None:
            a, b = min(a, limit), min(b, limit)
        if b > a:
            shots.append(Shot(round(a, 3), round(b, 3)))
    return shots


def _keyframe(shot: Shot, keyframes: list[Keyframe]) -> str | None:
    inside = [k for k in keyframes if shot.start_s - 0.05 <= k.time_s < shot.end_s]
    return min(inside, key=lambda k: k.time_s - shot.start_s).name if inside else None


def _seen(shot: Shot, onscreen: list[OnScreenText]) -> list[str]:
    texts: list[str] = []
    for item in onscreen:
        start, end = item.span.start_s or 0.0, item.span.end_s or 0.0
        if start < shot.end_s and end >= shot.start_s and item.text not in texts:
            texts.append(item.text)
    return texts


def describe(number: int, shot: Shot, seen: list[str]) -> str:
    text = f"Shot {number}, {shot.end_s - shot.start_s:.1f} s"
    if seen:
        joined = " | ".join(seen)
        if len(joined) > ONSCREEN_MAX:
            joined = joined[: ONSCREEN_MAX - 1].rstrip() + "…"
        text += f"; on screen: “{joined}”"
    return text


def scenes(
    shots: list[Shot], keyframes: list[Keyframe], onscreen: list[OnScreenText]
) -> list[Scene]:
    return [
        Scene(
            span=Span.seconds(shot.start_s, shot.end_s),
            description=describe(number, shot, _seen(shot, onscreen)),
            keyframe=_keyframe(shot, keyframes),
        )
        for number, shot in enumerate(shots, start=1)
    ]
