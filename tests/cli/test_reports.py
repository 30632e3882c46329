"""JUnit and SARIF reports through `ccstd validate`: counts that agree with what is written,
and SARIF valid against the official 2.1.0 schema, with relative URIs and regions."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jsonschema
import orjson
import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.conftest import REPO_ROOT, valid_record

RUNNER = CliRunner()
VENDOR_EXPORT = REPO_ROOT / "examples" / "validate" / "vendor-export.ndjson"
SARIF_SCHEMA = json.loads((REPO_ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
RULES_PAGE = (REPO_ROOT / "docs" / "reference" / "rules.md").read_text(encoding="utf-8")


def validate(*args: str | Path) -> tuple[int, str]:
    result = RUNNER.invoke(app, ["validate", *map(str, args), "-q"])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout


def sarif(*args: str | Path) -> dict[str, Any]:
    code, out = validate(*args, "--format", "sarif")
    assert code in (0, 1)
    log: dict[str, Any] = json.loads(out)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    return log


def _bad_residents(n: int) -> list[dict[str, Any]]:
    return [valid_record("Resident") | {"id": f"res-{i}", "gender": "X"} for i in range(n)]


@pytest.mark.parametrize("source", ["vendor", "clean", "array"])
def test_junit_tests_and_failures_count_the_cases_written(tmp_path: Path, source: str) -> None:
    path = {
        "vendor": VENDOR_EXPORT,
        "clean": tmp_path / "clean.json",
        "array": tmp_path / "array.json",
    }[source]
    if source == "clean":
        path.write_bytes(orjson.dumps(valid_record("Resident")))
    if source == "array":
        path.write_bytes(orjson.dumps([*_bad_residents(3), valid_record("Community")]))
    _, out = validate(path, "--format", "junit")
    suite = ElementTree.fromstring(out.encode()).find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    failing = [c for c in cases if c.find("failure") is not None]
    assert int(suite.get("tests", "-1")) == len(cases) > 0
    assert int(suite.get("failures", "-1")) == len(failing)
    assert int(suite.get("errors", "-1")) == len(suite.findall("testcase/error")) == 0
    assert (source == "clean") == (not failing)


def test_sarif_is_valid_with_relative_uris_regions_and_rule_help(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "exports 2026" / "门禁"
    folder.mkdir(parents=True)
    (folder / "gate #1%.ndjson").write_bytes(VENDOR_EXPORT.read_bytes())
    monkeypatch.chdir(tmp_path)
    log = sarif("./exports 2026/")
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["informationUri"].startswith("https://")
    root = run["originalUriBaseIds"]["%SRCROOT%"]
    assert "uri" not in root and "repository root" in root["description"]["text"]
    assert str(tmp_path) not in json.dumps(log)  # no absolute folder, which may name a person
    for rule in driver["rules"]:
        assert rule["helpUri"].endswith(f"/reference/rules/#{rule['id']}")
        assert f"\n## {rule['id']}\n" in RULES_PAGE  # the anchor exists
    located = [r for r in run["results"] if r["locations"]]
    assert located and len(located) == len(run["results"])
    for result in located:
        physical = result["locations"][0]["physicalLocation"]
        artifact = physical["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert artifact["uri"] == "exports%202026/%E9%97%A8%E7%A6%81/gate%20%231%25.ndjson"
        assert physical["region"]["startLine"] >= 1


def test_sarif_regions_of_json_array_records_name_their_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = _bad_residents(4)
    text = "[\n" + ",\n".join(json.dumps(r, indent=2) for r in records) + "\n]\n"
    (tmp_path / "pretty.json").write_text(text)
    with gzip.open(tmp_path / "pretty.json.gz", "wt") as handle:
        handle.write(text)
    starts = [n + 1 for n, line in enumerate(text.splitlines()) if line.startswith("{")]
    monkeypatch.chdir(tmp_path)
    for name in ("pretty.json", "pretty.json.gz"):
        results = sarif(name)["runs"][0]["results"]
        assert len(results) == 4
        for result in results:
            location = result["locations"][0]
            index = int(location["logicalLocations"][0]["fullyQualifiedName"].split("/")[1])
            assert location["physicalLocation"]["region"]["startLine"] == starts[index]


def test_sarif_paths_outside_the_root_and_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inside = tmp_path / "cwd"
    inside.mkdir()
    outside = tmp_path / "elsewhere.ndjson"
    outside.write_bytes(orjson.dumps(_bad_residents(1)[0]) + b"\n")
    monkeypatch.chdir(inside)
    result = sarif(outside)["runs"][0]["results"][0]
    artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": outside.resolve().as_uri()}
    code = RUNNER.invoke(app, ["validate", "-", "-q", "-f", "sarif"], input=outside.read_text())
    log = json.loads(code.stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    physical = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert "uri" not in physical["artifactLocation"] and physical["region"] == {"startLine": 1}


def test_sarif_without_a_root_reads_no_file_and_leaks_no_folder() -> None:
    """As the HTTP service and certification render it: names are the client's or relative to
    the manifest, so nothing is opened (not even /dev/zero) and no server folder is named."""
    from ccstd.standard.findings import Location
    from ccstd.standard.reporting import render_sarif
    from ccstd.standard.results import ValidationResult
    from ccstd.standard.rules import WRONG_TYPE

    places = [("/dev/zero", "/0/a"), ("../../etc/passwd", "/3"), ("exports/a b.json", "/1/x")]
    findings = tuple(
        WRONG_TYPE.finding(Location(file, None, pointer), expected="string", found="number")
        for file, pointer in places
    )
    result = ValidationResult(findings, {}, files=3, records=3, invalid=3, seconds=0.0)
    log = json.loads(render_sarif(result))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    run = log["runs"][0]
    assert "uri" not in run["originalUriBaseIds"]["%SRCROOT%"]
    artifacts = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert artifacts == [
        {"description": {"text": "/dev/zero"}},
        {"description": {"text": "../../etc/passwd"}},
        {"uri": "exports/a%20b.json", "uriBaseId": "%SRCROOT%"},
    ]
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in run["results"]]
    assert regions == [{"startLine": 1}] * 3


def test_certification_sarif_is_valid_too(tmp_path: Path) -> None:
    sample = REPO_ROOT / "examples" / "vendors" / "leaky-gate"
    result = RUNNER.invoke(app, ["certify", "run", str(sample), "--out", str(tmp_path / "r"), "-q"])
    assert result.exit_code == 1
    log = json.loads((tmp_path / "r" / "sarif.json").read_text())
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    suite = ElementTree.parse(tmp_path / "r" / "junit.xml").getroot().find("testsuite")
    assert suite is not None and int(suite.get("tests", "0")) == len(suite.findall("testcase"))


@pytest.mark.parametrize("layout", ["ndjson", "array"])
def test_junit_has_one_case_per_record_with_all_its_findings(tmp_path: Path, layout: str) -> None:
    broken = valid_record("Resident") | {"gender": "X", "birthDate": "not a date"}
    records = [broken | {"id": "a"}, valid_record("Resident"), broken | {"id": "b"}]
    path = tmp_path / f"r.{'ndjson' if layout == 'ndjson' else 'json'}"
    if layout == "ndjson":
        path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    else:
        path.write_bytes(orjson.dumps(records))
    code, out = validate(path, "--format", "junit")
    assert code == 1
    suite = ElementTree.fromstring(out.encode()).find("testsuite")
    assert suite is not None
    failing = [c for c in suite.findall("testcase") if c.find("failure") is not None]
    names = [c.get("name", "") for c in failing]
    expected = ["1", "3"] if layout == "ndjson" else ["/0", "/2"]
    assert [n.rsplit(":" if layout == "ndjson" else " ", 1)[-1] for n in names] == expected
    for case in failing:  # both findings of the record, in its one case
        failure = case.find("failure")
        assert failure is not None and failure.text is not None
        assert "/gender" in failure.text and "/birthDate" in failure.text
    assert int(suite.get("tests", "0")) == 3  # two records with findings, one for the valid


def test_junit_counts_a_record_with_only_a_warning_once(tmp_path: Path) -> None:
    warned = valid_record("Resident") | {"id": "11010519491231002X"}  # a warning, no error
    records = [warned, valid_record("Resident") | {"id": "ok"}, {"id": "bad", "gender": "X"}]
    path = tmp_path / "r.ndjson"
    path.write_bytes(b"".join(orjson.dumps(valid_record("Resident") | r) + b"\n" for r in records))
    code, out = validate(path, "--format", "junit")
    assert code == 1
    suite = ElementTree.fromstring(out.encode()).find("testsuite")
    assert suite is not None
    names = [c.get("name", "") for c in suite.findall("testcase")]
    assert len(names) == 3 and names[-1] == "1 valid records without findings"  # 3 records
