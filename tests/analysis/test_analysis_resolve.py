"""Entity resolution across the whole file: name variants, ambiguity, types, mentions."""

from __future__ import annotations

import numpy as np

from analysis import aggregate
from analysis.names import normalise_name, org_core, parse_person
from analysis.schema import ChunkProcessing, ChunkResult, Entity, Mention, Report
from analysis.vectors import F32
from ingest.types import Span
from tests.analysis.factories import source

P = Span.pages


def _entity(name: str, type_: str, *pages: int) -> Entity:
    return Entity.model_validate(
        {"name": name, "type": type_, "mentions": [Mention(span=P(p), quote=name) for p in pages]}
    )


def _report(chunks: list[list[Entity]], summaries: list[str] | None = None, **kw: object) -> Report:
    """One chunk of 10 pages per list of entities, no overlap."""
    rows, results = [], {}
    for i, entities in enumerate(chunks):
        span = P(10 * i + 1, 10 * i + 10)
        rows.append(
            ChunkProcessing(
                index=i, span=span, provider="p", model="m", reason="", attempts=1, status="done"
            )
        )
        summary = summaries[i] if summaries else ""
        results[i] = ChunkResult(
            chunk_index=i, span=span, provider="p", model="m", entities=entities, summary=summary
        )
    extent = P(1, 10 * len(chunks))
    return aggregate(
        source=source(pages=10 * len(chunks)),
        processing=rows,
        results=results,
        custody=[],
        extent=extent,
        **kw,  # type: ignore[arg-type]
    )


def _by_name(report: Report, name: str) -> Entity:
    return next(e for e in report.entities if e.name == name)


def test_names_normalise_and_parse() -> None:
    assert parse_person(normalise_name("Dr. John A. Smith Jr.", "person")).given == ("john", "a")
    assert parse_person("anna van der berg").surname == "van der berg"
    assert parse_person("van der berg").given == ()
    assert org_core(normalise_name("The Acme Corp.", "organization")) == "acme"
    assert org_core("acme corporation") == org_core("acme") == "acme"


def test_person_variants_merge_with_confidences_and_reasons() -> None:
    report = _report(
        [
            [_entity("John A. Smith", "person", 1, 2)],
            [_entity("J. Smith", "person", 12), _entity("Mr. Smith", "person", 13)],
            [_entity("Smith", "person", 25), _entity("John Smith", "person", 26)],
        ]
    )
    people = [e for e in report.entities if e.type == "person"]
    assert len(people) == 1
    smith = people[0]
    assert smith.name == "John A. Smith"
    assert [m.span.page_start for m in smith.mentions] == [1, 2, 12, 13, 25, 26]
    confidence = {r.alias: r.confidence for r in smith.resolution}
    assert confidence == {"J. Smith": 0.85, "Mr. Smith": 0.75, "Smith": 0.75, "John Smith": 0.9}
    reasons = {r.alias: r.reason for r in smith.resolution}
    assert "only person with that surname" in reasons["Smith"]
    assert "initials fit “John A. Smith”" in reasons["J. Smith"]
    assert smith.ambiguous_with == []


def test_organization_suffixes_case_and_acronyms() -> None:
    report = _report(
        [
            [_entity("Acme Corp.", "organization", 1), _entity("IBM", "organization", 2)],
            [
                _entity("Acme Corporation", "organization", 11),
                _entity("International Business Machines", "organization", 12),
            ],
            [_entity("ACME", "organization", 21), _entity("The Acme Corp.", "organization", 22)],
        ]
    )
    orgs = sorted(report.entities, key=lambda e: e.name)
    assert [(e.name, len(e.mentions)) for e in orgs] == [
        ("Acme Corporation", 4),
        ("International Business Machines", 2),
    ]
    acme = {r.alias: r.confidence for r in orgs[0].resolution}
    assert acme == {"Acme Corp.": 0.95, "ACME": 0.95, "The Acme Corp.": 0.95}
    assert [(r.alias, r.confidence) for r in orgs[1].resolution] == [("IBM", 0.7)]


