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
    redacted = redact(text)
    assert (PLACEHOLDER in redacted) == (kind is not None)
    assert (ID not in redacted and "13812345678" not in redacted) or kind is None
