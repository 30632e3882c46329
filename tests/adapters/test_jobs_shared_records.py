"""`convert --jobs 2` writes the shared records learnt from a log (Device, Community) exactly
as one process does, even when the item that first made one in a worker is not written after
all (a `conflicting-id` found only when the workers' outcomes meet): same records, same order,
same counts, and the output passes `validate --check-references`."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.adapters.test_personal_data_screen import DIALECT

RUNNER = CliRunner()
ENV = {
    "CCSTD_PSEUDONYM_KEY": "jobs-shared-records-key-7c6b5a4d3e2f",
    "SOURCE_DATE_EPOCH": "1714521600",
}


def swipe(i: int) -> str:
    at = f"{7 + i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}"
    return (f"<刷卡><时间>2024年05月01日 {at}</时间><方式>刷卡</方式><结果>通过</结果>"
            f"<卡号>{31000000 + i}</卡号></刷卡>\n")  # fmt: skip


def write_log(path: Path, controller: str, swipes: list[int]) -> Path:
    body = "".join(swipe(i) for i in swipes)
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<门禁记录 控制器="{controller}">\n'
    text = f"{head}{body}</门禁记录>\n"
    path.write_text(text, encoding="utf-8")
    return path


def conflict_inputs(folder: Path) -> list[str]:
    """A dialect and two logs whose controller is a root attribute; the second log's controller
    c2 is first made by its first swipe, in the second chunk of 200 items, and that swipe is byte
    for byte one of the first log's (same event id, another device): rejected only when the
    workers' outcomes meet, after its worker has left c2 out of the rest."""
    dialect = folder / "d.toml"
    text = DIALECT.format(extra="").replace('device = "@门"', 'device = "/门禁记录/@控制器"')
    dialect.write_text(text + 'name = "联洋花园"\n', encoding="utf-8")  # under [site]
    first = write_log(folder / "a.xml", "c1", list(range(250)))
    second = write_log(folder / "b.xml", "c2", [249, *range(1000, 1050)])
    return [str(first), str(second), "--dialect", str(dialect)]


def test_a_conflict_between_workers_keeps_the_devices_it_made(tmp_path: Path) -> None:
    inputs = conflict_inputs(tmp_path)
    outputs = {}
    for jobs in ("1", "2"):
        out, rejects, ledger = (tmp_path / f"{name}-{jobs}" for name in ("out", "rej", "led"))
        done = RUNNER.invoke(
            app,
            ["convert", *inputs, "--jobs", jobs,
             "-o", str(out), "--rejects", str(rejects), "--ledger", str(ledger)],
            env=ENV,
        )  # fmt: skip
        assert done.exit_code == 1, done.output  # one item rejected
        assert "conflicting-id 1" in done.output
        assert "300 AccessEvent, 2 Device, 1 Community" in done.output
        checked = RUNNER.invoke(app, ["validate", str(out), "--check-references"])
        assert checked.exit_code == 0, checked.output
        outputs[jobs] = [p.read_bytes() for p in (out, rejects, ledger)]
    assert outputs["1"] == outputs["2"]
