"""`ccstd convert` keeps the personal data of health-record exports out of everything it writes.

End to end (the CLI as a process, real files, real fhir.resources): the shared acceptance exports,
and exports built here in the shapes real ones have (a payer's patient-everything Bundle whose
Patient.id embeds the member number, a Synthea-style file named after the patient, a Bulk Data
NDJSON file referring to that patient from another file).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.fhir import ACCEPTANCE
from tests.hostile.harness import Run, ccstd

KEY = "personal-data-test-key-0123456789"
ENV = {"CCSTD_PSEUDONYM_KEY": KEY, "SOURCE_DATE_EPOCH": "1700000000"}
MEMBER = "884213907"
PATIENT_ID = f"MBR-{MEMBER}-01"  # payers build the FHIR id from the member number
FILE_NAME = "Wilhelmina123_Quixotebury456_0f8c2d7e-93b1-4c55-a7c4-6b0e1f2a9d3c.json"
SECRETS = ["Wilhelmina", "Quixotebury", "Wilhelmina123", "Quixotebury456", "Mina", "Larkspur",
           "17 Larkspur Lane", "Apt 4B", MEMBER, PATIENT_ID, "0f8c2d7e", "123-45-6789",
           "H-5531-7702", "Dr. Ottoline Fairweather"]  # fmt: skip
CODING = {"system": "http://snomed.info/sct", "code": "44054006", "display": "Diabetes"}
SECOND = {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "E11.9", "display": "Type 2 DM"}


def pseudonym(value: str) -> str:
    """What the run makes of a source id under KEY."""
    return hmac.new(KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def patient(**changes: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "Patient", "id": PATIENT_ID,
        "identifier": [
            {"system": "https://payer.example/member", "value": MEMBER,
             "assigner": {"display": "Example Health Plan"}},
            {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "123-45-6789"},
            {"system": "https://hospital.example/mrn", "value": "H-5531-7702", "use": "usual"},
        ],
        "name": [{"use": "official", "family": "Quixotebury456", "given": ["Wilhelmina123"],
                  "prefix": ["Mrs."]},
                 {"use": "nickname", "given": ["Mina"]}],
        "telecom": [{"system": "phone", "value": "(617) 253-1000", "use": "home"},
                    {"system": "phone", "value": "call the front desk", "use": "work"},
                    {"system": "fax", "value": "(617) 253-1001"}],
        "gender": "female", "birthDate": "1961-07-14", "deceasedDateTime": "2020-03-04",
        "address": [{"line": ["17 Larkspur Lane", "Apt 4B"], "city": "Cambridge", "state": "MA",
                     "postalCode": "02139", "country": "US"}],
    }  # fmt: skip
    return resource | changes


def condition(subject: str = f"Patient/{PATIENT_ID}") -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "cond-1", "code": {"coding": [CODING, SECOND]},
            "subject": {"reference": subject, "display": "Wilhelmina123 Quixotebury456"},
            "clinicalStatus": {"coding": [{"code": "active"}]}}  # fmt: skip


def observation(**changes: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "Observation", "id": "obs-1", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        "performer": [{"display": "Dr. Ottoline Fairweather"}],
        "effectiveDateTime": "2023-01-05T10:00:00Z",
        "valueQuantity": {"value": 7.1, "unit": "%", "system": "http://unitsofmeasure.org",
                          "code": "%"},
    }  # fmt: skip
    return resource | changes


def payer_export(folder: Path) -> Path:
    """A patient-everything searchset named like Synthea's files, and a Bulk Data NDJSON file
    of the same member's observations (one without a code: rejected)."""
    folder.mkdir()
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [
        {"fullUrl": f"https://payer.example/fhir/Patient/{PATIENT_ID}", "resource": patient()},
        {"fullUrl": "https://payer.example/fhir/Condition/cond-1", "resource": condition()},
    ]}  # fmt: skip
    (folder / FILE_NAME).write_text(json.dumps(bundle))
    told = {k: v for k, v in observation(id="obs-3").items() if k != "valueQuantity"}
    told["valueString"] = "lives with her daughter Wilhelmina123 at 17 Larkspur Lane"
    lines = [observation(), observation(id="obs-2", code={"text": ""}), told]
    (folder / f"{MEMBER}-Observation.ndjson").write_text("\n".join(map(json.dumps, lines)))
    return folder


