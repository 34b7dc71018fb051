"""The fake's "model": arguments generated from the tool's parameters schema it received.

It reads the request's own content (`[page N]` blocks, `[t=…s]` markers, keyframe listings)
and cites those pages with quotes copied from them, or those times, so a correct client's
provenance checks pass. `bad=True` cites pages outside the chunk and invents quotes instead.
The generated arguments are validated against the received schema before they are sent.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema

PAGE = re.compile(r"^\[page (\d+)\]\n(.*)", re.S)
TIME = re.compile(r"t=([0-9]+(?:\.[0-9]+)?)s")


@dataclass
class Cite:
    page: int | None
    start_s: float | None
    end_s: float | None
    quote: str


def user_texts(body: dict[str, Any]) -> list[str]:
    texts = []
    for message in body.get("messages", []):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            texts.append(content)
            continue
        texts += [p["text"] for p in content or [] if p.get("type") == "text"]
    return texts


def citations(body: dict[str, Any], *, bad: bool = False) -> Iterator[Cite]:
    pages: list[tuple[int, str]] = []
    times: list[float] = []
    for text in user_texts(body):
        if m := PAGE.match(text):
            pages.append((int(m.group(1)), m.group(2)))
        elif text.startswith("["):
            times += [float(t) for t in TIME.findall(text.split("]", 1)[0])]
    cites: list[Cite] = []
    for page, text in pages:
        words = text.split()
        quote = " ".join(words[2:8]) if len(words) > 8 else text.strip()
        if bad:
            cites.append(Cite(page + 1000, None, None, quote))
            cites.append(Cite(page, None, None, "words that are on no page at all"))
        else:
            cites.append(Cite(page, None, None, quote))
    for t in sorted(set(times)):
        shift = 10_000.0 if bad else 0.0
        cites.append(Cite(None, t + shift, t + shift + 1.0, ""))
    if not cites:
        cites.append(Cite(None, None, None, ""))
    return itertools.cycle(cites)


def generate(schema: dict[str, Any], body: dict[str, Any], *, bad: bool = False) -> dict[str, Any]:
    """Arguments for the function whose parameters are `schema`, valid against it."""
    cites = citations(body, bad=bad)
    value = _value(schema, cites, next(cites), "")
    jsonschema.validate(value, schema)
    assert isinstance(value, dict)
    return value


def _value(schema: dict[str, Any], cites: Iterator[Cite], here: Cite, name: str) -> Any:
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return _object(schema, cites, here)
    if kind == "array":
        items = schema.get("items", {})
        count = 2 if items.get("type") == "object" else 1
        return [_value(items, cites, next(cites), name) for _ in range(count)]
    if kind == "integer":
        return here.page if name == "page" and here.page is not None else 1
    if kind == "number":
        return _number(here, name)
    if kind == "boolean":
        return False
    return _string(here, name)


def _object(schema: dict[str, Any], cites: Iterator[Cite], here: Cite) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for prop, sub in schema.get("properties", {}).items():
        if prop == "page" and here.page is None:
            continue
        if prop in ("start_s", "end_s") and here.start_s is None:
            continue
        out[prop] = _value(sub, cites, here, prop)
    return out


def _number(here: Cite, name: str) -> float:
    if name == "start_s" and here.start_s is not None:
        return here.start_s
    if name == "end_s" and here.end_s is not None:
        return here.end_s
    return 0.5


def _string(here: Cite, name: str) -> str:
    if name in ("quote", "text") and here.quote:
        return here.quote
    fixed = {"language": "en", "date": "2024-05-03", "date_text": "3 May 2024", "speaker": "A"}
    return fixed.get(name, f"{name or 'value'} from the fake")
