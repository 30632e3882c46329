"""Raw resident ID numbers and mobile numbers in free text: found, and redacted from reports.

Numbers are found however they are written: glued to letters ("R1101…", "tel138…"), grouped by
up to three separators between groups (spaces, ". : _ / ( ) ~ | * # + =", hyphens and dashes:
"138-1234-5678", "138 - 1234 - 5678", "(138) 1234 5678", "110102:19570113:1895"), in full-width
or other Unicode digits and separators (full-width digits and hyphen, ideographic and no-break
spaces), after a country prefix ("+86", "0086", "(+86)", "86", glued or not) or a trunk 0
("0138…"), with invisible characters between digits (zero-width spaces, soft hyphens), as 18-digit
and 15-digit (first-generation: region, YYMMDD, sequence, no check character) ID numbers. Only
digits bound a number. Two policies share the patterns:

- `raw_identifier_kind` decides that a record leaks (a failing finding), so it is strict: an ID
  number must pass GB 11643 (region, date, check character; a 15-digit one a GB/T 2260 region and
  a real 19YY date), and a mobile number inside a token of hex digits and letters (a digest, a
  UUID group) is taken for part of that token;
- `redact` prepares text for a report, so it hides more: any ID-shaped number with a plausible
  birth date (a typo is still someone's number) and every mobile-shaped number.

`is_carrier_tracking_number` tells a carrier's published tracking number (UPS `1Z…` with its check
digit), which may hold a mobile-shaped run, from a person's number.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from ccstd.standard import divisions
from ccstd.standard.formats import is_resident_id

PLACEHOLDER = "[redacted]"
# Non-ASCII characters that group a number's digits, besides every Unicode space: hyphens and
# dashes, the minus sign, and full-width punctuation (folded to ASCII before matching).
SEPARATORS = (
    "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"
    "\uff0d\uff0e\uff1a\uff3f\uff0f\uff08\uff09\uff0b"
)
# Invisible characters typed or pasted between digits (zero-width spaces and joiners, the soft
# hyphen, the Mongolian vowel separator, the word joiner, the byte-order mark): folded to a space.
INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"
_GAP = r"[-\s.:_/()~|*#+=]{0,3}"  # between groups, once folded: up to three separators
_CHECK = r"[0-9Xx]"  # the check character: a digit or X
_RESIDENT_ID = re.compile(
    rf"(?<![0-9])([0-9]{{6}}){_GAP}([0-9]{{8}}){_GAP}([0-9]{{3}}{_CHECK})(?![0-9])"
)
_OLD_RESIDENT_ID = re.compile(
    rf"(?<![0-9])([0-9]{{6}}){_GAP}([0-9]{{6}}){_GAP}([0-9]{{3}})(?![0-9])"
)
_ID_SHAPED = re.compile(
    r"\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
)
_PROVINCE = r"(?:1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[12])"
_OLD_ID_SHAPED = re.compile(
    rf"{_PROVINCE}\d{{4}}\d{{2}}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{{3}}"
)
_MOBILE = re.compile(
    rf"(?<![0-9])(?:\(?(?:\+|00)?86{_GAP}|0)?"  # a country prefix, or the trunk 0 of a call
    rf"([0-9]{{3}}){_GAP}([0-9]{{4}}){_GAP}([0-9]{{4}})(?![0-9])"
)
_MOBILE_PREFIX = re.compile("1[3-9]")
# What any pattern needs at its start, on the text as written (\d and \s are Unicode's): eleven
# digits grouped 3-4-4 (after a trunk 0 perhaps), fifteen grouped 6-6-3, or fourteen grouped 6-8.
_RAW_GAP = rf"[-\s.:_/()~|*#+={SEPARATORS}{INVISIBLE}]{{0,3}}"
_CANDIDATE = re.compile(
    rf"(?<!\d)0?\d{{3}}(?:{_RAW_GAP}\d{{4}}{_RAW_GAP}\d{{4}}"
    rf"|\d{{3}}{_RAW_GAP}(?:\d{{6}}{_RAW_GAP}\d{{3}}|\d{{8}}))"
)
_HEX_TOKEN = re.compile(r"[0-9A-Fa-f]*[A-Fa-f][0-9A-Fa-f]*")
_TOKEN_EDGE = re.compile(r"[0-9A-Za-z]*")
_UPS = re.compile(r"1Z[0-9A-Z]{6}[0-9A-Z]{2}[0-9]{8}")


def might_hold_identifier(text: str) -> bool:
    """Cheap test: does `text` hold eleven digits (perhaps grouped)? Most text does not."""
    return _CANDIDATE.search(text) is not None


# A JSON text's bytes by class, for a scan that never decodes: ASCII digits "0", the separators
# _RAW_GAP allows "s", everything else "x". One of the shapes below holds wherever _CANDIDATE
# matches (the text is searched after an "x", so a number is always after an "s" or an "x"); two
# searches with a literal start are far quicker than one with a look-behind.
_CLASSES = (
    bytes(
        ord("0")
        if chr(b).isdigit()
        else ord("s")
        if chr(b) in "-.:_/()~|*#+=" or chr(b).isspace()
        else ord("x")
        for b in range(128)
    )
    + b"x" * 128
)
_SHAPES = tuple(
    re.compile(edge + rb"0?000(?:s{0,3}0000s{0,3}0000|000s{0,3}(?:000000s{0,3}000|00000000))")
    for edge in (b"x", b"s")
)
# Lead bytes of the UTF-8 encodings of every non-ASCII digit, space or separator (classed "x"
# above); tests/conformance/test_leaks.py derives them from Unicode again.
SUSPECT_LEADS = bytes.fromhex("c2 d9 db df e0 e1 e2 e3 ea ef f0")
_NOT_SUSPECT = bytes(b for b in range(256) if b not in SUSPECT_LEADS)


def might_hold_identifier_json(data: bytes) -> bool:
    """Cheap test on a JSON text (UTF-8): could one of its strings or numbers hold eleven digits
    (perhaps grouped)? Never false where `might_hold_identifier` holds for a string of it;
    escapes and non-ASCII digits, spaces or separators are left to the exact test."""
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
    text = _folded(text)
    if any(is_resident_id(_digits(m)) for m in _RESIDENT_ID.finditer(text)):
        return "resident ID number"
    if any(_is_old_resident_id(_digits(m)) for m in _OLD_RESIDENT_ID.finditer(text)):
        return "resident ID number"
    if any(_is_mobile(m) and not _in_hex_token(text, m) for m in _MOBILE.finditer(text)):
        return "mobile number"
    return None


def redact(text: str, thorough: bool = True) -> str:
    """`text` with every ID-shaped and mobile-shaped number replaced by a placeholder; with
    `thorough` false, only what `raw_identifier_kind` would find (baselines fingerprint that)."""
    if not might_hold_identifier(text):
        return text
    folded = _folded(text)  # as long as `text`: spans found in it hold in `text`
    shaped = _is_id_shaped if thorough else lambda m: is_resident_id(_digits(m))
    old_shaped = _is_old_id_shaped if thorough else lambda m: _is_old_resident_id(_digits(m))
    spans = [m.span() for m in _RESIDENT_ID.finditer(folded) if shaped(m)]
    spans += [m.span() for m in _OLD_RESIDENT_ID.finditer(folded) if old_shaped(m)]
    spans += [
        m.span()
        for m in _MOBILE.finditer(folded)
        if _is_mobile(m) and (thorough or not _in_hex_token(folded, m))
    ]
    for start, end in sorted(_merged(spans), reverse=True):
        text = text[:start] + PLACEHOLDER + text[end:]
    return text


def is_carrier_tracking_number(text: str) -> bool:
    """A UPS tracking number (`1Z`, six characters of shipper, two of service, seven digits of
    package and a check digit), its check digit right: a carrier's code, never a person's. The
    check digit: letters count (code point - 63) mod 10, digits as they are; the characters after
    `1Z` at odd places count twice; the digit brings the sum to a multiple of ten."""
    number = text.replace(" ", "").upper()
    if _UPS.fullmatch(number) is None:
        return False
    values = [int(c) if c.isdigit() else (ord(c) - 63) % 10 for c in number[2:17]]
    total = sum(v * (2 if i % 2 else 1) for i, v in enumerate(values))
    return (10 - total % 10) % 10 == int(number[17])


class _Fold(dict[int, int]):
    """str.translate table, filled on demand: every Unicode digit to its ASCII digit, every
    space to " ", every separator to its ASCII one (hyphens, dashes and the minus sign to "-"),
    full-width X to "X"; one character to one, so that spans hold in the text as written."""

    def __missing__(self, code: int) -> int:
        char = chr(code)
        if char.isdecimal():
            folded = ord(str(unicodedata.decimal(char)))
        elif char.isspace() or char in INVISIBLE:
            folded = ord(" ")
        elif char in SEPARATORS[:9]:
            folded = ord("-")
        elif char in SEPARATORS or char in "\uff38\uff58":  # full-width: by a fixed offset
            folded = code - 0xFEE0
        else:
            folded = code
        if len(self) >= _FOLD_CACHE:  # text of every script cannot fill the memory
            self.clear()
        self[code] = folded
        return folded


_FOLD_CACHE = 1 << 16
_FOLD = _Fold()


def _folded(text: str) -> str:
    return text if text.isascii() else text.translate(_FOLD)


def _is_old_resident_id(digits: str) -> bool:
    """A first-generation (15-digit) ID number: a GB/T 2260 region and a real 19YY birth date."""
    if len(digits) != 15 or divisions.lookup(digits[:6]) is None:
        return False
    try:
        datetime.date(1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12]))
    except ValueError:
        return False
    return True


def _is_id_shaped(match: re.Match[str]) -> bool:
    digits = _digits(match)
    return is_resident_id(digits) or _ID_SHAPED.fullmatch(digits) is not None


def _is_old_id_shaped(match: re.Match[str]) -> bool:
    digits = _digits(match)
    return _is_old_resident_id(digits) or _OLD_ID_SHAPED.fullmatch(digits) is not None


def _is_mobile(match: re.Match[str]) -> bool:
    return _MOBILE_PREFIX.match(_digits(match)) is not None


def _digits(match: re.Match[str]) -> str:
    """The matched number's digits (the text is folded: ASCII), check character upper-cased."""
    return "".join(match.groups()).upper()


def _in_hex_token(text: str, match: re.Match[str]) -> bool:
    """True when the number sits in a token of hex digits with at least one hex letter."""
    start, end = match.span()
    after = _TOKEN_EDGE.match(text, end)
    token = text[_token_start(text, start) : end] + (after.group() if after else "")
    return _HEX_TOKEN.fullmatch(token) is not None


def _token_start(text: str, index: int) -> int:
    """Where the letters and digits before `index` start; a percent escape (`%2B`) before them
    is not part of the token (`tel:%2B8613812345678` holds a number, not a digest)."""
    start = index
    while start > 0 and text[start - 1].isascii() and text[start - 1].isalnum():
        start -= 1
    if start > 0 and text[start - 1] == "%" and index - start >= 2:
        start += 2
    return start


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
