"""The HTTP plumbing every cloud client shares: client construction and error mapping.

`map_http_errors` is the one place where httpx exceptions and HTTP error statuses become the
provider error tree (see `providers.errors`), always chained with `from exc`. Call
`await raise_for_status(response)` inside it: the body of an error response is read first
(also for streams), so the mapped error carries the server's own message.

`LONGFORM_LOOPBACK_ONLY=1` makes `guard_url` refuse any URL that would leave 127.0.0.1 /
::1 / localhost; the test suite sets it so that no test can reach a real service.
"""

from __future__ import annotations

import email.utils
import ipaddress
import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

import httpx

from providers.errors import ProviderError, ProviderRejected, ProviderUnavailable

__all__ = [
    "LOOPBACK_ENV",
    "build_client",
    "guard_url",
    "map_http_errors",
    "parse_retry_after",
    "raise_for_status",
]

LOOPBACK_ENV: Final = "LONGFORM_LOOPBACK_ONLY"

_RETRYABLE_400 = ("parsing in progress",)  # qwen-long: the uploaded file is not parsed yet
_BILLING_429 = ("overdue", "not purchased", "perday", "per day")  # quota that waiting won't fix
_SAFETY = ("data_inspection_failed", "datainspectionfailed", "inappropriate content")


def build_client(
    *, timeout_s: float = 120.0, connect_timeout_s: float = 10.0, max_connections: int = 20
) -> httpx.AsyncClient:
    """An AsyncClient for one provider: per-request timeouts, no transport-level retries."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
        limits=httpx.Limits(max_connections=max_connections),
        transport=httpx.AsyncHTTPTransport(retries=0),
        follow_redirects=False,
    )


def guard_url(url: str | httpx.URL, *, provider: str) -> None:
    """Refuse a non-loopback URL when LONGFORM_LOOPBACK_ONLY=1 (the tests' network guard)."""
    if os.environ.get(LOOPBACK_ENV) != "1":
        return
    host = httpx.URL(str(url)).host
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise ProviderRejected(
            f"{LOOPBACK_ENV}=1 forbids a request to {host}",
            provider=provider,
            reason="network_guard",
        )


async def raise_for_status(response: httpx.Response) -> None:
    """Read an error response's body (streams too) and raise httpx.HTTPStatusError."""
    if response.is_success:
        return
    await response.aread()
    response.raise_for_status()


@contextmanager
def map_http_errors(provider: str, chunk_index: int | None = None) -> Iterator[None]:
    """Translate httpx errors inside the block into ProviderUnavailable / ProviderRejected."""
    try:
        yield
    except ProviderError:
        raise
    except httpx.HTTPStatusError as exc:
        raise _from_status(exc.response, provider, chunk_index) from exc
    except httpx.TimeoutException as exc:
        raise ProviderUnavailable(
            f"request timed out ({type(exc).__name__})",
            provider=provider,
            chunk_index=chunk_index,
            reason="timeout",
        ) from exc
    except json.JSONDecodeError as exc:  # a 200 whose body is not JSON: a proxy, a cut body
        raise ProviderUnavailable(
            f"unreadable response body: {exc}",
            provider=provider,
            chunk_index=chunk_index,
            reason="server_error",
        ) from exc
    except (httpx.TransportError, httpx.DecodingError) as exc:
        raise ProviderUnavailable(
            f"network error: {type(exc).__name__}: {exc}",
            provider=provider,
            chunk_index=chunk_index,
            reason="network",
        ) from exc


def _from_status(response: httpx.Response, provider: str, chunk: int | None) -> ProviderError:
    status = response.status_code
    message, code = error_message(response)
    text = f"HTTP {status}: {message}"
    lowered = f"{code} {message}".lower().replace(" ", "")
    where: dict[str, Any] = {"provider": provider, "chunk_index": chunk}
    if status == 429:
        if any(k.replace(" ", "") in lowered for k in _BILLING_429):
            return ProviderRejected(text, reason="quota", **where)
        return ProviderUnavailable(
            text, reason="rate_limited", retry_after=_retry_hint(response), **where
        )
    if status == 408 or status >= 500:
        reason = "timeout" if status in (408, 504) else "server_error"
        return ProviderUnavailable(text, reason=reason, retry_after=_retry_hint(response), **where)
    if any(k.replace(" ", "") in lowered for k in _RETRYABLE_400):
        return ProviderUnavailable(text, reason="not_ready", **where)
    if any(k.replace(" ", "") in lowered for k in _SAFETY):
        return ProviderRejected(text, reason="safety_block", **where)
    reason = {401: "auth", 403: "auth", 404: "not_found"}.get(status, "bad_request")
    return ProviderRejected(text, reason=reason, **where)


def error_message(response: httpx.Response) -> tuple[str, str]:
    """(message, code) from an OpenAI/DashScope, Gemini or Ollama error body, or the raw text."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text[:500] or response.reason_phrase, ""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, str):  # Ollama: {"error": "..."}
        return error, ""
    if isinstance(error, dict):
        code = str(error.get("code") or error.get("status") or error.get("type") or "")
        return str(error.get("message", "")), code
    return json.dumps(body)[:500], ""


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _retry_hint(response: httpx.Response) -> float | None:
    """Retry-After, else Gemini's RetryInfo.retryDelay ("42s", "57.2387s") in the body."""
    header = parse_retry_after(response.headers.get("retry-after"))
    if header is not None:
        return header
    try:
        details = response.json()["error"]["details"]
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError):
        return None
    for detail in details if isinstance(details, list) else []:
        delay = detail.get("retryDelay") if isinstance(detail, dict) else None
        if isinstance(delay, str) and (m := re.fullmatch(r"([0-9.]+)s", delay.strip())):
            return float(m.group(1))
    return None
