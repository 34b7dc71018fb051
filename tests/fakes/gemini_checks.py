"""What the fake Gemini checks in a generateContent body, the way the real service refuses it.

Every refusal is an `ApiError` carrying the HTTP status and google.rpc status the real API
uses (400 INVALID_ARGUMENT for shapes and sizes, 400 FAILED_PRECONDITION for a file that is
not ACTIVE, 403 PERMISSION_DENIED for a file of another project, 404 NOT_FOUND for an
unknown file). Unknown field names are refused as the real API does ("Unknown name").
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import Any

_DURATION = re.compile(r"^\d+(\.\d{1,9})?s$")
_TOP_LEVEL = {
    "contents",
    "systemInstruction",
    "generationConfig",
    "safetySettings",
    "tools",
    "toolConfig",
    "cachedContent",
}
_PART_DATA = {"text", "inlineData", "fileData", "functionCall", "functionResponse"}
_PART_KEYS = _PART_DATA | {"videoMetadata", "thought", "mediaResolution"}
_GENERATION = {
    "temperature",
    "topP",
    "topK",
    "candidateCount",
    "maxOutputTokens",
    "stopSequences",
    "seed",
    "presencePenalty",
    "frequencyPenalty",
    "responseMimeType",
    "responseSchema",
    "responseJsonSchema",
    "mediaResolution",
    "thinkingConfig",
}
# The JSON Schema subset documented for responseJsonSchema.
_SCHEMA_KEYS = {
    "$id", "$defs", "$ref", "$anchor", "type", "format", "title", "description", "enum",
    "items", "prefixItems", "minItems", "maxItems", "minimum", "maximum", "anyOf", "oneOf",
    "properties", "additionalProperties", "required", "propertyOrdering",
}  # fmt: skip


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def invalid(message: str) -> ApiError:
    return ApiError(400, "INVALID_ARGUMENT", message)


@dataclass
class FakeFile:
    name: str  # "files/abc123"
    display_name: str
    mime: str
    size: int
    uri: str
    data: bytearray = field(default_factory=bytearray)
    state: str = "PROCESSING"
    polls_left: int = 1
    fail: bool = False

    def resource(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "displayName": self.display_name,
            "mimeType": self.mime,
            "sizeBytes": str(self.size),  # int64 travels as a string
            "createTime": "2026-01-01T00:00:00Z",
            "expirationTime": "2026-01-03T00:00:00Z",
            "uri": self.uri,
            "state": self.state,
            "source": "UPLOADED",
        }
        if self.state == "FAILED":
            out["error"] = {"code": 400, "message": "The video could not be processed."}
        return out


@dataclass
class Checked:
    """What a valid request carried, for the answer and the usage."""

    texts: list[str]
    system: str
    schema: dict[str, Any]
    inline_bytes: int
    media_seconds: float
    files_used: list[str]


def check_generate(body: Any, files: dict[str, FakeFile], inline_limit: int) -> Checked:
    if not isinstance(body, dict):
        raise invalid("Invalid JSON payload received. Expected an object.")
    _unknown(body, _TOP_LEVEL, "")
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise invalid("* GenerateContentRequest.contents: contents is not specified")
    out = Checked([], "", {}, 0, 0.0, [])
    for i, content in enumerate(contents):
        if not isinstance(content, dict) or content.get("role", "user") not in {"user", "model"}:
            raise invalid(f"contents[{i}]: role must be 'user' or 'model'")
        parts = content.get("parts")
        if not isinstance(parts, list) or not parts:
            raise invalid(
                f"* GenerateContentRequest.contents[{i}].parts: contents.parts must not be empty."
            )
        for j, part in enumerate(parts):
            _check_part(part, f"contents[{i}].parts[{j}]", files, out)
    if out.inline_bytes > inline_limit:
        raise invalid(f"Request payload size exceeds the limit: {inline_limit} bytes.")
    out.system = _system(body.get("systemInstruction"))
    out.schema = _generation(body.get("generationConfig"))
    return out


def _unknown(obj: dict[str, Any], allowed: set[str], where: str) -> None:
    for key in obj:
        if key not in allowed:
            raise invalid(f"Invalid JSON payload received. Unknown name \"{key}\" at '{where}'.")


def _check_part(part: Any, where: str, files: dict[str, FakeFile], out: Checked) -> None:
    if not isinstance(part, dict):
        raise invalid(f"{where}: a part must be an object")
    _unknown(part, _PART_KEYS, where)
    data = [k for k in part if k in _PART_DATA]
    if len(data) != 1:
        raise invalid(f"{where}: a part needs exactly one data field, got {data}")
    if "text" in part:
        if not isinstance(part["text"], str):
            raise invalid(f"{where}.text must be a string")
        out.texts.append(part["text"])
    elif "inlineData" in part:
        out.inline_bytes += _inline(part["inlineData"], where)
    elif "fileData" in part:
        out.files_used.append(_file_data(part["fileData"], where, files))
    if "videoMetadata" in part:
        if "text" in part:
            raise invalid(f"{where}: videoMetadata needs a media part")
        out.media_seconds += _video_metadata(part["videoMetadata"], where)


def _inline(blob: Any, where: str) -> int:
    if not isinstance(blob, dict) or set(blob) != {"mimeType", "data"}:
        raise invalid(f"{where}.inlineData needs exactly mimeType and data")
    if "/" not in str(blob["mimeType"]):
        raise invalid(f"{where}.inlineData.mimeType is not a MIME type")
    try:
        return len(base64.b64decode(blob["data"], validate=True))
    except (binascii.Error, TypeError, ValueError) as exc:
        raise invalid(f"{where}.inlineData.data: Invalid value (bytes): {exc}") from exc


def _file_data(ref: Any, where: str, files: dict[str, FakeFile]) -> str:
    if not isinstance(ref, dict) or set(ref) - {"mimeType", "fileUri"} or "fileUri" not in ref:
        raise invalid(f"{where}.fileData needs fileUri (and mimeType)")
    found = next((f for f in files.values() if f.uri == ref["fileUri"]), None)
    if found is None:
        raise ApiError(
            403,
            "PERMISSION_DENIED",
            f"You do not have permission to access the File {ref['fileUri']} or it may not exist.",
        )
    if found.state != "ACTIVE":
        raise ApiError(
            400,
            "FAILED_PRECONDITION",
            f"The File {found.name} is not in an ACTIVE state and usage is not allowed.",
        )
    if ref.get("mimeType", found.mime) != found.mime:
        raise invalid(f"{where}.fileData.mimeType {ref.get('mimeType')} != {found.mime}")
    return found.name


def _video_metadata(meta: Any, where: str) -> float:
    if not isinstance(meta, dict):
        raise invalid(f"{where}.videoMetadata must be an object")
    _unknown(meta, {"startOffset", "endOffset", "fps"}, f"{where}.videoMetadata")
    bounds = []
    for key in ("startOffset", "endOffset"):
        value = meta.get(key, "0s")
        if not isinstance(value, str) or not _DURATION.match(value):
            raise invalid(f"{where}.videoMetadata.{key}: Invalid value (Duration): {value!r}")
        bounds.append(float(value[:-1]))
    if "fps" in meta and not 0 < float(meta["fps"]) <= 24:
        raise invalid(f"{where}.videoMetadata.fps must be in (0, 24]")
    if "endOffset" in meta and bounds[1] <= bounds[0]:
        raise invalid(f"{where}.videoMetadata: endOffset must be after startOffset")
    return bounds[1] - bounds[0] if "endOffset" in meta else 0.0


def _system(system: Any) -> str:
    if system is None:
        return ""
    if not isinstance(system, dict) or not isinstance(system.get("parts"), list):
        raise invalid("systemInstruction must be a Content with parts")
    return "\n".join(str(p.get("text", "")) for p in system["parts"])


def _generation(config: Any) -> dict[str, Any]:
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise invalid("generationConfig must be an object")
    _unknown(config, _GENERATION, "generation_config")
    if "responseSchema" in config and "responseJsonSchema" in config:
        raise invalid("responseSchema and responseJsonSchema are mutually exclusive")
    schema = config.get("responseJsonSchema") or config.get("responseSchema")
    if schema is None:
        return {}
    if config.get("responseMimeType") != "application/json":
        raise invalid("response_schema needs response_mime_type application/json")
    if "responseSchema" in config:
        raise invalid("the fake accepts responseJsonSchema only (what the client sends)")
    check_schema(schema, "responseJsonSchema")
    return dict(schema)


def check_schema(schema: Any, where: str) -> None:
    if isinstance(schema, bool):
        return
    if not isinstance(schema, dict):
        raise invalid(f"{where}: a schema must be an object")
    for key, value in schema.items():
        if key not in _SCHEMA_KEYS:
            raise invalid(f"{where}: unsupported schema keyword {key!r}")
        if key in {"properties", "$defs"}:
            for name, sub in value.items():
                check_schema(sub, f"{where}.{key}.{name}")
        elif key in {"anyOf", "oneOf", "prefixItems"}:
            for n, sub in enumerate(value):
                check_schema(sub, f"{where}.{key}[{n}]")
        elif key in {"items", "additionalProperties"}:
            check_schema(value, f"{where}.{key}")
