"""Profiles: built-ins load and agree with the standard; bad files are one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccstd.adapters.dialect_files import DataFileError
from ccstd.lifecircle.profiles import built_in_names, facility_categories, load_profile
from tests.lifecircle.conftest import RECORDS, report, run


@pytest.mark.parametrize("name", built_in_names())
def test_built_in_profiles_load(name: str) -> None:
    profile = load_profile(name)
    assert profile.levels and all(level.source for level in profile.levels)


def test_gb50180_thresholds_and_sources() -> None:
    levels = {lv.id: lv for lv in load_profile("gb50180").levels}
    assert [levels[k].max_distance_m for k in ("5-min", "10-min", "15-min")] == [300, 500, 1000]
    assert all("Table 3.0.4" in lv.source for lv in levels.values())


def test_every_facility_category_counts_for_some_type_or_is_other() -> None:
    profile = load_profile("gb50180")
    unmapped = {c for c in facility_categories() if not profile.types_of(c)}
    assert unmapped <= {"other", "parcel-locker"}


def test_unknown_category_is_named_with_its_line(tmp_path: Path) -> None:
    text = (Path(load_profile.__code__.co_filename).parent / "profiles" / "city15.toml").read_text(
        encoding="utf-8"
    )
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('"bank", "post-office"', '"bank", "cinema"'), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"bad.toml:\d+: types.services.categories: 'cinema'"):
        load_profile(str(bad))


def test_user_profile_through_the_cli(tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text(
        'name = "mine"\ntitle = "Mine"\ntitleZh = "自定"\nsource = "test"\n'
        '[[levels]]\nid = "near"\ntitle = "Near"\ntitleZh = "近"\nminutes = 3\n'
        'maxDistanceM = 200\nsource = "test"\nrequires = ["shop"]\n'
        '[types.shop]\ntitle = "Shop"\ntitleZh = "店"\ncategories = ["grocery"]\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run("lifecircle", str(RECORDS), "--profile", str(mine), "--out", str(out), "-q")
    assert result.exit_code == 0, result.stderr
    assert report(out)["profile"]["name"] == "mine"


def test_bad_profile_through_the_cli_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nlevels = 3\n', encoding="utf-8")
    result = run("lifecircle", str(RECORDS), "--profile", str(bad), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "bad.toml:" in result.stderr


def test_the_profile_shown_in_the_docs_loads(tmp_path: Path) -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "lifecircle.md"
    block = docs.read_text(encoding="utf-8").split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "from-docs.toml"
    path.write_text(block, encoding="utf-8")
    assert load_profile(str(path)).types["shop"].categories == ("grocery", "supermarket")
