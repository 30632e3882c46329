"""What an access log holds around its records, driven through `ccstd convert`: a dialect whose
`record` matches nothing says so, naming itself; a start tag over 1 MiB costs its record only;
a file the parser cannot go on with says how many records it read first; counts add up."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.conftest import REPO_ROOT

ENV = {"CCSTD_PSEUDONYM_KEY": "0f3a9c2e7b1d4f8a6c5e0b9d2a7f3c1e"}
LEGACY = REPO_ROOT / "adapters" / "access_xml" / "dialects" / "legacy-accesslog.toml"
EVENT = (
    '<Event id="{i}" time="2024-05-01 07:00:{i:02d}" controller="LY-1" door="{door}" reader="1">'
    '<Card>2393092{i}</Card><Result code="OK"/><Method>CARD</Method></Event>\n'
)


def convert(tmp_path: Path, log: Path, *how: str | Path) -> tuple[int, str, dict, list[dict]]:  # type: ignore[type-arg]
    out, rejects = tmp_path / "out.ndjson", tmp_path / "rejects.ndjson"
    args = ["convert", log, *how, "--out", out, "--rejects", rejects]
    result = CliRunner().invoke(app, [str(a) for a in args], env=ENV, terminal_width=200)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    lines = rejects.read_text("utf-8").splitlines() if rejects.exists() else []
    summary = {k: int(n.replace(",", "")) for k, n in COUNT.findall(result.output)}
    return result.exit_code, result.output, summary, [json.loads(x) for x in lines]


COUNT = re.compile(r"(read|converted|skipped|rejected)\s*│\s*([0-9,]+)")


def events(out: Path) -> list[str]:
    records = [json.loads(x) for x in out.read_text("utf-8").splitlines()]
    return [r["occurredAt"] for r in records if r["type"] == "AccessEvent"]


def adds_up(report: dict) -> bool:  # type: ignore[type-arg]
    return bool(report["read"] == report["converted"] + report["skipped"] + report["rejected"])


@pytest.mark.parametrize(
    ("log", "holds"),
    [
        ('<AccessLog site="s">{events}</AccessLog>', "<AccessLog> with <Event> inside"),
        ('<AccessLog site="s">door 1 opened 08:00</AccessLog>', "<AccessLog> only"),
    ],
)
def test_a_dialect_whose_record_matches_nothing_names_itself(
    tmp_path: Path, log: str, holds: str
) -> None:
    dialect = tmp_path / "typo.toml"
    text = LEGACY.read_text("utf-8").replace('record = "Event"', 'record = "Evnt"')
    dialect.write_text(text.replace('"xml-legacy-accesslog"', '"xml-typo"'), "utf-8")
    source = tmp_path / "log.xml"
    source.write_text(log.format(events=EVENT.format(i=1, door=1)), "utf-8")
    code, output, report, rejects = convert(tmp_path, source, "--dialect", dialect)
    assert code == 1, output  # a refusal on content (docs/convert.md, exit codes)
    [rejected] = rejects
    assert rejected["reason"] == "no-records"
    message = rejected["message"]
    assert "dialect xml-typo's record 'Evnt' matches nothing" in message and holds in message
    assert (report["read"], report["rejected"]) == (1, 1)


@pytest.mark.parametrize("value", ["A" * (12 << 20), "a>b\n" * (3 << 20)])
def test_a_start_tag_over_1_mib_costs_its_record_only(tmp_path: Path, value: str) -> None:
    """Twelve megabytes in one attribute (with `>` and newlines in it, or not): the events
    before and after it convert, it is rejected alone, and later line numbers stay right."""
    source = tmp_path / "log.xml"
    with source.open("w", encoding="utf-8") as log:
        log.write('<AccessLog site="s">\n')
        for i in range(9):
            log.write(EVENT.format(i=i, door=value if i == 4 else 1))
        log.write("<Event broken></AccessLog>\n")
    code, output, report, rejects = convert(tmp_path, source, "--from", "xml-legacy-accesslog")
    assert code == 1, output
    assert len(events(tmp_path / "out.ndjson")) == 8
    oversized, rest = rejects
    assert (oversized["reason"], oversized["locator"], oversized["line"]) == (
        "oversized-item",
        "/AccessLog/Event[5]",
        6,
    )
    assert "1 MiB" in oversized["message"] and not oversized["raw"]["text"]
    newlines = value.count("\n")
    assert rest["locator"] == f"document at line {11 + newlines}", rest["message"]
    assert "(9 records before it read; the rest of the file is refused)" in rest["message"]
    assert (report["read"], report["converted"], report["rejected"]) == (10, 8, 2)
    assert adds_up(report)


def test_a_file_the_parser_cannot_go_on_with_says_how_many_records_it_read(
    tmp_path: Path,
) -> None:
    source = tmp_path / "log.xml"
    body = "".join(EVENT.format(i=i, door=1) for i in range(3))
    source.write_text(f'<AccessLog site="s">\n{body}<Event <<\n{body}</AccessLog>\n', "utf-8")
    code, output, report, rejects = convert(tmp_path, source, "--from", "xml-legacy-accesslog")
    assert code == 1, output
    assert len(events(tmp_path / "out.ndjson")) == 3
    [rest] = rejects
    assert rest["message"].startswith("malformed XML at line 5: ")
    assert rest["message"].endswith("(3 records before it read; the rest of the file is refused)")
    assert "\n" not in rest["message"]
    assert (report["read"], report["converted"], report["rejected"]) == (4, 3, 1)


def test_a_record_inside_another_is_named_so_both_ways(tmp_path: Path) -> None:
    """The inner record used to convert with the outer one's attributes as its context, and
    the outer one without the fields read before it (freed with the inner one)."""
    inner = EVENT.format(i=3, door=2).strip()
    outer = EVENT.format(i=2, door=1).replace("<Result", f"\n  {inner}\n<Result")
    body = EVENT.format(i=1, door=1) + outer + EVENT.format(i=4, door=1)
    source = tmp_path / "log.xml"
    source.write_text(f'<AccessLog site="s">\n{body}</AccessLog>\n', "utf-8")
    code, output, report, rejects = convert(tmp_path, source, "--from", "xml-legacy-accesslog")
    assert code == 1, output
    assert events(tmp_path / "out.ndjson") == [
        "2024-05-01T07:00:01+08:00",
        "2024-05-01T07:00:04+08:00",
    ]
    assert [(r["reason"], r["locator"], r["line"]) for r in rejects] == [
        ("nested-record", "/AccessLog/Event/Event[1]", 4),
        ("nested-record", "/AccessLog/Event[2]", 3),
    ]
    assert "inside another <Event> record (/AccessLog/Event at line 3)" in rejects[0]["message"]
    assert "holding another <Event> record (at line 4)" in rejects[1]["message"]
    assert (report["read"], report["converted"], report["rejected"]) == (4, 2, 2)
    again = tmp_path / "again"
    again.mkdir()
    how = (tmp_path / "rejects.ndjson", "--from", "xml-legacy-accesslog")
    code, output, _, replayed = convert(again, Path("--replay"), *how)  # --replay REJECTS
    assert code == 1, output
    assert [(r["reason"], r["message"]) for r in replayed] == [
        (r["reason"], r["message"]) for r in rejects
    ]
