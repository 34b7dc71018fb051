"""Media chunks through LocalProvider's process pool, and its media-facing contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.mediagen import make_speech_wav
from providers.base import AnalysisTask
from providers.errors import ProviderRejected
from providers.local import LocalProvider
from providers.local.integrity import verify_installed
from tests.local.media_helpers import chunk, duration, part, wav16k

pytestmark = pytest.mark.anyio

SENTENCE = "Please state your full name and your address for the record."


async def test_audio_chunk_through_the_pool(local_provider: LocalProvider, tmp_path: Path) -> None:
    assert local_provider.capabilities.max_chunk_seconds >= 600
    wav = wav16k(make_speech_wav(tmp_path / "raw.wav", SENTENCE), tmp_path / "a.wav")
    end = 60.0 + duration(wav)
    audio = part("audio", wav, 60.0, end, "audio/wav")
    result = await local_provider.analyze(chunk([audio], 60.0, end), AnalysisTask(languages=["en"]))
    text = " ".join(s.text for s in result.transcript)
    assert "full name" in text and "record" in text, text  # WER is asserted in-process
    assert all((s.span.start_s or 0.0) >= 60.0 for s in result.transcript)
    assert any("task hint" in note for note in result.notes)


async def test_missing_media_file_is_rejected(
    local_provider: LocalProvider, tmp_path: Path
) -> None:
    audio = part("audio", tmp_path / "gone.wav", 0.0, 10.0, "audio/wav")
    with pytest.raises(ProviderRejected, match="does not exist"):
        await local_provider.analyze(chunk([audio], 0.0, 10.0), AnalysisTask())


def test_installed_models_match_their_pins(tmp_path: Path) -> None:
    lines = verify_installed(tmp_path)
    assert any("tiny.en" in line for line in lines)
    assert sum("Whisper base model.bin.part" in line for line in lines) == 2
