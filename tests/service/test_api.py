"""The service answers as `ccstd validate` does: same report model, verdict = exit code."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from ccstd.cli.app import app
from ccstd.service.app import create_app
from ccstd.service.config import ServiceConfig, load_tokens
from ccstd.standard.publishing.bundling import inline_entity
from ccstd.standard.registry import StandardRegistry
from ccstd.standard.rules import RULES
from tests.conftest import valid_record
from tests.service.conftest import VENDOR_EXPORT, running

RUNNER = CliRunner()
_TIMING = ("seconds", "recordsPerSecond")


def cli(*args: str) -> tuple[int, bytes]:
    result = RUNNER.invoke(app, ["validate", *args, "-q"])
    return result.exit_code, result.stdout_bytes


def without_timing(document: dict[str, Any]) -> dict[str, Any]:
    summary = {k: v for k, v in document["summary"].items() if k not in _TIMING}
    return {**document, "summary": summary}


def schema_of(name: str) -> Draft202012Validator:
    """A validator for one of the OpenAPI document's component schemas."""
    components = create_app().openapi()["components"]
    return Draft202012Validator({"components": components, **components["schemas"][name]})


@pytest.mark.parametrize("fail_on", ["error", "warning", "info"])
def test_the_report_and_verdict_of_the_cli(client: httpx.Client, fail_on: str) -> None:
    code, out = cli(str(VENDOR_EXPORT), "--format", "json", "--fail-on", fail_on)
    answer = client.post(
        "/v1/validate",
        params={"name": str(VENDOR_EXPORT), "failOn": fail_on},
        content=VENDOR_EXPORT.read_bytes(),
        headers={"Content-Type": "application/x-ndjson"},
    )
    assert answer.status_code == 200
    served = answer.json()
    assert served.pop("verdict") == code == int(answer.headers["Ccstd-Verdict"])
    assert served.pop("requestId") == answer.headers["X-Request-Id"]
    assert without_timing(served) == without_timing(orjson.loads(out))
    schema_of("Report").validate(answer.json())


@pytest.mark.parametrize("report_format", ["sarif", "junit"])
def test_sarif_and_junit_are_the_cli_s(
    client: httpx.Client, report_format: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(VENDOR_EXPORT.parent)  # SARIF names files relative to where the CLI runs
    code, out = cli(VENDOR_EXPORT.name, "--format", report_format)
    answer = client.post(
        "/v1/validate",
        params={"name": VENDOR_EXPORT.name, "format": report_format},
        content=VENDOR_EXPORT.read_bytes(),
    )
    assert answer.status_code == 200 and int(answer.headers["Ccstd-Verdict"]) == code == 1
    timing = re.compile(rb'time="[0-9.]+"')
    assert timing.sub(b"", answer.content) == timing.sub(b"", out)


def test_gzip_by_header_by_magic_and_in_several_members(client: httpx.Client) -> None:
    data = VENDOR_EXPORT.read_bytes()
    plain = client.post("/v1/validate", content=data).json()
    packed = gzip.compress(data)
    by_header = client.post(
        "/v1/validate", content=packed, headers={"Content-Encoding": "gzip"}
    ).json()
    by_magic = client.post("/v1/validate", content=packed).json()
    half = len(data) // 2
    members = gzip.compress(data[:half]) + gzip.compress(data[half:])
    by_members = client.post("/v1/validate", content=members).json()
    for answer in (by_header, by_magic, by_members):
        assert without_timing(answer)["findings"] == plain["findings"]
        assert answer["summary"]["records"] == 16


def test_gzip_members_with_long_output_leave_the_workers_free(client: httpx.Client) -> None:
    """210 bytes: two members of 70,000 spaces once jammed a worker for good."""
    spaces = gzip.compress(b" " * 70_000) * 2
    for _ in range(3):  # more requests than the default workers
        assert client.post("/v1/validate", content=spaces).status_code == 422
    empties = gzip.compress(b"") * 4000
    assert client.post("/v1/validate", content=empties).status_code == 422
    record = orjson.dumps(valid_record("Resident"))
    assert client.post("/v1/validate", content=record, timeout=10).json()["verdict"] == 0


def test_a_json_array_a_single_record_and_options(client: httpx.Client) -> None:
    records = [valid_record("Resident"), valid_record("Building")]
    array = client.post("/v1/validate", content=orjson.dumps(records)).json()
    assert array["verdict"] == 0 and array["summary"]["records"] == 2
    single = client.post("/v1/validate", content=orjson.dumps(records[0])).json()
    assert single["verdict"] == 0 and single["summary"]["records"] == 1
    forced = client.post(
        "/v1/validate", params={"type": "Building"}, content=orjson.dumps(records[0])
    ).json()
    assert forced["verdict"] == 1


def test_check_references_as_in_the_cli(client: httpx.Client) -> None:
    record = valid_record("Dwelling")
    body = orjson.dumps(record) + b"\n" + orjson.dumps(valid_record("Resident")) + b"\n"
    loose = client.post("/v1/validate", content=body).json()
    strict = client.post("/v1/validate", params={"checkReferences": "true"}, content=body).json()
    assert loose["verdict"] == 0
    assert strict["verdict"] == 1
    assert any(f["code"] == "unresolved-reference" for f in strict["findings"])


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"standard": "9.9.9"}, "standard version '9.9.9' is not known"),
        ({"type": "Spaceship"}, "type Spaceship: not an entity"),
        ({"failOn": "fatal"}, "failOn:"),
        ({"format": "xml"}, "format:"),
        ({"checkReferences": "maybe"}, "checkReferences:"),
        ({"maxFindings": "0"}, "maxFindings:"),
    ],
)
def test_bad_options_are_one_line_400s(
    client: httpx.Client, params: dict[str, str], said: str
) -> None:
    answer = client.post("/v1/validate", params=params, content=b"{}")
    assert answer.status_code == 400
    assert answer.headers["Content-Type"] == "application/problem+json"
    problem = answer.json()
    assert said in problem["detail"] and "\n" not in problem["detail"]
    schema_of("Problem").validate(problem)


