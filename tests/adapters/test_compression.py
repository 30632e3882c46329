"""Gzip sources serve every adapter: the same records from a file and from its gzip copy, the
adapter detected from the decompressed content."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.adapters import compression
from ccstd.cli.app import app
from tests.conftest import REPO_ROOT

VENDORS = REPO_ROOT / "examples" / "vendors"
KEY = "5d1e8a3c7f9b2e4a6c8d0f1b3a5c7e9d"


def records(tmp_path: Path, source: Path, out: str) -> list[dict]:  # type: ignore[type-arg]
    target = tmp_path / out
    result = CliRunner().invoke(
        app, ["convert", str(source), "--out", str(target), "-q"],
        env={"CCSTD_PSEUDONYM_KEY": KEY, "SOURCE_DATE_EPOCH": "1700000000"},
    )  # fmt: skip
    assert result.exit_code in (0, 1) and "Traceback" not in result.output, result.output
    found = [json.loads(line) for line in target.read_text().splitlines()]
    for record in found:
        record["meta"]["source"].pop("fileSha256", None)  # the digest of the file as given
    return found


@pytest.mark.parametrize(
    "sample",
    ["access-xml/hikvision-alerts.xml", "orders/shopify-orders.json", "orders/taobao-trades.ndjson",
     "fhir/clinic-export.json"],
)  # fmt: skip
def test_a_gzip_copy_converts_like_the_file(tmp_path: Path, sample: str) -> None:
    plain = VENDORS / sample
    packed = tmp_path / f"{plain.name}.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    expected = records(tmp_path, plain, "plain.ndjson")
    assert expected and records(tmp_path, packed, "packed.ndjson") == expected


def test_the_bound_grows_with_the_file(tmp_path: Path) -> None:
    small, large = tmp_path / "small.gz", tmp_path / "large.gz"
    small.write_bytes(b"\x1f\x8b" + b"\0" * 10)
    large.write_bytes(b"\x1f\x8b" + b"\0" * (1 << 20))
    assert compression.expansion_limit(small) == compression.FLOOR
    assert compression.expansion_limit(large) == compression.MAX_RATIO * ((1 << 20) + 2)


def test_the_temporary_copy_is_private_and_removed(tmp_path: Path) -> None:
    packed = tmp_path / "x.json.gz"
    packed.write_bytes(gzip.compress(b'{"resourceType": "Patient"}'))
    with compression.readable(packed) as plain:
        assert plain != packed and plain.stat().st_mode & 0o077 == 0
        assert plain.read_bytes() == b'{"resourceType": "Patient"}'
    assert not plain.exists()
