"""A job's webhook_url gets one POST when the job ends, to a real loopback server."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from longform.config import Settings
from providers.base import Provider
from tests.service.helpers import api_client, upload, wait_for
from tests.service.sample import make_sample_pdf

pytestmark = pytest.mark.anyio


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []  # noqa: RUF012 (shared with the test on purpose)
    fail_first = 0

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        if _Hook.fail_first > 0:
            _Hook.fail_first -= 1
            self.send_response(503)
        else:
            _Hook.received.append(body)
            self.send_response(204)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def hook_url() -> Iterator[str]:
    _Hook.received = []
    _Hook.fail_first = 1  # the first delivery fails: the retry must reach it
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


async def test_webhook_is_called_when_the_job_ends(
    tmp_path: Path, settings: Settings, providers: dict[str, Provider], hook_url: str
) -> None:
    pdf = make_sample_pdf(tmp_path / "c.pdf").read_bytes()
    async with api_client(settings, providers) as (client, _services):
        options = json.dumps({"webhook_url": hook_url, "password": "not-for-the-hook"})
        job_id = (await upload(client, pdf, options=options)).json()["id"]
        await wait_for(client, job_id)
        for _ in range(100):
            events = (await client.get(f"/v1/jobs/{job_id}/events")).text
            if "webhook." in events:
                break
            await asyncio.sleep(0.1)
        assert "event: webhook.delivered" in events
        assert len(_Hook.received) == 1
        body = _Hook.received[0]
        assert body["id"] == job_id and body["status"] == "succeeded"
        assert body["links"]["report"] == f"/v1/jobs/{job_id}/report"
        assert "not-for-the-hook" not in json.dumps(body)

        bad = await upload(client, pdf, options=json.dumps({"webhook_url": "ftp://x"}))
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_options"
