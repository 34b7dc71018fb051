"""Shot boundaries with PySceneDetect, and the scenes a report shows for them.

`ContentDetector` on frames downscaled to ~256 px wide (PySceneDetect's auto downscale)
found every hard cut of the ENGINES.md test set at 27× real time per CPU-second. Times come
back relative to the segment file; the video part's absolute start is added. Each scene
gets the keyframe image nearest its start (inside the scene) and a description saying only
what is known offline: its number, length and any on-screen text seen during it.

A segment's first shot always starts at the segment's start, cut or not. When ingest hands
over the frame shown just before the segment (`ingest.types.FRAME_BEFORE_SEGMENT`), the
first decoded frame of the segment is compared with it by ContentDetector's own measure (the
mean absolute difference of the H, S and V planes, equally weighted, on frames downscaled to
~256 px wide) against the same threshold: below it, no cut happened at the start, and the
first scene is marked `continues_previous` for the aggregator to join it to the previous
chunk's last scene.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from analysis.scenes import shot_description
from analysis.schema import OnScreenText, Scene
from ingest.types import Span

THRESHOLD = 27.0  # ContentDetector's default; hard cuts on the test set score 40+
MIN_SHOT_S = 0.6


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


def content_delta(before: Path, video: Path) -> float | None:
    """ContentDetector's score between image `before` and the first frame of `video`
    (None when either cannot be decoded)."""
    import cv2
    import numpy as np
    from scenedetect.scene_manager import compute_downscale_factor

    cv2.setNumThreads(1)
    capture = cv2.VideoCapture(str(video))
    try:
        ok, first = capture.read()
    finally:
        capture.release()
    previous = cv2.imread(str(before), cv2.IMREAD_COLOR)
    if not ok or first is None or previous is None:
        return None
    height, width = first.shape[:2]
    factor = max(1.0, compute_downscale_factor(width))
    size = (max(1, round(width / factor)), max(1, round(height / factor)))
    # The same working size for both (the image was scaled by ingest); INTER_AREA keeps
    # JPEG noise and aliasing of the larger one from adding to the difference.
    a, b = (
        cv2.cvtColor(cv2.resize(img, size, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2HSV)
        for img in (previous, first)
    )
    # Mean over the three planes = (delta_hue + delta_sat + delta_lum) / 3, the default weights.
    return float(np.mean(np.abs(a.astype(np.int32) - b.astype(np.int32))))


def continues(before: Path, video: Path) -> bool:
    """Whether the first frame of `video` continues the shot of image `before` (no cut)."""
    delta = content_delta(before, video)
    return delta is not None and delta < THRESHOLD


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
    return shot_description(number, shot.end_s - shot.start_s, seen)


def scenes(
    shots: list[Shot],
    keyframes: list[Keyframe],
    onscreen: list[OnScreenText],
    *,
    continues_previous: bool = False,
) -> list[Scene]:
    """One scene per shot; `continues_previous` marks the first (no cut at its start)."""
    return [
        Scene(
            span=Span.seconds(shot.start_s, shot.end_s),
            description=describe(number, shot, _seen(shot, onscreen)),
            keyframe=_keyframe(shot, keyframes),
            continues_previous=continues_previous and number == 1,
        )
        for number, shot in enumerate(shots, start=1)
    ]
