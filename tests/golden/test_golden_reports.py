"""Golden reports: small generated inputs through the whole pipeline, compared with the
reports committed in fixtures/expected/. Any change in what Longform finds shows up here as
a diff to review. Regenerate deliberately with REGEN_FIXTURES=1 (then that flag's own test
fails, so a regenerating run can never pass as a green one)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from analysis.render import render
from analysis.schema import Report
from fixtures.mediagen import make_cut_video
from fixtures.pdfgen import make_text_pdf
from longform.config import Settings
from providers.base import Provider
from tests.service.helpers import api_client, upload, wait_for
from tests.service.sample import PAGES

EXPECTED = Path(__file__).resolve().parents[2] / "fixtures" / "expected"
REGEN = os.environ.get("REGEN_FIXTURES") == "1"
_VOLATILE = {"at": "<time>", "latency_ms": 0, "wait_ms": 0, "worker": "<worker>"}

HOSTILE_PAGE = (
    "On April 2, 2024, counsel for Northwind Logistics Inc. attached <script>alert('x')</script> "
    'and "><img src=x onerror=alert(1)> to Exhibit 7.'
)


def test_regenerate_flag_is_off() -> None:
    assert not REGEN, "REGEN_FIXTURES=1 rewrites the golden files; unset it and run again"


def _normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _VOLATILE.get(k, _normalise(v)) if k in _VOLATILE else _normalise(v)
                for k, v in value.items()}  # fmt: skip
    if isinstance(value, list):
        return [_normalise(item) for item in value]
    return value


def _check(name: str, text: str) -> None:
    path = EXPECTED / name
    if REGEN:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run once with REGEN_FIXTURES=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from the golden file"


async def _report(
    settings: Settings, providers: dict[str, Provider], data: bytes, name: str
) -> Report:
    async with api_client(settings, providers) as (client, _services):
        job = await wait_for(client, (await upload(client, data, name)).json()["id"], timeout=300)
        assert job["status"] == "succeeded", job
        raw = (await client.get(f"/v1/jobs/{job['id']}/report")).json()
    return Report.model_validate(_normalise(raw))


@pytest.mark.anyio
async def test_document_report_is_golden(
    tmp_path: Path, settings: Settings, providers: dict[str, Provider]
) -> None:
    pdf = make_text_pdf(tmp_path / "contract.pdf", [*PAGES, HOSTILE_PAGE], title="Golden")
    report = await _report(settings, providers, pdf.read_bytes(), "contract.pdf")
    _check("contract.report.json", str(render(report, "json")))
    _check("contract.report.md", str(render(report, "md")))
    html = str(render(report, "html"))
    assert "<script>" not in html and "onerror=alert" not in html.replace(
        "onerror=alert(1)&gt;", ""
    )
    assert "&lt;script&gt;" in html


@pytest.mark.anyio
async def test_silent_video_report_is_golden(
    tmp_path: Path, settings: Settings, providers: dict[str, Provider]
) -> None:
    video = make_cut_video(tmp_path / "shots.mp4", shots=3, seconds_per_shot=4.0, with_audio=False)
    media = settings.model_copy(update={"chunk_seconds": 6.0, "chunk_overlap_s": 1.0})
    report = await _report(media, providers, video.read_bytes(), "shots.mp4")
    # The encoder's bytes may differ between ffmpeg builds: compare what we found, not hashes.
    found = {
        "scenes": [s.model_dump(mode="json", exclude_none=True) for s in report.scenes],
        "coverage": report.coverage.model_dump(mode="json", exclude_none=True),
        "chunks": [
            (c.index, c.span.model_dump(exclude_none=True), c.status)
            for c in report.processing.chunks
        ],
        "notes": report.notes,
    }
    _check("shots.findings.json", json.dumps(found, indent=2, ensure_ascii=False) + "\n")
