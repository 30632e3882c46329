"""Raw ID and mobile numbers are found wherever letters are glued to them, not in digests."""

from __future__ import annotations

import pytest

from ccstd.standard.redaction import PLACEHOLDER, raw_identifier_kind, redact

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