def convert(
    tmp_path: Path, *inputs: Path, extra: tuple[str, ...] = (), env: dict[str, str] = ENV
) -> tuple[Run, Path]:
    """Run `ccstd convert` with every output into a fresh folder `out`."""
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    run = ccstd("convert", *inputs, "--out", out / "records.ndjson", "--ledger",
                out / "ledger.json", "--rejects", out / "rejects.ndjson", "--rejects-redacted",
                out / "shared.ndjson", *extra, env=env, timeout=120)  # fmt: skip
    assert not run.traceback, run.stderr
    return run, out


def records(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "records.ndjson").read_text().splitlines()]


def written(run: Run, out: Path, *names: str) -> dict[str, str]:
    """The text of every output that must hold no personal value, and the terminal's."""
    texts = {name: (out / name).read_text() for name in names}
    return texts | {"terminal": run.stdout + run.stderr}


def leaks(texts: dict[str, str], secrets: list[str]) -> list[tuple[str, str]]:
    """(output, secret) for every secret found, as a whole token, in an output."""
    return [
        (name, secret)
        for secret in secrets
        for name, text in texts.items()
        if re.search(rf"(?<![\w-]){re.escape(secret)}(?![\w-])", text)
    ]


@pytest.fixture(scope="module")
def payer(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Path, Path]:
    tmp = tmp_path_factory.mktemp("payer")
    source = payer_export(tmp / "export")
    run, out = convert(tmp, source)
    return run, out, source


# 1. Nothing personal in any output ---------------------------------------------------------------
def test_no_name_address_identifier_or_file_name_reaches_an_output(
    payer: tuple[Run, Path, Path],
) -> None:
    run, out, _ = payer
    assert run.exit_code == 1  # the Observation without a code
    texts = written(run, out, "records.ndjson", "ledger.json", "shared.ndjson")
    assert not leaks(texts, SECRETS)
    assert FILE_NAME not in json.dumps(texts) and "Quixotebury" not in json.dumps(texts)


def test_the_raw_rejects_name_no_file_either(payer: tuple[Run, Path, Path]) -> None:
    _, out, _ = payer
    [line] = [json.loads(x) for x in (out / "rejects.ndjson").read_text().splitlines()]
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", line["file"])
    assert MEMBER not in line["file"] + line["locator"]


@pytest.mark.skipif(not (ACCEPTANCE / "fhir").is_dir(), reason="shared acceptance data not present")
def test_real_exports_leave_no_name_address_or_identifier_in_any_output(tmp_path: Path) -> None:
    run, out = convert(tmp_path, ACCEPTANCE / "fhir")
    assert run.exit_code == 1, run.stderr  # a DiagnosticReport without a subject is rejected
    texts = written(run, out, "records.ndjson", "ledger.json", "shared.ndjson")
    secrets = acceptance_secrets(ACCEPTANCE / "fhir")
    assert len(secrets) > 50
    assert not leaks(texts, secrets)


def acceptance_secrets(folder: Path) -> list[str]:
    """Every name, address line, identifier value and Patient id of the exports, and the names
    of their files; numbers shorter than 4 digits are left out (a measurement can be `300`)."""
    found: set[str] = set()
    for path in folder.iterdir():
        found.add(path.stem)
        text = path.read_text()
        lines = text.splitlines() if path.suffix == ".ndjson" else [text]
        for line in filter(str.strip, lines):
            _secrets(json.loads(line), found)
    return sorted(s for s in found if len(s) >= 3 and not (s.isdigit() and len(s) < 4))


