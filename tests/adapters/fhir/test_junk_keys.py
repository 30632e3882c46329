"""Keys that are not FHIR names (vendor junk such as {"张三": …}) can be people's names: the
ledger, the redacted rejects and the terminal show them as placeholders, never raw."""

from __future__ import annotations

import json
from pathlib import Path

from ccstd.adapters.fhir import elements
from tests.adapters.fhir.test_real_shapes import (
    bundle,
    convert,
    ledger,
    lines,
    observation,
    patient,
)

JUNK = ["张三", "JohnSmith", "wilhelmina", "李四", "王五", "赵六", "13812345678"]


def test_keys_that_are_not_fhir_names_never_reach_the_ledger_or_terminal(tmp_path: Path) -> None:
    source = tmp_path / "export.json"
    converted = patient(
        "p1",
        **{"张三": {"wilhelmina": 1}},
        extension=[{"url": "http://vendor.example/李四", "valueString": "a"}],
    )
    rejected = patient("p2", name=[{"family": "Doe", "JohnSmith": "x"}])
    odd_type = {"resourceType": "王五", "id": "x1"}
    junk_element = observation("o1", **{"13812345678": True, "component": [
        {"code": {"text": "a"}, "赵六": 1}]})  # fmt: skip
    source.write_text(json.dumps(bundle(converted, rejected, odd_type, junk_element)))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 1, result.output
    written = [out / "ledger.json", out / "shared.ndjson", out / "records.ndjson"]
    for text in [result.output, *(path.read_text() for path in written)]:
        assert not [key for key in JUNK if key in text]
    report = ledger(out)
    hidden = elements.placeholder("张三")
    path = f"Patient.{hidden}.{elements.placeholder('wilhelmina')}"
    assert hidden in report["dropped"][path]["reason"]
    assert any(elements.placeholder("王五") in key for key in report["skipped"])
    [shared] = [r for r in lines(out / "shared.ndjson") if "Patient" in r["locator"]]
    assert shared["path"] == f"Patient.name.0.{elements.placeholder('JohnSmith')}"
    assert "Patient.name.family" in report["mapped"]  # FHIR names are shown as they are


def test_the_element_names_are_those_of_the_installed_fhir_models() -> None:
    on_file = json.loads(elements.ELEMENTS_FILE.read_text(encoding="utf-8"))
    assert on_file == elements._generate()  # python -m ccstd.adapters.fhir.elements


def test_a_resource_type_that_is_not_a_string_is_a_reason_not_a_crash(tmp_path: Path) -> None:
    source = tmp_path / "bulk.ndjson"
    odd = [observation("o1", resourceType=[]), observation("o2", resourceType={"张三": 1})]
    source.write_text("".join(json.dumps(r) + "\n" for r in [patient(), *odd]))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 1, result.output
    reasons = {r["reason"] for r in lines(out / "rejects.ndjson")}
    assert reasons == {"not-a-resource"} and "张三" not in (out / "ledger.json").read_text()
