"""Raw resident ID numbers and mobile numbers in free text: found, and redacted from reports."""

from __future__ import annotations

import re

from ccstd.standard.formats import is_resident_id

# Alphanumeric boundaries: digit runs inside hex digests or longer codes are not numbers.
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z+])(?:\+?86[- ]?)?(1[3-9]\d{9})(?![0-9A-Za-z])")
_DIGIT_RUN = re.compile(r"\d{11}")
PLACEHOLDER = "[redacted]"


def raw_identifier_kind(text: str) -> str | None:
    """'resident ID number' or 'mobile number' if `text` contains one, else None."""
    if len(text) < 11 or not _DIGIT_RUN.search(text):
        return None  # the common case: no run of eleven digits, nothing to look at
    for match in _RESIDENT_ID.finditer(text):
        if is_resident_id(match.group().upper()):
            return "resident ID number"
    if _MOBILE.search(text):  # the pattern is the test: 1[3-9] and nine digits, standing alone
        return "mobile number"
    return None


def redact(text: str) -> str:
    """`text` with every raw resident ID number and mobile number replaced by a placeholder."""
    if raw_identifier_kind(text) is None:
        return text
    text = _RESIDENT_ID.sub(
        lambda m: PLACEHOLDER if is_resident_id(m.group().upper()) else m.group(), text
    )
    return _MOBILE.sub(PLACEHOLDER, text)
