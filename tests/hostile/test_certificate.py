"""Hostile certificates: tampered, malformed, expired, or naming inputs outside their folder."""

from __future__ import annotations

import datetime
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ccstd.conformance import certificate
from tests.conftest import REPO_ROOT
from tests.hostile.harness import Run, ccstd, tree

LINLI = REPO_ROOT / "examples" / "vendors" / "linli-market"
SOURCE = "records/trades.ndjson"
MANIFEST = """\
[vendor]
name = "Linli Market (邻里优选)"
product = "Linli storefront order sync"
[claim]
standard = "1.2.0"  # the golden records are written in 1.2.0
profiles = ["commerce", "logistics"]
level = "quality"
[data]
records = ["records/*.ndjson"]
"""


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """linli-market's orders as sample records, certified and signed by a new key."""
    root = tmp_path_factory.mktemp("issued")
    vendor = root / "linli-market"
    (vendor / "records").mkdir(parents=True)
    shutil.copy(LINLI / "golden" / "taobao-trades.ndjson", vendor / SOURCE)
    (vendor / "ccstd-vendor.toml").write_text(MANIFEST, encoding="utf-8")
    assert ccstd("certify", "keygen", "--out", root / "keys").exit_code == 0
    signing = ["--signing-key", root / "keys" / "certify-signing.pem", "--valid-days", "10"]
    run = ccstd("certify", "run", vendor, "--out", root / "out", "-q", *signing)
    assert run.exit_code == 0, run.stderr
    return root


@pytest.fixture
def inputs(issued: Path, tmp_path: Path) -> Path:
    """A fresh copy of the certified submission, free to tamper with."""
    return Path(shutil.copytree(issued / "linli-market", tmp_path / "linli-market"))


def document(issued: Path) -> dict[str, Any]:
    value: dict[str, Any] = json.loads((issued / "out" / "certificate.json").read_bytes())
    return value


def verify(issued: Path, path: Path, inputs: Path | None = None) -> Run:
    public = ["--public-key", issued / "keys" / "certify-signing.pub.pem"]
    folder = ["--inputs", inputs] if inputs is not None else []
    return ccstd("certify", "verify", path, *public, *folder, timeout=30)


def write(tmp_path: Path, value: Any) -> Path:
    path = tmp_path / "certificate.json"
    path.write_text(value if isinstance(value, str) else json.dumps(value), encoding="utf-8")
    return path


