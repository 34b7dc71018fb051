"""Every export format is registered, has a content type, and renders both kinds of report."""

from __future__ import annotations

import pytest

from analysis import RENDERERS, FormatNotApplicable, formats, render
from analysis.render import CONTENT_TYPES
from tests.analysis.render_samples import document_report, media_report

EXPORTS = ["html", "csv", "dat", "opt", "pbcore"]


def test_exports_are_registered_with_content_types() -> None:
    assert set(EXPORTS) <= set(formats())
    assert set(CONTENT_TYPES) == set(RENDERERS)


@pytest.mark.parametrize("fmt", EXPORTS)
def test_exports_render_a_document_and_media(fmt: str) -> None:
    for report in (document_report(), media_report()):
        try:
            body = render(report, fmt)
        except FormatNotApplicable:
            assert (fmt, report.source.media_type) == ("opt", "video/mp4")
            continue
        assert body and isinstance(body, str | bytes)
