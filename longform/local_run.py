"""`longform analyze`: the whole pipeline in this process, with a progress bar."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from analysis.render import FormatNotApplicable, render
from analysis.schema import Report
from ingest.errors import IngestError
from ingest.types import Span
from longform import keyframes
from longform.config import Settings
from longform.options import JobOptions
from longform.runners.inprocess import InProcessRunner
from longform.services import Services, build_services
from longform.store import queries
from longform.store.models import ChunkStatus, Job, JobStatus
from longform.submission import SubmissionError, create_job, detect_type, parse_options

console = Console(stderr=True)


def _ingest_file(services: Services, path: Path) -> tuple[str, int, bytes]:
    writer = services.blobs.writer()
    try:
        with path.open("rb") as source:
            while block := source.read(1 << 20):
                writer.write(block)
    except BaseException:
        writer.abort()
        raise
    return writer.commit(), writer.size, writer.head


async def run_local(
    settings: Settings,
    path: Path,
    out_dir: Path,
    formats: list[str],
    options: dict[str, object],
    *,
    dry_run: bool = False,
) -> int:
    services = build_services(settings)
    services.one_shot = True
    try:
        sha256, size, head = await asyncio.to_thread(_ingest_file, services, path)
        try:
            job_options = parse_options(json.dumps(options))
            if dry_run:
                return await asyncio.to_thread(_dry_run, services, sha256, size, head, job_options)
            job_id, _ = create_job(
                services,
                tenant="default",
                filename=path.name,
                sha256=sha256,
                size=size,
                head=head,
                options=job_options,
            )
        except (SubmissionError, IngestError) as exc:
            console.print(f"[red]error[/red] {getattr(exc, 'code', 'bad_input')}: {exc}")
            return 2
        runner = InProcessRunner(services)
        await runner.submit(job_id)
        await _follow(services, job_id, runner)
        return _write_outputs(services, job_id, out_dir, formats)
    finally:
        await services.aclose()


async def _follow(services: Services, job_id: str, runner: InProcessRunner) -> None:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("queued", total=None)
        drain = asyncio.create_task(runner.drain())
        while not drain.done():
            stage, total, done = await asyncio.to_thread(_snapshot, services, job_id)
            bar.update(task, description=stage, total=total or None, completed=done)
            await asyncio.wait({drain}, timeout=0.3)
        stage, total, done = await asyncio.to_thread(_snapshot, services, job_id)
        bar.update(task, description=stage, total=total or None, completed=done)
        await drain


def _snapshot(services: Services, job_id: str) -> tuple[str, int, int]:
    with services.sessions() as session:
        job = session.get(Job, job_id)
        counts = queries.chunk_counts(session, job_id)
        stage = job.stage.value if job else "gone"
        finished = counts.get(ChunkStatus.DONE, 0) + counts.get(ChunkStatus.FAILED, 0)
        return stage, sum(counts.values()), finished


def _write_outputs(services: Services, job_id: str, out_dir: Path, formats: list[str]) -> int:
    with services.sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None
        status, error, report_key = job.status, job.error_message, job.report_key
        code = job.error_code
    if report_key is None:
        console.print(f"[red]failed[/red] {code}: {error}")
        return 1
    stored = services.blobs.get(report_key)
    report = Report.model_validate_json(stored)
    out_dir.mkdir(parents=True, exist_ok=True)
    exported: set[str] = set()
    for fmt in formats:
        try:
            body = stored if fmt == "json" else render(report, fmt)
        except FormatNotApplicable as exc:
            console.print(f"[yellow]skipped {fmt}[/yellow]: {exc}")
            continue
        target = out_dir / f"report.{fmt}"
        if isinstance(body, bytes):
            target.write_bytes(body)
        else:
            target.write_text(body, encoding="utf-8")
        console.print(f"wrote {target}")
        if isinstance(body, str) and fmt in ("md", "html"):
            exported |= keyframes.cited(body)
    if exported:
        count = keyframes.export(services.blobs, job_id, exported, out_dir)
        console.print(f"wrote {count} keyframes to {out_dir / 'keyframes'}")
    _print_outcome(report, status)
    return 0 if status in (JobStatus.SUCCEEDED, JobStatus.PARTIAL) else 1


def _print_outcome(report: Report, status: JobStatus) -> None:
    totals = report.processing.totals
    colour = "green" if status is JobStatus.SUCCEEDED else "yellow"
    console.print(
        f"[{colour}]{status.value}[/{colour}]: {totals.chunks_succeeded}/{totals.chunks} chunks, "
        f"{len(report.entities)} entities, {len(report.timeline)} dated events, "
        f"{len(report.flags)} flags"
    )
    for gap in report.coverage.gaps:
        console.print(f"[yellow]gap[/yellow] {gap.span.label()}: {gap.reason}")


def _dry_run(services: Services, sha256: str, size: int, head: bytes, options: JobOptions) -> int:
    from longform.estimates import estimate_source

    started = time.monotonic()
    plan = estimate_source(services, sha256, detect_type(head, size), options)
    totals = plan["totals"]
    title = (
        f"plan: {totals['chunks']} chunks, est. ${totals['cost_usd']:.4f} "
        f"(${totals['cost_low_usd']:.4f}–${totals['cost_high_usd']:.4f}), "
        f"{time.monotonic() - started:.1f} s"
    )
    table = Table(title=title)
    for column in ("chunk", "span", "provider", "model", "tokens in/out", "cost (est.)", "why"):
        table.add_column(column)
    for chunk in plan["chunks"]:
        table.add_row(
            str(chunk["index"]),
            Span.model_validate(chunk["span"]).label(),
            chunk["provider"],
            chunk["model"],
            f"{chunk['input_tokens']:,}/{chunk['output_tokens']:,}",
            f"${chunk['cost_usd']:.4f}",
            chunk["reason"],
        )
    console.print(table)
    if plan["refusal"]:
        console.print(f"[red]refused[/red]: {plan['refusal']}")
        return 2
    return 0


def list_providers(settings: Settings) -> None:
    from longform.services import build_providers

    table = Table(title="providers")
    for column in ("name", "model", "offline", "modalities", "regions", "context tokens"):
        table.add_column(column)
    for provider in build_providers(settings).values():
        caps = provider.capabilities
        table.add_row(
            provider.name,
            provider.model,
            "yes" if caps.offline else "no",
            ",".join(sorted(caps.modalities)),
            ",".join(sorted(caps.regions)),
            f"{caps.context_tokens:,}",
        )
    Console().print(table)


async def check_providers(settings: Settings) -> int:
    """One tiny request to each configured provider; exit 1 if any fails."""
    from longform.services import build_providers
    from providers.registry import check

    failures = 0
    providers = build_providers(settings)
    try:
        for provider in providers.values():
            verdict = await check(provider)
            failures += not verdict.startswith("ok")
            Console().print(f"{provider.name}: {verdict}")
    finally:
        for provider in providers.values():
            await provider.aclose()
    return 1 if failures else 0
