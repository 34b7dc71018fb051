"""`longform analyze` as a user runs it: a subprocess, a real PDF, files on disk."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.service.sample import make_sample_pdf


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LONGFORM_")}
    env["LONGFORM_LOCAL_WORKERS"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "longform", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_analyze_writes_json_and_markdown(tmp_path: Path) -> None:
    pdf = make_sample_pdf(tmp_path / "contract.pdf")
    done = _run("analyze", str(pdf), "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["source"]["pages"] == 6 and report["coverage"]["gaps"] == []
    assert any("Chen" in e["name"] for e in report["entities"])
    assert "p. 2" in (tmp_path / "out" / "report.md").read_text()
    assert (tmp_path / "longform-data" / "longform.db").exists()  # the default data dir
    assert "succeeded" in done.stderr


def test_analyze_dry_run_and_bad_file(tmp_path: Path) -> None:
    pdf = make_sample_pdf(tmp_path / "contract.pdf")
    planned = _run("analyze", str(pdf), "--dry-run", cwd=tmp_path)
    assert planned.returncode == 0, planned.stderr
    assert "plan:" in planned.stderr and "pp. 1" in planned.stderr
    assert not (tmp_path / "out").exists()

    notes = tmp_path / "notes.pdf"
    notes.write_text("not a pdf")
    refused = _run("analyze", str(notes), cwd=tmp_path)
    assert refused.returncode == 2
    assert "unsupported_media_type" in refused.stderr


def test_analyze_writes_the_cited_keyframes_next_to_the_report(tmp_path: Path) -> None:
    from fixtures.mediagen import make_cut_video

    video = make_cut_video(tmp_path / "shots.mp4", shots=2, seconds_per_shot=3.0, with_audio=False)
    done = _run("analyze", str(video), "--out", "out", "--format", "md", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    markdown = (tmp_path / "out" / "report.md").read_text()
    linked = re.findall(r"\(keyframes/([^)]+)\)", markdown)
    assert len(linked) >= 2
    assert all((tmp_path / "out" / "keyframes" / name).is_file() for name in linked)