def test_two_smiths_leave_the_bare_surname_apart_and_say_so() -> None:
    report = _report(
        [
            [_entity("John Smith", "person", 1), _entity("Mr. Smith", "person", 3)],
            [_entity("Mary Smith", "person", 11), _entity("Smith", "person", 12)],
        ]
    )
    names = sorted(e.name for e in report.entities)
    assert names == ["John Smith", "Mary Smith", "Smith"]
    bare = _by_name(report, "Smith")
    assert bare.aliases == ["Mr. Smith"]
    assert bare.ambiguous_with == ["John Smith", "Mary Smith"]
    assert _by_name(report, "John Smith").resolution == []
    assert any("“Smith” (person) was left apart" in note for note in report.notes)
    assert sum(len(e.mentions) for e in report.entities) == 4


def test_plain_name_with_two_middle_initials_stays_apart() -> None:
    report = _report(
        [
            [_entity("John A. Smith", "person", 1), _entity("John B. Smith", "person", 2)],
            [_entity("John Smith", "person", 11)],
        ]
    )
    plain = _by_name(report, "John Smith")
    assert plain.ambiguous_with == ["John A. Smith", "John B. Smith"]
    assert len(report.entities) == 3


def test_generations_are_different_people() -> None:
    report = _report(
        [[_entity("John Smith Jr.", "person", 1), _entity("John Smith Sr.", "person", 2)]]
    )
    assert len(report.entities) == 2


def test_never_merged_across_types() -> None:
    report = _report(
        [
            [_entity("Washington", "person", 1), _entity("Washington", "place", 2)],
            [_entity("Smith", "organization", 11), _entity("John Smith", "person", 12)],
        ]
    )
    kinds = sorted((e.name, e.type) for e in report.entities)
    assert kinds == [
        ("John Smith", "person"),
        ("Smith", "organization"),
        ("Washington", "person"),
        ("Washington", "place"),
    ]


class _TopicEmbedder:
    """Two axes: pharmacy words and shipping words (a stand-in for a sentence model)."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> F32:
        self.calls.append(texts)
        rows = [
            [t.count("pharmacy") + 0.1, t.count("shipping") + 0.1, t.count("signed") + 0.1]
            for t in texts
        ]
        out = np.asarray(rows, dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def _initial_case(**kw: object) -> Report:
    return _report(
        [
            [_entity("John Smith", "person", 1)],
            [_entity("Jane Smith", "person", 11)],
            [_entity("J. Smith", "person", 21)],
        ],
        summaries=[
            "The pharmacy audit found missing pharmacy records.",
            "The shipping manifests were late.",
            "The pharmacy ledger was reviewed.",
        ],
        **kw,
    )


def test_initial_fitting_two_people_is_ambiguous_without_an_embedder() -> None:
    report = _initial_case()
    assert _by_name(report, "J. Smith").ambiguous_with == ["Jane Smith", "John Smith"]


def test_embedder_breaks_a_tie_by_context_with_a_lower_confidence() -> None:
    embedder = _TopicEmbedder()
    report = _initial_case(embed=embedder)
    john = _by_name(report, "John Smith")
    assert [r.alias for r in john.resolution] == ["J. Smith"]
    assert john.resolution[0].confidence <= 0.7
    assert "closest to “John Smith”" in john.resolution[0].reason
    assert _by_name(report, "Jane Smith").resolution == []
    assert not any(e.ambiguous_with for e in report.entities)


def test_every_mention_kept_once_across_overlapping_chunks() -> None:
    from tests.analysis.test_analysis_aggregate import full_report

    smith = full_report().entities[0]
    assert smith.name == "John Smith"
    assert len(smith.mentions) == 4  # p. 4 "Mr. Smith" seen by two chunks counts once
    assert {r.alias for r in smith.resolution} >= {"J. Smith", "Smith"}
