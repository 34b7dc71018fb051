"""Chunk results in, reports out: the schema, aggregation and renderers.

Importing this package is light (pydantic and numpy): no models, no providers. Models come
in as callables (`Embedder`, `Summarizer`) handed to `aggregate` by the shell.
"""

from analysis.aggregate import aggregate
from analysis.coverage import coalesce
from analysis.diverse import diverse_sentences
from analysis.entities import normalise_name
from analysis.render import (
    RENDERERS,
    FormatNotApplicable,
    formats,
    render,
    render_json,
    render_markdown,
    render_srt,
    render_vtt,
)
from analysis.schema import (
    REPORT_VERSION,
    ChunkProcessing,
    ChunkResult,
    Coverage,
    CustodyEvent,
    Entity,
    Event,
    Flag,
    Gap,
    KeyQuote,
    Mention,
    OnScreenText,
    Processing,
    ProcessingTotals,
    Report,
    Resolution,
    Scene,
    Section,
    Source,
    SummaryProcessing,
    SummarySentence,
    Topic,
    TranscriptSegment,
    Usage,
    Word,
    report_json_schema,
)
from analysis.summary import Summarizer, SummaryReducer
from analysis.transcript import merge_transcript
from analysis.vectors import Embedder

__all__ = [
    "RENDERERS",
    "REPORT_VERSION",
    "ChunkProcessing",
    "ChunkResult",
    "Coverage",
    "CustodyEvent",
    "Embedder",
    "Entity",
    "Event",
    "Flag",
    "FormatNotApplicable",
    "Gap",
    "KeyQuote",
    "Mention",
    "OnScreenText",
    "Processing",
    "ProcessingTotals",
    "Report",
    "Resolution",
    "Scene",
    "Section",
    "Source",
    "Summarizer",
    "SummaryProcessing",
    "SummaryReducer",
    "SummarySentence",
    "Topic",
    "TranscriptSegment",
    "Usage",
    "Word",
    "aggregate",
    "coalesce",
    "diverse_sentences",
    "formats",
    "merge_transcript",
    "normalise_name",
    "render",
    "render_json",
    "render_markdown",
    "render_srt",
    "render_vtt",
    "report_json_schema",
]