def _secrets(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        if "family" in node or "given" in node:
            found.update(node.get("given") or [], [node.get("family") or ""])
        if isinstance(node.get("line"), list):
            found.update(node["line"])
        identifiers = node.get("identifier")
        for identifier in identifiers if isinstance(identifiers, list) else [identifiers]:
            if isinstance(identifier, dict):
                found.add(str(identifier.get("value") or ""))
        if node.get("resourceType") == "Patient":
            found.add(str(node.get("id") or ""))
        node = list(node.values())
    if isinstance(node, list):
        for child in node:
            _secrets(child, found)


# 1. Provenance: a digest of the file, and the user's label ---------------------------------------
def test_provenance_names_the_file_by_its_digest(payer: tuple[Run, Path, Path]) -> None:
    _, out, source = payer
    digest = hashlib.sha256((source / FILE_NAME).read_bytes()).hexdigest()
    resident = next(r for r in records(out) if r["type"] == "Resident")
    assert resident["meta"]["source"]["fileSha256"] == digest  # standard 1.2.0's own field
    assert "file" not in resident["meta"]["source"] and "label" not in resident["meta"]["source"]
    assert resident["meta"]["source"]["fhirId"] == f"Patient/{pseudonym(PATIENT_ID)}"


def test_source_label_is_recorded_with_the_digest(tmp_path: Path) -> None:
    source = payer_export(tmp_path / "export")
    run, out = convert(tmp_path, source / FILE_NAME, extra=("--source-label", "payer 2024-05"))
    assert run.exit_code == 0, run.stderr
    assert all(
        r["meta"]["source"]["label"] == "payer 2024-05"
        and re.fullmatch(r"[0-9a-f]{64}", r["meta"]["source"]["fileSha256"])
        and "file" not in r["meta"]["source"]
        for r in records(out)
    )
    bad = ccstd("convert", source, "--out", tmp_path / "x.ndjson", "--source-label", "a\tb",
                env=ENV)  # fmt: skip
    bad.assert_clean_failure()


# 2. Ids and references ---------------------------------------------------------------------------
def test_ids_and_references_are_pseudonyms_that_link_across_files_and_runs(
    payer: tuple[Run, Path, Path], tmp_path: Path
) -> None:
    _, out, source = payer
    by_type = {r["type"]: r for r in records(out)}
    resident_id = by_type["Resident"]["id"]
    assert resident_id == pseudonym(PATIENT_ID)
    assert by_type["Condition"]["subject"] == {"type": "Resident", "id": resident_id}
    assert by_type["Observation"]["subject"] == {"type": "Resident", "id": resident_id}
    _, again = convert(tmp_path, source / f"{MEMBER}-Observation.ndjson")
    assert {r["subject"]["id"] for r in records(again)} == {resident_id}


def test_raw_identifiers_keep_source_ids(tmp_path: Path) -> None:
    source = payer_export(tmp_path / "export")
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    run, out = convert(tmp_path, source, extra=("--raw-identifiers",), env=env)
    assert run.exit_code == 1, run.stderr
    resident = next(r for r in records(out) if r["type"] == "Resident")
    assert resident["id"] == PATIENT_ID


# 3. Address lines, names in free text, birth dates ------------------------------------------------
def test_street_lines_are_protected_like_names(payer: tuple[Run, Path, Path]) -> None:
    _, out, _ = payer
    resident = next(r for r in records(out) if r["type"] == "Resident")
    line = resident["address"].pop("lineProtected")
    assert resident["address"] == {"city": "Cambridge", "province": "MA", "country": "US"}
    assert line["value"] == "hmac-sha256:" + pseudonym("17 Larkspur Lane, Apt 4B")
    ledger = json.loads((out / "ledger.json").read_text())
    assert "Patient.address.line" in ledger["mapped"]
    assert "Patient.address.line" not in ledger["dropped"]
    assert "Patient.name.given" in ledger["dropped"]  # the nickname
    assert "Condition.subject.display" in ledger["dropped"]


def test_raw_street_lines_only_when_asked(tmp_path: Path) -> None:
    source = payer_export(tmp_path / "export")
    run, out = convert(tmp_path, source / FILE_NAME, extra=("--raw-identifiers",), env={})
    assert run.exit_code == 0, run.stderr
    resident = next(r for r in records(out) if r["type"] == "Resident")
    assert resident["address"]["line"] == "17 Larkspur Lane, Apt 4B"
    assert "lineProtected" not in resident["address"]


def test_generalised_birth_dates_keep_the_year_alone(tmp_path: Path) -> None:
    source = payer_export(tmp_path / "export")
    _, out = convert(tmp_path, source, extra=("--generalise", "birthDate=year"))
    resident = next(r for r in records(out) if r["type"] == "Resident")
    assert "birthDate" not in resident and resident["birthDatePartial"] == "1961"
    ledger = json.loads((out / "ledger.json").read_text())
    assert "only the year" in ledger["notes"]["Patient.birthDate"]["note"]
    bad = ccstd("convert", source, "--out", tmp_path / "x.ndjson", "--generalise", "name=initial",
                env=ENV)  # fmt: skip
    bad.assert_clean_failure()


# 5. The ledger tells the truth -------------------------------------------------------------------
def test_values_the_mapping_leaves_out_are_dropped_not_mapped(
    payer: tuple[Run, Path, Path],
) -> None:
    _, out, _ = payer
    ledger = json.loads((out / "ledger.json").read_text())
    dropped = ledger["dropped"]
    assert "Patient.address.postalCode" not in ledger["mapped"]
    assert "six-digit" in dropped["Patient.address.postalCode"]["reason"]
    assert "not a valid phone number" in dropped["Patient.telecom.value"]["reason"]
    for path in ("Condition.code.coding.code", "Patient.deceasedDateTime"):  # reach the record
        assert path in ledger["mapped"] and path not in dropped, path
    condition = next(r for r in records(out) if r["type"] == "Condition")
    assert condition["codings"] == [CODING, SECOND] and condition["code"] == CODING
    assert "Patient.identifier.assigner.display" in dropped
    assert "Observation.performer.display" in dropped
    # 1.3.0: a value in words reaches the record, pseudonymised (valueStringProtected)
    assert (
        "Observation.valueString" in ledger["mapped"] and "Observation.valueString" not in dropped
    )
    told = [r for r in records(out) if "valueStringProtected" in r]
    assert [r["valueStringProtected"]["protection"] for r in told] == ["pseudonymised"]


# 6. Phone numbers --------------------------------------------------------------------------------
def test_phones_are_read_with_the_country_of_the_address(payer: tuple[Run, Path, Path]) -> None:
    _, out, _ = payer
    resident = next(r for r in records(out) if r["type"] == "Resident")
    assert resident["phone"]["value"] == "hmac-sha256:" + pseudonym("+16172531000")


@pytest.mark.parametrize(("region", "kept"), [("CN", False), ("US", True)])
def test_phones_without_a_country_use_the_default_region(
    tmp_path: Path, region: str, kept: bool
) -> None:
    source = tmp_path / "patient.json"
    source.write_text(json.dumps({k: v for k, v in patient().items() if k != "address"}))
    run, out = convert(tmp_path, source, extra=("--default-region", region))
    assert run.exit_code == 0, run.stderr
    [resident] = records(out)
    assert ("phone" in resident) is kept


def test_replayed_records_keep_the_source_digest_and_label(tmp_path: Path) -> None:
    source = payer_export(tmp_path / "export") / f"{MEMBER}-Observation.ndjson"
    run, out = convert(tmp_path, source, extra=("--source-label", "payer"))
    assert run.exit_code == 1, run.stderr
    [line] = [json.loads(x) for x in (out / "rejects.ndjson").read_text().splitlines()]
    fixed = json.loads(line["raw"]["text"]) | {"code": {"text": "HbA1c"}}  # the mapping fix
    (tmp_path / "fix.ndjson").write_text(json.dumps(line | {"raw": {"text": json.dumps(fixed)}}))
    again = ccstd("convert", "--replay", tmp_path / "fix.ndjson", "--out", tmp_path / "r.ndjson",
                  env=ENV)  # fmt: skip
    assert again.exit_code == 0, again.stderr
    [record] = [json.loads(x) for x in (tmp_path / "r.ndjson").read_text().splitlines()]
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert line["file"] == f"payer sha256:{digest}"
    assert record["meta"]["source"]["fileSha256"] == digest
    assert record["meta"]["source"]["label"] == "payer"
    assert record["subject"]["id"] == pseudonym(PATIENT_ID)
