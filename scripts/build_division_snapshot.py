"""Rebuild standard/data/gbt2260.csv from the division list shipped in python-stdnum.

python-stdnum's `stdnum/cn/loc.dat` lists every GB/T 2260 county-level code with the years each
name was valid (`[1983-]`, `[-2010]`). The snapshot keeps, per code, its current name (or the last
one) and the year it was retired, if it was. Run it only when deliberately refreshing the snapshot;
the result is data reviewed like code.
"""

from __future__ import annotations

import csv
import datetime
import re
import sys
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

_ENTRY = re.compile(r'^(\s*)(\d+)\s+(?:province|prefecture|county)="([^"]*)"')
_SPAN = re.compile(r"^\[(\d*)-(\d*)\](.*)$")


def _spans(names: str) -> list[tuple[str, str, str]]:
    spans = []
    for name in names.split(","):
        match = _SPAN.match(name)
        spans.append(match.groups() if match else ("", "", name))
    return spans


def main(out: Path) -> None:
    text = (files("stdnum") / "cn" / "loc.dat").read_text(encoding="utf-8")
    rows: dict[str, tuple[str, str]] = {}
    province = ""
    for line in text.splitlines():
        match = _ENTRY.match(line)
        if not match:
            continue
        indent, digits, names = match.groups()
        if not indent:
            province, code = digits, digits + "0000"
        else:
            code = province + digits
        spans = _spans(names)
        current = [name for _start, end, name in spans if not end]
        retired_in = "" if current else max(end for _start, end, _name in spans)
        name = current[0] if current else spans[-1][2]
        rows.setdefault(code, (name, retired_in))  # the first listing of a code wins
    with out.open("w", encoding="utf-8", newline="") as handle:
        source = f"python-stdnum {version('python-stdnum')} stdnum/cn/loc.dat"
        handle.write(f"# source: {source}; snapshot taken {datetime.date.today().isoformat()}\n")
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["code", "name", "retired_in"])
        writer.writerows((code, *rows[code]) for code in sorted(rows))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("standard/data/gbt2260.csv"))
