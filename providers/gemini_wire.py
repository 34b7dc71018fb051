"""The Gemini v1beta wire format: a `Prompt` as a generateContent body, and the answer back.

Request: the stable system text and instructions go in `systemInstruction`, the chunk's
parts in one user turn (text, `inlineData` base64, or `fileData` for uploaded files, with
`videoMetadata` offsets on video), and `generationConfig` asks for
`responseMimeType: application/json` with the findings schema as `responseJsonSchema`
(`text_body`, for the summary step, asks for plain text instead).

Response: `promptFeedback.blockReason` and safety finish reasons are `safety_block`,
MAX_TOKENS is `length` (never a silently short result), any other non-STOP finish is
`rejected`; the text of candidate 0 must parse as `ModelFindings`, or it is
`malformed_output` (the caller may ask once for a repair). Usage maps `promptTokenCount`
(which includes cached tokens), `candidatesTokenCount` + `thoughtsTokenCount` (thinking is
billed as output) and `cachedContentTokenCount`. See `shared/PROVIDERS.md` §B2, §B3.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from analysis.schema import Usage
from providers.errors import ProviderRejected
from providers.httpclient import map_http_errors
from providers.llm import ModelFindings, Prompt, PromptPart, findings_schema

__all__ = [
    "MIME_ALIASES",
    "SAFETY_FINISHES",
    "Answer",
    "FileRef",
    "duration",
    "gemini_errors",
    "gemini_mime",
    "generate_body",
    "parse_answer",
    "repair_turns",
    "text_body",
]

SAFETY_FINISHES: Final = frozenset(
    {"SAFETY", "PROHIBITED_CONTENT", "RECITATION", "BLOCKLIST", "SPII", "IMAGE_SAFETY"}
)
# Ingest's MIME types where Gemini documents another name for the same format [S B5].
MIME_ALIASES: Final = {
    "video/quicktime": "video/mov",
    "video/x-msvideo": "video/avi",
    "audio/mpeg": "audio/mp3",
    "audio/x-wav": "audio/wav",
}
_REPAIR: Final = (
    "Your previous answer could not be used: {error}\n"
    "Answer again with the JSON object alone, exactly matching the response schema."
)


@contextmanager
def gemini_errors(provider: str, chunk_index: int | None) -> Iterator[None]:
    """`map_http_errors`, plus Gemini's invalid key (a 400 INVALID_ARGUMENT) as `auth`."""
    try:
        with map_http_errors(provider, chunk_index):
            yield
    except ProviderRejected as exc:
        if exc.reason == "bad_request" and "api key not valid" in exc.message.lower():
            raise ProviderRejected(
                exc.message, provider=provider, chunk_index=chunk_index, reason="auth"
            ) from exc
        raise


def gemini_mime(mime: str | None) -> str:
    mime = mime or "application/octet-stream"
    return MIME_ALIASES.get(mime, mime)


@dataclass(frozen=True)
class FileRef:
    """An uploaded, ACTIVE file; `origin_s` is the absolute time of the file's first second."""

    uri: str
    mime: str
    origin_s: float = 0.0


def duration(seconds: float) -> str:
    """A protobuf Duration string: 12.5 -> "12.5s" (never negative, ms precision)."""
    text = f"{max(0.0, seconds):.3f}".rstrip("0").rstrip(".")
    return f"{text}s"


def generate_body(
    prompt: Prompt, files: dict[str, FileRef], *, max_output_tokens: int, temperature: float
) -> dict[str, Any]:
    """The generateContent body; media parts whose path is in `files` go as `fileData`."""
    parts = [_part(p, files) for p in prompt.parts]
    return {
        "systemInstruction": {"parts": [{"text": f"{prompt.system}\n\n{prompt.instructions}"}]},
        "contents": [{"role": "user", "parts": parts}],
        "generationConfig": {
            "temperature": temperature,
            "maxOutputTokens": max_output_tokens,
            "responseMimeType": "application/json",
            "responseJsonSchema": response_schema(),
        },
    }


def text_body(prompt: Prompt, *, max_output_tokens: int, temperature: float) -> dict[str, Any]:
    """A generateContent body for a plain-text answer: text parts only, no response schema."""
    body = generate_body(prompt, {}, max_output_tokens=max_output_tokens, temperature=temperature)
    config = body["generationConfig"]
    for key in ("responseMimeType", "responseJsonSchema"):
        config.pop(key)
    return body


