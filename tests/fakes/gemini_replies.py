"""The fake Gemini's response bodies: answers, google.rpc errors and the fault variants."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

FaultKind = Literal[
    "rate_limit",  # 429 RESOURCE_EXHAUSTED with QuotaFailure and RetryInfo(retry_delay)
    "server_error",  # 500 INTERNAL
    "unavailable",  # 503 UNAVAILABLE
    "deadline",  # 504 DEADLINE_EXCEEDED
    "invalid_argument",  # 400 INVALID_ARGUMENT
    "permission_denied",  # 403 PERMISSION_DENIED
    "hang",  # no answer for `hang_s` seconds (past the client's timeout)
    "malformed_json",  # 200, candidate text that is not JSON
    "safety",  # 200, finishReason SAFETY, no text
    "recitation",  # 200, finishReason RECITATION
    "prompt_blocked",  # 200, promptFeedback.blockReason, no candidates
    "max_tokens",  # 200, finishReason MAX_TOKENS, JSON cut short
    "file_failed",  # the next uploaded file ends in state FAILED
]
Target = Literal["generate", "upload", "file"]
STATUS = {
    "rate_limit": (429, "RESOURCE_EXHAUSTED"),
    "server_error": (500, "INTERNAL"),
    "unavailable": (503, "UNAVAILABLE"),
    "deadline": (504, "DEADLINE_EXCEEDED"),
    "invalid_argument": (400, "INVALID_ARGUMENT"),
    "permission_denied": (403, "PERMISSION_DENIED"),
}


@dataclass
class Fault:
    kind: FaultKind
    target: Target = "generate"
    retry_delay: str = "0.05s"
    hang_s: float = 5.0


def error_body(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "status": code}}


def response_body(model: str, text: str, usage: dict[str, Any], kind: str | None) -> dict[str, Any]:
    finish = {"safety": "SAFETY", "recitation": "RECITATION", "max_tokens": "MAX_TOKENS"}
    if kind == "malformed_json":
        text = text[: len(text) // 2] + " <- oops, not JSON"
    if kind == "max_tokens":
        text = text[: len(text) // 2]
    usage = {**usage, "candidatesTokenCount": math.ceil(len(text) / 4)}
    usage["totalTokenCount"] = usage["promptTokenCount"] + usage["candidatesTokenCount"]
    out: dict[str, Any] = {"usageMetadata": usage, "modelVersion": model, "responseId": "fake"}
    if kind == "prompt_blocked":
        out["promptFeedback"] = {"blockReason": "PROHIBITED_CONTENT"}
        return out
    parts = [] if kind in {"safety", "recitation"} else [{"text": text}]
    candidate: dict[str, Any] = {
        "content": {"role": "model", "parts": parts},
        "finishReason": finish.get(kind or "", "STOP"),
        "index": 0,
    }
    if kind == "safety":
        candidate["safetyRatings"] = [
            {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True}
        ]
    out["candidates"] = [candidate]
    return out


def fault_body(status: int, code: str, kind: str, retry_delay: str) -> dict[str, Any]:
    """A google.rpc error; a 429 carries QuotaFailure, Help and RetryInfo like the real one."""
    body = error_body(status, code, f"fake fault {kind}")
    if kind == "rate_limit":
        body["error"]["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                "violations": [
                    {
                        "quotaMetric": "generativelanguage.googleapis.com/generate_requests",
                        "quotaId": "GenerateRequestsPerMinutePerProjectPerModel",
                    }
                ],
            },
            {"@type": "type.googleapis.com/google.rpc.Help", "links": []},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay},
        ]
    return body
