"""Raw resident ID numbers and mobile numbers in free text: found, and redacted from reports.

Numbers are found however they are written: glued to letters ("R1101…", "tel138…"), grouped with
spaces, dots, colons, underscores or hyphens ("138-1234-5678", "110102:19570113:1895"), in
full-width or other Unicode digits. Only digits bound a number. Two policies share the patterns:

- `raw_identifier_kind` decides that a record leaks (a failing finding), so it is strict: an ID
  number must pass GB 11643 (region, date, check character), and a mobile number inside a token
  of hex digits and letters (a digest, a UUID group) is taken for part of that token;
- `redact` prepares text for a report, so it hides more: any ID-shaped number with a plausible
  birth date (a typo is still someone's number) and every mobile-shaped number.
"""

from __future__ import annotations

import re
import unicodedata

from ccstd.standard.formats import is_resident_id

PLACEHOLDER = "[redacted]"
_SEP = r"[-\s.:_]?"  # grouping: what the Id pattern allows (.:_-) and spaces
_CHECK = r"[\dXx\uff38\uff58]"  # the check character: a digit or X, full-width ones too
_RESIDENT_ID = re.compile(rf"(?<!\d)(\d{{6}}){_SEP}(\d{{8}}){_SEP}(\d{{3}}{_CHECK})(?!\d)")
_ID_SHAPED = re.compile(
    r"\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
)
_MOBILE = re.compile(rf"(?<!\d)(?:\+?86{_SEP})?(\d{{3}}){_SEP}(\d{{4}}){_SEP}(\d{{4}})(?!\d)")
_MOBILE_PREFIX = re.compile("1[3-9]")
_CANDIDATE = re.compile(  # what either pattern needs at its start
    rf"(?<!\d)(?:\d{{3}}{_SEP}\d{{4}}{_SEP}\d{{4}}|\d{{6}}{_SEP}\d{{8}})"
)
_HEX_TOKEN = re.compile(r"[0-9A-Fa-f]*[A-Fa-f][0-9A-Fa-f]*")
_TOKEN_EDGE = re.compile(r"[0-9A-Za-z]*")


def might_hold_identifier(text: str) -> bool:
    """Cheap test: does `text` hold eleven digits (perhaps grouped)? Most text does not."""
    return _CANDIDATE.search(text) is not None


# A JSON text's bytes by class, for a scan that never decodes: ASCII digits "0", the separators
# _SEP allows "s", everything else "x". One of the shapes below holds wherever _CANDIDATE matches
# (the text is searched after an "x", so a number is always after an "s" or an "x"); two
# searches with a literal start are far quicker than one with a look-behind.
_CLASSES = (
    bytes(
        ord("0")
        if chr(b).isdigit()
        else ord("s")
        if chr(b) in "-.:_" or chr(b).isspace()
        else ord("x")
        for b in range(128)
    )
    + b"x" * 128
)
_SHAPES = tuple(re.compile(edge + rb"000(?:s?0000s?0000|000s?00000000)") for edge in (b"x", b"s"))
# Lead bytes of the UTF-8 encodings of every non-ASCII digit or space (classed "x" above);
# tests/conformance/test_leaks.py derives them from Unicode again.
SUSPECT_LEADS = bytes.fromhex("c2 d9 db df e0 e1 e2 e3 ea ef f0")
_NOT_SUSPECT = bytes(b for b in range(256) if b not in SUSPECT_LEADS)


def might_hold_identifier_json(data: bytes) -> bool:
    """Cheap test on a JSON text (UTF-8): could one of its strings hold eleven digits (perhaps
    grouped)? Never false where `might_hold_identifier` holds for a string of it; escapes and
    non-ASCII digits or spaces are left to the exact test."""
    if b"\\" in data:
        return True  # an escape may hide a separator (a newline) or a digit
    if not data.isascii() and data.translate(None, _NOT_SUSPECT):
        return might_hold_identifier(data.decode("utf-8", "replace"))
    classes = b"x" + data.translate(_CLASSES)  # a text may start with a number
    return any(shape.search(classes) is not None for shape in _SHAPES)


def raw_identifier_kind(text: str) -> str | None:
    """'resident ID number' or 'mobile number' if `text` holds one (strict policy), else None."""
    if not might_hold_identifier(text):
        return None
    if any(is_resident_id(_digits(m)) for m in _RESIDENT_ID.finditer(text)):
        return "resident ID number"
    if any(_is_mobile(m) and not _in_hex_token(text, m) for m in _MOBILE.finditer(text)):
        return "mobile number"
    return None


def redact(text: str, thorough: bool = True) -> str:
    """`text` with every ID-shaped and mobile-shaped number replaced by a placeholder; with
    `thorough` false, only what `raw_identifier_kind` would find (baselines fingerprint that)."""
    if not might_hold_identifier(text):
        return text
    shaped = _is_id_shaped if thorough else lambda m: is_resident_id(_digits(m))
    spans = [m.span() for m in _RESIDENT_ID.finditer(text) if shaped(m)]
    spans += [
        m.span()
        for m in _MOBILE.finditer(text)
        if _is_mobile(m) and (thorough or not _in_hex_token(text, m))
    ]
    for start, end in sorted(_merged(spans), reverse=True):
        text = text[:start] + PLACEHOLDER + text[end:]
    return text


def _is_id_shaped(match: re.Match[str]) -> bool:
    digits = _digits(match)
    return is_resident_id(digits) or _ID_SHAPED.fullmatch(digits) is not None


def _is_mobile(match: re.Match[str]) -> bool:
    return _MOBILE_PREFIX.match(_digits(match)) is not None


def _digits(match: re.Match[str]) -> str:
    """The matched number's digits, in ASCII (full-width and other scripts' digits too)."""
    text = "".join(match.groups()).upper().replace("\uff38", "X")  # full-width X
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def _in_hex_token(text: str, match: re.Match[str]) -> bool:
    """True when the number sits in a token of hex digits with at least one hex letter."""
    start, end = match.span()
    after = _TOKEN_EDGE.match(text, end)
    token = text[_token_start(text, start) : end] + (after.group() if after else "")
    return _HEX_TOKEN.fullmatch(token) is not None


def _token_start(text: str, index: int) -> int:
    while index > 0 and text[index - 1].isascii() and text[index - 1].isalnum():
        index -= 1
    return index


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
