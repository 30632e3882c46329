"""`ccstd lifecircle` end to end on the demo district: outputs, counts, gaps, privacy, errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.lifecircle.conftest import PERSON_LINKED, RECORDS, report, run


def _shares(node: Any) -> list[float]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("Covered") or key.startswith("share"):
                if value is not None:
                    found.append(value)
            else:
                found.extend(_shares(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_shares(value))
    return found


def test_estimate_writes_three_outputs_labelled_as_estimate(estimate: Path) -> None:
    assert sorted(p.name for p in estimate.iterdir()) == [
        "coverage.geojson", "report.html", "report.json"
    ]  # fmt: skip
    document = report(estimate)
    assert document["method"]["estimate"] is True
    assert document["method"]["circuityFactor"] == 1.3
    assert "直线距离 \u00d7 绕行系数" in (estimate / "report.html").read_text(encoding="utf-8")
    assert "Records not used (first 19)" in (estimate / "report.html").read_text(encoding="utf-8")
    shares = _shares(document)
    assert shares and all(0.0 <= s <= 1.0 for s in shares)


def test_counts_add_up_and_bad_records_are_not_used(estimate: Path) -> None:
    inputs = report(estimate)["inputs"]
    lines = sum(1 for f in RECORDS.iterdir() for _ in f.open(encoding="utf-8"))
    total = sum(sum(inputs[k].values()) for k in ("used", "invalid", "unusable", "ignored"))
    assert sum(inputs["read"].values()) == lines == total
    assert inputs["invalid"] == {"Facility": 2}
    assert inputs["unusable"]["Building"] == 1  # no location
    assert any("/location/lat" in p for p in inputs["problems"])
    yyh = report(estimate)["communities"]["comm-yyh"]["facilities"]
    assert yyh["clinic"]["count"] == 1 and yyh["clinic"]["capacity"] > 0  # placed by nearest
    features = json.loads((estimate / "coverage.geojson").read_text(encoding="utf-8"))
    names = {f["properties"]["name"] for f in features["features"]}
    assert "坐标错误的药店" not in names and "未知设施" not in names


def test_the_deliberate_gaps_are_found(estimate: Path) -> None:
    document = report(estimate)
    yyh = document["communities"]["comm-yyh"]["levels"]["5-min"]["types"]["day-care"]
    assert yyh["residentsCovered"] == 0.0
    texts = [g["zh"] for g in document["gaps"]]
    assert any("月牙湖社区" in t and "老年人日间照料中心" in t for t in texts)
    hour = document["communities"]["comm-hp"]["oneHour"]["delivery"]["*"]
    fast = document["communities"]["comm-yyh"]["oneHour"]["delivery"]["*"]
    assert hour["shareWithin60Min"] < 0.5 < fast["shareWithin60Min"]
    assert hour["p90Minutes"] >= hour["medianMinutes"]
    assert document["inputs"]["timesEndingBeforeStart"] == 0  # early care visits are on time
    visits = document["communities"]["comm-yyh"]["oneHour"]["care-visit"]["*"]
    assert visits["count"] == 40 and 0 < visits["shareWithin60Min"] < 1


def test_small_community_is_suppressed(estimate: Path) -> None:
    small = report(estimate)["communities"]["comm-xx"]
    assert small["suppressed"] is True and small["households"] is None
    assert small["levels"]["5-min"]["allRequired"]["residentsCovered"] is None
    assert all(f.get("suppressed") for kind in small["oneHour"].values() for f in kind.values())
    features = json.loads((estimate / "coverage.geojson").read_text(encoding="utf-8"))["features"]
    mine = [
        f["properties"]
        for f in features
        if f["properties"]["community"] == "comm-xx" and f["properties"]["kind"] == "building"
    ]
    assert mine and all(p["suppressed"] and p["reached"] is None for p in mine)


def test_no_person_linked_id_in_any_output(estimate: Path) -> None:
    pattern = re.compile("|".join(re.escape(p) + r"\d" for p in PERSON_LINKED))
    for path in estimate.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not pattern.search(text), (path.name, pattern.search(text))


def test_missing_input_is_a_one_line_error(tmp_path: Path) -> None:
    result = run("lifecircle", str(tmp_path / "nope.ndjson"), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "no such file" in result.stderr
    assert not (tmp_path / "o" / "report.json").exists()


def test_no_building_placed_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    facilities = tmp_path / "only.ndjson"
    lines = [
        line for line in (RECORDS / "places.ndjson").read_text(encoding="utf-8").splitlines()
        if '"type": "Facility"' in line
    ]  # fmt: skip
    facilities.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("lifecircle", str(facilities), "--out", str(tmp_path / "o"))
    assert result.exit_code == 1
    assert "no building" in result.stderr
    assert not (tmp_path / "o" / "report.json").exists()


def test_output_colliding_with_an_input_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text((RECORDS / "places.ndjson").read_text(encoding="utf-8"), encoding="utf-8")
    result = run("lifecircle", str(target), "--out", str(tmp_path))
    assert result.exit_code == 2 and "refusing to overwrite" in result.stderr


def test_start_up_does_not_import_the_heavy_libraries() -> None:
    code = (
        "import sys\nfrom typer.testing import CliRunner\nfrom ccstd.cli.app import app\n"
        "CliRunner().invoke(app, ['--help'])\n"
        "print(sorted(m for m in ('networkx', 'pyproj', 'scipy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_out_inside_an_input_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "places.ndjson").write_bytes((RECORDS / "places.ndjson").read_bytes())
    result = run("lifecircle", str(folder), "--out", str(folder / "report"))
    assert result.exit_code == 2 and "inside the input folder" in result.stderr
    assert not (folder / "report").exists()


def test_records_of_1_1_0_give_the_same_report(tmp_path: Path, estimate: Path) -> None:
    older = tmp_path / "older"
    older.mkdir()
    for path in RECORDS.iterdir():
        text = path.read_text(encoding="utf-8")
        (older / path.name).write_text(
            text.replace('"standardVersion": "1.2.0"', '"standardVersion": "1.1.0"'),
            encoding="utf-8",
        )
    out = tmp_path / "out"
    result = run("lifecircle", str(older), "--out", str(out), "-q")
    assert result.exit_code == 0, result.stderr
    assert report(out)["communities"] == report(estimate)["communities"]
    assert report(out)["inputs"]["invalid"] == report(estimate)["inputs"]["invalid"]


def test_stdin_is_an_input(estimate: Path) -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(RECORDS.iterdir()))
    with tempfile.TemporaryDirectory() as tmp:
        result = CliRunner().invoke(app, ["lifecircle", "-", "--out", tmp, "-q"], input=text)
        assert result.exit_code == 0, result.stderr
        assert report(Path(tmp))["communities"] == report(estimate)["communities"]


def test_a_site_far_from_the_district_is_unusable_not_measured(tmp_path: Path) -> None:
    lines = (RECORDS / "places.ndjson").read_text(encoding="utf-8").splitlines()
    swapped = []
    for line in lines:
        record = json.loads(line)
        if record["id"] in ("bldg-yyh-01", "fac-01-clinic"):  # latitude and longitude swapped
            point = record["location"]
            point["lat"], point["lon"] = point["lon"] - 90, point["lat"]
        swapped.append(json.dumps(record, ensure_ascii=False))
    source = tmp_path / "places.ndjson"
    source.write_text("\n".join(swapped) + "\n", encoding="utf-8")
    result = run("lifecircle", str(source), "--out", str(tmp_path / "o"), "-q")
    assert result.exit_code == 0, result.stderr
    inputs = report(tmp_path / "o")["inputs"]
    assert inputs["unusable"]["Building"] == 2 and inputs["unusable"]["Facility"] == 1
    assert any("bldg-yyh-01" in p and "swapped" in p for p in inputs["problems"])
    assert sum(inputs["read"].values()) == sum(
        sum(inputs[k].values()) for k in ("used", "invalid", "unusable", "ignored")
    )
