"""The fake Gemini's deterministic answers: JSON built from the responseJsonSchema it received.

Values come from the request's own text, so an answer cites pages, times and quotes that are
really in the request: each object in an array takes the next sentence of the chunk text, and
every field inside it (quote, page, start/end seconds) is drawn from that same sentence.
Sentences are located by the markers `providers.llm` writes before its parts: "[page 3]",
"[page 3-5]", "[t=12.5s]", "[video from t=0.0s to t=30.0s]". The answer is checked against
the schema with `jsonschema` before it is sent; a mismatch is a bug in the fake, raised loudly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

import jsonschema

_MARKER = re.compile(
    r"\[page (\d+)(?:-\d+)?\]"
    r"|\[t=(\d+(?:\.\d+)?)s\]"
    r"|\[(audio|video) from t=(\d+(?:\.\d+)?)s to t=(\d+(?:\.\d+)?)s\]"
)
_SENTENCE = re.compile(r"[^.!?\n]{12,}?[.!?](?=\s|$)|[^.!?\n]{12,}$", re.M)
_WORD = re.compile(r"\b[A-Z][a-z]{2,}\b")
_DATE = re.compile(r"\b(1[89]\d\d|20\d\d)(-\d\d(-\d\d)?)?\b")


@dataclass(frozen=True)
class Sentence:
    text: str
    page: int | None = None
    start_s: float | None = None
    end_s: float | None = None

    @property
    def located(self) -> bool:
        return self.page is not None or self.start_s is not None


def _state(match: re.Match[str]) -> Sentence:
    page, t, kind, start, end = match.groups()
    if page is not None:
        return Sentence("", page=int(page))
    if t is not None:
        return Sentence(f"The frame at {t}s.", start_s=float(t), end_s=float(t))
    return Sentence(f"The {kind} from {start}s to {end}s.", start_s=float(start), end_s=float(end))


def sentences(texts: list[str]) -> list[Sentence]:
    """Every sentence of `texts` located by the marker before it, located ones first.

    A media marker ("[video from t=… to t=…]", "[t=…]") stands for what the clip or frame
    shows or says: the fake cannot watch it, so it answers with one sentence naming it.
    """
    found: list[Sentence] = []
    state = Sentence("")
    for text in texts:
        cursor = 0
        for match in [*_MARKER.finditer(text), None]:
            stop = match.start() if match else len(text)
            for sent in _SENTENCE.finditer(text[cursor:stop]):
                found.append(replace(state, text=sent.group(0).strip()))
            if match is None:
                break
            state = _state(match)
            if state.text:
                found.append(state)
            cursor = match.end()
    located = [s for s in found if s.located]
    return located or found


class AnswerBuilder:
    """Walks a JSON Schema and fills it from the request's sentences."""

    def __init__(self, schema: dict[str, Any], source: list[Sentence]) -> None:
        self.schema = schema
        self.source = source or [Sentence("Nothing was said.", None, 0.0, 0.0)]
        self.cursor = 0

    def build(self) -> Any:
        answer = self._value(self.schema, "", self.source[0])
        jsonschema.validate(answer, self.schema)  # the fake's own contract
        return answer

    def _next(self) -> Sentence:
        sentence = self.source[self.cursor % len(self.source)]
        self.cursor += 1
        return sentence

    def _value(self, schema: dict[str, Any], name: str, here: Sentence) -> Any:
        if "enum" in schema:
            return schema["enum"][0]
        if "anyOf" in schema:
            options = [s for s in schema["anyOf"] if s.get("type") != "null"]
            nullable = len(options) < len(schema["anyOf"])
            if nullable and self._absent(name, here):
                return None
            return self._value(options[0], name, here)
        kind = schema.get("type", "string")
        if isinstance(kind, list):
            if "null" in kind and self._absent(name, here):
                return None
            kind = next(k for k in kind if k != "null")
        return getattr(self, f"_{kind}")(schema, name, here)

    def _absent(self, name: str, here: Sentence) -> bool:
        lowered = name.lower()
        if "page" in lowered:
            return here.page is None
        if lowered.endswith("_s") or lowered in {"start", "end"}:
            return here.start_s is None
        if lowered in {"date", "date_text"}:
            return _DATE.search(here.text) is None
        return lowered in {"speaker", "keyframe"}

    def _object(self, schema: dict[str, Any], name: str, here: Sentence) -> dict[str, Any]:
        props: dict[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", []))
        return {
            key: self._value(sub, key, here)
            for key, sub in props.items()
            if key in required or not self._absent(key, here)
        }

    def _array(self, schema: dict[str, Any], name: str, here: Sentence) -> list[Any]:
        items = schema.get("items", {"type": "string"})
        count = max(int(schema.get("minItems", 0)), min(2, int(schema.get("maxItems", 2))))
        return [self._value(items, name, self._next()) for _ in range(count)]

    def _string(self, schema: dict[str, Any], name: str, here: Sentence) -> str:
        lowered = name.lower()
        if lowered in {"language", "lang"}:
            return "en"
        if lowered in {"name", "topics", "aliases", "speaker"}:
            words = _WORD.findall(here.text)
            return words[0] if words else here.text.split()[0]
        if lowered in {"date", "date_text"}:
            return found.group(0) if (found := _DATE.search(here.text)) else ""
        return here.text[: int(schema.get("maxLength", len(here.text)))]

    def _integer(self, schema: dict[str, Any], name: str, here: Sentence) -> int:
        if "page" in name.lower() and here.page is not None:
            return here.page
        return int(schema.get("minimum", 0))

    def _number(self, schema: dict[str, Any], name: str, here: Sentence) -> float:
        lowered = name.lower()
        if lowered.startswith("start") and here.start_s is not None:
            return here.start_s
        if lowered.startswith("end") and here.end_s is not None:
            return here.end_s
        if lowered in {"score", "confidence"}:
            return min(float(schema.get("maximum", 1.0)), 0.5)
        return float(schema.get("minimum", 0.0))

    def _boolean(self, schema: dict[str, Any], name: str, here: Sentence) -> bool:
        return False

    def _null(self, schema: dict[str, Any], name: str, here: Sentence) -> None:
        return None
