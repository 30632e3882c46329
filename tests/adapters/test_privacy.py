"""Direct identifiers: pseudonymised by key, masked values recognised, raw only on request."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccstd.adapters.privacy import Protector, PseudonymKeyError, load_key
from ccstd.standard.registry import StandardRegistry
from tests.conftest import valid_record

STANDARD = StandardRegistry().get("1.0.0")


def test_same_value_same_pseudonym_under_one_key_only() -> None:
    first = Protector(STANDARD, b"key-one-0123456789").protect(valid_record("Resident"))
    again = Protector(STANDARD, b"key-one-0123456789").protect(valid_record("Resident"))
    other = Protector(STANDARD, b"key-two-0123456789").protect(valid_record("Resident"))
    assert first["nationalId"] == again["nationalId"] != other["nationalId"]
    assert first["nationalId"]["value"].startswith("hmac-sha256:")
    assert first["name"]["text"]["protection"] == "pseudonymised"
    assert first["birthDate"] == valid_record("Resident")["birthDate"]  # not a direct identifier


def test_masked_values_are_marked_not_pseudonymised() -> None:
    order = valid_record("Delivery") | {"recipientPhone": "139****6666", "recipientName": "李*"}
    protected = Protector(STANDARD, b"key-one-0123456789").protect(order)
    assert protected["recipientPhone"] == {"protection": "masked", "value": "139****6666"}
    assert protected["recipientName"] == {"protection": "masked", "value": "李*"}


def test_raw_mode_keeps_values() -> None:
    protector = Protector(STANDARD, None)
    assert (
        protector.protect(valid_record("Resident"))["nationalId"]
        == valid_record("Resident")["nationalId"]
    )
    assert protector.counts["raw"] > 0


def test_keys_come_from_file_or_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CCSTD_PSEUDONYM_KEY", raising=False)
    assert load_key(None) is None
    (tmp_path / "k").write_bytes(b"file-key-0123456789abcdef\n")
    assert load_key(tmp_path / "k") == b"file-key-0123456789abcdef"
    monkeypatch.setenv("CCSTD_PSEUDONYM_KEY", "short")
    with pytest.raises(PseudonymKeyError, match="at least 16 bytes"):
        load_key(None)
