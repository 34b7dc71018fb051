"""The fakes' answer to a plain summary request: deterministic, built from the request itself.

The request (`providers.llm.build_summary_prompt`) states "Write at most N words." and then
numbers its texts "[1] …", "[2] …". The answer is the first sentence of each text (a text
without an end mark gets a full stop), in order, cut to N words: short, traceable to its
input, and the same for the same request.
"""

from __future__ import annotations

import re

_LIMIT = re.compile(r"at most (\d+) words")
_NUMBERED = re.compile(r"^\[(\d+)\] (.*)$", re.S)
_FIRST_SENTENCE = re.compile(r".*?[.!?](?=\s|$)", re.S)


def is_summary_request(texts: list[str]) -> bool:
    return any(_LIMIT.search(t) for t in texts)


def plain_summary(texts: list[str]) -> str:
    limit = next((int(m.group(1)) for t in texts if (m := _LIMIT.search(t))), 50)
    firsts: list[str] = []
    for text in texts:
        if match := _NUMBERED.match(text.strip()):
            body = match.group(2).strip()
            first = _FIRST_SENTENCE.match(body)
            firsts.append(first.group(0) if first else body.rstrip(",;:") + ".")
    words = " ".join(firsts).split()
    if len(words) <= limit:
        return " ".join(words)
    return " ".join(words[:limit]).rstrip(".,;:") + "."
