"""The HTML report, read back with the standard library's HTMLParser (not our own code)."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from html.parser import HTMLParser

import pytest

from analysis import render
from analysis.schema import Report
from ingest.types import Span
from tests.analysis.render_samples import BREAKOUT, HOSTILE, SCRIPT, document_report, media_report

ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "header", "nav", "section",
    "aside", "h1", "h2", "h3", "dl", "dt", "dd", "p", "ul", "ol", "li", "table", "thead",
    "tbody", "tr", "th", "td", "a", "span", "strong", "code", "blockquote", "img",
}  # fmt: skip
ALLOWED_ATTRS = {"lang", "charset", "http-equiv", "content", "name", "id", "class", "href",
                 "title", "src", "alt", "role"}  # fmt: skip
KEYFRAME_URL = re.compile(r"keyframes/[A-Za-z0-9][A-Za-z0-9._-]*")


class Page(HTMLParser):
    """Every tag with its attributes, every id, every link (with its text), and all text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.text: list[str] = []
        self.styles: list[str] = []
        self._in: list[str] = []
        self._link: list[str] | None = None
        self._href = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append((tag, values))
        if "id" in values:
            assert values["id"] not in self.ids, f"duplicate id {values['id']}"
            self.ids.add(values["id"])
        if tag == "a":
            self._link, self._href = [], values.get("href", "")
        if tag not in {"meta", "img"}:
            self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link is not None:
            self.links.append((self._href, "".join(self._link)))
            self._link = None
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] == "style":
            self.styles.append(data)
            return
        self.text.append(data)
        if self._link is not None:
            self._link.append(data)


def parse(report: Report) -> Page:
    html = render(report, "html")
    assert isinstance(html, str)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", html)  # parse errors in HTML
    page = Page()
    page.feed(html)
    page.close()
    return page


@pytest.mark.parametrize("build", [document_report, media_report])
def test_source_text_is_inert(build: Callable[[], Report]) -> None:
    page = parse(build())
    for tag, attrs in page.tags:
        assert tag in ALLOWED_TAGS, tag
        assert set(attrs) <= ALLOWED_ATTRS, (tag, attrs)
        assert not any(name.startswith("on") for name in attrs)
        for name in ("href", "src"):
            if name in attrs:
                url = attrs[name]
                assert url.startswith("#") or KEYFRAME_URL.fullmatch(url), url
    text = "".join(page.text)
    assert SCRIPT in text and BREAKOUT in text  # shown as text, not lost
    assert "javascript:alert(1)" in text


@pytest.mark.parametrize("build", [document_report, media_report])
def test_csp_forbids_scripts_and_allows_only_the_inline_css(build: Callable[[], Report]) -> None:
    page = parse(build())
    metas = [a for t, a in page.tags if t == "meta" and a.get("http-equiv")]
    assert len(metas) == 1 and metas[0]["http-equiv"] == "Content-Security-Policy"
    csp = metas[0]["content"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "unsafe" not in csp
    (css,) = page.styles
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in csp
    assert "@media print" in css


@pytest.mark.parametrize("build", [document_report, media_report])
def test_every_fragment_link_lands_on_an_id(build: Callable[[], Report]) -> None:
    page = parse(build())
    fragments = [href[1:] for href, _ in page.links if href.startswith("#")]
    assert fragments
    assert set(fragments) <= page.ids


def cited(report: Report) -> list[Span]:
    spans = [s.span for s in report.summary_sentences] + [s.span for s in report.sections]
    spans += [m.span for e in report.entities for m in e.mentions]
    spans += [e.span for e in report.timeline] + [f.span for f in report.flags]
    spans += [q.span for q in report.quotes] + [g.span for g in report.coverage.gaps]
    spans += list(report.coverage.analyzed) + [c.span for c in report.processing.chunks]
    return spans + [s.span for s in report.scenes] + [o.span for o in report.onscreen_text]


@pytest.mark.parametrize("build", [document_report, media_report])
def test_every_cited_span_is_a_link(build: Callable[[], Report]) -> None:
    report = build()
    page = parse(report)
    linked = {text for href, text in page.links if href.startswith("#") and href[1:] in page.ids}
    missing = [s.label() for s in cited(report) if s.label() not in linked]
    assert not missing


def test_pages_link_to_the_page_index_and_gaps_are_prominent() -> None:
    page = parse(document_report())
    assert {"p-1", "p-3", "p-4", "p-5", "p-7", "p-8"} <= page.ids
    assert ("#p-4", "pp. 4–5") in page.links
    gap_rows = [a for t, a in page.tags if t == "tr" and a.get("class") == "gap"]
    assert any(a.get("id") == "p-5" for a in gap_rows)  # the gap page, in the index
    asides = [a for t, a in page.tags if t == "aside"]
    assert asides == [{"class": "gaps", "role": "alert"}]
    assert "⚠ Gaps: parts of this file were not analysed" in "".join(page.text)


def test_times_link_to_the_transcript_segment_at_or_before_them() -> None:
    page = parse(media_report())
    assert {"t=2", "t=4.5", "t=3661.5"} <= page.ids  # one id per distinct start
    links = dict((text, href) for href, text in page.links)
    assert links["01:01:01–01:01:03"] == "#t=3661.5"  # a quote at the last segment
    assert links["00:50:00–00:50:01"] == "#t=4.5"  # between segments: the one before
    assert links["00:00:01–00:00:03"] == "#t=2"  # before the first: the first
    assert links["[00:00:02]"] == "#t=2"


def test_keyframes_are_relative_images_only_for_plain_names() -> None:
    page = parse(media_report())
    images = [a["src"] for t, a in page.tags if t == "img"]
    assert images == ["keyframes/c0-kf-0001.jpg"]
    text = "".join(page.text)
    assert "../../etc/passwd" in text and f"{BREAKOUT}.jpg" in text


def test_without_transcript_times_link_to_scenes() -> None:
    report = media_report().model_copy(update={"transcript": []})
    page = parse(report)
    assert {"t=0", "t=12", "t=30", "t=40"} <= page.ids
    assert dict((t, h) for h, t in page.links)["00:50:00–00:50:01"] == "#t=40"


def test_header_shows_the_source() -> None:
    page = parse(media_report())
    text = "".join(page.text)
    assert "0123456789abcdef" * 4 in text and "01:01:40" in text and "123,456 bytes" in text
    assert HOSTILE.split(" ")[0] in text
