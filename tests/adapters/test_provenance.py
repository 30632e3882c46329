"""Standard 1.2.0 provenance: every built-in adapter names a source by `meta.source.fileSha256`
and the user's `meta.source.label`, never by its file name (exports are named after people)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.conftest import REPO_ROOT

VENDORS = REPO_ROOT / "examples" / "vendors"
ENV = {"CCSTD_PSEUDONYM_KEY": "provenance-test-key-4f1c9a2e7b", "SOURCE_DATE_EPOCH": "1700000000"}
NAMED = "Wilhelmina_Quixotebury"  # what an export's file name may hold


@pytest.mark.parametrize(
    "sample",
    ["fhir/clinic-export.json", "access-xml/legacy-accesslog.xml", "orders/taobao-trades.ndjson",
     "orders/shopify-orders.json"],
)  # fmt: skip
def test_records_name_the_source_by_digest_and_label_only(tmp_path: Path, sample: str) -> None:
    original = VENDORS / sample
    source = tmp_path / f"{NAMED}{''.join(original.suffixes)}"
    shutil.copyfile(original, source)
    out, ledger, shared = tmp_path / "out.ndjson", tmp_path / "ledger.json", tmp_path / "r.ndjson"
    result = CliRunner().invoke(app, [
        "convert", str(source), "--out", str(out), "--ledger", str(ledger),
        "--rejects-redacted", str(shared), "--source-label", "district clinic", "-q",
    ], env=ENV)  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    written = "1.3.0" if sample.startswith("fhir/") else "1.2.0"  # the adapter's version
    assert records and all(r["standardVersion"] == written for r in records)
    for record in records:
        provenance = record["meta"]["source"]
        assert provenance["fileSha256"] == digest and provenance["label"] == "district clinic"
        assert "file" not in provenance
    for written in (out, ledger, shared):
        assert not written.exists() or NAMED not in written.read_text()
    assert NAMED not in result.output
