"""A source path is mapped or dropped, never both (the ledger would call dropped what is
written): a mapping in a dialect that extends the one dropping the path wins over that entry;
any other overlap is exit 2 naming the field and the `[dropped]` entry. Platform files (which do
not extend) may never both map and drop a path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.adapters.access_xml.test_real_logs import KEY, alert

RUNNER = CliRunner()
HEAD = 'family = "access-xml"\nname = "my-hik"\ndescription = "a site"\n'
HEAD += 'extends = "xml-hikvision-isapi"\n[site]\nid = "comm-1"\n'
SHOPIFY = Path(__file__).parents[3] / "adapters" / "orders" / "platforms" / "shopify.toml"


def convert(tmp_path: Path, mapping: Path, data: Path) -> tuple[int, str, Path]:
    out, ledger = tmp_path / "out.ndjson", tmp_path / "ledger.json"
    args = [
        "convert",
        str(data),
        "--dialect",
        str(mapping),
        "-o",
        str(out),
        "--ledger",
        str(ledger),
    ]
    result = RUNNER.invoke(app, args, env=KEY)
    assert "Traceback" not in result.output
    return result.exit_code, result.output, ledger


def test_a_child_mapping_what_its_base_drops_maps_it(tmp_path: Path) -> None:
    dialect = tmp_path / "d.toml"
    dialect.write_text(HEAD + '[fields]\ncode = "portNo"\n', encoding="utf-8")
    log = tmp_path / "a.xml"
    log.write_text(alert("<macAddress>44:19:b6:0a:00:3c</macAddress><portNo>8080</portNo>"))
    code, output, ledger = convert(tmp_path, dialect, log)
    assert code == 0, output
    events = [json.loads(x) for x in (tmp_path / "out.ndjson").read_text().splitlines()]
    assert [e["vendorEventCode"] for e in events if e["type"] == "AccessEvent"] == ["8080"]
    assert "my-hik.portNo" in json.loads(ledger.read_text())["mapped"]
    assert "portNo" not in json.dumps(json.loads(ledger.read_text())["dropped"])
    described = RUNNER.invoke(app, ["adapters", "check", str(dialect)])
    assert described.exit_code == 0
    assert "code           ← portNo" in described.output
    assert "dropped portNo" not in described.output  # the base's entry no longer applies


@pytest.mark.parametrize(
    ("extra", "line", "key", "named"),
    [
        ('[dropped]\nserialNumber = "not wanted"\n', 8, "dropped.serialNumber",
         "fields.device of xml-hikvision-isapi"),
        ('[fields]\ncode = "portNo"\n[dropped]\nportNo = "again"\n', 8, "fields.code",
         "[dropped] 'portNo'"),
    ],
)  # fmt: skip
def test_a_path_mapped_and_dropped_is_refused(
    tmp_path: Path, extra: str, line: int, key: str, named: str
) -> None:
    dialect = tmp_path / "d.toml"
    dialect.write_text(HEAD + extra, encoding="utf-8")
    log = tmp_path / "a.xml"
    log.write_text(alert("<macAddress>44:19:b6:0a:00:3c</macAddress>"))
    code, output, _ = convert(tmp_path, dialect, log)
    assert code == 2
    assert f"d.toml:{line}: {key}: " in output and named in output
    assert "map it or drop it, not both" in output
    assert not (tmp_path / "out.ndjson").exists()


@pytest.mark.parametrize(
    ("entry", "mapping"),
    [
        ('total_line_items_price = "x"', "money.subtotal.sum.0"),
        ('"line_items.sku" = "x"', "lines.0.sku"),
    ],
)
def test_a_platform_mapping_and_dropping_a_path_is_refused(
    tmp_path: Path, entry: str, mapping: str
) -> None:
    text = SHOPIFY.read_text("utf-8") + entry + "\n"
    platform = tmp_path / "p.toml"
    platform.write_text(text, encoding="utf-8")
    orders = tmp_path / "o.json"
    orders.write_text("[]", encoding="utf-8")
    code, output, _ = convert(tmp_path, platform, orders)
    assert code == 2
    assert f"p.toml:{len(text.splitlines())}: dropped." in output
    assert f"read by {mapping}: map it or drop it, not both" in output
