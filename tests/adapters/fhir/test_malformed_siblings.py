"""A malformed `_x` sibling (a primitive's id and extensions in the wrong shape) in an element
the mapping uses is left out alone, with the reason in the ledger: the rest of the resource is
converted, not rejected as fhir-invalid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.adapters.fhir.test_real_shapes import convert, ledger, lines, ndjson, patient

BIRTHSEX = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex"
LEAF = f"Patient.extension[{BIRTHSEX}]"


def test_a_given_sibling_that_is_not_a_list_is_dropped(tmp_path: Path) -> None:
    source = tmp_path / "p.ndjson"
    source.write_text(
        ndjson(patient(name=[{"family": "Doe", "given": ["Jane"], "_given": {"id": "x"}}]))
    )
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    [record] = lines(out / "records.ndjson")
    assert record["name"]["given"]
    report = ledger(out)
    assert "valid list" in report["dropped"]["Patient.name._given.id"]["reason"]
    assert report["mapped"]["Patient.name.given"] == 1


@pytest.mark.parametrize("sibling", ["unknown", None, [{"id": "a"}]])
def test_a_birthsex_value_sibling_that_is_not_an_object_is_dropped(
    tmp_path: Path, sibling: Any
) -> None:
    source = tmp_path / "p.ndjson"
    source.write_text(ndjson(patient(extension=[{"url": BIRTHSEX, "_valueCode": sibling}])))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    [record] = lines(out / "records.ndjson")
    assert "extensions" not in record  # nothing invented
    assert "no value" in ledger(out)["dropped"][LEAF]["reason"]


def test_a_birthsex_code_beside_a_malformed_sibling_is_kept(tmp_path: Path) -> None:
    sex = {"url": BIRTHSEX, "valueCode": "F", "_valueCode": "unknown"}
    source = tmp_path / "p.ndjson"
    source.write_text(ndjson(patient(extension=[sex])))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    [record] = lines(out / "records.ndjson")
    assert record["extensions"]["org.hl7.fhir.us-core"]["birthsex"] == "F"
    report = ledger(out)
    assert report["mapped"][LEAF] == 1
    assert "a primitive's id and extensions, left out" in report["dropped"][LEAF]["reason"]


def test_a_fold_inside_a_malformed_sibling_is_no_crash(tmp_path: Path) -> None:
    held = {"extension": [{"url": "http://example.org/u", "_valueCode": {"id": "a"}}]}
    name = {"family": "Doe", "given": ["Jane", "Ann"], "_given": [held, "bad"]}
    source = tmp_path / "p.ndjson"
    source.write_text(ndjson(patient(name=[name])))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    assert len(lines(out / "records.ndjson")) == 1
    assert "Patient.name._given" in ledger(out)["dropped"]
