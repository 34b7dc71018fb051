"""Video and audio through the HTTP API, offline: transcript, scenes, keyframes, subtitles."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from fixtures.mediagen import make_cut_video, make_speech_wav, make_truncated
from longform.config import Settings
from providers.base import Provider
from tests.conftest import changed
from tests.service.helpers import api_client, upload, wait_for

pytestmark = pytest.mark.anyio

SCRIPT = (
    "Good morning. My name is David Miller and I work for Northwind Logistics in Chicago. "
    "On March fourteenth, two thousand twenty three, I signed the shipping contract. "
    "The containers left the port the following week and arrived without any damage."
)
_SRT_TIME = re.compile(r"^\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}$")


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_speech_wav(tmp_path_factory.mktemp("media") / "speech.wav", SCRIPT)


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory, speech: Path) -> Path:
    path = tmp_path_factory.mktemp("media") / "deposition.mp4"
    return make_cut_video(path, shots=4, seconds_per_shot=5.0, with_audio=speech)


def _media_settings(settings: Settings) -> Settings:
    return changed(settings, chunk_seconds=8.0, chunk_overlap_s=2.0)


def _words(report: dict[str, Any]) -> str:
    return " ".join(seg["text"] for seg in report["transcript"]).lower()


async def test_video_gets_transcript_scenes_keyframes_and_subtitles(
    settings: Settings, providers: dict[str, Provider], video: Path
) -> None:
    async with api_client(_media_settings(settings), providers) as (client, services):
        created = await upload(client, video.read_bytes(), "deposition.mp4")
        assert created.status_code == 202, created.text
        job = await wait_for(client, created.json()["id"], timeout=300)
        assert job["status"] == "succeeded", job
        assert job["media_type"] == "video/mp4" and 19.0 < job["duration_s"] < 21.0
        assert job["progress"]["chunks_total"] >= 2
        report = (await client.get(f"/v1/jobs/{job['id']}/report")).json()

        words = _words(report)
        for expected in ("david", "northwind", "chicago", "contract", "damage"):
            assert expected in words
        assert words.count("northwind") == 1  # the chunk overlap is not transcribed twice
        starts = [seg["span"]["start_s"] for seg in report["transcript"]]
        assert starts == sorted(starts) and all(0 <= s < 21 for s in starts)

        # Real cuts at 5, 10 and 15 s; chunk borders (video segments) at 8 and 16 s, inside
        # shots: each chunk's first shot continues the previous one's last, one scene each.
        cuts = [scene["span"]["start_s"] for scene in report["scenes"]]
        assert len(cuts) == 4, report["scenes"]
        for cut, start in zip((0.0, 5.0, 10.0, 15.0), cuts, strict=True):
            assert abs(cut - start) <= 0.5
        assert [s["description"] for s in report["scenes"]] == [
            f"Shot {n}, 5.0 s" for n in range(1, 5)
        ]
        assert [c["span"]["end_s"] for c in report["processing"]["chunks"][:-1]] == [8.0, 16.0]
        names = [s["keyframe"] for s in report["scenes"] if s.get("keyframe")]
        assert names
        # Segment copies and audio slices are dropped once the report exists; keyframes stay.
        payloads = services.blobs.local_path(f"jobs/{job['id']}/payloads")
        for _ in range(50):  # dropped just after the job turns terminal
            if not payloads.exists():
                break
            await asyncio.sleep(0.1)
        assert not payloads.exists()
        image = await client.get(f"/v1/jobs/{job['id']}/keyframes/{names[0]}")
        assert image.status_code == 200 and image.content[:2] == b"\xff\xd8"
        missing = await client.get(f"/v1/jobs/{job['id']}/keyframes/..%2Fsecret.jpg")
        assert missing.status_code == 404

        people = [e for e in report["entities"] if e["type"] == "person"]
        mention = next(m for e in people if "Miller" in e["name"] for m in e["mentions"])
        assert 0 <= mention["span"]["start_s"] < 21 and "page_start" not in mention["span"]

        srt = (await client.get(f"/v1/jobs/{job['id']}/report", params={"format": "srt"})).text
        lines = srt.strip().splitlines()
        assert lines[0] == "1" and _SRT_TIME.match(lines[1])
        vtt = await client.get(f"/v1/jobs/{job['id']}/report", params={"format": "vtt"})
        assert vtt.text.startswith("WEBVTT") and vtt.headers["content-type"].startswith("text/vtt")
        md = (await client.get(f"/v1/jobs/{job['id']}/report", params={"format": "md"})).text
        assert f"keyframes/{names[0]}" in md
        linked = await client.get(f"/v1/jobs/{job['id']}/report", params={"format": "html"})
        assert f'src="keyframes/{names[0]}"' in linked.text
        embedded = await client.get(
            f"/v1/jobs/{job['id']}/report", params={"format": "html", "embed": "true"}
        )
        assert 'src="keyframes/' not in embedded.text
        assert embedded.text.count('src="data:image/jpeg;base64,') == len(names)
        assert "img-src 'self' data:" in embedded.headers["content-security-policy"]
        assert "img-src &#x27;self&#x27; data:" in embedded.text  # the file's own CSP too
        pbcore = await client.get(f"/v1/jobs/{job['id']}/report", params={"format": "pbcore"})
        root = ElementTree.fromstring(pbcore.content)
        ns = {"pb": "http://www.pbcore.org/PBCore/PBCoreNamespace.html"}
        tracks = root.findall(".//pb:instantiationEssenceTrack", ns)
        assert {t.findtext("pb:essenceTrackType", namespaces=ns) for t in tracks} == {
            "Video",
            "Audio",
        }
        assert root.findtext(".//pb:essenceTrackFrameSize", namespaces=ns) == "320x180"
        assert root.findtext(".//pb:essenceTrackEncoding", namespaces=ns) == "h264"


async def test_a_real_cut_on_a_chunk_border_stays_a_cut(
    tmp_path: Path, settings: Settings, providers: dict[str, Provider]
) -> None:
    """Cuts at 8 and 16 s, where the planner also cuts the chunks: three scenes, not one."""
    video = make_cut_video(tmp_path / "eight.mp4", shots=3, seconds_per_shot=8.0, with_audio=False)
    async with api_client(_media_settings(settings), providers) as (client, _services):
        created = await upload(client, video.read_bytes(), "eight.mp4")
        job = await wait_for(client, created.json()["id"], timeout=300)
        assert job["status"] == "succeeded", job
        report = (await client.get(f"/v1/jobs/{job['id']}/report")).json()
    chunk_ends = [c["span"]["end_s"] for c in report["processing"]["chunks"]]
    assert chunk_ends[:-1] == [8.0, 16.0]
    scenes = [(s["span"]["start_s"], s["span"]["end_s"]) for s in report["scenes"]]
    assert scenes == [(0.0, 8.0), (8.0, 16.0), (16.0, 24.0)]


async def test_audio_only_and_mislabeled_audio(
    tmp_path: Path, settings: Settings, providers: dict[str, Provider], speech: Path
) -> None:
    async with api_client(_media_settings(settings), providers) as (client, _services):
        job = await wait_for(
            client, (await upload(client, speech.read_bytes(), "a.mp4")).json()["id"], timeout=300
        )
        assert job["status"] == "succeeded", job
        assert job["media_type"] == "audio/wav"  # decided from the bytes, not the name
        report = (await client.get(f"/v1/jobs/{job['id']}/report")).json()
        assert "david" in _words(report) and report["scenes"] == []
        assert report["coverage"]["gaps"] == []
        assert report["coverage"]["analyzed"][0]["start_s"] == 0.0


async def test_broken_media_fails_with_a_reason(
    tmp_path: Path, settings: Settings, providers: dict[str, Provider], video: Path
) -> None:
    truncated = make_truncated(video, tmp_path / "cut.mp4", keep=0.4).read_bytes()
    async with api_client(_media_settings(settings), providers) as (client, _services):
        job = await wait_for(client, (await upload(client, truncated, "cut.mp4")).json()["id"])
        assert job["status"] == "failed"
        assert job["error"]["code"] == "corrupt_file"
        assert "truncated" in job["error"]["message"].lower()
        silent = make_cut_video(
            tmp_path / "silent.mp4", shots=2, seconds_per_shot=3.0, with_audio=False
        )
        ok = await wait_for(
            client,
            (await upload(client, silent.read_bytes(), "silent.mp4")).json()["id"],
            timeout=300,
        )
        assert ok["status"] == "succeeded", ok
        report = (await client.get(f"/v1/jobs/{ok['id']}/report")).json()
        assert report["transcript"] == [] and len(report["scenes"]) >= 2
