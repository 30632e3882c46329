"""`ccstd certify` end to end on file names: a sample file named after a person is shown
redacted in report.json, report.html, the other reports and the certificate, whose inputs
`certify verify --inputs` still checks by the redacted name and the digest."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.cli.test_certify_masked import certify, vendor

RUNNER = CliRunner()
PERSON = "张三13812345678"


def test_a_file_named_after_a_person_is_shown_redacted(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    assert RUNNER.invoke(app, ["certify", "keygen", "--out", str(keys)]).exit_code == 0
    folder = vendor(tmp_path, "138****5678", PERSON)
    code, report = certify(folder, "--signing-key", str(keys / "certify-signing.pem"))
    assert code == 0
    out = tmp_path / "out"
    for name in ("report.json", "report.html", "certificate.json", "summary.md", "sarif.json"):
        assert "13812345678" not in (out / name).read_text(encoding="utf-8"), name
    assert "records/张三[redacted].ndjson" in {i["path"] for i in report["inputs"]}
    verify = ["certify", "verify", str(out / "certificate.json"), "--public-key"]
    verify += [str(keys / "certify-signing.pub.pem"), "--inputs", str(folder)]
    result = RUNNER.invoke(app, verify)
    assert result.exit_code == 0, result.output
    (folder / "records" / f"{PERSON}.ndjson").write_text("{}\n", encoding="utf-8")
    result = RUNNER.invoke(app, verify)
    assert result.exit_code == 1 and "SHA-256 differs" in result.output
    assert "13812345678" not in result.output


def test_one_file_answers_for_one_input_only(tmp_path: Path) -> None:
    """Two inputs whose names redact alike need two files: deleting one is found, even when
    the other holds the same bytes."""
    from ccstd.conformance.certificate import _input_problems, _sha256

    records = tmp_path / "records"
    records.mkdir()
    for name in ("13812345678.ndjson", "13912345678.ndjson"):
        (records / name).write_text("{}\n", encoding="utf-8")
    entry = {"path": "records/[redacted].ndjson", "sha256": _sha256(records / "13812345678.ndjson")}
    assert _input_problems([entry, entry], tmp_path) == []
    (records / "13912345678.ndjson").unlink()
    assert _input_problems([entry, entry], tmp_path) == ["records/[redacted].ndjson: missing"]
