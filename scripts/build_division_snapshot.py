"""Rebuild standard/data/gbt2260.csv from the division list shipped in python-stdnum.

python-stdnum's `stdnum/cn/loc.dat` lists every GB/T 2260 county-level code with the years each
name was valid (`[1983-]`, `[-2010]`). The snapshot keeps, per code, its current name (or the last
one), the year it was retired, if it was, and its successor where one is known. Run it only when
deliberately refreshing the snapshot; the result is data reviewed like code.

loc.dat names no successors. A retired code's successor is (1) given in MERGERS, merges published
by the State Council that renaming cannot show, or (2) the one current code at the same level
(province, prefecture, county) in the same prefecture, else in the same province, whose name
has the same stem once the kind of division is taken off (昌平县 → 昌平区, 达县地区 → 达州市 does
not match and stays unknown). Generic names (市辖区, 郊区 …) and one-character stems never match.
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
_KINDS = ("自治县", "自治旗", "自治州", "特区", "林区", "地区", "县", "区", "市", "旗", "盟")
_GENERIC = frozenset({"市辖区", "县", "郊区", "矿区", "城区", "市区", "省直辖县级行政区划"})
MERGERS = {  # retired code: the code it was merged into (State Council, 2010)
    "110103": "110101",  # 崇文区 into 东城区
    "110104": "110102",  # 宣武区 into 西城区
}


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
    successors = _successors(rows)
    with out.open("w", encoding="utf-8", newline="") as handle:
        source = f"python-stdnum {version('python-stdnum')} stdnum/cn/loc.dat"
        handle.write(f"# source: {source}; snapshot taken {datetime.date.today().isoformat()}\n")
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["code", "name", "retired_in", "successor"])
        writer.writerows((code, *rows[code], successors.get(code, "")) for code in sorted(rows))


def _stem(name: str) -> str | None:
    if name in _GENERIC or "直辖" in name:
        return None
    kind = next((k for k in _KINDS if name.endswith(k)), "")
    stem = name[: len(name) - len(kind)]
    return stem if len(stem) >= 2 else None


def _level(code: str) -> int:
    return 0 if code.endswith("0000") else 1 if code.endswith("00") else 2


def _successors(rows: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Retired code -> current code, where MERGERS or a unique same-stem match names one."""
    current: dict[tuple[int, str, str], list[str]] = {}
    for code, (name, retired_in) in rows.items():
        stem = _stem(name)
        if not retired_in and stem:
            for scope in (code[:4], code[:2]):
                current.setdefault((_level(code), scope, stem), []).append(code)
    found = dict(MERGERS)
    for code, (name, retired_in) in rows.items():
        stem = _stem(name)
        if not retired_in or not stem or code in found:
            continue
        for scope in (code[:4], code[:2]):
            matches = current.get((_level(code), scope, stem), [])
            if matches:
                if len(matches) == 1:
                    found[code] = matches[0]
                break
    return found


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("standard/data/gbt2260.csv"))