def resigned(issued: Path, tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """The certificate with its statement edited, then signed again by the body's real key."""
    statement = document(issued)["certificate"]
    edit(statement)
    key = certificate.load_private_key(issued / "keys" / "certify-signing.pem")
    path = tmp_path / "certificate.json"
    path.write_bytes(certificate.sign(statement, key))
    return path


def invalid(run: Run, *expected: str) -> None:
    """Verification ran and said no: exit 1, the reasons on stderr, no traceback."""
    run.assert_clean_failure(1)
    for part in expected:
        assert part in run.stderr, run.stderr


def malformed(run: Run, *expected: str) -> None:
    """Verification refused the file as no certificate at all: exit 2, one line."""
    run.assert_clean_failure(2)
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    for part in ("not a valid certificate", *expected):
        assert part in run.stderr, run.stderr


def test_the_issued_certificate_is_format_2_valid_for_the_days_asked(
    issued: Path, inputs: Path
) -> None:
    statement = document(issued)["certificate"]
    assert statement["format"] == "ccstd-certificate/2"
    issued_at = datetime.datetime.fromisoformat(statement["issuedAt"])
    until = datetime.datetime.fromisoformat(statement["validUntil"])
    assert until - issued_at == datetime.timedelta(days=10)
    before = tree(inputs)
    run = verify(issued, issued / "out" / "certificate.json", inputs)
    assert run.exit_code == 0 and "2 inputs unchanged" in run.stdout, run.stderr
    assert tree(inputs) == before


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d["certificate"].update(extra=1), "Additional properties"),
        (lambda d: d.update(note="trust me"), "Additional properties"),
        (lambda d: d["certificate"].pop("validUntil"), "'validUntil' is a required property"),
        (lambda d: d["certificate"].update(profiles="commerce"), "certificate/profiles"),
        (lambda d: d["certificate"]["inputs"][0].update(sha256="XYZ"), "inputs/0/sha256"),
        (lambda d: d["certificate"]["inputs"][0].update(path="../../etc/passwd"), "inputs/0/path"),
        (lambda d: d["certificate"]["inputs"][0].update(path="/etc/passwd"), "inputs/0/path"),
        (lambda d: d["certificate"]["ruleSet"].update(revision="1"), "ruleSet/revision"),
        (lambda d: d["signature"].update(algorithm="none"), "signature"),
        (lambda d: d["certificate"].update(validUntil="2000-01-01T00:00:00Z"), "before issuedAt"),
        (lambda d: d["certificate"].update(issuedAt="2026-13-45T00:00:00Z"), "not one"),
    ],
    ids=[
        "extra-field",
        "extra-top-level",
        "missing-field",
        "wrong-type",
        "non-hex-digest",
        "climbing-path",
        "absolute-path",
        "string-revision",
        "algorithm",
        "ends-before-issue",
        "bad-date",
    ],
)
def test_a_malformed_certificate_is_refused(
    issued: Path, tmp_path: Path, edit: Callable[[dict[str, Any]], None], expected: str
) -> None:
    tampered = document(issued)
    edit(tampered)
    malformed(verify(issued, write(tmp_path, tampered)), expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[]", "the document"),
        ("42", "the document"),
        ("not json", "not JSON"),
        ('{"certificate": NaN}', "NaN"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
    ids=["list", "number", "not-json", "nan", "deep"],
)
def test_what_is_not_a_certificate_is_one_line(
    issued: Path, tmp_path: Path, text: str, expected: str
) -> None:
    malformed(verify(issued, write(tmp_path, text)), expected)


def test_a_duplicate_key_is_refused(issued: Path, tmp_path: Path) -> None:
    text = (issued / "out" / "certificate.json").read_text(encoding="utf-8")
    doubled = text.replace('"vendor": ', '"vendor": "Someone Else",\n    "vendor": ', 1)
    malformed(verify(issued, write(tmp_path, doubled)), "duplicate key 'vendor'")


def test_the_old_format_is_refused_by_name(issued: Path, tmp_path: Path) -> None:
    old = document(issued)
    old["certificate"]["format"] = "ccstd-certificate/1"
    malformed(verify(issued, write(tmp_path, old)), "ccstd-certificate/1 is no longer accepted")


def test_a_certificate_over_four_mib_is_refused(issued: Path, tmp_path: Path) -> None:
    path = write(tmp_path, " " * (4 << 20) + json.dumps(document(issued)))
    run = verify(issued, path)
    run.assert_clean_failure(2)
    assert "larger than 4,194,304 bytes" in run.stderr


def test_a_certificate_that_is_a_fifo_is_refused_without_waiting(
    issued: Path, tmp_path: Path
) -> None:
    os.mkfifo(tmp_path / "certificate.json")
    run = verify(issued, tmp_path / "certificate.json")
    run.assert_clean_failure(2)
    assert "not a regular file" in run.stderr


def test_a_changed_key_id_is_invalid(issued: Path, tmp_path: Path) -> None:
    tampered = document(issued)
    tampered["signature"]["keyId"] = "0123456789abcdef"
    invalid(verify(issued, write(tmp_path, tampered)), "signed by key 0123456789abcdef")


def test_the_signature_covers_the_key_id_and_algorithm() -> None:
    statement = {"format": certificate.FORMAT}
    header = {"algorithm": "Ed25519", "keyId": "0123456789abcdef", "value": "x"}
    other = {**header, "keyId": "fedcba9876543210", "value": "y"}
    assert certificate.signed_bytes(statement, header) != certificate.signed_bytes(statement, other)
    assert b"0123456789abcdef" in certificate.signed_bytes(statement, header)


def test_an_edited_statement_is_invalid(issued: Path, tmp_path: Path) -> None:
    tampered = document(issued)
    tampered["certificate"]["profiles"].append("health")
    invalid(verify(issued, write(tmp_path, tampered)), "signature does not match")


def test_an_unsigned_certificate_is_invalid(issued: Path, tmp_path: Path) -> None:
    unsigned = document(issued)
    unsigned["signature"] = None
    invalid(verify(issued, write(tmp_path, unsigned)), "not signed")


def test_an_expired_certificate_is_invalid(issued: Path, tmp_path: Path) -> None:
    def expire(statement: dict[str, Any]) -> None:
        statement.update(issuedAt="2020-01-01T00:00:00Z", validUntil="2021-01-01T00:00:00Z")

    invalid(verify(issued, resigned(issued, tmp_path, expire)), "expired on 2021-01-01T00:00:00Z")


def test_a_certificate_issued_in_the_future_is_invalid(issued: Path, tmp_path: Path) -> None:
    def postdate(statement: dict[str, Any]) -> None:
        statement.update(issuedAt="2999-01-01T00:00:00Z", validUntil="3000-01-01T00:00:00Z")

    invalid(verify(issued, resigned(issued, tmp_path, postdate)), "not valid before 2999")


def test_an_input_replaced_by_a_symlink_out_is_not_read(issued: Path, inputs: Path) -> None:
    (inputs / SOURCE).unlink()
    (inputs / SOURCE).symlink_to("/etc/passwd")
    run = verify(issued, issued / "out" / "certificate.json", inputs)
    invalid(run, f"{SOURCE}: leads outside the inputs folder")


def test_an_input_replaced_by_a_fifo_is_refused_without_waiting(issued: Path, inputs: Path) -> None:
    (inputs / SOURCE).unlink()
    os.mkfifo(inputs / SOURCE)
    run = verify(issued, issued / "out" / "certificate.json", inputs)
    invalid(run, f"{SOURCE}: cannot read: not a regular file")


def test_a_missing_input_is_named(issued: Path, inputs: Path) -> None:
    (inputs / SOURCE).unlink()
    invalid(verify(issued, issued / "out" / "certificate.json", inputs), f"{SOURCE}: missing")


def test_no_input_is_read_before_the_signature_holds(
    issued: Path, inputs: Path, tmp_path: Path
) -> None:
    tampered = document(issued)
    tampered["certificate"]["vendor"] = "Forger"
    (inputs / SOURCE).unlink()
    os.mkfifo(inputs / SOURCE)  # opening it for reading would wait for a writer
    run = verify(issued, write(tmp_path, tampered), inputs)
    invalid(run, "signature does not match")
    assert SOURCE not in run.stderr


def test_inputs_that_are_not_a_folder_are_refused(issued: Path, tmp_path: Path) -> None:
    run = verify(issued, issued / "out" / "certificate.json", tmp_path / "nowhere")
    run.assert_clean_failure(2)
    assert "--inputs is not a folder" in run.stderr


def test_control_characters_in_a_signed_vendor_name_are_not_printed(
    issued: Path, tmp_path: Path
) -> None:
    def rename(statement: dict[str, Any]) -> None:
        statement["vendor"] = "Evil\x1b[2J\nvalid: Someone Else"

    run = verify(issued, resigned(issued, tmp_path, rename))
    assert run.exit_code == 0 and len(run.stdout.splitlines()) == 1, run.stdout
    assert "\x1b" not in run.stdout


def test_valid_days_below_one_is_a_usage_error(issued: Path, tmp_path: Path) -> None:
    vendor = issued / "linli-market"
    run = ccstd("certify", "run", vendor, "--out", tmp_path / "out", "--valid-days", "0")
    run.assert_clean_failure(2)
    assert not (tmp_path / "out").exists()


def test_the_body_never_signs_what_verify_would_refuse(issued: Path) -> None:
    statement = document(issued)["certificate"]
    statement["inputs"].append({"path": "../../etc/passwd", "role": "adapter-code", "sha256": "0"})
    key = certificate.load_private_key(issued / "keys" / "certify-signing.pem")
    with pytest.raises(certificate.CertificateError, match="will not sign"):
        certificate.sign(statement, key)
