"""What a hostile or unusual access log, rejects file or dialect made the reading side do wrong,
each driven through the `ccstd` CLI: refused the same way by `convert` and `convert --replay`,
read in the encoding it declares, and accounted for."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ccstd.cli.app import app

ENV = {"CCSTD_PSEUDONYM_KEY": "0f3a9c2e7b1d4f8a6c5e0b9d2a7f3c1e"}
EVENT = (
    '<Event id="1" time="2024-05-01 07:00:49" controller="LY-1" door="{door}" reader="1">'
    '<Card>23930928</Card><Result code="OK"/><Method>{method}</Method></Event>'
)


def ccstd(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], env=ENV)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def lines(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_replay_refuses_the_entity_declarations_convert_refuses(tmp_path: Path) -> None:
    log = tmp_path / "log.xml"
    log.write_text(f"<AccessLog>{EVENT.format(door=1, method='ZAP')}</AccessLog>")
    rejects = tmp_path / "rejects.ndjson"
    code, _ = ccstd("convert", log, "--from", "xml-legacy-accesslog",
                    "--out", tmp_path / "a.ndjson", "--rejects", rejects)  # fmt: skip
    assert code == 1
    [line] = lines(rejects)
    bomb = '<!DOCTYPE Event [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
    line["raw"]["text"] = bomb + EVENT.format(door="&b;", method="CARD")
    rejects.write_text(json.dumps(line) + "\n", encoding="utf-8")
    out, still = tmp_path / "b.ndjson", tmp_path / "still.ndjson"
    code, output = ccstd("convert", "--replay", rejects, "--from", "xml-legacy-accesslog",
                         "--out", out, "--rejects", still)  # fmt: skip
    assert code == 1, output
    [again] = lines(still)
    assert "unsafe XML refused" in again["message"]
    assert "aaaa" not in out.read_text(encoding="utf-8")
