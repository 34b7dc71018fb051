"""What the fake DashScope server refuses, the way the real one does (PROVIDERS.md A2-A10).

`check_request` returns None for a valid request, else (HTTP status, compat-mode error body).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

IMAGE_MAGIC = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
    "image/bmp": (b"BM",),
}
AUDIO_FORMATS = {"wav", "mp3", "amr", "aac", "3gp", "3gpp", "m4a"}
PART_TYPES = {"text", "image_url", "input_audio", "video", "video_url"}
FORBIDDEN = ("store", "reasoning_effort", "max_completion_tokens")
MAX_B64 = 10 * 1024 * 1024


class Invalid(Exception):
    def __init__(self, message: str, status: int = 400, code: str = "invalid_parameter_error"):
        super().__init__(message)
        self.status, self.code = status, code


def error_body(message: str, code: str) -> dict[str, Any]:
    return {
        "error": {"message": message, "type": code, "param": None, "code": code},
        "id": "chatcmpl-fake",
    }


def check_request(
    headers: dict[str, str], body: Any, api_key: str, *, raw_audio: bool = False
) -> tuple[int, dict[str, Any]] | None:
    """`raw_audio`: accept OpenAI's raw-base64 `input_audio.data` (DashScope wants a data URL)."""
    if headers.get("authorization") != f"Bearer {api_key}":
        return 401, error_body("Incorrect API key provided.", "invalid_api_key")
    try:
        _check_body(body, raw_audio)
    except Invalid as exc:
        return exc.status, error_body(f"<{exc.status}> InternalError.Algo.{exc}", exc.code)
    return None


def _check_body(body: Any, raw_audio: bool) -> None:
    if not isinstance(body, dict):
        raise Invalid("the body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise Invalid("InvalidParameter: model is required")
    for name in FORBIDDEN:
        if name in body:
            raise Invalid(f"InvalidParameter: unsupported parameter {name}")
    stream = body.get("stream", False)
    if "omni" in model and stream is not True:
        raise Invalid("InvalidParameter: This model only support stream mode")
    if "stream_options" in body and not stream:
        raise Invalid("InvalidParameter: stream_options is only allowed when stream is true")
    _check_tools(body)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise Invalid("InvalidParameter: messages must be a non-empty list")
    for message in messages:
        _check_message(message, model, raw_audio)


def _check_tools(body: dict[str, Any]) -> None:
    tools = body.get("tools")
    if tools is None:
        return
    names = []
    for tool in tools:
        function = tool.get("function") or {}
        if tool.get("type") != "function" or not isinstance(function.get("parameters"), dict):
            raise Invalid("InvalidParameter: a tool needs type function and parameters")
        if function.get("name") == "search":
            raise Invalid("InvalidParameter: the tool name search is reserved")
        names.append(function.get("name"))
    choice = body.get("tool_choice", "auto")
    if isinstance(choice, dict):
        if body.get("enable_thinking"):
            raise Invalid("InvalidParameter: tool_choice must be auto or none in thinking mode")
        if (choice.get("function") or {}).get("name") not in names:
            raise Invalid("InvalidParameter: tool_choice names an unknown function")


def _check_message(message: Any, model: str, raw_audio: bool) -> None:
    role = message.get("role") if isinstance(message, dict) else None
    if role not in ("system", "user", "assistant", "tool"):
        raise Invalid(f"InvalidParameter: unsupported role {role!r}")
    content = message.get("content")
    if isinstance(content, str) or (content is None and role == "assistant"):
        return
    if not isinstance(content, list):
        raise Invalid("InvalidParameter: content must be a string or a list of parts")
    kinds = set()
    for part in content:
        kind = part.get("type")
        if kind not in PART_TYPES:
            raise Invalid(f"InvalidParameter: unknown content type {kind!r}")
        kinds.add(kind)
        _check_part(part, model, raw_audio)
    if "omni" in model and len(kinds - {"text"}) > 1:
        raise Invalid("InvalidParameter: a user message holds text plus one other modality")


def _check_part(part: dict[str, Any], model: str, raw_audio: bool) -> None:
    kind = part["type"]
    if kind == "text" and not isinstance(part.get("text"), str):
        raise Invalid("InvalidParameter: text part without text")
    if kind == "image_url":
        check_image_url(part["image_url"]["url"])
    if kind == "video":
        frames = part.get("video") or []
        low, high = (4, 2000) if model.startswith("qwen3-vl") else (4, 80)
        if not low <= len(frames) <= high:
            raise Invalid(f"InvalidParameter: a frame list holds {low}-{high} images")
        fps = part.get("fps", 2.0)
        if not 0.1 <= float(fps) <= 10:
            raise Invalid("InvalidParameter: fps must be in [0.1, 10]")
        for url in frames:
            check_image_url(url)
    if kind == "input_audio":
        audio = part["input_audio"]
        if audio.get("format") not in AUDIO_FORMATS:
            raise Invalid(f"InvalidParameter: audio format {audio.get('format')!r}")
        data = str(audio.get("data", ""))
        if not raw_audio and not data.startswith(("data:;base64,", "data:audio/", "https://")):
            raise Invalid("InvalidParameter: input_audio.data must be a URL or a data URL")
        _decode(data.split(",", 1)[-1])


def check_image_url(url: str) -> bytes:
    if not url.startswith("data:"):
        raise Invalid("InvalidParameter: the fake accepts data URLs only (no network)")
    head, _, data = url.partition(",")
    mime = head[5:].removesuffix(";base64")
    raw = _decode(data)
    magic = IMAGE_MAGIC.get(mime)
    if magic is None:
        raise Invalid(f"InvalidParameter: unsupported image MIME {mime!r}")
    if not raw.startswith(magic):
        raise Invalid(f"InvalidParameter: the data URL says {mime} but the bytes are not")
    return raw


def _decode(data: str) -> bytes:
    if len(data) > MAX_B64:
        raise Invalid("InvalidParameter: base64 data over 10 MB")
    try:
        return base64.b64decode(data, validate=True)
    except binascii.Error as exc:
        raise Invalid("InvalidParameter: bad base64") from exc
