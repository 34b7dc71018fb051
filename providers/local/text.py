"""Units and sentences: what every finding is anchored to.

A `Unit` is a piece of text with its absolute span: a page of a document (page span) or a
transcript segment or on-screen caption (time span). Sentences carry character offsets into
their unit so a match can be quoted from the sentence it occurs in, and every finding takes
the span of the unit it came from.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from ingest.types import Chunk, Span

NO_SPACE_LANGS = frozenset({"th", "ja", "zh", "ko", "lo", "km", "my"})
QUOTE_MAX = 300
_WS = re.compile(r"\s+")
_NO_SPACE_SPLIT = re.compile(r"[^。！？!?\n]+[。！？!?]*")
_BOUNDARY = re.compile(r"([.!?…][\"”»)]?)\s+(?=[\"“«(]?[^\W\d_])")
_LOWER_STOP = re.compile(r"(?<![\w.])([a-z]{4,}\.)\s+(?=[A-Z][a-z])")
_THAI_SPLIT = re.compile(r"\S+(?:[ \t]\S+)*")  # Thai: a line is the nearest thing to a sentence


def squash(text: str) -> str:
    return _WS.sub(" ", text).strip()


@dataclass(frozen=True, slots=True)
class Sentence:
    page: int  # index into the chunk's units (pages or segments)
    start: int
    end: int
    text: str  # whitespace-collapsed


@dataclass
class Unit:
    span: Span
    text: str
    language: str | None = None
    sentences: list[Sentence] = field(default_factory=list)
    _starts: list[int] = field(default_factory=list)

    def segment(self, index: int) -> None:
        self.sentences = [
            Sentence(index, start, end, squash(self.text[start:end]))
            for start, end in _sentence_spans(self.text, self.language)
            if self.text[start:end].strip()
        ]
        self._starts = [s.start for s in self.sentences]

    def sentence_at(self, offset: int) -> Sentence | None:
        pos = bisect.bisect_right(self._starts, offset) - 1
        if pos < 0:
            return None
        sentence = self.sentences[pos]
        return sentence if offset < sentence.end else None

    def quote(self, start: int, end: int, window: int = 120) -> str:
        """The sentence holding [start, end), or a window around it when that is too long."""
        sentence = self.sentence_at(start)
        if sentence is not None and end <= sentence.end and len(sentence.text) <= QUOTE_MAX:
            return sentence.text
        return self.window(start, end, window)

    def window(self, start: int, end: int, width: int = 60) -> str:
        lo, hi = max(0, start - width), min(len(self.text), end + width)
        while lo > 0 and not self.text[lo - 1].isspace() and start - lo < width + 20:
            lo -= 1
        while hi < len(self.text) and not self.text[hi].isspace() and hi - end < width + 20:
            hi += 1
        head = "…" if lo > 0 else ""
        tail = "…" if hi < len(self.text) else ""
        return head + squash(self.text[lo:hi]) + tail


def _simple_spans(text: str) -> list[tuple[int, int]]:
    """Split after . ! ? before a capital, except after a number or one letter ("12. März")."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        before = text[max(start, m.start() - 3) : m.start()]
        if m.group(1) == "." and (before[-1:].isdigit() or re.search(r"(?:^|\W)\w$", before)):
            continue
        spans.append((start, m.start() + len(m.group(1))))
        start = m.end()
    spans.append((start, len(text)))
    return spans


def _sentence_spans(text: str, language: str | None) -> list[tuple[int, int]]:
    if language in NO_SPACE_LANGS:
        pattern = _THAI_SPLIT if language == "th" else _NO_SPACE_SPLIT
        return [(m.start(), m.end()) for m in pattern.finditer(text)]
    if language not in (None, "en"):
        return [
            (start + part.start(), start + part.end())
            for start, end in _simple_spans(text)
            for part in re.finditer(r"(?:(?!\n\s*\n).)+", text[start:end], re.DOTALL)
        ]
    import nupunkt

    spans: list[tuple[int, int]] = []
    for start, end in nupunkt.sent_spans(text):
        # nupunkt keeps paragraphs' blank lines inside a sentence and reads some lowercase
        # words as abbreviations ("was sent. Whitfield said"): split on both
        for part in re.finditer(r"(?:(?!\n\s*\n).)+", text[start:end], re.DOTALL):
            spans.extend(_split_lower_stops(text, start + part.start(), start + part.end()))
    return spans


def _split_lower_stops(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for m in _LOWER_STOP.finditer(text, start, end):
        spans.append((start, m.end(1)))
        start = m.end()
    spans.append((start, end))
    return spans


Page = Unit  # the document path's name for a unit


def pages_of(chunk: Chunk) -> list[Unit]:
    return [
        Unit(span=part.span, text=part.text)
        for part in chunk.parts
        if part.kind == "text" and part.text and part.text.strip()
    ]
