"""The `longform` command: serve | analyze | submit | worker | providers."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import sys
from pathlib import Path

import click

from longform.config import Settings

FORMATS = ["json", "md", "html", "srt", "vtt", "csv", "dat", "opt", "pbcore"]
DEFAULT_FORMATS = ["json", "md"]


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail to stderr.")
def main(verbose: bool) -> None:
    """Longform: long video, audio and PDFs in; structured, cited reports out."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the HTTP API with the in-process runner."""
    import uvicorn

    from longform.api.app import create_app

    settings = Settings()
    if not settings.tenant_keys() and not _is_loopback(host):
        raise click.UsageError(
            f"refusing to listen on {host} with no API keys: set LONGFORM_API_KEYS "
            "or listen on 127.0.0.1"
        )
    logging.getLogger().setLevel(logging.INFO)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default="out")
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(FORMATS),
    help="Report format(s) to write; default json and md (srt/vtt for media).",
)
@click.option(
    "--policy",
    type=click.Choice(["accuracy", "latency", "cost", "balanced"]),
    default="balanced",
    show_default=True,
)
@click.option("--password", default=None, help="Password of an encrypted PDF.")
@click.option("--dry-run", is_flag=True, help="Probe and plan only; analyse nothing.")
def analyze(
    path: Path,
    out_dir: Path,
    formats: tuple[str, ...],
    policy: str,
    password: str | None,
    dry_run: bool,
) -> None:
    """Run the whole pipeline in-process on PATH and write DIR/report.<ext>."""
    from longform.local_run import run_local

    options: dict[str, object] = {"policy": policy}
    if password:
        options["password"] = password
    code = asyncio.run(
        run_local(
            Settings(), path, out_dir, list(formats) or DEFAULT_FORMATS, options, dry_run=dry_run
        )
    )
    sys.exit(code)


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--server", required=True, help="Base URL, e.g. http://127.0.0.1:8000")
@click.option("--api-key", default=None, envvar="LONGFORM_API_KEY")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default="out")
@click.option("--format", "formats", multiple=True, type=click.Choice(FORMATS))
@click.option("--password", default=None, help="Password of an encrypted PDF.")
def submit(
    path: Path,
    server: str,
    api_key: str | None,
    out_dir: Path,
    formats: tuple[str, ...],
    password: str | None,
) -> None:
    """Upload PATH to a Longform server, wait for the job, download the report."""
    from longform.remote import submit_and_wait

    options: dict[str, object] = {"password": password} if password else {}
    code = submit_and_wait(
        server, api_key, path, out_dir, list(formats) or DEFAULT_FORMATS, options
    )
    sys.exit(code)


@main.command()
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=None,
    help="Jobs at once in this worker [default: LONGFORM_JOB_CONCURRENCY].",
)
@click.option(
    "--pool",
    type=click.Choice(["threads", "solo"]),
    default="threads",
    show_default=True,
    help="threads: jobs share one process's services, like `serve`; solo: one job at a time.",
)
def worker(concurrency: int | None, pool: str) -> None:
    """Run a Celery worker for jobs queued by `longform serve` (needs LONGFORM_BROKER_URL).

    Not prefork: a prefork child is a daemonic process, and daemonic processes may not start
    children, which the local provider's analysis processes are. With threads, the worker is
    one process whose jobs share one set of services and one pool of analysis processes,
    exactly like the in-process runner of `serve`.
    """
    settings = Settings()
    if not settings.broker_url:
        raise click.UsageError(
            "LONGFORM_BROKER_URL is not set: point it at the Redis the API uses, e.g. "
            "redis://127.0.0.1:6379/0 (and share LONGFORM_DATABASE_URL and the blob folder)"
        )
    from longform.runners.celery_app import QUEUE, make_celery

    app = make_celery(settings)
    app.worker_main(
        [
            "worker",
            f"--concurrency={concurrency or settings.job_concurrency}",
            f"--pool={pool}",
            f"--queues={QUEUE}",
            "--loglevel=INFO",
            "--without-gossip",  # no peer chatter: job state lives in the store
            "--without-mingle",
        ]
    )


@main.command()
def doctor() -> None:
    """Check the offline engines: pinned model hashes, tesseract, ffmpeg."""
    import shutil

    from providers.local.integrity import ModelIntegrityError, verify_installed

    problems = 0
    try:
        for line in verify_installed():
            click.echo(f"ok   {line}")
    except (ModelIntegrityError, ImportError) as exc:
        click.echo(f"FAIL {exc}")
        problems += 1
    for tool in ("tesseract", "ffmpeg", "ffprobe"):
        found = shutil.which(tool)
        click.echo(f"{'ok  ' if found else 'FAIL'} {tool}: {found or 'not found on PATH'}")
        problems += found is None
    sys.exit(1 if problems else 0)


@main.group(invoke_without_command=True)
@click.pass_context
def providers(ctx: click.Context) -> None:
    """List configured providers."""
    if ctx.invoked_subcommand is None:
        from longform.local_run import list_providers

        list_providers(Settings())


@providers.command()
def check() -> None:
    """Send one tiny request to each configured provider and report what works."""
    from longform.local_run import check_providers

    sys.exit(asyncio.run(check_providers(Settings())))
