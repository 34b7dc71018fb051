"""Topics (repeated content n-grams, deduplicated) and key quotes.

Topics: runs of content words are cut into 1–3-grams; a phrase scores its count times its
length^1.5 (repeated multi-word phrases beat lone words); a phrase sharing words with a
better one is dropped. English uses spaCy's stop list; other spaced languages treat words
found in over a fifth of sentences as stop words. Key quotes: sentences with a quotation
of four words or more, then sentences where a named person makes a strong statement.
"""

from __future__ import annotations

import re
from collections import Counter

from analysis.schema import KeyQuote
from providers.local.summarize import stop_words
from providers.local.text import NO_SPACE_LANGS, Page

TOPICS = 8
QUOTES = 8
_TOKEN = re.compile(r"[^\W_][\w'\-]*")
_QUOTED = re.compile(r"[\"“]([^\"“”]{12,400})[\"”]")
_STRONG = re.compile(
    r"\b(?:admit(?:s|ted)?|testif(?:y|ied|ies)|stat(?:ed|es)|den(?:y|ied|ies)|acknowledg(?:e|ed|es)"
    r"|confirm(?:ed|s)?|conced(?:e|ed|es)|instruct(?:ed|s)|warn(?:ed|s)|threaten(?:ed|s)"
    r"|promis(?:e|ed|es)|insist(?:ed|s)|assur(?:e|ed|es)|never|knew|ordered|directed)\b",
    re.IGNORECASE,
)


def _runs(text: str, stops: frozenset[str]) -> list[list[str]]:
    runs: list[list[str]] = [[]]
    for token in _TOKEN.findall(text.lower()):
        if token in stops or len(token) < 3 or any(ch.isdigit() for ch in token):
            runs.append([])
        else:
            runs[-1].append(token)
    return [run for run in runs if run]


def _local_stops(sentences: list[str]) -> frozenset[str]:
    df: Counter[str] = Counter()
    for sentence in sentences:
        df.update(set(_TOKEN.findall(sentence.lower())))
    limit = max(1, len(sentences) // 5)
    return frozenset(word for word, count in df.items() if count > limit)


def find_topics(pages: list[Page], language: str | None, people: list[str]) -> list[str]:
    """Up to `TOPICS` phrases; people's names are entities, not topics, so they are skipped."""
    if language in NO_SPACE_LANGS:
        return []
    sentences = [s.text for page in pages for s in page.sentences]
    stops = stop_words() if language in (None, "en") else _local_stops(sentences)
    stops = stops | {w.lower() for name in people for w in name.split()} | {"esq"}
    counts: Counter[tuple[str, ...]] = Counter()
    for sentence in sentences:
        for run in _runs(sentence, stops):
            for n in (1, 2, 3):
                counts.update(tuple(run[i : i + n]) for i in range(len(run) - n + 1))
    scored = sorted(
        (
            (count * len(gram) ** 1.5, gram)
            for gram, count in counts.items()
            if count >= (2 if len(gram) > 1 else 3)
        ),
        key=lambda item: (-item[0], item[1]),
    )
    chosen: list[tuple[str, ...]] = []
    for _, gram in scored:
        if not any(set(gram) & set(other) for other in chosen):
            chosen.append(gram)
        if len(chosen) == TOPICS:
            break
    return [" ".join(gram) for gram in chosen]


def find_quotes(pages: list[Page], people: list[str]) -> list[KeyQuote]:
    """Quoted speech first, then strong statements naming a known person, page order."""
    names = {part for person in people for part in (person, person.split()[-1])}
    quoted: list[KeyQuote] = []
    statements: list[KeyQuote] = []
    for page in pages:
        for sentence in page.sentences:
            text = sentence.text
            if len(text) > 400:
                continue
            inner = _QUOTED.search(text)
            if inner and len(inner.group(1).split()) >= 4:
                quoted.append(KeyQuote(span=page.span, text=text, reason="direct quotation"))
                continue
            if _STRONG.search(text):
                who = next((n for n in sorted(names, key=len, reverse=True) if n in text), None)
                if who:
                    reason = f"statement involving {who}"
                    statements.append(KeyQuote(span=page.span, text=text, reason=reason))
    return (quoted + statements)[:QUOTES]