def test_max_findings_lists_fewer_and_counts_all(client: httpx.Client) -> None:
    answer = client.post(
        "/v1/validate", params={"maxFindings": "2"}, content=VENDOR_EXPORT.read_bytes()
    ).json()
    assert answer["summary"]["findings"]["error"] == 8 and answer["summary"]["omitted"] == 7
    assert [f["code"] for f in answer["findings"]][-1] == "findings-truncated"


def test_versions_schemas_rules_health(client: httpx.Client) -> None:
    registry = StandardRegistry()
    versions = client.get("/v1/standard").json()
    assert versions["latest"] == registry.latest()
    assert [v["version"] for v in versions["versions"]] == registry.versions()
    for listed in versions["versions"]:
        entities = registry.get(listed["version"]).entities
        assert listed["entities"] == entities
    bundled = client.get("/v1/standard/1.0.0/schemas/Resident")
    assert bundled.status_code == 200
    assert bundled.json() == inline_entity(registry.get("1.0.0"), "Resident")
    assert '"$ref"' not in bundled.text
    Draft202012Validator(bundled.json()).validate(valid_record("Resident"))
    for missing in ("/v1/standard/9.9.9/schemas/Resident", "/v1/standard/1.0.0/schemas/Spaceship"):
        gone = client.get(missing)
        assert gone.status_code == 404 and "not" in gone.json()["detail"]
    assert client.get("/v1/standard/draft/schemas/Resident").status_code == 404
    rules = client.get("/v1/rules").json()["rules"]
    assert [r["code"] for r in rules] == sorted(RULES)
    assert {r["severity"] for r in rules} <= {"error", "warning", "info"}
    assert client.get("/healthz").json()["status"] == "ok"


def test_the_page_is_self_contained(client: httpx.Client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page.text)
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'sha256-" in policy


def test_names_are_made_printable_and_use_forward_slashes(client: httpx.Client) -> None:
    answer = client.post(
        "/v1/validate",
        params={"name": "exports\\gate\n\x1b[31m.json", "format": "junit"},
        content=b'{"type": "X"}',
    )
    assert answer.status_code == 200
    assert b"exports/gate" in answer.content and b"\x1b" not in answer.content


def test_behind_a_proxy_prefix_with_tokens(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text("prefix-token-0123456789abcdef\n", encoding="utf-8")
    config = ServiceConfig(tokens=load_tokens(tokens), root_path="/ccstd")
    bearer = {"Authorization": "Bearer prefix-token-0123456789abcdef"}
    with running(config) as url, httpx.Client(base_url=url) as client:
        # what the proxy forwards once it has taken /ccstd off
        assert client.get("/v1/rules").status_code == 401
        assert client.get("/v1/rules", headers=bearer).status_code == 200
        assert client.get("/healthz").status_code == 200
        assert client.get("/").status_code == 200
        document = client.get("/openapi.json").json()
        assert document["servers"] == [{"url": "/ccstd"}]
