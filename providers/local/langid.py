"""Language identification with lingua in low-accuracy mode (97 MB RSS, ~1.7 s to load).

The detector is built on first use and kept for the life of the process.
"""

from __future__ import annotations

from functools import cache
from typing import Any

MIN_LETTERS = 12  # below this, an answer would be a guess


@cache
def _detector() -> Any:
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


def detect(text: str, sample_chars: int = 1000) -> str | None:
    """ISO 639-1 code of `text` (lower case), or None when it is too short or unclear."""
    sample = text[:sample_chars]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return None
    language = _detector().detect_language_of(sample)
    if language is None:
        return None
    return str(language.iso_code_639_1.name).lower()


def warm() -> None:
    _detector()
