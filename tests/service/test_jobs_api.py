"""The job lifecycle through the HTTP API (ASGI transport, real store, real engines)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from longform.config import Settings
from providers.base import Provider
from tests.conftest import changed
from tests.service.helpers import api_client, upload, wait_for
from tests.service.sample import make_sample_pdf

pytestmark = pytest.mark.anyio


def _pages_of(mentions: list[dict[str, Any]]) -> set[int]:
    return {m["span"]["page_start"] for m in mentions}


async def test_upload_poll_and_fetch_cited_report(
    tmp_path: Path, settings: Settings, providers: dict[str, Provider]
) -> None:
    pdf = make_sample_pdf(tmp_path / "contract.pdf").read_bytes()
    async with api_client(settings, providers) as (client, _services):
        created = await upload(client, pdf, "contract.pdf")
        assert created.status_code == 202, created.text
        body = created.json()
        assert body["status"] == "queued"
        assert body["links"]["report"] == f"/v1/jobs/{body['id']}/report"

        job = await wait_for(client, body["id"])
        assert job["status"] == "succeeded", job
        assert job["pages"] == 6
        progress = job["progress"]
        assert progress["chunks_total"] >= 2  # 6 pages, at most 4 per chunk
        assert progress["chunks_done"] == progress["chunks_total"]
        assert progress["chunks_failed"] == 0

        report = (await client.get(f"/v1/jobs/{body['id']}/report")).json()
        assert report["report_version"] == "1"
        assert report["source"]["pages"] == 6
        assert report["source"]["filename"] == "contract.pdf"
        assert len(report["source"]["sha256"]) == 64

        people = {e["name"]: e for e in report["entities"] if e["type"] == "person"}
        chen = next(e for name, e in people.items() if "Chen" in name)
        assert {2, 3, 5} <= _pages_of(chen["mentions"])
        assert all(m["quote"] for m in chen["mentions"])

        dated = {e["date"]: e for e in report["timeline"]}
        assert dated["2023-03-14"]["span"] == {"page_start": 3, "page_end": 3}
        assert "invoice" in dated["2023-03-14"]["quote"]

        emails = [f for f in report["flags"] if "billing@northwind" in f["quote"]]
        assert emails and emails[0]["kind"] == "pii"
        assert emails[0]["span"]["page_start"] == 3
        privilege = [f for f in report["flags"] if f["kind"] == "privilege"]
        assert privilege and privilege[0]["span"]["page_start"] == 5

        assert report["coverage"]["gaps"] == []
        assert report["coverage"]["analyzed"] == [{"page_start": 1, "page_end": 6}]
        events = [c["event"] for c in report["custody"]]
        assert events[:2] == ["uploaded", "started"]
        assert "probed" in events and "planned" in events
        chunks = report["processing"]["chunks"]
        assert all(c["provider"] == "local" and c["status"] == "done" for c in chunks)

        markdown = await client.get(f"/v1/jobs/{body['id']}/report", params={"format": "md"})
        assert markdown.status_code == 200
        assert markdown.headers["content-type"].startswith("text/markdown")
        assert "contract.pdf" in markdown.text and "p. 3" in markdown.text
        subtitles = await client.get(f"/v1/jobs/{body['id']}/report", params={"format": "srt"})
        assert subtitles.status_code == 409
        assert subtitles.json()["error"]["code"] == "format_not_applicable"
        unknown = await client.get(f"/v1/jobs/{body['id']}/report", params={"format": "docx"})
        assert unknown.status_code == 422
        for fmt, kind in [("html", "text/html"), ("csv", "text/csv"), ("dat", ""), ("opt", ""),
                          ("pbcore", "xml")]:  # fmt: skip
            got = await client.get(f"/v1/jobs/{body['id']}/report", params={"format": fmt})
            assert got.status_code == 200, (fmt, got.text)
            assert kind in got.headers["content-type"] and got.content
        html = await client.get(f"/v1/jobs/{body['id']}/report", params={"format": "html"})
        assert "frame-ancestors 'none'" in html.headers["content-security-policy"]
        assert html.headers["x-content-type-options"] == "nosniff"
        assert "Margaret Chen" in html.text and 'href="#p-3"' in html.text


async def test_list_jobs_and_event_stream(
    tmp_path: Path, settings: Settings, providers: dict[str, Provider]
) -> None:
    pdf = make_sample_pdf(tmp_path / "contract.pdf").read_bytes()
    async with api_client(settings, providers) as (client, _services):
        first = (await upload(client, pdf, "a.pdf")).json()["id"]
        second = (await upload(client, pdf, "b.pdf")).json()["id"]
        await wait_for(client, first)
        await wait_for(client, second)
        listed = (await client.get("/v1/jobs")).json()["jobs"]
        assert {job["id"] for job in listed} == {first, second}
        assert len({job["sha256"] for job in listed}) == 1  # same bytes, one stored asset
        only_done = (await client.get("/v1/jobs", params={"status": "failed"})).json()["jobs"]
        assert only_done == []

        stream = await client.get(f"/v1/jobs/{first}/events")
        assert stream.headers["content-type"].startswith("text/event-stream")
        names = [line[7:] for line in stream.text.splitlines() if line.startswith("event: ")]
        assert names[0] == "uploaded" and names[-1] == "report.written"
        assert names.count("chunk.done") >= 2


async def test_delete_cancels_and_purges(
    tmp_path: Path, settings: Settings, providers: dict[str, Provider]
) -> None:
    pdf = make_sample_pdf(tmp_path / "contract.pdf").read_bytes()
    async with api_client(settings, providers) as (client, services):
        job_id = (await upload(client, pdf)).json()["id"]
        sha256 = (await client.get(f"/v1/jobs/{job_id}")).json()["sha256"]
        assert services.blobs.source_path(sha256).exists()
        deleted = await client.delete(f"/v1/jobs/{job_id}")
        assert deleted.status_code == 200
        assert deleted.json() == {"id": job_id, "status": "cancelled", "purged": True}
        assert (await client.get(f"/v1/jobs/{job_id}")).status_code == 404
        assert not services.blobs.source_path(sha256).exists()
        assert not (settings.data_dir / "blobs" / "objects" / "jobs" / job_id).exists()
        missing = await client.delete(f"/v1/jobs/{job_id}")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "job_not_found"


async def test_api_keys_scope_jobs_by_tenant(
    tmp_path: Path, settings: Settings, providers: dict[str, Provider]
) -> None:
    keyed = changed(settings, api_keys="acme:key-a,globex:key-b")
    pdf = make_sample_pdf(tmp_path / "contract.pdf").read_bytes()
    async with api_client(keyed, providers) as (client, _services):
        anonymous = await upload(client, pdf)
        assert anonymous.status_code == 401
        assert anonymous.json()["error"]["code"] == "unauthorized"
        mine = await upload(client, pdf, headers={"Authorization": "Bearer key-a"})
        assert mine.status_code == 202
        job_id = mine.json()["id"]
        other = await client.get(f"/v1/jobs/{job_id}", headers={"X-API-Key": "key-b"})
        assert other.status_code == 404
        assert (await client.get("/v1/jobs", headers={"X-API-Key": "key-b"})).json()["jobs"] == []
        await wait_for(client, job_id, headers={"Authorization": "Bearer key-a"})


async def test_system_endpoints(settings: Settings, providers: dict[str, Provider]) -> None:
    async with api_client(settings, providers) as (client, _services):
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        assert (await client.get("/readyz")).json() == {"status": "ready"}
        schema = (await client.get("/v1/schema/report")).json()
        assert {"source", "coverage", "processing"} <= set(schema["required"])
        listed = (await client.get("/v1/providers")).json()["providers"]
        assert [p["name"] for p in listed] == ["local"] and listed[0]["offline"]
        assert "/v1/jobs" in (await client.get("/openapi.json")).json()["paths"]
        assert (await client.get("/docs")).status_code == 200
        assert "# TYPE longform_jobs gauge" in (await client.get("/metrics")).text


async def test_idempotency_key_makes_retries_safe(
    tmp_path: Path, settings: Settings, providers: dict[str, Provider]
) -> None:
    pdf = make_sample_pdf(tmp_path / "contract.pdf").read_bytes()
    async with api_client(settings, providers) as (client, _services):
        first = await upload(client, pdf, headers={"Idempotency-Key": "upload-42"})
        again = await upload(client, pdf, headers={"Idempotency-Key": "upload-42"})
        other = await upload(client, pdf, headers={"Idempotency-Key": "upload-43"})
        assert first.status_code == again.status_code == 202
        assert again.json()["id"] == first.json()["id"]
        assert other.json()["id"] != first.json()["id"]
        await wait_for(client, first.json()["id"])
        await wait_for(client, other.json()["id"])
        assert len((await client.get("/v1/jobs")).json()["jobs"]) == 2


async def test_missing_ocr_language_is_said_in_the_report(
    tmp_path: Path, settings: Settings, providers: dict[str, Provider]
) -> None:
    from fixtures.pdfgen import make_image_pdf

    scan = make_image_pdf(tmp_path / "scan.pdf", ["Signed in Chicago by Margaret Chen."])
    text = make_sample_pdf(tmp_path / "contract.pdf")
    async with api_client(settings, providers) as (client, _services):
        notes = []
        for pdf in (scan, text):
            created = await upload(client, pdf.read_bytes(), options='{"languages": ["xx"]}')
            job = await wait_for(client, created.json()["id"])
            notes.append((await client.get(f"/v1/jobs/{job['id']}/report")).json()["notes"])
    said = "OCR language data is not installed for xx"
    assert any(said in note for note in notes[0])  # the scan was read without that pack
    assert not any(said in note for note in notes[1])  # nothing needed OCR: nothing to say
