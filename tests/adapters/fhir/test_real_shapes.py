"""Real exports as they come (issue 11), end to end through `ccstd convert`: each shape and quirk
built here in the shape named (never copied from a real export)."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from ccstd.adapters.base import SourceContext
from ccstd.adapters.compression import readable
from ccstd.adapters.fhir import FhirAdapter
from ccstd.cli.app import app

KEY = "real-shapes-test-key-0123456789"
RUNNER = CliRunner()
LOINC = "http://loinc.org"


def pseudonym(value: str) -> str:
    """What the run makes of a direct identifier under KEY."""
    return "hmac-sha256:" + hmac.new(KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def patient(pid: str = "p1", **changes: Any) -> dict[str, Any]:
    resource = {"resourceType": "Patient", "id": pid, "gender": "female",
                "name": [{"family": "Doe", "given": ["Jane"]}],
                "birthDate": "1970-01-02"}  # fmt: skip
    return resource | changes


def observation(oid: str = "o1", subject: str = "Patient/p1", **changes: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "Observation", "id": oid, "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "718-7"}]},
        "subject": {"reference": subject}, "effectiveDateTime": "2024-05-01T08:00:00Z",
        "valueQuantity": {"value": 13.2, "unit": "g/dL", "system": "http://unitsofmeasure.org",
                          "code": "g/dL"},
    }  # fmt: skip
    return resource | changes


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    """A transaction Bundle whose entries refer to each other by urn:uuid fullUrls."""
    entries = [{"fullUrl": f"urn:uuid:{r['resourceType']}-{r['id']}", "resource": r}
               for r in resources]  # fmt: skip
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def ndjson(*values: dict[str, Any]) -> str:
    return "".join(json.dumps(v) + "\n" for v in values)


def convert(tmp_path: Path, *inputs: Path, extra: tuple[str, ...] = ()) -> tuple[Result, Path]:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    args = ["convert", *map(str, inputs), "--out", str(out / "records.ndjson"), "--rejects",
            str(out / "rejects.ndjson"), "--ledger", str(out / "ledger.json"),
            "--rejects-redacted", str(out / "shared.ndjson"), *extra]  # fmt: skip
    result = RUNNER.invoke(app, args, env={"CCSTD_PSEUDONYM_KEY": KEY})
    assert "Traceback" not in result.output
    return result, out


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def ledger(out: Path) -> dict[str, Any]:
    value: dict[str, Any] = json.loads((out / "ledger.json").read_text())
    return value


def kinds(out: Path) -> list[str]:
    return sorted(r["type"] for r in lines(out / "records.ndjson"))


# Input shapes ---------------------------------------------------------------------------------
def test_ndjson_lines_that_are_bundles_resolve_their_own_full_urls(tmp_path: Path) -> None:
    source = tmp_path / "patients.ndjson"
    first = bundle(patient("p1"), observation("o1", "urn:uuid:Patient-p1"))
    second = bundle(patient("p2"), observation("o2", "urn:uuid:Patient-p2"))
    source.write_text(ndjson(first, second))
    result, out = convert(tmp_path, source, extra=("--jobs", "2"))
    assert result.exit_code == 0, result.output
    records = lines(out / "records.ndjson")
    subjects = {r["id"]: r["subject"]["id"] for r in records if r["type"] == "Observation"}
    residents = [r["id"] for r in records if r["type"] == "Resident"]
    assert len(residents) == 2 and sorted(subjects.values()) == sorted(residents)
    assert records[0]["meta"]["source"]["line"] == 1 and records[-1]["meta"]["source"]["line"] == 2


@pytest.mark.parametrize("name", ["bulk.ndjson.gz", "export.json.gz", "no-extension"])
def test_gzip_is_read_by_its_content(tmp_path: Path, name: str) -> None:
    source = tmp_path / name
    text = (
        ndjson(patient(), observation())
        if "ndjson" in name
        else json.dumps(bundle(patient(), observation("o1", "urn:uuid:Patient-p1")))
    )
    source.write_bytes(gzip.compress(text.encode()))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    assert kinds(out) == ["Observation", "Resident"]


def test_a_directory_of_gzip_exports_is_converted(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "Patient.ndjson.gz").write_bytes(gzip.compress(ndjson(patient()).encode()))
    (folder / "Observation.ndjson.gz").write_bytes(gzip.compress(ndjson(observation()).encode()))
    result, out = convert(tmp_path, folder)
    assert result.exit_code == 0, result.output
    assert kinds(out) == ["Observation", "Resident"]


def test_a_gzip_bomb_is_refused_with_exit_2(tmp_path: Path) -> None:
    source = tmp_path / "bomb.ndjson.gz"
    with gzip.open(source, "wb", compresslevel=9) as handle:
        handle.write(ndjson(patient()).encode())
        block = b" " * (1 << 20)
        for _ in range(70):  # 70 MiB of spaces: ~70 KiB compressed, beyond 64 MiB
            handle.write(block)
    result, out = convert(tmp_path, source, extra=("--from", "fhir-r4"))
    assert result.exit_code == 2
    assert "gzip bomb" in result.output and str(source) in result.output
    assert not (out / "records.ndjson").exists()


@pytest.mark.parametrize("from_", ["auto", "fhir-r4"])
def test_a_corrupt_gzip_file_is_exit_2(tmp_path: Path, from_: str) -> None:
    source = tmp_path / "bulk.ndjson.gz"
    whole = gzip.compress(ndjson(*(observation(f"o{i}") for i in range(200))).encode())
    source.write_bytes(whole[: len(whole) // 2])  # truncated
    result, out = convert(tmp_path, source, extra=("--from", from_))
    assert result.exit_code == 2
    assert "not a readable gzip file" in result.output
    assert not (out / "records.ndjson").exists()


def test_a_json_array_of_resources(tmp_path: Path) -> None:
    source = tmp_path / "resources.json"
    inner = bundle(patient("p2"))
    source.write_text(json.dumps([patient(), observation(), inner], indent=2))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    assert kinds(out) == ["Observation", "Resident", "Resident"]


@pytest.mark.parametrize("name", ["export.json", "export.txt", "export"])
def test_ndjson_under_another_extension_is_sniffed(tmp_path: Path, name: str) -> None:
    source = tmp_path / name
    source.write_text(ndjson(patient(), observation()))
    result, out = convert(tmp_path, source, extra=("--from", "fhir-r4"))
    assert result.exit_code == 0, result.output
    assert kinds(out) == ["Observation", "Resident"]


def test_a_single_line_bundle_is_still_a_document(tmp_path: Path) -> None:
    source = tmp_path / "one.ndjson"
    source.write_text(json.dumps(bundle(patient(), observation())) + "\n")
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    assert kinds(out) == ["Observation", "Resident"]


# Quirks of converters -----------------------------------------------------------------------------
def test_a_string_number_beyond_json_is_dropped_not_written(tmp_path: Path) -> None:
    huge = observation(valueQuantity={"value": "1e400", "unit": "mg"})
    source = tmp_path / "huge.ndjson"
    source.write_text(ndjson(huge))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    [obs] = lines(out / "records.ndjson")
    assert "valueQuantity" not in obs
    assert "Observation.valueQuantity.value" in ledger(out)["dropped"]


def test_numbers_written_as_strings_are_used_as_parsed(tmp_path: Path) -> None:
    quantity = {"value": "13.2", "unit": "g/dL", "system": "http://unitsofmeasure.org",
                "code": "g/dL"}  # fmt: skip
    component = {"code": {"coding": [{"system": LOINC, "code": "8480-6"}]},
                 "valueQuantity": quantity | {"value": "120"}}  # fmt: skip
    source = tmp_path / "strings.ndjson"
    source.write_text(ndjson(patient(), observation(valueQuantity=quantity, component=[component])))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    [obs] = [r for r in lines(out / "records.ndjson") if r["type"] == "Observation"]
    assert obs["valueQuantity"]["value"] == 13.2
    assert obs["components"][0]["valueQuantity"]["value"] == 120


@pytest.mark.parametrize(
    ("resource", "field"),
    [
        ({"resourceType": "Encounter", "id": "e1", "status": "Finished", "class": {"code": "AMB"},
          "subject": {"reference": "Patient/p1"}}, "Encounter.status"),
        (observation(status="Final"), "Observation.status"),
        (patient(gender="Female"), "Patient.gender"),
    ],
)  # fmt: skip
def test_capitalised_codes_are_rejected_naming_the_field(
    tmp_path: Path, resource: dict[str, Any], field: str
) -> None:
    source = tmp_path / "codes.ndjson"
    source.write_text(ndjson(resource))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 1
    [reject] = lines(out / "shared.ndjson")
    assert (reject["reason"], reject["path"]) == ("invalid-code", field)
    assert field in reject["message"] and "case-sensitive" in reject["message"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_same_resource_in_two_inputs_is_converted_once(tmp_path: Path, jobs: str) -> None:
    first, second = tmp_path / "a.ndjson", tmp_path / "b.json"
    first.write_text(ndjson(patient(), observation()))
    second.write_text(json.dumps(bundle(patient(), observation("o2"))))
    extra = ("--source-label", "clinic", "--jobs", jobs)
    result, out = convert(tmp_path, first, second, extra=extra)
    assert result.exit_code == 0, result.output
    assert kinds(out) == ["Observation", "Observation", "Resident"]
    found = ledger(out)
    assert found["skipped"] == {"Patient: duplicate": 1}
    [message] = found["skippedMessages"]["Patient: duplicate"]
    assert "clinic sha256:" in message and "line 1" in message and "Bundle.entry[0]" in message
    assert "duplicate 1" in result.output


def test_an_invalid_element_the_mapping_does_not_use_is_dropped(tmp_path: Path) -> None:
    linked = patient(link=[{"other": {"reference": "Patient/p9"}}])  # link.type is required
    source = tmp_path / "linked.ndjson"
    source.write_text(ndjson(linked, observation()))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    assert kinds(out) == ["Observation", "Resident"]
    dropped = ledger(out)["dropped"]["Patient.link.other.reference"]
    assert "not valid FHIR (link.0.type" in dropped["reason"]


def test_an_invalid_mapped_element_rejects_the_resource(tmp_path: Path) -> None:
    source = tmp_path / "bad.ndjson"
    bad = patient(link=[{"other": {"reference": "Patient/p9"}}], birthDate="yesterday")
    source.write_text(ndjson(bad))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 1
    [reject] = lines(out / "shared.ndjson")
    assert reject["reason"] == "fhir-invalid" and reject["path"] == "Patient.birthDate"


def test_an_invalid_unmapped_extension_is_dropped_alone(tmp_path: Path) -> None:
    race = {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex",
            "valueCode": "F"}  # fmt: skip
    source = tmp_path / "ext.ndjson"
    source.write_text(ndjson(patient(extension=[{"valueString": "no url"}, race])))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    [resident] = lines(out / "records.ndjson")
    assert resident["extensions"]["org.hl7.fhir.us-core"] == {"birthsex": "F"}


# Fidelity ----------------------------------------------------------------------------------
def test_a_valid_phone_number_of_another_country_is_kept(tmp_path: Path) -> None:
    us = patient(telecom=[{"system": "phone", "value": "(617) 253-1000", "use": "home"}],
                 address=[{"city": "Cambridge", "country": "US"}])  # fmt: skip
    plus = patient("p2", telecom=[{"system": "phone", "value": "+44 20 7946 0018"}])
    source = tmp_path / "phones.ndjson"
    source.write_text(ndjson(us, plus))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    phones = sorted(r["phone"]["value"] for r in lines(out / "records.ndjson"))
    assert phones == sorted(map(pseudonym, ["+16172531000", "+442079460018"]))
    assert "Patient.telecom.value" not in ledger(out)["dropped"]
    assert ledger(out)["mapped"]["Patient.telecom.value"] == 2


def test_deceased_date_and_absent_gender(tmp_path: Path) -> None:
    absent = {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
                             "valueCode": "unknown"}]}  # fmt: skip
    gone = {k: v for k, v in patient(deceasedDateTime="2020-03-04", _gender=absent).items()
            if k != "gender"}  # fmt: skip
    source = tmp_path / "p.ndjson"
    source.write_text(ndjson(gone))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    [resident] = lines(out / "records.ndjson")
    assert resident["gender"] == "0" and resident["status"] == "deceased"  # unknown, not other
    assert resident["deceased"] is True and resident["deceasedDate"] == "2020-03-04"
    assert ledger(out)["mapped"]["Patient.deceasedDateTime"] == 1


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"deceasedBoolean": True}, {"deceased": True}),
        ({"deceasedBoolean": False}, {"deceased": False}),
        ({"deceasedDateTime": "2019"}, {"deceased": True, "deceasedDate": "2019"}),
        ({"deceasedDateTime": "2019-11-02T10:00:00+01:00"},
         {"deceased": True, "deceasedDate": "2019-11-02"}),
    ],
)  # fmt: skip
def test_deceased_keeps_the_precision_given(
    tmp_path: Path, given: dict[str, Any], expected: dict[str, Any]
) -> None:
    source = tmp_path / "p.json"
    source.write_text(json.dumps(patient(**given)))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    [resident] = lines(out / "records.ndjson")
    assert {k: v for k, v in resident.items() if k.startswith("deceased")} == expected
    assert resident["status"] == ("deceased" if expected["deceased"] else "active")


def test_no_unit_is_invented(tmp_path: Path) -> None:
    bare = observation(valueQuantity={"value": 4})
    counted = observation("o2", valueInteger=3)
    del counted["valueQuantity"]
    source = tmp_path / "o.ndjson"
    source.write_text(ndjson(bare, counted))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    assert all("valueQuantity" not in r for r in lines(out / "records.ndjson"))
    dropped = ledger(out)["dropped"]
    for path in ("Observation.valueQuantity.value", "Observation.valueInteger"):
        assert "none is invented" in dropped[path]["reason"]


def test_issued_is_carried_as_issued_never_as_the_effective_time(tmp_path: Path) -> None:
    late = {k: v for k, v in observation(issued="2024-05-02T09:00:00Z").items()
            if k != "effectiveDateTime"}  # fmt: skip
    source = tmp_path / "o.ndjson"
    source.write_text(ndjson(late, observation("o2", issued="2024-05-02T09:00:00Z")))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    first, second = lines(out / "records.ndjson")
    assert "effectiveAt" not in first and first["issuedAt"] == "2024-05-02T09:00:00Z"
    assert second["effectiveAt"] == "2024-05-01T08:00:00Z"
    assert second["issuedAt"] == "2024-05-02T09:00:00Z"
    assert ledger(out)["mapped"]["Observation.issued"] == 2


@pytest.mark.parametrize("day", ["2015", "2015-03", "2015-03-04"])
def test_partial_dates_keep_their_precision(tmp_path: Path, day: str) -> None:
    seen = observation(effectiveDateTime=day)
    ill = {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"},
           "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44054006"}]},
           "onsetDateTime": day, "abatementDateTime": "2016-01-02T03:04:05Z",
           "recordedDate": day}  # fmt: skip
    born = patient(birthDate=day)
    source = tmp_path / "d.ndjson"
    source.write_text(ndjson(born, seen, ill))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    resident, observed, condition = lines(out / "records.ndjson")
    assert observed["effectiveDate"] == day and "effectiveAt" not in observed
    assert condition["onsetDate"] == day == condition["recordedDate"]
    assert condition["abatementAt"] == "2016-01-02T03:04:05Z"
    assert resident.get("birthDate", resident.get("birthDatePartial")) == day


def test_all_codings_are_kept_in_order(tmp_path: Path) -> None:
    cvx = {"system": "http://hl7.org/fhir/sid/cvx", "code": "158", "display": "influenza"}
    ndc = {"system": "http://hl7.org/fhir/sid/ndc", "code": "49281-0623-78"}
    shot = {"resourceType": "Immunization", "id": "i1", "status": "completed",
            "vaccineCode": {"coding": [cvx, {"display": "no code"}, ndc]},
            "patient": {"reference": "Patient/p1"},
            "occurrenceDateTime": "2016-01-08"}  # fmt: skip
    source = tmp_path / "i.ndjson"
    source.write_text(ndjson(shot))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    [record] = lines(out / "records.ndjson")
    assert record["vaccineCode"] == cvx and record["vaccineCodings"] == [cvx, ndc]
    assert record["occurredAt"] == "2016-01-08T00:00:00Z"  # the field needs a time: noted
    book = ledger(out)
    assert "Immunization.vaccineCode.coding.code" not in book["dropped"]
    assert "without a code" in book["dropped"]["Immunization.vaccineCode.coding.display"]["reason"]
    assert "midnight UTC" in book["notes"]["Immunization.occurrenceDateTime"]["note"]


def test_administrative_types_are_skipped_and_counted_by_type(tmp_path: Path) -> None:
    others = [{"resourceType": "Claim", "id": "c1"}, {"resourceType": "Claim", "id": "c2"},
              {"resourceType": "Coverage", "id": "v1"},
              {"resourceType": "Organization", "id": "g1"}]  # fmt: skip
    source = tmp_path / "admin.ndjson"
    source.write_text(ndjson(patient(), *others))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    summary = " ".join(result.output.split())
    for counted in ("administrative:Claim 2", "administrative:Coverage 1",
                    "administrative:Organization 1"):  # fmt: skip
        assert counted in summary
    assert ledger(out)["skipped"]["Claim: administrative:Claim"] == 2


# Property: every shape of the same resources yields the same items ------------------------------
_IDS = st.text("abcdefghij0123456789-.", min_size=1, max_size=12)
_RESOURCES = st.lists(
    st.builds(
        lambda i, k: {"resourceType": k, "id": i, "note": "x\ny"},
        _IDS,
        st.sampled_from(["Patient", "Observation", "Claim"]),
    ),
    min_size=1,
    max_size=8,
    unique_by=lambda r: (r["resourceType"], r["id"]),  # a Bundle's fullUrls are made of these
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(resources=_RESOURCES, name=st.sampled_from(["x.json", "x.ndjson", "x.txt", "x"]))
def test_every_shape_of_the_same_resources_reads_alike(
    tmp_path: Path, resources: list[dict[str, Any]], name: str
) -> None:
    shapes = {
        "ndjson": ndjson(*resources).encode(),
        "array": json.dumps(resources, indent=1).encode(),
        "bundle": json.dumps(bundle(*resources), indent=1).encode(),
        "bundle-line": (json.dumps(bundle(*resources)) + "\n\n").encode(),
        "ndjson-bundles": ndjson(bundle(*resources[:1]), bundle(*resources[1:])).encode(),
    }
    read = {}
    for shape, data in shapes.items():
        for packed in (data, gzip.compress(data)):
            source = tmp_path / name
            source.write_bytes(packed)
            with readable(source) as plain:
                items = list(FhirAdapter().items(plain, SourceContext(str(source))))
            read[(shape, packed is data)] = [item.value for item in items]
    assert all(values == resources for values in read.values()), read


def test_an_immunization_known_to_the_month_alone_is_rejected_saying_so(tmp_path: Path) -> None:
    shot = {"resourceType": "Immunization", "id": "i1", "status": "completed",
            "vaccineCode": {"text": "influenza"}, "patient": {"reference": "Patient/p1"},
            "occurrenceDateTime": "2016-01"}  # fmt: skip
    source = tmp_path / "i.ndjson"
    source.write_text(ndjson(shot))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 1
    [line] = lines(out / "rejects.ndjson")
    assert "year or month alone" in line["message"]  # never padded to a day it did not have


def test_a_null_given_name_part_is_left_out_not_a_crash(tmp_path: Path) -> None:
    """FHIR JSON writes `null` in a primitive array where only the `_given` extension has a
    value; the name is made of the parts there are."""
    source = tmp_path / "patients.ndjson"
    parts = {"family": "Doe", "given": [None, "Jane"], "_given": [{"id": "x"}, None]}
    named = patient(name=[parts])
    source.write_text(ndjson(named, patient("p2", name=[{"family": "Roe", "given": [None]}])))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    assert lines(out / "rejects.ndjson") == []
    assert len(lines(out / "records.ndjson")) == 2


def test_us_core_race_keeps_every_category_and_survives_a_null_one(tmp_path: Path) -> None:
    """A race extension names each OMB category in its own sub-extension: every code is kept;
    one written `null` is left out instead of crashing the Patient."""
    race = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race"
    omb = "urn:oid:2.16.840.1.113883.6.238"
    parts = [{"url": "ombCategory", "valueCoding": {"system": omb, "code": "2106-3"}},
             {"url": "ombCategory", "valueCoding": None},
             {"url": "ombCategory", "valueCoding": {"system": omb, "code": "2028-9"}},
             {"url": "text", "valueString": "Mixed"}]  # fmt: skip
    source = tmp_path / "patients.ndjson"
    source.write_text(ndjson(patient(extension=[{"url": race, "extension": parts}])))
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    [record] = lines(out / "records.ndjson")
    [carried] = record["extensions"].values()
    assert carried["race"] == {"codes": ["2106-3", "2028-9"], "text": "Mixed"}
