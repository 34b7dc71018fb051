"""PBCore 2.1 XML, parsed back with xml.etree and checked against the schema's rules."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest

from analysis import render
from analysis.schema import Report
from tests.analysis.render_samples import BREAKOUT, SCRIPT, SHA, document_report, media_report

NS = "http://www.pbcore.org/PBCore/PBCoreNamespace.html"
Q = f"{{{NS}}}"
# The xsd:sequence of pbcoreDescriptionDocumentType, instantiationType and essenceTrackType in
# pbcore-2.1.xsd, written out here independently of the renderer.
DOCUMENT_ORDER = [
    "pbcoreAssetType", "pbcoreAssetDate", "pbcoreIdentifier", "pbcoreTitle", "pbcoreSubject",
    "pbcoreDescription", "pbcoreGenre", "pbcoreRelation", "pbcoreCoverage",
    "pbcoreAudienceLevel", "pbcoreAudienceRating", "pbcoreCreator", "pbcoreContributor",
    "pbcorePublisher", "pbcoreRightsSummary", "pbcoreInstantiation", "pbcoreAnnotation",
    "pbcorePart", "pbcoreExtension",
]  # fmt: skip
INSTANTIATION_ORDER = [
    "instantiationIdentifier", "instantiationDate", "instantiationDimensions",
    "instantiationPhysical", "instantiationDigital", "instantiationStandard",
    "instantiationLocation", "instantiationMediaType", "instantiationGenerations",
    "instantiationFileSize", "instantiationTimeStart", "instantiationDuration",
    "instantiationDataRate", "instantiationColors", "instantiationTracks",
    "instantiationChannelConfiguration", "instantiationLanguage",
    "instantiationAlternativeModes", "instantiationEssenceTrack", "instantiationRelation",
    "instantiationRights", "instantiationAnnotation", "instantiationPart",
    "instantiationExtension",
]  # fmt: skip
ESSENCE_ORDER = [
    "essenceTrackType", "essenceTrackIdentifier", "essenceTrackStandard", "essenceTrackEncoding",
    "essenceTrackDataRate", "essenceTrackFrameRate", "essenceTrackPlaybackSpeed",
    "essenceTrackSamplingRate", "essenceTrackBitDepth", "essenceTrackFrameSize",
    "essenceTrackAspectRatio", "essenceTrackTimeStart", "essenceTrackDuration",
    "essenceTrackLanguage", "essenceTrackAnnotation", "essenceTrackExtension",
]  # fmt: skip
TIMESTAMP = re.compile(r"\d{2}:[0-5]\d:[0-5]\d(\.\d{3})?")


def parse(report: Report) -> ET.Element:
    xml = render(report, "pbcore")
    assert isinstance(xml, str)
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(xml.encode("utf-8"))


def names(element: ET.Element) -> list[str]:
    assert all(child.tag.startswith(Q) for child in element)
    return [child.tag.removeprefix(Q) for child in element]


def assert_in_order(found: list[str], order: list[str]) -> None:
    assert set(found) <= set(order), set(found) - set(order)
    positions = [order.index(name) for name in found]
    assert positions == sorted(positions), found


@pytest.mark.parametrize("build", [document_report, media_report])
def test_root_namespace_order_and_required_elements(build: Callable[[], Report]) -> None:
    root = parse(build())
    assert root.tag == f"{Q}pbcoreDescriptionDocument"
    location = root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation", "")
    assert location.startswith(NS + " ") and location.endswith("pbcore-2.1.xsd")
    assert_in_order(names(root), DOCUMENT_ORDER)
    for required in ("pbcoreIdentifier", "pbcoreTitle", "pbcoreDescription"):
        assert root.find(Q + required) is not None
    assert all(e.get("source") for e in root.iter(Q + "pbcoreIdentifier"))
    (inst,) = root.iter(Q + "pbcoreInstantiation")
    assert_in_order(names(inst), INSTANTIATION_ORDER)
    for required in ("instantiationIdentifier", "instantiationLocation"):
        assert inst.find(Q + required) is not None
    assert (inst.find(Q + "instantiationDigital") is None) != (
        inst.find(Q + "instantiationPhysical") is None
    )
    for track in inst.iter(Q + "instantiationEssenceTrack"):
        assert_in_order(names(track), ESSENCE_ORDER)


def test_media_record() -> None:
    root = parse(media_report())
    ids = {e.get("source"): e.text for e in root.iter(Q + "pbcoreIdentifier")}
    assert ids == {"sha256": SHA, "Longform control number": "LF01234567"}
    assert root.findtext(Q + "pbcoreTitle") == 'evil"><script>x</script>.mp4'
    inst = root.find(Q + "pbcoreInstantiation")
    assert inst is not None
    assert inst.findtext(Q + "instantiationDigital") == "video/mp4"
    assert inst.findtext(Q + "instantiationMediaType") == "Moving Image"
    size = inst.find(Q + "instantiationFileSize")
    assert size is not None and (size.text, size.get("unitsOfMeasure")) == ("123456", "bytes")
    assert inst.findtext(Q + "instantiationDuration") == "01:01:40.250"
    assert inst.findtext(Q + "instantiationDate") == "2026-01-01T00:00:00+00:00"
    tracks = list(inst.iter(Q + "instantiationEssenceTrack"))
    assert [t.findtext(Q + "essenceTrackType") for t in tracks] == ["Video"]
    assert tracks[0].findtext(Q + "essenceTrackDuration") == "01:01:40.250"
    for element in root.iter():
        for key in ("startTime", "endTime"):
            if key in element.attrib:
                assert TIMESTAMP.fullmatch(element.attrib[key])


def test_media_descriptions_subjects_and_annotations() -> None:
    root = parse(media_report())
    descriptions = list(root.iter(Q + "pbcoreDescription"))
    assert [d.get("descriptionType") for d in descriptions] == ["Summary", "Segment", "Segment"]
    summary = descriptions[0].text or ""  # the report has no summary text: its sentences
    assert summary.startswith(f"It began. {SCRIPT}") and summary.endswith(" It ended.")
    intro = descriptions[1]
    assert (intro.get("startTime"), intro.get("endTime")) == ("00:00:00.000", "00:30:00.000")
    assert intro.text is not None and intro.text.startswith(f"Intro {SCRIPT} [00:00:00.000-")
    subjects = [(s.get("subjectType"), s.text) for s in root.iter(Q + "pbcoreSubject")]
    assert subjects[1] == ("Topic", "contracts")
    kinds = [a.get("annotationType") for a in root.iter(Q + "pbcoreAnnotation")]
    assert kinds.count("Entity") == 3 and kinds.count("Flag") == 2 and kinds.count("Scene") == 4
    assert kinds.count("Event") == 2 and kinds.count("Coverage gap") == 1
    texts = [a.text or "" for a in root.iter(Q + "pbcoreAnnotation")]
    assert any(t.startswith("Scene 1 [00:00:00.000-00:00:12.000]: ") for t in texts)
    assert any("00:00:01.000-00:00:03.000, 00:50:00.000-00:50:01.000" in t for t in texts)


def test_hostile_text_stays_text_and_forbidden_characters_are_dropped() -> None:
    xml = render(media_report(), "pbcore")
    assert isinstance(xml, str)
    assert "<script>" not in xml and not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", xml)
    root = ET.fromstring(xml)
    known = {"pbcoreDescriptionDocument", *DOCUMENT_ORDER, *INSTANTIATION_ORDER, *ESSENCE_ORDER}
    assert {e.tag.removeprefix(Q) for e in root.iter()} <= known
    flag = next(a for a in root.iter(Q + "pbcoreAnnotation") if a.get("annotationType") == "Flag")
    assert flag.text is not None and SCRIPT in flag.text and BREAKOUT in flag.text
    assert "þ® a\r\nb end" in flag.text or "þ® a\nb end" in flag.text


def test_document_record_has_pages_and_no_times() -> None:
    root = parse(document_report())
    inst = root.find(Q + "pbcoreInstantiation")
    assert inst is not None
    assert inst.findtext(Q + "instantiationMediaType") == "Text"
    assert inst.find(Q + "instantiationDuration") is None
    assert inst.find(Q + "instantiationEssenceTrack") is None
    pages = inst.find(Q + "instantiationAnnotation")
    assert pages is not None and (pages.get("annotationType"), pages.text) == ("Page count", "10")
    segments = [d for d in root.iter(Q + "pbcoreDescription") if d.get("descriptionType")
                == "Segment"]  # fmt: skip
    assert segments[0].get("startTime") is None
    assert (segments[0].text or "").startswith(f"Opening {SCRIPT} [pp. 1–4]: ")
    gap = next(a for a in root.iter(Q + "pbcoreAnnotation") if a.get("annotationType")
               == "Coverage gap")  # fmt: skip
    assert (gap.text or "").startswith("Not analysed [pp. 5–6]: ")
