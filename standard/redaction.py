"""Raw resident ID numbers and mobile numbers in free text: found, and redacted from reports."""

from __future__ import annotations

import re

from ccstd.standard.formats import is_resident_id

# Only digits bound a number: "R110101…" and "tel13800…" hide nothing. An ID number must pass
# GB 11643 (region, date, check character); a mobile number inside a token of hex digits and
# letters (a digest, a UUID group) is taken for part of that token.
_RESIDENT_ID = re.compile(r"(?<!\d)\d{17}[0-9Xx](?!\d)")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d{9})(?!\d)")
_HEX_TOKEN = re.compile(r"[0-9A-Fa-f]*[A-Fa-f][0-9A-Fa-f]*")
_TOKEN_EDGE = re.compile(r"[0-9A-Za-z]*")
_DIGIT_RUN = re.compile(r"\d{11}")
PLACEHOLDER = "[redacted]"


def raw_identifier_kind(text: str) -> str | None:
    """'resident ID number' or 'mobile number' if `text` contains one, else None."""
    if len(text) < 11 or not _DIGIT_RUN.search(text):
        return None  # the common case: no run of eleven digits, nothing to look at
    for match in _RESIDENT_ID.finditer(text):
        if is_resident_id(match.group().upper()):
            return "resident ID number"
    if any(_is_mobile(text, m) for m in _MOBILE.finditer(text)):
        return "mobile number"
    return None


def _is_mobile(text: str, match: re.Match[str]) -> bool:
    """True unless the number sits in a token of hex digits with at least one hex letter."""
    start, end = match.span()
    after = _TOKEN_EDGE.match(text, end)
    token = text[_token_start(text, start) : end] + (after.group() if after else "")
    return not _HEX_TOKEN.fullmatch(token)


def _token_start(text: str, index: int) -> int:
    while index > 0 and text[index - 1].isascii() and text[index - 1].isalnum():
        index -= 1
    return index


def redact(text: str) -> str:
    """`text` with every raw resident ID number and mobile number replaced by a placeholder."""
    if raw_identifier_kind(text) is None:
        return text
    text = _RESIDENT_ID.sub(
        lambda m: PLACEHOLDER if is_resident_id(m.group().upper()) else m.group(), text
    )
    return _MOBILE.sub(lambda m: PLACEHOLDER if _is_mobile(text, m) else m.group(), text)
