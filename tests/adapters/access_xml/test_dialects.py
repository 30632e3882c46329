"""The three built-in dialects on the bundled samples: counts, mappings, validity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccstd.adapters.access_xml import AcsV2, HikvisionIsapi, LegacyAccessLog
from ccstd.adapters.access_xml.safe_stream import SafeXMLStream
from ccstd.adapters.base import Adapter
from ccstd.adapters.ledger import Ledger
from ccstd.adapters.privacy import Protector
from ccstd.adapters.registry import detect
from ccstd.adapters.runner import Outputs, convert_paths
from ccstd.standard.registry import StandardRegistry
from ccstd.standard.runner import validate_paths
from tests.conftest import REPO_ROOT

SAMPLES = REPO_ROOT / "examples" / "vendors" / "access-xml"
CASES = [  # adapter, sample, (read, converted, skipped, rejected)
    (HikvisionIsapi, "hikvision-alerts.xml", (300, 298, 1, 1)),
    (LegacyAccessLog, "legacy-accesslog.xml", (300, 298, 0, 2)),
    (AcsV2, "acs-v2-passes.xml", (300, 299, 0, 1)),
]


def run(adapter: Adapter, source: Path, tmp_path: Path) -> tuple[dict, list[dict]]:  # type: ignore[type-arg]
    outputs = Outputs(
        tmp_path / "out.ndjson", tmp_path / "rejects.ndjson", tmp_path / "ledger.json"
    )
    protector = Protector(StandardRegistry().get("1.1.0"), b"dialect-test-key-0123")
    report = convert_paths(adapter, [source], outputs, protector, Ledger(adapter.coverage()))
    records = [json.loads(line) for line in outputs.records.read_text().splitlines()]
    return report.as_json(), [r for r in records if r["type"] == "AccessEvent"]


@pytest.mark.parametrize(("adapter", "sample", "counts"), CASES, ids=[c[1] for c in CASES])
def test_samples_convert_with_every_item_accounted_for(
    adapter: type[Adapter], sample: str, counts: tuple[int, int, int, int], tmp_path: Path
) -> None:
    report, _ = run(adapter(), SAMPLES / sample, tmp_path)
    assert (report["read"], report["converted"], report["skipped"], report["rejected"]) == counts
    assert report["unknownFields"] == 0
    assert validate_paths([str(tmp_path / "out.ndjson")]).invalid == 0


@pytest.mark.parametrize(("adapter", "sample", "counts"), CASES, ids=[c[1] for c in CASES])
def test_auto_detection_picks_the_dialect(
    adapter: type[Adapter], sample: str, counts: object
) -> None:
    assert detect(SAMPLES / sample).name == adapter().name


def test_hikvision_codes_become_method_result_and_reason(tmp_path: Path) -> None:
    _, records = run(HikvisionIsapi(), SAMPLES / "hikvision-alerts.xml", tmp_path)
    by_code = {r["vendorEventCode"]: r for r in records}
    assert (by_code["5/75"]["method"], by_code["5/75"]["result"]) == ("face", "granted")
    assert (by_code["5/9"]["result"], by_code["5/9"]["denialReason"]) == (
        "denied",
        "unknown-credential",
    )
    assert by_code["3/1024"]["method"] == "remote-open"
    assert all(r["device"]["id"].startswith("hik-44:19:b6") for r in records)


def test_legacy_local_times_get_the_dialects_zone_and_gb2312_is_read(tmp_path: Path) -> None:
    _, records = run(LegacyAccessLog(), SAMPLES / "legacy-accesslog.xml", tmp_path)
    assert all(r["occurredAt"].endswith("+08:00") for r in records)
    assert {r["direction"] for r in records} == {"in", "out"}  # 进/出 and IN/OUT


def test_card_numbers_never_leave_in_clear(tmp_path: Path) -> None:
    _, records = run(AcsV2(), SAMPLES / "acs-v2-passes.xml", tmp_path)
    text = (tmp_path / "out.ndjson").read_text()
    cards = {
        line.split('card="')[1][:8]
        for line in (SAMPLES / "acs-v2-passes.xml").read_text().splitlines()
        if 'card="' in line
    }
    assert not any(card in text for card in cards)
    assert all(r["credential"]["value"]["protection"] == "pseudonymised" for r in records)


def test_concatenated_documents_read_as_one_stream() -> None:
    source = b'<?xml version="1.0" encoding="UTF-8"?>\n<a>1</a>\n<?xml version="1.0"?>\n<a>2</a>\n'
    stream = SafeXMLStream(__import__("io").BytesIO(source))
    text = b"".join(iter(lambda: stream.read(5), b""))
    assert text == b"<ccstd-documents>\n<a>1</a>\n\n<a>2</a>\n</ccstd-documents>"
