"""Hostile XML is refused before it is parsed, or stopped by libxml2's limits: never expanded,
never fetched, never read from the file system, and the run still accounts for it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccstd.adapters.access_xml import LegacyAccessLog, safe_stream
from ccstd.adapters.privacy import Protector
from ccstd.adapters.runner import Outputs, convert_paths
from ccstd.standard.registry import StandardRegistry

EVENT = (
    '<Event time="2024-05-01 07:00:00" controller="A" door="1">'
    '<Result code="OK"/><Method>CARD</Method><Card>&e;</Card></Event>'
)
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + ']><AccessLog><Event time="2024-05-01 07:00:00" controller="A">'
    + "<Card>&lol9;</Card></Event></AccessLog>"
)
CASES = {
    "xxe-file": f'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><AccessLog>{EVENT}</AccessLog>',
    "xxe-network": f'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "http://127.0.0.1:9/x">]><AccessLog>{EVENT}</AccessLog>',
    "billion-laughs": BILLION_LAUGHS,
    "quadratic-blowup": '<!DOCTYPE a [<!ENTITY e "'
    + "x" * 50_000
    + '">]><AccessLog>'
    + EVENT.replace("&e;", "&e;" * 2_000)
    + "</AccessLog>",
    "parameter-entity": '<!DOCTYPE a [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><AccessLog/>',
}


def convert(tmp_path: Path, content: str | bytes) -> tuple[dict, list[dict], str]:  # type: ignore[type-arg]
    source = tmp_path / "log.xml"
    source.write_bytes(content.encode() if isinstance(content, str) else content)
    outputs = Outputs(tmp_path / "out.ndjson", tmp_path / "rejects.ndjson")
    protector = Protector(StandardRegistry().get("1.0.0"), b"xml-security-key-0123")
    report = convert_paths(LegacyAccessLog(), [source], outputs, protector)
    rejects = [json.loads(line) for line in (tmp_path / "rejects.ndjson").read_text().splitlines()]
    return report.as_json(), rejects, (tmp_path / "out.ndjson").read_text()


@pytest.mark.parametrize("case", sorted(CASES))
def test_entity_attacks_are_refused_before_parsing(tmp_path: Path, case: str) -> None:
    report, rejects, out = convert(tmp_path, CASES[case])
    assert (report["read"], report["converted"], report["rejected"]) == (1, 0, 1)
    assert rejects[0]["reason"] == "unreadable-item"
    assert "unsafe XML refused" in rejects[0]["message"]
    assert out == "" and "root:" not in rejects[0]["message"]


def test_an_entity_declared_mid_stream_is_refused_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(safe_stream, "_CHUNK", 4096)  # the DOCTYPE arrives in a later chunk
    good = "".join(  # distinct events: a repeated one is a duplicate
        f"<?xml version='1.0'?><AccessLog>{EVENT.replace('&e;', str(n))}</AccessLog>\n"
        for n in range(2000)
    )
    report, rejects, _ = convert(tmp_path, good + CASES["xxe-file"])
    assert report["converted"] > 0 and report["rejected"] == 1  # what came before stands
    assert report["read"] == report["converted"] + 1
    assert "unsafe XML refused" in rejects[0]["message"]


def test_deep_nesting_stops_at_the_parser_limit(tmp_path: Path) -> None:
    deep = "<AccessLog>" + "<x>" * 100_000 + "</x>" * 100_000 + "</AccessLog>"
    report, rejects, _ = convert(tmp_path, deep)
    assert (report["read"], report["rejected"]) == (1, 1)
    assert "malformed XML" in rejects[0]["message"]


def test_a_plain_doctype_without_declarations_is_harmless(tmp_path: Path) -> None:
    doctype = '<!DOCTYPE AccessLog SYSTEM "accesslog.dtd">'
    plain = f'<?xml version="1.0"?>{doctype}<AccessLog>{EVENT.replace("&e;", "1")}</AccessLog>'
    report, _, out = convert(tmp_path, plain)
    assert report["converted"] == 1 and out.count("\n") == 2  # the event and its Device


def test_truncated_log_keeps_what_was_read_and_says_where_it_broke(tmp_path: Path) -> None:
    events = "".join(EVENT.replace("&e;", str(n)) + "\n" for n in range(3))  # distinct events
    report, rejects, _ = convert(tmp_path, "<AccessLog>\n" + events + EVENT[:40])
    assert (report["read"], report["converted"], report["rejected"]) == (4, 3, 1)
    assert rejects[0]["locator"].startswith("document at line")


@pytest.mark.parametrize("content", [b'{"events": [1, 2]}', b"[" * 1000, b"\x00\x01binary"])
def test_input_that_is_not_xml_is_rejected_not_read_as_empty(
    tmp_path: Path, content: bytes
) -> None:
    report, rejects, output = convert(tmp_path, content)
    assert (report["read"], report["rejected"], output) == (1, 1, "")
    assert rejects[0]["message"].startswith("not XML")
