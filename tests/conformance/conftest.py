"""Helpers to write a vendor submission in a temporary folder and certify it."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from ccstd.conformance import manifest
from ccstd.conformance.engine import certify
from ccstd.conformance.result import CertificationResult

Submit = Callable[..., CertificationResult]


@pytest.fixture
def submit(tmp_path: Path) -> Submit:
    """Write records (and optionally an adapter section) with a manifest; certify it."""

    def run(
        records: list[dict[str, Any]] | None = None,
        profiles: tuple[str, ...] = ("logistics",),
        level: str = "quality",
        adapter: str = "",
    ) -> CertificationResult:
        data = ""
        if records is not None:
            lines = b"".join(orjson.dumps(r) + b"\n" for r in records)
            (tmp_path / "records.ndjson").write_bytes(lines)
            data = '[data]\nrecords = ["records.ndjson"]\n'
        (tmp_path / "ccstd-vendor.toml").write_text(
            textwrap.dedent(
                f"""\
                [vendor]
                name = "Test Vendor"
                product = "Test Product"
                [claim]
                standard = "1.0.0"
                profiles = {list(profiles)!r}
                level = "{level}"
                """
            ).replace("'", '"')
            + data
            + adapter,
            encoding="utf-8",
        )
        return certify(manifest.load(tmp_path))

    return run


def codes(result: CertificationResult) -> set[str]:
    """The rule codes a certification found."""
    return set(result.by_rule)
