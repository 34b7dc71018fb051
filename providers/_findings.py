"""What a cloud model must return for one chunk, and that shape as a portable JSON Schema.

Every finding is located the way the prompt showed the content: an absolute `page` for
documents (`[page N]`), or absolute `start_s`/`end_s` seconds for media (`[t=12.5s]`).
Findings that rest on words carry the verbatim `quote`, which `findings_to_result` checks
against the page text before trusting it. Models differ in how strictly they follow a schema,
so the model is lenient: unknown fields are ignored and every list may be missing.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

PROMPT_VERSION: Final = "findings-v1"  # bump whenever the prompt text or this shape changes

EntityKind = Literal["person", "organization", "place", "money", "date", "legal_reference", "other"]
FlagKindName = Literal["pii", "privilege", "other"]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Located(_Lenient):
    page: int | None = Field(None, description="Absolute page number as shown by [page N].")
    start_s: float | None = Field(None, description="Absolute start second, as shown by [t=Ns].")
    end_s: float | None = Field(None, description="Absolute end second (media).")


class QuotedFinding(Located):
    quote: str = Field(description="Verbatim words from the cited page or moment.")


class FoundSentence(QuotedFinding):
    """An extractive summary sentence: `quote` is the sentence as written."""


class FoundMention(QuotedFinding):
    pass


class FoundEntity(_Lenient):
    name: str
    type: EntityKind = "other"
    mentions: list[FoundMention] = Field(default_factory=list)


class FoundEvent(QuotedFinding):
    date: str = Field("", description="ISO 8601 (YYYY, YYYY-MM or YYYY-MM-DD), or empty.")
    date_text: str = Field("", description="The date as written.")
    text: str = Field(description="What happened, in one sentence.")


class FoundFlag(QuotedFinding):
    kind: FlagKindName = "other"
    subtype: str = Field("", description="e.g. email, phone, attorney_client.")
    reason: str = ""


class FoundQuote(QuotedFinding):
    reason: str = ""


class FoundSegment(Located):
    speaker: str = ""
    text: str = Field(description="What was said, verbatim.")


class FoundScene(Located):
    description: str


class FoundOnScreen(Located):
    text: str


class ModelFindings(_Lenient):
    """The arguments of the one forced function call (or Gemini's JSON response)."""

    summary: str = Field(description="A faithful summary of this chunk in 2-5 sentences.")
    language: str = Field("", description="ISO 639-1 code of the main language.")
    summary_sentences: list[FoundSentence] = Field(default_factory=list)
    entities: list[FoundEntity] = Field(default_factory=list)
    events: list[FoundEvent] = Field(default_factory=list)
    flags: list[FoundFlag] = Field(default_factory=list)
    quotes: list[FoundQuote] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    transcript: list[FoundSegment] = Field(default_factory=list)
    scenes: list[FoundScene] = Field(default_factory=list)
    onscreen_text: list[FoundOnScreen] = Field(default_factory=list)


_KEEP = ("type", "description", "enum", "properties", "required", "items")


def findings_schema() -> dict[str, Any]:
    """`ModelFindings` as self-contained JSON Schema: no $ref/$defs/anyOf/title/default.

    Only type, properties, required, items, enum and description appear, the subset that
    OpenAI function parameters and Gemini's responseSchema/responseJsonSchema all accept.
    Optional fields become plain typed properties left out of `required`.
    """
    raw = ModelFindings.model_json_schema()
    return _inline(raw, raw.get("$defs", {}))


def _inline(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        return _inline(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    if "anyOf" in node:  # `X | None`: keep X, carry the description over
        branch = next(b for b in node["anyOf"] if b.get("type") != "null")
        merged = {**_inline(branch, defs)}
        if "description" in node:
            merged["description"] = node["description"]
        return merged
    out: dict[str, Any] = {k: node[k] for k in _KEEP if k in node}
    if "const" in node:
        out["enum"] = [node["const"]]
    if "properties" in out:
        out["properties"] = {k: _inline(v, defs) for k, v in out["properties"].items()}
        out["required"] = list(node.get("required", []))
    if "items" in out:
        out["items"] = _inline(out["items"], defs)
    return out


def merge_findings(parts: list[ModelFindings]) -> ModelFindings:
    """One chunk's findings from several requests (e.g. keyframes and audio asked apart)."""
    if len(parts) == 1:
        return parts[0]
    merged = ModelFindings(
        summary=" ".join(p.summary.strip() for p in parts if p.summary.strip()),
        language=next((p.language for p in reversed(parts) if p.language), ""),
    )
    for name in ModelFindings.model_fields:
        if name not in ("summary", "language"):
            setattr(merged, name, [item for p in parts for item in getattr(p, name)])
    return merged
