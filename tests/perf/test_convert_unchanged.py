"""`ccstd convert` writes what it wrote before the fast paths (issue 13), byte for byte.

tests/perf/golden/convert-outputs.json holds the SHA-256 of the records, rejects and ledger that
`ccstd convert` wrote, before the work on throughput, for the XML, orders and FHIR benchmarks'
inputs (small sizes), seeded variants that reach what the benchmarks do not
(tests/perf/convert_inputs.py) and every vendor example of those families. Regenerate it only
for a change meant to alter outputs:
`python -m tests.perf.test_convert_unchanged > tests/perf/golden/convert-outputs.json`.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.perf import convert_inputs as make

GOLDEN_FILE = Path(__file__).parent / "golden" / "convert-outputs.json"
KEY = "3f9a1c7e5b2d8f40a6c1e9b7d3f5a2c8"
Builder = Callable[[Path], Path]


def _example(*parts: str) -> Builder:
    return lambda _folder: make.VENDORS.joinpath(*parts)


CASES: dict[str, tuple[str, Builder]] = {
    "bench-xml": ("xml-legacy-accesslog", make.bench_xml),
    "odd-xml": ("xml-legacy-accesslog", make.odd_xml),
    "bench-orders": ("orders-taobao", make.bench_orders),
    "odd-orders": ("orders-taobao", make.odd_orders),
    "example-legacy": ("xml-legacy-accesslog", _example("access-xml", "legacy-accesslog.xml")),
    "example-acs-v2": ("xml-acs-v2", _example("access-xml", "acs-v2-passes.xml")),
    "example-hikvision": ("xml-hikvision-isapi", _example("access-xml", "hikvision-alerts.xml")),
    "example-taobao": ("orders-taobao", _example("orders", "taobao-trades.ndjson")),
    "example-shopify": ("orders-shopify", _example("orders", "shopify-orders.json")),
    "example-woocommerce": ("orders-woocommerce", _example("orders", "woocommerce-orders.json")),
    "example-meituan": (
        "orders-meituan-waimai",
        _example("orders", "meituan-waimai-orders.ndjson"),
    ),
    "bench-fhir": ("fhir-r4", make.bench_fhir),
    "odd-fhir": ("fhir-r4", make.odd_fhir),
    "odd-fhir-ndjson": ("fhir-r4", make.odd_fhir_ndjson),
    "odd-fhir-array": ("fhir-r4", make.odd_fhir_array),
    "example-fhir": ("fhir-r4", _example("fhir", "clinic-export.json")),
}
OUTPUTS = ("records", "rejects", "ledger")


def digests(case: str, folder: Path, jobs: int = 1) -> dict[str, str]:
    """The exit code and the SHA-256 of each output of `ccstd convert` on the case's input."""
    adapter, build = CASES[case]
    source = build(folder)
    out = {name: folder / f"{case}-{jobs}.{name}" for name in OUTPUTS}
    arguments = ["convert", str(source), "--from", adapter, "-q", "--jobs", str(jobs)]
    arguments += ["--out", str(out["records"]), "--rejects", str(out["rejects"])]
    arguments += ["--ledger", str(out["ledger"])]
    env = {"CCSTD_PSEUDONYM_KEY": KEY, "SOURCE_DATE_EPOCH": "1714521600"}
    outcome = CliRunner().invoke(app, arguments, env=env)
    assert outcome.exit_code in (0, 1), outcome.output
    found = {name: hashlib.sha256(out[name].read_bytes()).hexdigest() for name in OUTPUTS}
    return found | {"exit": str(outcome.exit_code)}


@pytest.mark.parametrize("case", sorted(CASES))
def test_outputs_are_unchanged(case: str, tmp_path: Path) -> None:
    golden = json.loads(GOLDEN_FILE.read_text(encoding="utf-8"))
    assert digests(case, tmp_path) == golden[case]


@pytest.mark.parametrize("case", ["odd-xml", "odd-orders", "odd-fhir"])
def test_outputs_are_unchanged_in_worker_processes(case: str, tmp_path: Path) -> None:
    golden = json.loads(GOLDEN_FILE.read_text(encoding="utf-8"))
    assert digests(case, tmp_path, jobs=2) == golden[case]


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        found = {case: digests(case, Path(tmp)) for case in sorted(CASES)}
    sys.stdout.write(json.dumps(found, indent=2, sort_keys=True) + "\n")
