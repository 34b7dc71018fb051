"""Bad input gets a clear error and loses nothing: 4xx with a JSON body, or a failed job."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from fixtures.pdfgen import (
    make_claimed_page_bomb_pdf,
    make_encrypted_pdf,
    make_truncated_pdf,
)
from longform.config import Settings
from providers.base import Provider
from tests.conftest import changed
from tests.service.helpers import api_client, upload, wait_for
from tests.service.sample import PAGES, make_sample_pdf

pytestmark = pytest.mark.anyio


async def test_refused_uploads_get_json_errors(
    tmp_path: Path, settings: Settings, providers: dict[str, Provider]
) -> None:
    small = changed(settings, max_upload_bytes=10_000)
    async with api_client(small, providers) as (client, _services):
        empty = await upload(client, b"")
        assert (empty.status_code, empty.json()["error"]["code"]) == (400, "empty_file")

        text = await upload(client, b"just some text, not a PDF at all\n" * 10, "fake.pdf")
        assert text.status_code == 415
        assert text.json()["error"]["code"] == "unsupported_media_type"

        big = await upload(client, b"%PDF-1.7\n" + b"0" * 20_000)
        assert big.status_code == 413
        assert big.json()["error"]["code"] == "file_too_large"

        bad_options = await upload(client, b"%PDF-1.7\n", options='{"policy": "fastest"}')
        assert (bad_options.status_code, bad_options.json()["error"]["code"]) == (
            400,
            "invalid_options",
        )
        unconfigured = await upload(client, b"%PDF-1.7\n", options='{"providers": ["qwen"]}')
        assert unconfigured.status_code == 400
        assert unconfigured.json()["error"]["code"] == "provider_not_configured"
        not_json = await upload(client, b"%PDF-1.7\n", options="{nope")
        assert not_json.status_code == 400

        no_file = await client.post("/v1/jobs", data={"options": "{}"}, files={"x": ("a", b"b")})
        assert (no_file.status_code, no_file.json()["error"]["code"]) == (400, "missing_file")

        raw = await client.post(
            "/v1/jobs", content=b"%PDF-1.7", headers={"content-type": "application/pdf"}
        )
        assert raw.status_code == 415 and raw.json()["error"]["code"] == "expected_multipart"

        # Nothing refused was kept: no job rows, no stored sources, no temp files.
        assert (await client.get("/v1/jobs")).json()["jobs"] == []
        blob_root = settings.data_dir / "blobs"
        assert not [p for p in blob_root.rglob("*") if p.is_file()]


async def _submit_and_wait(
    client: httpx.AsyncClient, data: bytes, options: dict[str, str] | None = None
) -> dict[str, Any]:
    created = await upload(client, data, options=json.dumps(options) if options else None)
    assert created.status_code == 202, created.text
    return await wait_for(client, created.json()["id"])


async def test_broken_pdfs_fail_with_reasons_and_server_keeps_working(
    tmp_path: Path, settings: Settings, providers: dict[str, Provider]
) -> None:
    good = make_sample_pdf(tmp_path / "good.pdf")
    truncated = make_truncated_pdf(good, tmp_path / "truncated.pdf", keep=0.3).read_bytes()
    locked = make_encrypted_pdf(tmp_path / "locked.pdf", PAGES[:2], "s3cret").read_bytes()
    bomb = make_claimed_page_bomb_pdf(tmp_path / "bomb.pdf").read_bytes()
    async with api_client(settings, providers) as (client, _services):
        cut = await _submit_and_wait(client, truncated)
        assert cut["status"] == "partial", cut  # pages before the cut are kept ...
        cut_report = (await client.get(f"/v1/jobs/{cut['id']}/report")).json()
        gaps = cut_report["coverage"]["gaps"]  # ... and the lost ones are named
        assert gaps and all("truncated" in gap["reason"] for gap in gaps)
        assert gaps[-1]["span"]["page_end"] == 6

        failed = await _submit_and_wait(client, b"%PDF-1.7\n" + b"\x00garbage" * 200)
        assert failed["status"] == "failed"
        assert failed["error"]["code"] == "corrupt_file" and failed["error"]["message"]

        no_password = await _submit_and_wait(client, locked)
        assert no_password["error"]["code"] == "password_required"
        wrong = await _submit_and_wait(client, locked, {"password": "guess"})
        assert wrong["error"]["code"] == "wrong_password"
        opened = await _submit_and_wait(client, locked, {"password": "s3cret"})
        assert opened["status"] == "succeeded", opened
        assert opened["options"]["password_set"] is True
        assert "s3cret" not in json.dumps(opened)
        report = await client.get(f"/v1/jobs/{opened['id']}/report")
        assert "s3cret" not in report.text

        bombed = await _submit_and_wait(client, bomb)
        assert bombed["error"]["code"] == "limit_exceeded"

        fine = await _submit_and_wait(client, good.read_bytes())
        assert fine["status"] == "succeeded"
        not_ready = await client.get(f"/v1/jobs/{failed['id']}/report")
        assert not_ready.status_code == 409


async def test_large_upload_is_stored_intact(
    settings: Settings, providers: dict[str, Provider]
) -> None:
    import hashlib
    import random

    data = b"%PDF-1.7\n" + random.Random(5).randbytes(5 * 1024 * 1024 + 123)
    async with api_client(settings, providers) as (client, services):
        created = await upload(client, data, "noise.pdf")
        assert created.status_code == 202
        job = await wait_for(client, created.json()["id"])
        assert job["sha256"] == hashlib.sha256(data).hexdigest()
        assert job["size_bytes"] == len(data)
        assert services.blobs.source_path(job["sha256"]).read_bytes() == data
        assert job["status"] == "failed" and job["error"]["code"] == "corrupt_file"
