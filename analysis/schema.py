"""The result types: what a provider returns per chunk, and the Report it all becomes.

`ChunkResult` is validated from whatever a provider produced (local engines or a model's
JSON). Every finding carries an absolute `Span` and, where it rests on words, the quote.
`Report` is the published contract (`report_version: "1"`); its JSON Schema is served at
`/v1/schema/report`. Add fields freely; never rename one without a migration note.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingest.types import AudioStream, Span, VideoStream

REPORT_VERSION: Final = "1"

EntityType = Literal["person", "organization", "place", "money", "date", "legal_reference", "other"]
FlagKind = Literal["pii", "privilege", "other"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Mention(_Model):
    span: Span
    quote: str


class Resolution(_Model):
    """Why another name of an entity was taken to be the same entity, and how sure that is."""

    alias: str
    confidence: float = Field(ge=0.0, le=1.0)
    reason: str


class Entity(_Model):
    name: str
    type: EntityType
    mentions: list[Mention] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)
    # Set by the aggregator: one entry per alias merged into this entity (see analysis.resolve).
    resolution: list[Resolution] = Field(default_factory=list)
    # Names of other entities this one could also be (e.g. "Smith" with two Smiths): left apart.
    ambiguous_with: list[str] = Field(default_factory=list)


class Event(_Model):
    """A dated happening for the timeline. `date` is ISO 8601 (YYYY, YYYY-MM or YYYY-MM-DD)."""

    span: Span
    date: str | None
    date_text: str
    text: str
    quote: str


class Flag(_Model):
    kind: FlagKind
    subtype: str  # e.g. "email", "phone", "us_ssn", "payment_card", "attorney_client"
    span: Span
    quote: str
    reason: str


class KeyQuote(_Model):
    span: Span
    text: str
    reason: str = ""


class SummarySentence(_Model):
    """An extractive summary sentence with where it came from and how central it is."""

    span: Span
    text: str
    score: float
    # In a report: indices (0-based) into `Report.sections` of the sections this sentence
    # draws on. Empty in chunk results.
    sections: list[int] = Field(default_factory=list)


class Word(_Model):
    """One recognised word with absolute times (seconds in the source)."""

    start_s: float
    end_s: float
    text: str


class TranscriptSegment(_Model):
    span: Span
    speaker: str | None = None
    text: str
    words: list[Word] = Field(default_factory=list)  # word timings, when the engine gives them


class Scene(_Model):
    span: Span
    description: str
    keyframe: str | None = None
    # No cut at this scene's start: its shot began earlier. Set by a provider on a chunk's
    # first scene when it saw the frame before its video segment and the shot went on; the
    # aggregator then joins it to the previous chunk's last scene. In a report it stays True
    # only where that earlier part was not analysed (e.g. a failed chunk before it).
    continues_previous: bool = False


class OnScreenText(_Model):
    span: Span
    text: str


class Usage(_Model):
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0


class ChunkResult(_Model):
    """What one provider produced for one chunk."""

    chunk_index: int
    span: Span
    provider: str
    model: str
    language: str | None = None
    summary: str = ""
    summary_sentences: list[SummarySentence] = Field(default_factory=list)
    transcript: list[TranscriptSegment] = Field(default_factory=list)
    scenes: list[Scene] = Field(default_factory=list)
    onscreen_text: list[OnScreenText] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    quotes: list[KeyQuote] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # e.g. "NER not available for language th"
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float = 0.0
    latency_ms: int = 0
    prompt_version: str | None = None  # the prompt template a cloud model answered


# ---------------------------------------------------------------------------- report


class Source(_Model):
    filename: str
    sha256: str
    media_type: str
    size_bytes: int
    duration_s: float | None = None
    pages: int | None = None
    title: str | None = None  # a PDF's own title, when it has one
    container: str | None = None  # media: ffprobe's format name
    bit_rate: int | None = None
    video: VideoStream | None = None  # media: the probed streams (codec, size, rates)
    audio: AudioStream | None = None


class Section(_Model):
    title: str
    span: Span
    summary: str
    keywords: list[str] = Field(default_factory=list)  # what the title is made of, strongest first
    chunks: list[int] = Field(default_factory=list)  # indices of the chunks the section rests on


class Topic(_Model):
    name: str
    score: float


class Gap(_Model):
    span: Span
    reason: str


class Coverage(_Model):
    analyzed: list[Span] = Field(default_factory=list)
    gaps: list[Gap] = Field(default_factory=list)


class AttemptRecord(_Model):
    """One try of one provider on one chunk, as the scheduler recorded it."""

    provider: str
    model: str = ""
    outcome: str  # ok | failed | rejected | crashed | skipped | cancelled
    latency_ms: int = 0
    wait_ms: int = 0
    error: str | None = None
    message: str | None = None
    cost_usd: float = 0.0
    hedge: bool = False


class ChunkProcessing(_Model):
    index: int
    span: Span
    provider: str | None
    model: str | None
    reason: str
    attempts: int
    status: str
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: int = 0
    error: str | None = None
    prompt_version: str | None = None
    attempt_log: list[AttemptRecord] = Field(default_factory=list)


class ProcessingTotals(_Model):
    chunks: int
    chunks_succeeded: int
    chunks_failed: int
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: int = 0
    by_provider: dict[str, dict[str, float]] = Field(default_factory=dict)


class SummaryProcessing(_Model):
    """What writing the summary with the job's provider took (the reduce step's requests).

    Its tokens, cost and time are also counted in `ProcessingTotals` and in the provider's
    `by_provider` entry (there as `summary_requests` and `summary_cost_usd` too). Absent when
    the summary is extractive without asking any model.
    """

    provider: str
    model: str
    prompt_version: str | None = None
    requests: int = 0  # answered requests
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: int = 0
    error: str | None = None  # why the rest of the summary fell back to extractive


class Processing(_Model):
    chunks: list[ChunkProcessing] = Field(default_factory=list)
    totals: ProcessingTotals
    summary: SummaryProcessing | None = Field(default=None, exclude_if=lambda v: v is None)


class CustodyEvent(_Model):
    at: str  # ISO 8601 UTC
    event: str
    detail: dict[str, Any] = Field(default_factory=dict)


class Report(_Model):
    report_version: Literal["1"] = REPORT_VERSION
    source: Source
    summary: str
    summary_sentences: list[SummarySentence] = Field(default_factory=list)
    # "extractive" (sentences chosen from the chunks), "model" (written by the job's provider
    # from the section summaries) or "custom" (a caller's reducer).
    summary_method: str = "extractive"
    languages: list[str] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    transcript: list[TranscriptSegment] = Field(default_factory=list)
    scenes: list[Scene] = Field(default_factory=list)
    onscreen_text: list[OnScreenText] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    timeline: list[Event] = Field(default_factory=list)
    topics: list[Topic] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    quotes: list[KeyQuote] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    coverage: Coverage
    processing: Processing
    custody: list[CustodyEvent] = Field(default_factory=list)


def report_json_schema() -> dict[str, Any]:
    """The published JSON Schema of the report (served at /v1/schema/report)."""
    return Report.model_json_schema()
