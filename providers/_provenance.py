"""Turn a model's findings into a `ChunkResult`, keeping only provenance we can check.

A model may cite a page it was not shown, a time outside the clip, or "quote" words that are
not on the page. Such findings are dropped, never repaired, and every drop is counted into
`ChunkResult.notes` so the report says how much was discarded and why.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from analysis.schema import (
    ChunkResult,
    Entity,
    Event,
    Flag,
    KeyQuote,
    Mention,
    OnScreenText,
    Scene,
    SummarySentence,
    TranscriptSegment,
    Usage,
)
from ingest.types import Chunk, Span
from providers._findings import PROMPT_VERSION, Located, ModelFindings, QuotedFinding

TIME_SLACK_S = 0.5  # models round times; a citation this close to the edge is still inside

OUTSIDE_PAGE = "cited page outside the chunk"
NO_LOCATION = "no page or time cited"
OUTSIDE_TIME = "cited time outside the chunk"
NOT_ON_PAGE = "quote not found on the cited page"

_FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\xad": ""})


def normalise(text: str) -> str:
    """Case-, whitespace- and typography-insensitive form used to match quotes."""
    folded = unicodedata.normalize("NFKC", text).translate(_FOLD).casefold()
    return re.sub(r"\s+", " ", folded).strip()


class _Checker:
    def __init__(self, chunk: Chunk) -> None:
        self.span = chunk.span
        self.pages: dict[int, str] = {}
        for part in chunk.parts:
            s = part.span
            if part.kind == "text" and part.text and s.page_start is not None:
                for page in range(s.page_start, (s.page_end or s.page_start) + 1):
                    self.pages[page] = self.pages.get(page, "") + " " + normalise(part.text)
        self.dropped: Counter[str] = Counter()

    def locate(self, found: Located, quote: str | None = None) -> Span | None:
        """The finding's absolute span, or None (and a counted drop) if it cannot be trusted."""
        problem, span = self._check(found, quote)
        if problem:
            self.dropped[problem] += 1
        return span

    def _check(self, found: Located, quote: str | None) -> tuple[str | None, Span | None]:
        if self.span.is_pages:
            first, last = self.span.page_start or 0, self.span.page_end or 0
            if found.page is None:
                return NO_LOCATION, None
            if not first <= found.page <= last:
                return OUTSIDE_PAGE, None
            if quote is not None and normalise(quote) not in self.pages.get(found.page, ""):
                return NOT_ON_PAGE, None
            return None, Span.pages(found.page)
        if found.start_s is None:
            return NO_LOCATION, None
        start = found.start_s
        end = found.end_s if found.end_s is not None and found.end_s >= start else start
        lo, hi = (self.span.start_s or 0.0) - TIME_SLACK_S, (self.span.end_s or 0.0) + TIME_SLACK_S
        if start < lo or end > hi:
            return OUTSIDE_TIME, None
        return None, Span.seconds(start, end)

    def quoted(self, found: QuotedFinding) -> Span | None:
        return self.locate(found, found.quote)

    def notes(self) -> list[str]:
        out = []
        for reason, n in sorted(self.dropped.items()):
            out.append(f"{n} finding{'s' if n != 1 else ''} dropped: {reason}")
        return out


def findings_to_result(
    chunk: Chunk,
    findings: ModelFindings,
    *,
    provider: str,
    model: str,
    usage: Usage,
    cost_usd: float,
    latency_ms: int,
) -> ChunkResult:
    """A `ChunkResult` with absolute spans; untrustworthy findings dropped and counted."""
    c = _Checker(chunk)
    result = ChunkResult(
        chunk_index=chunk.index,
        span=chunk.span,
        provider=provider,
        model=model,
        language=findings.language or chunk.language,
        summary=findings.summary.strip(),
        topics=[t.strip() for t in findings.topics if t.strip()],
        usage=usage,
        cost_usd=cost_usd,
        latency_ms=latency_ms,
        prompt_version=PROMPT_VERSION,
    )
    _document_findings(result, findings, c)
    _media_findings(result, findings, c)
    result.notes.extend(c.notes())
    return result


def _document_findings(result: ChunkResult, f: ModelFindings, c: _Checker) -> None:
    count = len(f.summary_sentences)
    for rank, s in enumerate(f.summary_sentences):
        if span := c.quoted(s):
            score = round(1.0 - rank / max(count, 1), 3)
            result.summary_sentences.append(SummarySentence(span=span, text=s.quote, score=score))
    for e in f.entities:
        mentions = [Mention(span=span, quote=m.quote) for m in e.mentions if (span := c.quoted(m))]
        if not e.mentions:
            c.dropped[NO_LOCATION] += 1
        if mentions:
            result.entities.append(Entity(name=e.name, type=e.type, mentions=mentions))
    for ev in f.events:
        if span := c.quoted(ev):
            result.events.append(
                Event(
                    span=span,
                    date=ev.date or None,
                    date_text=ev.date_text,
                    text=ev.text,
                    quote=ev.quote,
                )
            )
    for fl in f.flags:
        if span := c.quoted(fl):
            flag = Flag(
                kind=fl.kind, subtype=fl.subtype, span=span, quote=fl.quote, reason=fl.reason
            )
            result.flags.append(flag)
    for q in f.quotes:
        if span := c.quoted(q):
            result.quotes.append(KeyQuote(span=span, text=q.quote, reason=q.reason))


def _media_findings(result: ChunkResult, f: ModelFindings, c: _Checker) -> None:
    for seg in f.transcript:
        if span := c.locate(seg):
            speaker = seg.speaker or None
            result.transcript.append(TranscriptSegment(span=span, speaker=speaker, text=seg.text))
    for scene in f.scenes:
        if span := c.locate(scene):
            result.scenes.append(Scene(span=span, description=scene.description))
    for shown in f.onscreen_text:
        if span := c.locate(shown):
            result.onscreen_text.append(OnScreenText(span=span, text=shown.text))
