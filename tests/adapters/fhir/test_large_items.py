"""One large item (thousands of names or components, each a drop) is converted in time linear
in its size: the ledger sorts out an item's drops by looking up each drop's prefixes, never by
comparing every drop with every other (which took minutes for one 340 KB line)."""

from __future__ import annotations

from pathlib import Path

from ccstd.adapters.ledger import _outermost
from tests.adapters.fhir.test_real_shapes import (
    convert,
    ledger,
    lines,
    ndjson,
    observation,
    patient,
)

LOINC = "http://loinc.org"


def test_a_patient_with_20000_names_converts_with_each_left_out_name_dropped(
    tmp_path: Path,
) -> None:
    # 20,000 drops: compared pairwise, 4e8 comparisons (minutes); looked up, 20,000 * a few
    source = tmp_path / "p.ndjson"
    source.write_text(ndjson(patient(name=[{"family": "D"}] * 20_000)))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    assert len(lines(out / "records.ndjson")) == 1
    dropped = ledger(out)["dropped"]["Patient.name.family"]
    assert dropped["count"] == 1
    assert "only one name is carried" in dropped["reason"]


def test_an_observation_with_20000_components_of_two_codings_converts(tmp_path: Path) -> None:
    second = {"system": "http://snomed.info/sct", "code": "1"}
    coding = [{"system": LOINC, "code": "8480-6"}, second]
    component = {"code": {"coding": coding}, "valueString": "x"}
    source = tmp_path / "o.ndjson"
    source.write_text(ndjson(patient(), observation(component=[component] * 20_000)))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    assert ledger(out)["dropped"]["Observation.component.code.coding.code"]["count"] == 1


def test_drops_inside_another_drop_are_left_out_whatever_their_number() -> None:
    dropped = [(f"name[{i}]", "one name") for i in range(1, 50_000)]
    dropped += [(f"name[{i}].family", "inner") for i in range(1, 50_000)]
    dropped += [("name[1].family.x", "deeper"), ("telecom[0].value", "phone"), ("name", "all")]
    assert _outermost(dropped) == [("name", "all"), ("telecom[0].value", "phone")]
    assert _outermost([("a[1]", "x"), ("a[10]", "y"), ("a[1].b", "z")]) == [
        ("a[10]", "y"),
        ("a[1]", "x"),
    ]
