"""Detectors, date normalisation, the encoder, language ID and the hash pins, one by one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from providers.local import langid
from providers.local.dates import find_dates
from providers.local.embed import encode
from providers.local.integrity import ModelIntegrityError, sha256_file, verify
from providers.local.pii import find_pii, iban_ok, luhn_ok, ssn_ok
from providers.local.privilege import find_privilege
from providers.local.rules import find_rules


@pytest.mark.parametrize(
    ("text", "language", "iso"),
    [
        ("on March 14th, 2023,", "en", "2023-03-14"),
        ("the 5th day of June, 2020", "en", "2020-06-05"),
        ("in Sept. 2021 only", "en", "2021-09"),
        ("03/04/2023", "en", "2023-03-04"),
        ("03/04/2023", "fr", "2023-04-03"),
        ("14.03.2023", "de", "2023-03-14"),
        ("12 mars 2021", "fr", "2021-03-12"),
        ("3 de marzo de 2021", "es", "2021-03-03"),
        ("2021年3月3日", "ja", "2021-03-03"),
    ],
)
def test_dates_normalise(text: str, language: str, iso: str) -> None:
    assert [d.iso for d in find_dates(text, language)] == [iso]


def test_dates_need_a_year_and_a_real_day() -> None:
    assert find_dates("on March 14 we met; 02/30/2023; Section 12.5; $14", "en") == []


def test_money_and_legal_rules() -> None:
    text = (
        "about €3.2 million, $850,000, USD 1,000 and £12.50; see 42 U.S.C. § 1983, "
        "29 C.F.R. Part 1910, Fed. R. Evid. 502(b), In re Grand Jury Subpoena, 357 F.3d 900 "
        "(9th Cir. 2004), § 12(a) and Mr. Price."
    )
    got = {(r.type, r.name) for r in find_rules(text)}
    assert got == {
        ("money", "about €3.2 million"),
        ("money", "$850,000"),
        ("money", "USD 1,000"),
        ("money", "£12.50"),
        ("legal_reference", "42 U.S.C. § 1983"),
        ("legal_reference", "29 C.F.R. Part 1910"),
        ("legal_reference", "Fed. R. Evid. 502(b)"),
        ("legal_reference", "In re Grand Jury Subpoena, 357 F.3d 900 (9th Cir. 2004)"),
        ("legal_reference", "§ 12(a)"),
        ("person", "Price"),
    }


def test_checksums() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert ssn_ok("123", "45", "6789")
    assert not any(
        ssn_ok(*s)
        for s in [
            ("000", "12", "3456"),
            ("666", "12", "3456"),
            ("912", "34", "5678"),
            ("123", "00", "4567"),
            ("123", "45", "0000"),
        ]
    )
    assert iban_ok("GB82 WEST 1234 5698 7654 32") and not iban_ok("GB82 WEST 1234 5698 7654 33")


def test_pii_ignores_dates_amounts_and_ids() -> None:
    text = (
        "On 03/14/2023 and 2023-03-14 the wire of $1,250,000.00 (ref 20230314) was sent; case "
        "1:21-cv-04512, 42 U.S.C. § 1983, docket 2021-0345-12, Bates MHI-0001234, SSN 666-12-3456, "
        "card 4111 1111 1111 1112, account GB82 WEST 1234 5698 7654 33."
    )
    assert find_pii(text) == []


def test_pii_finds_international_phone_and_labelled_ssn() -> None:
    hits = find_pii("Call +44 20 7946 0958 or 312.555.0198; social security no. 123 45 6789.")
    assert [h.subtype for h in hits] == ["phone", "phone", "us_ssn"]


def test_legal_advice_needs_counsel_nearby() -> None:
    assert find_privilege("The consultant gave legal advice about parking.") == []
    hits = find_privilege("Our outside counsel at Hartley LLP gave legal advice on the merger.")
    assert [h.subtype for h in hits] == ["attorney_client"]


def test_encoder_float32_unit_vectors_and_paraphrase() -> None:
    vectors = encode(
        [
            "The company agreed to pay a settlement of three million dollars.",
            "The firm consented to a $3 million settlement payment.",
            "The cafeteria serves lasagna on Fridays.",
        ]
    )
    assert vectors.dtype == np.float32 and vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert float(vectors[0] @ vectors[1]) > 0.7 > 0.2 > float(vectors[0] @ vectors[2])
    assert encode([]).shape == (0, 384)


def test_language_id() -> None:
    assert langid.detect("The witness testified that the payment was delayed.") == "en"
    assert langid.detect("Die Bank teilte mit, dass die Unterlagen aufbewahrt werden.") == "de"
    assert langid.detect("ok") is None


def test_integrity_mismatch_raises(tmp_path: Path) -> None:
    (tmp_path / "weights.bin").write_bytes(b"tampered")
    verify(tmp_path, {"weights.bin": sha256_file(tmp_path / "weights.bin")})
    with pytest.raises(ModelIntegrityError, match="expected the pinned"):
        verify(tmp_path, {"weights.bin": "0" * 64})
    with pytest.raises(ModelIntegrityError, match="missing"):
        verify(tmp_path, {"other.bin": "0" * 64})
