"""Free text the mapping copies is screened for phone numbers and ID numbers (known to the run or
not, compared by their digits alone), for names shown only by references to people or in a
Patient's contacts, and for names written in another Unicode form (decomposed, full-width)."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.fhir.test_clinical import convert, ledger, ndjson, pseudonym, records, rejects

SSN = "http://hl7.org/fhir/sid/us-ssn"
PATIENT = {
    "resourceType": "Patient", "id": "MBR99887766",
    "identifier": [{"system": "http://payer.example/member", "value": "MBR99887766"},
                   {"system": SSN, "value": "999-12-3456"}],
    "name": [{"family": "Quixotebury", "given": ["Zoé", "Cornelius"]}],
    "telecom": [{"system": "phone", "value": "+1 617-253-1000"}],
    "contact": [{"name": {"family": "Kowalczykowa", "given": ["Henrietta"]}}],
    "extension": [{"url": "http://payer.example/fhir/member/MBR99887766/plan",
                   "valueString": "gold"}],
}  # fmt: skip
KEPT = ["Hypertension", "started 2024-01-15 10:30", "NDC 49281-0703-55 lot", "as the patient says"]


def condition(cid: str, text: str, **changes: Any) -> dict[str, Any]:
    code = {"coding": [{"system": "http://snomed.info/sct", "code": "38341003"}], "text": text}
    return {"resourceType": "Condition", "id": cid, "subject": {"reference": "Patient/MBR99887766"},
            "code": code, "onsetDateTime": "2015"} | changes  # fmt: skip


def run(tmp_path: Path, dropped: list[str], *before: dict[str, Any]) -> str:
    """Conditions with each text (read before the Patient, which the run looks ahead for): the
    texts `dropped` are left out (with the reason in the ledger), the others kept."""
    source = tmp_path / "export.ndjson"
    items = [condition(f"c{i}", t) for i, t in enumerate([*dropped, *KEPT])]
    source.write_text(ndjson(*before, *items, PATIENT), encoding="utf-8")
    result = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    output = (tmp_path / "out" / "records.ndjson").read_text(encoding="utf-8")
    assert all(json.dumps(text)[1:-1] in output for text in KEPT)
    assert ledger(tmp_path)["dropped"].get("Condition.code.text", {}).get("count", 0) == len(
        dropped
    )
    return output


def test_phone_and_id_numbers_in_free_text_are_left_out(tmp_path: Path) -> None:
    numbers = ["mobile 13800138000", "call 617-555-0123", "call (617) 253 1000 after 5",
               "ring 617.253.1000", "ID 110101199003074514", "SSN 999123456", "SSN 999 12 3456",
               "member 99887766", "call617-555-0123", "tel:+86-138-0013-8000"]  # fmt: skip
    output = run(tmp_path, numbers)
    for secret in ("13800138000", "617", "1101011990", "999123456", "3456", "99887766"):
        assert secret not in output
    reason = ledger(tmp_path)["dropped"]["Condition.code.text"]["reason"]
    assert "phone number or an ID number" in reason


def test_names_shown_by_references_and_contacts_are_screened(tmp_path: Path) -> None:
    anonymous = {"reference": "Patient/MBR99887766", "display": "Unknown patient"}  # not a name
    asserted = condition("shown", "Asthma", asserter={"display": "Dr. Ignatius Vandermolen"},
                         subject=anonymous,
                         recorder={"reference": "Practitioner/x", "display": "Ottoline Pemberton"},
                         evidence=[{"detail": [{"reference": "Observation/o",
                                                "display": "Hypertension"}]}])  # fmt: skip
    output = run(tmp_path, ["per Dr Vandermolen", "nurse Pemberton said", "for Henrietta"],
                 asserted)  # fmt: skip
    for secret in ("Vandermolen", "Pemberton", "Henrietta"):
        assert secret not in output
    assert records(tmp_path)[pseudonym("shown")]["code"]["display"] == "Asthma"


def test_names_in_other_unicode_forms_are_screened(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "Zoé")
    wide = "".join(chr(ord(c) + 0xFEE0) for c in "CORNELIUS")  # full-width letters
    output = run(tmp_path, [f"Amlodipine for {decomposed}", f"{wide}'s", "ZOÉ"])
    assert wide not in output and decomposed not in output


def test_an_extension_url_holding_an_identifier_is_shown_digested(tmp_path: Path) -> None:
    run(tmp_path, [])
    shown = json.dumps(ledger(tmp_path))
    assert "MBR99887766" not in shown and "payer.example/fhir/member" not in shown
    assert "Patient.extension[<key:" in shown


def test_a_plain_extension_url_is_still_shown(tmp_path: Path) -> None:
    url = "http://example.org/fhir/StructureDefinition/iso21090-colour"  # five digits: plain
    plain = PATIENT | {"id": "p1", "extension": [{"url": url, "valueString": "x"}]}
    source = tmp_path / "p.ndjson"
    source.write_text(ndjson(plain))
    assert convert(tmp_path, source).exit_code == 0
    assert f"Patient.extension[{url}]" in ledger(tmp_path)["unknown"]


@pytest.mark.parametrize("same", [True, False])
def test_the_same_resource_twice_is_skipped_but_a_different_one_rejected(
    tmp_path: Path, same: bool
) -> None:
    first, second = tmp_path / "a.ndjson", tmp_path / "b.ndjson"
    first.write_text(ndjson(PATIENT, condition("c1", "Asthma")))
    again = condition("c1", "Asthma" if same else "Diabetes")
    second.write_text(json.dumps(again, indent=1))  # another layout: the same content
    result = convert(tmp_path, first, second)
    assert result.exit_code == (0 if same else 1), result.output
    assert [r["code"]["display"] for r in records(tmp_path).values() if "code" in r] == ["Asthma"]
    if same:
        assert ledger(tmp_path)["skipped"] == {"Condition: duplicate": 1}
        return
    (reject,) = rejects(tmp_path)
    assert reject["reason"] == "conflicting-duplicate"
    assert "a.ndjson" not in reject["message"] and "b.ndjson" not in reject["message"]
    assert "digests" in reject["message"] and "sha256:" in reject["message"]


def test_content_digests_take_what_a_streamed_bundle_can_hold() -> None:
    """ijson gives integers beyond 64 bits, which orjson cannot write: the digest still comes."""
    from ccstd.adapters.base import SourceItem
    from ccstd.adapters.fhir.adapter import _content_digest

    big = SourceItem("f", "entry", b"", {"resourceType": "Basic", "id": "b", "n": 10**30})
    other = SourceItem("f", "entry", b"", {"id": "b", "n": 10**30, "resourceType": "Basic"})
    assert (
        _content_digest(big)
        == _content_digest(other)
        != _content_digest(
            SourceItem("f", "entry", b"", {"resourceType": "Basic", "id": "b", "n": 10**30 + 1})
        )
    )
