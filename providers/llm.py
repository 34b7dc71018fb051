"""The provider-neutral prompt and the model's answer, shared by every cloud client.

`build_prompt` turns a chunk into a `Prompt` whose stable part comes first: the system text
and the instructions (with the output contract) never vary per chunk or job, so providers'
prefix caches hit; the chunk's content comes last. Each wire adapter (OpenAI-compatible,
Gemini) maps a `Prompt` to its own request format and asks for `findings_schema()` output,
which `findings_to_result` then checks and converts to a `ChunkResult`.

`PROMPT_VERSION` names the template; change it whenever the text below changes, because
reports record which template produced them.

`build_summary_prompt` is the reduce step's plain request (no function, no schema): the stable
system text and instructions first, then the word limit, then the numbered texts.
`SUMMARY_PROMPT_VERSION` names that template.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Final, Literal

from ingest.types import FRAME_BEFORE_SEGMENT, Chunk, ChunkPart
from providers._findings import PROMPT_VERSION, ModelFindings, findings_schema
from providers._provenance import findings_to_result
from providers.base import AnalysisTask

__all__ = [
    "FUNCTION_NAME",
    "PROMPT_VERSION",
    "SUMMARY_PROMPT_VERSION",
    "ModelFindings",
    "Prompt",
    "PromptPart",
    "build_prompt",
    "build_summary_prompt",
    "findings_schema",
    "findings_to_result",
]

SUMMARY_PROMPT_VERSION: Final = "summary-v1"  # bump whenever the summary texts below change
FUNCTION_NAME: Final = "record_findings"  # not "search": DashScope reserves that name

PartKind = Literal["text", "image", "audio", "video"]

SYSTEM: Final = (
    "You are a meticulous analyst of long documents, recordings and videos. You report only "
    "what the material shows, cite where you saw it, and copy quotes exactly."
)

INSTRUCTIONS: Final = """\
Analyse the content that follows and record your findings by calling the function \
`record_findings` exactly once (or, where functions are not available, by answering with \
that JSON object alone).

Locating findings:
- Document pages are headed [page N]. Cite a document finding with `page` = N, the absolute \
page number exactly as shown, and give `quote` as words copied verbatim from that page.
- Media moments are marked [t=S s] or [audio from t=S s to t=E s]. Cite a media finding with \
`start_s`/`end_s` in absolute seconds on that same clock, never relative to the clip.
- Never cite a page or time you were not shown. Leave out anything you cannot locate.

What to record:
- summary: 2-5 faithful sentences; language: ISO 639-1 code of the main language.
- summary_sentences: the 3-8 most central sentences, each copied verbatim as `quote`.
- entities: people, organizations, places, money, dates, legal references, each with \
mentions (page or time, and the verbatim quote).
- events: dated happenings (ISO `date` when the text allows, `date_text` as written).
- flags: personal data (pii) and privileged material (privilege), with a reason.
- quotes: notable statements worth quoting; topics: 3-8 short topic names.
- Media only: transcript segments (who spoke, what was said, start_s/end_s), scenes \
(what is shown), onscreen_text (text visible in frames).
Leave a list empty when nothing applies. Do not invent content."""


SUMMARY_SYSTEM: Final = (
    "You write faithful, concise summaries of long documents, recordings and videos from "
    "summaries of their parts."
)

SUMMARY_INSTRUCTIONS: Final = """\
Summarise the numbered summaries that follow, which describe consecutive parts of one \
source in order, as one continuous summary in plain prose. Do not invent facts; keep names, dates \
and amounts exactly as written. Answer with the summary alone: no heading, no list, no \
preamble, no commentary."""


@dataclass
class PromptPart:
    """One piece of the per-chunk content, in order. Media parts point at a local file."""

    kind: PartKind
    text: str | None = None
    path: str | None = None
    mime: str | None = None
    start_s: float | None = None  # absolute; on a text part: it is the marker of the next part
    end_s: float | None = None


@dataclass
class Prompt:
    system: str
    instructions: str
    parts: list[PromptPart] = field(default_factory=list)
    version: str = PROMPT_VERSION

    def only(self, kinds: set[str]) -> Prompt:
        """This prompt without media parts outside `kinds` (and without their markers)."""
        kept: list[PromptPart] = []
        for i, part in enumerate(self.parts):
            nxt = self.parts[i + 1] if i + 1 < len(self.parts) else None
            is_marker = part.kind == "text" and part.start_s is not None and nxt is not None
            if part.kind != "text" and part.kind not in kinds:
                continue
            if is_marker and nxt is not None and nxt.kind != "text" and nxt.kind not in kinds:
                continue
            kept.append(part)
        return replace(self, parts=kept)

    def media_kinds(self) -> set[str]:
        return {p.kind for p in self.parts if p.kind != "text"}


def build_prompt(chunk: Chunk, task: AnalysisTask) -> Prompt:
    """The stable system text and instructions, then the job's hints, then the chunk."""
    parts: list[PromptPart] = [PromptPart("text", text=_task_header(chunk, task))]
    for part in sorted(chunk.parts, key=_order):
        parts.extend(_content(part))
    return Prompt(system=SYSTEM, instructions=INSTRUCTIONS, parts=parts)


def _task_header(chunk: Chunk, task: AnalysisTask) -> str:
    span = chunk.span
    if span.is_pages:
        where = f"pages {span.page_start} to {span.page_end}"
    else:
        where = f"t={span.start_s:.1f}s to t={span.end_s:.1f}s"
    lines = [f"Source: {task.source_filename or 'unnamed'}; this part covers {where}."]
    if task.languages:
        lines.append(f"Expected languages: {', '.join(task.languages)}.")
    return "\n".join(lines)


def _order(part: ChunkPart) -> tuple[int, float]:
    """Pages in order; media: audio and video first, then keyframes by time."""
    rank = {"text": 0, "audio": 1, "video": 2, "image": 3}[part.kind]
    return (rank, part.span.sort_key()[0])


def _content(part: ChunkPart) -> list[PromptPart]:
    span = part.span
    if part.kind == "text":
        if not part.text:
            return []
        head = f"[page {span.page_start}]" if span.is_pages else f"[t={span.start_s:.1f}s]"
        if span.is_pages and span.page_end != span.page_start:
            head = f"[page {span.page_start}-{span.page_end}]"
        return [PromptPart("text", text=f"{head}\n{part.text}")]
    if part.path is None:
        return []
    start, end = span.start_s or 0.0, span.end_s or 0.0
    if part.kind == "image" and part.method == FRAME_BEFORE_SEGMENT:
        marker = f"[t={start:.1f}s, the last frame before this part: context only]"
    elif part.kind == "image":
        marker = f"[t={start:.1f}s]"
    else:
        marker = f"[{part.kind} from t={start:.1f}s to t={end:.1f}s]"
    return [
        PromptPart("text", text=marker, start_s=start, end_s=end),
        PromptPart(part.kind, path=part.path, mime=part.mime, start_s=start, end_s=end),
    ]


def build_summary_prompt(texts: list[str], limit_words: int) -> Prompt:
    """The stable system text and instructions, then the word limit, then the texts."""
    parts = [PromptPart("text", text=f"Write at most {limit_words} words.")]
    parts += [
        PromptPart("text", text=f"[{n}] {' '.join(t.split())}") for n, t in enumerate(texts, 1)
    ]
    return Prompt(
        system=SUMMARY_SYSTEM,
        instructions=SUMMARY_INSTRUCTIONS,
        parts=parts,
        version=SUMMARY_PROMPT_VERSION,
    )