def response_schema() -> dict[str, Any]:
    """`findings_schema()` as given: it already keeps to the subset Gemini accepts."""
    return findings_schema()


def _part(part: PromptPart, files: dict[str, FileRef]) -> dict[str, Any]:
    if part.kind == "text":
        return {"text": part.text or ""}
    assert part.path is not None, "build_prompt only emits media parts with a path"
    ref = files.get(part.path)
    out: dict[str, Any]
    if ref is not None:
        out = {"fileData": {"mimeType": ref.mime, "fileUri": ref.uri}}
    else:
        data = base64.b64encode(Path(part.path).read_bytes()).decode("ascii")
        out = {"inlineData": {"mimeType": gemini_mime(part.mime), "data": data}}
    if part.kind == "video" and part.start_s is not None and part.end_s is not None:
        origin = ref.origin_s if ref is not None else part.start_s
        out["videoMetadata"] = {
            "startOffset": duration(part.start_s - origin),
            "endOffset": duration(part.end_s - origin),
        }
    return out


def repair_turns(body: dict[str, Any], bad_text: str, error: str) -> dict[str, Any]:
    """`body` with the model's unusable answer and the error appended as two more turns."""
    turns = [
        *body["contents"],
        {"role": "model", "parts": [{"text": bad_text}]},
        {"role": "user", "parts": [{"text": _REPAIR.format(error=error[:2000])}]},
    ]
    return {**body, "contents": turns}


@dataclass(frozen=True)
class Answer:
    """One generateContent response: the candidate text (if any) and its usage."""

    text: str
    usage: Usage
    finish: str

    def findings(self) -> ModelFindings:
        """The text as `ModelFindings`; ValueError (JSON or schema) when it is not."""
        try:
            return ModelFindings.model_validate(json.loads(self.text))
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON: {exc}") from exc
        except ValidationError as exc:
            raise ValueError(f"does not match the schema: {exc}") from exc


def parse_answer(body: Any, *, provider: str, chunk_index: int | None) -> Answer:
    """The answer of a 200 response, or ProviderRejected for a block or a cut-short reply."""
    where: dict[str, Any] = {"provider": provider, "chunk_index": chunk_index}
    if not isinstance(body, dict):
        raise ProviderRejected("response is not a JSON object", reason="malformed_output", **where)
    usage = parse_usage(body.get("usageMetadata"))
    feedback = body.get("promptFeedback") or {}
    if block := feedback.get("blockReason"):
        detail = feedback.get("blockReasonMessage") or ""
        raise ProviderRejected(
            f"prompt blocked: {block} {detail}".strip(), reason="safety_block", **where
        )
    candidates = body.get("candidates") or []
    if not candidates:
        raise ProviderRejected("response has no candidates", reason="malformed_output", **where)
    first = candidates[0]
    finish = str(first.get("finishReason") or "STOP")
    if finish in SAFETY_FINISHES:
        raise ProviderRejected(
            f"answer blocked: finishReason {finish}", reason="safety_block", **where
        )
    if finish == "MAX_TOKENS":
        raise ProviderRejected(
            "answer cut at maxOutputTokens (MAX_TOKENS)", reason="length", **where
        )
    if finish != "STOP":
        raise ProviderRejected(
            f"answer ended with finishReason {finish}", reason="rejected", **where
        )
    parts = (first.get("content") or {}).get("parts") or []
    text = "".join(p.get("text", "") for p in parts if isinstance(p, dict) and not p.get("thought"))
    return Answer(text=text, usage=usage, finish=finish)


def parse_usage(meta: Any) -> Usage:
    if not isinstance(meta, dict):
        return Usage()
    prompt = int(meta.get("promptTokenCount", 0)) + int(meta.get("toolUsePromptTokenCount", 0))
    output = int(meta.get("candidatesTokenCount", 0)) + int(meta.get("thoughtsTokenCount", 0))
    return Usage(
        input_tokens=prompt,
        output_tokens=output,
        cached_tokens=int(meta.get("cachedContentTokenCount", 0)),
    )


def add_usage(a: Usage, b: Usage) -> Usage:
    return Usage(
        input_tokens=a.input_tokens + b.input_tokens,
        output_tokens=a.output_tokens + b.output_tokens,
        cached_tokens=a.cached_tokens + b.cached_tokens,
    )
