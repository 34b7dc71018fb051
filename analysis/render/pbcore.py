"""PBCore 2.1 XML: one `pbcoreDescriptionDocument` describing the file and what is in it.

What goes where (children are always written in the XSD's sequence order, `DOCUMENT_ORDER`,
`INSTANTIATION_ORDER`, `ESSENCE_TRACK_ORDER`; a validator rejects any other order):

- `pbcoreIdentifier`: the SHA-256 (`source="sha256"`) and the control number used by the DAT
  and OPT exports (`source="Longform control number"`); `pbcoreTitle`: the file name.
- `pbcoreSubject subjectType="Topic"`: one per topic, its score in `annotation`.
- `pbcoreDescription`: the summary (`descriptionType="Summary"`), then one per section
  (`descriptionType="Segment"`, with `startTime`/`endTime` for media, and the span in the text).
- `pbcoreInstantiation`: identifier (sha256), ingest date (first custody event), MIME type in
  `instantiationDigital`, the file name as `instantiationLocation` (required by the schema; the
  archive's own path is not known here), media type (Moving Image, Audio or Text), size in
  bytes, duration `HH:MM:SS.mmm`, and an essence track per kind of stream the media type implies
  (video → Video, audio → Audio) with its duration. The report does not carry codecs, frame
  size, rates or channels yet, so the tracks say only what is known.
- `pbcoreAnnotation`: entities (all their places), timeline events, flags, scenes and coverage
  gaps, each with its times (or pages) in the text, since the schema gives annotations no time
  attributes; and a cataloguing note that the record was generated automatically.

A PDF gets a document-level record rather than an error: archives catalogue documents
(scripts, logs, transcripts) beside their media, PBCore has the `Text` media type for them,
and the record carries the same identifiers, summary, sections, subjects and annotations, with
pages in place of times. Characters XML 1.0 cannot carry are dropped from all text.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Final

from analysis.render._common import control_number, flag_label, timecode, xml_text
from analysis.schema import Report, Source
from ingest.types import Span

NS: Final = "http://www.pbcore.org/PBCore/PBCoreNamespace.html"
XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION: Final = (
    f"{NS} https://raw.githubusercontent.com/WGBH/PBCore_2.1/master/pbcore-2.1.xsd"
)
DOCUMENT_ORDER: Final = (
    "pbcoreAssetType", "pbcoreAssetDate", "pbcoreIdentifier", "pbcoreTitle", "pbcoreSubject",
    "pbcoreDescription", "pbcoreGenre", "pbcoreRelation", "pbcoreCoverage",
    "pbcoreAudienceLevel", "pbcoreAudienceRating", "pbcoreCreator", "pbcoreContributor",
    "pbcorePublisher", "pbcoreRightsSummary", "pbcoreInstantiation", "pbcoreAnnotation",
    "pbcorePart", "pbcoreExtension",
)  # fmt: skip
INSTANTIATION_ORDER: Final = (
    "instantiationIdentifier", "instantiationDate", "instantiationDimensions",
    "instantiationPhysical", "instantiationDigital", "instantiationStandard",
    "instantiationLocation", "instantiationMediaType", "instantiationGenerations",
    "instantiationFileSize", "instantiationTimeStart", "instantiationDuration",
    "instantiationDataRate", "instantiationColors", "instantiationTracks",
    "instantiationChannelConfiguration", "instantiationLanguage",
    "instantiationAlternativeModes", "instantiationEssenceTrack", "instantiationRelation",
    "instantiationRights", "instantiationAnnotation", "instantiationPart",
    "instantiationExtension",
)  # fmt: skip
ESSENCE_TRACK_ORDER: Final = (
    "essenceTrackType", "essenceTrackIdentifier", "essenceTrackStandard",
    "essenceTrackEncoding", "essenceTrackDataRate", "essenceTrackFrameRate",
    "essenceTrackPlaybackSpeed", "essenceTrackSamplingRate", "essenceTrackBitDepth",
    "essenceTrackFrameSize", "essenceTrackAspectRatio", "essenceTrackTimeStart",
    "essenceTrackDuration", "essenceTrackLanguage", "essenceTrackAnnotation",
    "essenceTrackExtension",
)  # fmt: skip


def render_pbcore(report: Report) -> str:
    # Plain tag names with the namespace declared on the root: ElementTree's default_namespace
    # option refuses unqualified attributes, and register_namespace would change global state.
    root = ET.Element("pbcoreDescriptionDocument")
    root.attrib.update({"xmlns": NS, "xmlns:xsi": XSI, "xsi:schemaLocation": SCHEMA_LOCATION})
    src = report.source
    _sub(root, "pbcoreIdentifier", src.sha256, source="sha256")
    _sub(root, "pbcoreIdentifier", control_number(src), source="Longform control number")
    _sub(root, "pbcoreTitle", src.filename)
    for topic in report.topics:
        _sub(root, "pbcoreSubject", topic.name, subjectType="Topic", annotation=_score(topic.score))
    _descriptions(root, report)
    _instantiation(root, report)
    _annotations(root, report)
    _order(root, DOCUMENT_ORDER)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _descriptions(root: ET.Element, report: Report) -> None:
    summary = report.summary or " ".join(s.text for s in report.summary_sentences)
    _sub(root, "pbcoreDescription", summary or "No summary.", descriptionType="Summary")
    for section in report.sections:
        text = f"{section.title} [{where(section.span)}]: {section.summary}"
        _sub(root, "pbcoreDescription", text, descriptionType="Segment", **_times(section.span))


def _instantiation(root: ET.Element, report: Report) -> None:
    src = report.source
    inst = _sub(root, "pbcoreInstantiation")
    _sub(inst, "instantiationIdentifier", src.sha256, source="sha256")
    if report.custody:
        _sub(inst, "instantiationDate", report.custody[0].at, dateType="Ingested")
    _sub(inst, "instantiationDigital", src.media_type)
    _sub(inst, "instantiationLocation", src.filename)
    kind = src.media_type.split("/", 1)[0]
    media = {"video": "Moving Image", "audio": "Audio"}.get(kind, "Text")
    _sub(inst, "instantiationMediaType", media)
    _sub(inst, "instantiationFileSize", str(src.size_bytes), unitsOfMeasure="bytes")
    duration = timecode(src.duration_s) if src.duration_s is not None else None
    if duration:
        _sub(inst, "instantiationDuration", duration)
    for track, fields in _tracks(src, kind):
        essence = _sub(inst, "instantiationEssenceTrack")
        _sub(essence, "essenceTrackType", track)
        for tag, text, attrs in fields:
            _sub(essence, tag, text, **attrs)
        if duration:
            _sub(essence, "essenceTrackDuration", duration)
        _order(essence, ESSENCE_TRACK_ORDER)
    if src.pages is not None:
        _sub(inst, "instantiationAnnotation", str(src.pages), annotationType="Page count")
    _order(inst, INSTANTIATION_ORDER)


Field = tuple[str, str, dict[str, str]]


def _tracks(src: Source, kind: str) -> list[tuple[str, list[Field]]]:
    """One essence track per probed stream, with what the probe knows of it; without a
    probe (older reports), one track per kind the media type implies."""
    if src.video is None and src.audio is None:
        return [(t, []) for t in {"video": ["Video"], "audio": ["Audio"]}.get(kind, [])]
    tracks: list[tuple[str, list[Field]]] = []
    if src.video is not None:
        video: list[Field] = [("essenceTrackEncoding", src.video.codec, {})]
        if src.video.fps:
            video.append(("essenceTrackFrameRate", f"{src.video.fps:g}", {"unitsOfMeasure": "fps"}))
        size = f"{src.video.width}x{src.video.height}"
        video.append(("essenceTrackFrameSize", size, {}))
        tracks.append(("Video", video))
    if src.audio is not None:
        audio: list[Field] = [
            ("essenceTrackEncoding", src.audio.codec, {}),
            ("essenceTrackSamplingRate", str(src.audio.sample_rate), {"unitsOfMeasure": "Hz"}),
            ("essenceTrackAnnotation", f"{src.audio.channels} channel(s)", {}),
        ]
        tracks.append(("Audio", audio))
    return tracks


def _annotations(root: ET.Element, report: Report) -> None:
    def note(kind: str, text: str) -> None:
        _sub(root, "pbcoreAnnotation", text, annotationType=kind)

    for entity in report.entities:
        places = ", ".join(where(m.span) for m in entity.mentions)
        note("Entity", f"{entity.name} ({entity.type}): {places}")
    for event in report.timeline:
        date = event.date or event.date_text or "undated"
        note("Event", f"{date} [{where(event.span)}]: {event.text} “{event.quote}”")
    for flag in report.flags:
        note("Flag", f"{flag_label(flag)} [{where(flag.span)}]: “{flag.quote}” {flag.reason}")
    for number, scene in enumerate(report.scenes, 1):
        keyframe = f" (keyframe {scene.keyframe})" if scene.keyframe else ""
        note("Scene", f"Scene {number} [{where(scene.span)}]: {scene.description}{keyframe}")
    for gap in report.coverage.gaps:
        note("Coverage gap", f"Not analysed [{where(gap.span)}]: {gap.reason}")
    note(
        "Cataloging note",
        f"Generated automatically by Longform (report version {report.report_version}); "
        "findings cite their times or pages and should be reviewed before publication.",
    )


def where(span: Span) -> str:
    """'p. 3' / 'pp. 3–5' for pages, 'HH:MM:SS.mmm-HH:MM:SS.mmm' for times."""
    if span.is_pages:
        return span.label()
    start, end = span.sort_key()
    return f"{timecode(start)}-{timecode(end)}"


def _times(span: Span) -> dict[str, str]:
    if span.is_pages:
        return {}
    start, end = span.sort_key()
    return {"startTime": timecode(start), "endTime": timecode(end)}


def _score(score: float) -> str:
    return f"score {score:.2f}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        child.text = xml_text(text)
    return child


def _order(parent: ET.Element, order: tuple[str, ...]) -> None:
    """Put children in schema order (stable: repeated elements keep their own order)."""
    parent[:] = sorted(parent, key=lambda child: order.index(child.tag))
