"""Raw ID and mobile numbers are found however written, and kept out of every report."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccstd.standard.redaction import PLACEHOLDER, raw_identifier_kind, redact
from ccstd.standard.reporting import REPORTERS
from ccstd.standard.results import load_baseline
from ccstd.standard.runner import validate_paths

ID = "110102195701131895"  # valid GB 11643 check character (a test number, no person)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (ID, "resident ID number"),
        (f"R{ID}", "resident ID number"),  # one letter must not hide it
        (f"resident-{ID}x", "resident ID number"),
        ("tel13812345678", "mobile number"),
        ("p13812345678", "mobile number"),
        ("+86 13812345678", "mobile number"),
        ("8613812345678", "mobile number"),
        ("110102195701131894", None),  # wrong check character
        ("e3b0c44298fc1c14913812345678b934ca495991b7852b855", None),  # a digest
        ("13812345678a-41d4-a716", None),  # a UUID group
        ("order-20240501123456789", None),  # a longer digit run
    ],
)
def test_raw_identifiers_are_found_in_any_text(text: str, kind: str | None) -> None:
    assert raw_identifier_kind(text) == kind
    strict = redact(text, thorough=False)
    assert (PLACEHOLDER in strict) == (kind is not None)
    assert (ID not in strict and "13812345678" not in strict) or kind is None


@pytest.mark.parametrize(
    "text",
    [
        "138-1234-5678",
        "138 1234 5678",
        "110102-19570113-1895",
        "\uff11\uff13\uff18\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18",  # full-width
        "a13812345678",  # glued to a hex letter: strict would spare it, reports do not
        "resident-110101199003071234",  # a wrong check character is still someone's number
    ],
)
def test_reports_hide_every_spelling_of_a_number(text: str) -> None:
    assert redact(text).replace(PLACEHOLDER, "").strip("-a ") in ("", "resident")


def test_baselines_that_are_not_baselines_are_one_line_errors(tmp_path: Path) -> None:
    for content in (b'{"findings": [1]}', b'{"findings": ["x"]}', b'{"fingerprints": [1]}', b"[]"):
        (tmp_path / "b.json").write_bytes(content)
        with pytest.raises(ValueError, match="not a baseline"):
            load_baseline(tmp_path / "b.json")
    with pytest.raises(ValueError, match="not a regular file"):
        load_baseline(Path("/dev/zero"))


def test_file_names_in_reports_lose_numbers(tmp_path: Path) -> None:
    source = tmp_path / "王-13812345678.ndjson"
    source.write_bytes(b'{"type": "Resident"}\n')
    result = validate_paths([str(source)])
    for render in REPORTERS.values():
        assert "13812345678" not in render(result).decode()
