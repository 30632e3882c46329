"""Raw resident ID numbers, phone numbers and e-mail addresses in free text: found, and redacted
from reports.

Numbers are found however they are written: glued to letters ("R1101…", "tel138…"), grouped by
up to three separators between groups (spaces, ". : _ / ( ) ~ | * # + =", hyphens and dashes:
"138-1234-5678", "138 - 1234 - 5678", "(138) 1234 5678", "110102:19570113:1895"), in full-width
or other Unicode digits and separators (full-width digits, hyphen, asterisk, tilde, bar, number
sign, equals and plus signs, solidus and parentheses; ideographic and no-break spaces; middle dots,
the enumeration and full-width commas, the ellipsis, the ideographic full stop), in Chinese
numerals written digit by digit ("一三八…", "幺三八…", "壹叁捌…", alone or mixed with other
digits: `CHINESE_DIGITS`), after a country prefix ("+86", "0086", "(+86)", "86", glued or not)
or a trunk 0 ("0138…"); a mobile number spread out or grouped otherwise too ("1 3 8 1 2 …",
"138 12 34 56 78", "1381 2345 678", "13812 345 678":
whole groups set off by spaces, hyphens, dash-like marks ("ー", "─") or tildes holding eleven
digits, `_spread_spans`; not by dots, colons or slashes, which make IP addresses, OIDs, dates and
times), with invisible characters between digits (keycap digits "1\ufe0f\u20e3" too), or
percent-escaped
(`_normalised`): invisible characters (zero-width spaces, soft hyphens) are deleted and runs of
percent-escapes decoded ("%20", "%40", URL-encoded UTF-8) in a second reading of the text,
as 18-digit and 15-digit (first-generation: region, YYMMDD, sequence, no check character) ID
numbers. A fixed-line number (area code 0 and two or
three digits, subscriber number of seven or eight) counts when its area code is set off
("021-63201234", "(021)63201234", "0571 8888 6666") or after "+86"/"0086" (glued or not): a
glued run of digits starting with 0 is too often something else.
An e-mail address is ASCII `local@domain.tld`. Only digits bound a number. Two policies share the
patterns:

- `raw_identifier_kind` decides that a record leaks (a failing finding), so it is strict: an ID
  number must pass GB 11643 (region, date, check character; a 15-digit one a GB/T 2260 region and
  a real 19YY date), a mobile number inside a token of hex digits and letters (a digest, a
  UUID group) is taken for part of that token, a mobile number after a trunk 0 or a bare "86"
  must be in an allocated range (a UPC-A code "016000275263" is none; `_is_mobile`), and a
  fixed-line number must be a valid CN one
  (phonenumbers, area codes and lengths included);
- `redact` prepares text for a report, so it hides more: any ID-shaped number with a plausible
  birth date (a typo is still someone's number), every mobile-shaped and fixed-line-shaped
  number, and every e-mail address.

`is_carrier_tracking_number` tells a carrier's published tracking number (UPS `1Z…` with its check
digit; JD `JDVA…`/`JD0…`, SF `SF…`, YTO `YT…` waybills), which may hold a mobile-shaped run, from a
person's number.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import itertools
import operator
import re
import unicodedata
from collections.abc import Callable, Iterator

from ccstd.standard import divisions
from ccstd.standard.formats import is_resident_id

PLACEHOLDER = "[redacted]"
# Non-ASCII characters that group a number's digits, besides every Unicode space: hyphens and
# dashes, the minus sign, and full-width punctuation (folded to ASCII before matching).
# Hyphens, dashes and dash-like marks (folded to "-"): the hyphens and dashes, the minus signs,
# the hyphen bullet, the katakana prolonged sound mark (full and half width), the box-drawing
# line, the heavy minus sign and the wave dash.
DASHES = (
    "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\u2043\u30fc\uff70\u2500\u2796\u301c"
)
SEPARATORS = (
    DASHES + "\uff0d\uff0e\uff1a\uff3f\uff0f\uff08\uff09\uff0b\uff0a\uff5e\uff5c\uff03\uff1d"
    "\u00b7\u30fb\uff65\u3001\uff0c\u2026\u3002"
)
# The last seven (middle dots, the enumeration comma, the full-width comma, the ellipsis, the
# ideographic full stop) fold to "." (a number's groups, and an address's "qq。com").
_DOTS = SEPARATORS[-7:]
# Invisible characters typed or pasted between digits (zero-width spaces and joiners, the soft
# hyphen, the Mongolian vowel separator, the word joiner, the byte-order mark; the variation
# selectors and the combining enclosing keycap, which make "1\ufe0f\u20e3" a keycap digit):
# folded to a space.
_VARIATION_SELECTORS = "".join(map(chr, range(0xFE00, 0xFE10)))
INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff\u20e3" + _VARIATION_SELECTORS
# Chinese numerals written digit by digit ("一三八…", "壹叁捌…"), each read as its ASCII
# digit: the common ones (U+3007 and its stand-in ○, 零, 幺 as 1 is spoken on the phone),
# the financial ones (simplified and traditional). Not 两 (a count word, "两个"; Unicode
# gives it no numeric value), nor 十 百 千 (multipliers: "十三" is not "13" digit by digit).
CHINESE_DIGITS = {
    **dict.fromkeys("\u3007○零", "0"),
    **dict.fromkeys("一幺壹", "1"),
    **dict.fromkeys("二贰貳", "2"),
    **dict.fromkeys("三叁參叄", "3"),
    **dict.fromkeys("四肆", "4"),
    **dict.fromkeys("五伍", "5"),
    **dict.fromkeys("六陆陸", "6"),
    **dict.fromkeys("七柒", "7"),
    **dict.fromkeys("八捌", "8"),
    **dict.fromkeys("九玖", "9"),
}
# Digits as spoken on the phone (拐 7, 洞 0, 勾 9) and 参 written for 叁: common words
# (拐弯, 漏洞, 勾选, 参加), so read as digits only in a run of digits, perhaps grouped by
# spaces, hyphens or dots, of six digits or more, three of them others and one of those a
# Chinese numeral (`_spoken`: "一三八洞洞拐拐勾勾一二", not "1381234567参考").
SPOKEN_DIGITS = {"拐": "7", "洞": "0", "勾": "9", "参": "3"}
# Digits written as symbols, read as their digit as Chinese numerals are (in a second reading):
# superscript and subscript digits, circled, double-circled, negative circled and dingbat circled
# ones, parenthesized ones and those with a full stop ("¹³⁸…", "①③⑧…", "❶❸❽…").
SYMBOL_DIGITS = {
    char: str(unicodedata.digit(char))
    for first, last in (
        ("\u2070", "\u2070"),
        ("\u00b9", "\u00b9"),
        ("\u00b2", "\u00b3"),
        ("\u2074", "\u2079"),
        ("\u2080", "\u2089"),
        ("\u2460", "\u2468"),
        ("\u24ea", "\u24ea"),
        ("\u2474", "\u247c"),
        ("\u2488", "\u2490"),
        ("\u24f5", "\u24fd"),
        ("\u24ff", "\u24ff"),
        ("\u2776", "\u277e"),
        ("\u2780", "\u2788"),
        ("\u278a", "\u2792"),
    )
    for char in map(chr, range(ord(first), ord(last) + 1))
}
_READ_AS_DIGITS = CHINESE_DIGITS | SYMBOL_DIGITS  # in the second reading
_DIGIT_LIKE = "".join(_READ_AS_DIGITS) + "".join(SPOKEN_DIGITS)
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
    rf"(?<![0-9])(?:(?P<cc>\(?(?:\+|00)?86){_GAP}|(?P<trunk>0))?"  # a country prefix, or a trunk 0
    rf"(?P<a>[0-9]{{3}}){_GAP}(?P<b>[0-9]{{4}}){_GAP}(?P<c>[0-9]{{4}})(?![0-9])"
)
_MOBILE_PREFIX = re.compile("1[3-9]")
# A mobile number spread out or grouped otherwise than 3-4-4 (`_spread_spans`), in folded text: a
# run of groups of digits, each gap one or two spaces, hyphens or tildes, or " - ". Not
# ". / : , ( )": those make IP addresses, OIDs, dates, times and amounts.
_SPREAD_GAP = r"(?:[-~\s]{1,2}|\s[-~]\s)"
# A run is read a part of at most `_PART_GROUPS` groups at a time (`_spread_spans`): a search
# that finds one number stops early, and the work per part is bounded.
_PART_GROUPS = 2048
_SPREAD_RUN = re.compile(rf"(?<![0-9])[0-9]+(?:{_SPREAD_GAP}[0-9]+){{1,{_PART_GROUPS - 1}}}")
_SPREAD_GAP_ONLY = re.compile(_SPREAD_GAP)
_GROUP = re.compile("[0-9]+")
# A fixed-line number: an area code (0 and two or three digits; after a country prefix the 0 may
# be left out or written "(0)") and a subscriber number of seven or eight digits, perhaps grouped.
_LANDLINE = re.compile(
    rf"(?<![0-9])(?:\(?(?:\+|00)(86){_GAP}(?:\(0\){_GAP})?)?\(?(0?[1-9][0-9]{{1,2}})({_GAP})"
    rf"([0-9]{{3,4}}){_GAP}([0-9]{{4}})(?![0-9])"
)
# A well-formed e-mail address (ASCII, as folded): local part, "@", a dotted domain, a TLD.
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9.!#$%&'*+/=?^_`{|}~-])[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
    r"(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,63}(?![A-Za-z0-9-])"
)
# What any pattern needs, on the text as written (\d and \s are Unicode's): an "@" (an e-mail
# address); eleven digits grouped 3-4-4 (after a trunk 0 perhaps), fifteen grouped 6-6-3, or
# fourteen grouped 6-8; an area code set off from a subscriber number; or a country prefix ("86",
# or two digits not both ASCII; after "+", "00" or nothing: "86138-1234-5678" too), then one.
# Text is read twice where it holds Chinese digits (`_foldings`): with them as digits, where a
# digit may be a Chinese one (and one counts in "86" for its value only), and with them as
# letters, which bound a number (张三13812345678).
_RAW_GAP = rf"[-\s.:_/()~|*#+={SEPARATORS}{INVISIBLE}]{{0,3}}"


def _candidate(digit: str, eighty_six: str) -> re.Pattern[str]:
    subscriber = rf"{digit}{{3,4}}{_RAW_GAP}{digit}{{4}}(?!{digit})"
    return re.compile(
        rf"(?<!{digit}){digit}?{digit}{{3}}(?:{_RAW_GAP}{digit}{{4}}{_RAW_GAP}{digit}{{4}}"
        rf"|{digit}{{3}}{_RAW_GAP}(?:{digit}{{6}}{_RAW_GAP}{digit}{{3}}|{digit}{{8}}))"
        rf"|(?<!{digit}){digit}{{3,4}}[-\s.:_/()~|*#+={SEPARATORS}{INVISIBLE}]{{1,3}}{subscriber}"
        rf"|(?:[+\uff0b]|(?<!{digit}){digit}{digit}|(?<!{digit})){eighty_six}"
        rf"{_RAW_GAP}(?:{digit}{_RAW_GAP})?{digit}{{2,4}}{_RAW_GAP}{subscriber}"
    )


# Where a spread-out number may be, as written: eleven digits 1[3-9]…, each set off by at most
# three spaces, hyphens, dashes or invisible characters (Chinese and spoken digits too, in a text
# that holds one); where one is, `_spread_spans` decides on the text's readings.
_RAW_SPREAD_GAP = rf"[-~\s{DASHES}\uff0d\uff5e{INVISIBLE}]{{0,3}}"


def _spread_candidate(digit: str, ones: str, threes: str) -> re.Pattern[str]:
    """Eleven `digit`s, the first a 1 (or one of `ones`, or a non-ASCII digit), the second a 3
    to 9 (or one of `threes`, or a non-ASCII digit)."""
    one, three = rf"(?:[1{ones}]|(?![0-9])\d)", rf"(?:[3-9{threes}]|(?![0-9])\d)"
    gap = _RAW_SPREAD_GAP
    return re.compile(rf"{one}{gap}{three}(?:{gap}{digit}){{9}}")


_SPREAD_CANDIDATE = _spread_candidate(r"\d", "", "")
_SPREAD_CANDIDATE_CHINESE = _spread_candidate(
    rf"[\d{_DIGIT_LIKE}]",
    "".join(c for c, d in (_READ_AS_DIGITS | SPOKEN_DIGITS).items() if d == "1"),
    "".join(c for c, d in (_READ_AS_DIGITS | SPOKEN_DIGITS).items() if d in "3456789"),
)
_SYMBOL_8 = "".join(c for c, d in SYMBOL_DIGITS.items() if d == "8")
_SYMBOL_6 = "".join(c for c, d in SYMBOL_DIGITS.items() if d == "6")
_CANDIDATE = _candidate(r"\d", r"(?:86|(?![0-9]{2})\d\d)")
_CANDIDATE_CHINESE = _candidate(
    rf"[\d{_DIGIT_LIKE}]",
    rf"(?:86|(?![0-9]{{2}})\d\d|[8八捌{_SYMBOL_8}][6六陆陸{_SYMBOL_6}]"
    rf"|(?![0-9])\d[六陆陸{_SYMBOL_6}]|[八捌{_SYMBOL_8}](?![0-9])\d)",
)
_CHINESE_DIGIT = re.compile(f"[{_DIGIT_LIKE}]")  # a Chinese, symbol or spoken digit
_SPOKEN_RUN = re.compile(r"[0-9拐洞勾参]+(?:[-\s.]{1,3}[0-9拐洞勾参]+)*")
_SPOKEN = str.maketrans(SPOKEN_DIGITS)
_UUID = re.compile(r"[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}")
_HEX_TOKEN = re.compile(r"[0-9A-Fa-f]*[A-Fa-f][0-9A-Fa-f]*")
_TOKEN_EDGE = re.compile(r"[0-9A-Za-z]*")
_UPS = re.compile(r"1Z[0-9A-Z]{6}[0-9A-Z]{2}[0-9]{8}")
# Chinese carriers' waybills that start with the carrier's letters (no check digit to test):
# JD Logistics `JDV` and a letter then eleven digits (JDVA…, JDVB…, JDVC…), or `JD` then thirteen
# (JD0…); SF Express `SF` then twelve or thirteen; YTO `YT` then thirteen. A waybill of digits
# only (ZTO, STO, YTO, JD, SF of old: 12 to 15 digits) is not among them: the runs it is taken
# for are a mobile number after a trunk 0 (12 digits), after 86 (13) or 0086 (15), which is how
# a person's number is written too.
_LETTERED_WAYBILL = re.compile(r"JDV[A-Z][0-9]{11}|JD[0-9]{13}|SF[0-9]{12,13}|YT[0-9]{13}")


def might_hold_identifier(text: str) -> bool:
    """Cheap test: could `text` hold a number (eleven digits grouped 3-4-4 or spread out, an ID
    number's groups, an area code set off or after +86 and a subscriber number) or an "@", as
    written or as `_normalised`? Most text does not."""
    if _might_hold(text):
        return True
    normal = _normalised(text)
    return normal is not None and _might_hold(normal[0])


def _might_hold(text: str) -> bool:
    """`might_hold_identifier` on one reading of a text."""
    if "@" in text or "\uff20" in text or _CANDIDATE.search(text) is not None:
        return True
    if _SPREAD_CANDIDATE.search(text) is not None and _spread_in(text):
        return True
    if _CHINESE_DIGIT.search(text) is None:
        return False
    if _CANDIDATE_CHINESE.search(text) is not None:
        return True
    return _SPREAD_CANDIDATE_CHINESE.search(text) is not None and _spread_in(text)


def _spread_in(text: str) -> bool:
    """Whether a reading of `text` holds a spread-out number's shape (`_spread_spans`)."""
    return any(_holds(_spread_spans(folded, strict=False)) for folded in _folded(text))


# A JSON text's bytes by class, for a scan that never decodes: ASCII digits "0", the separators
# _RAW_GAP allows "s" ("+" too), everything else "x". One of the shapes below holds wherever
# _CANDIDATE matches (the text is searched after an "x", so a number is always after an "s" or an
# "x"); they define the scan, which searches them as _SHAPED (tests compare the two).
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
    re.compile(
        edge + rb"0?000(?:s{0,3}0000s{0,3}0000|000s{0,3}(?:000000s{0,3}000|00000000)"
        rb"|0?s{1,3}0000?s{0,3}0000(?!0))"  # the last: an area code set off
    )
    for edge in (b"x", b"s")
)
# The shapes without their edge, "0?000" written "0000?": a literal start ("000") that digits
# alone make, so that the search skips the letters at C speed. A shape holds where this finds a
# number at the start of a run of digits (after an "x" or an "s": the edge); a number it finds
# inside a run is passed over to the run's end (no edged shape starts inside a run).
_SHAPED = re.compile(b"0000?" + _SHAPES[0].pattern[len(b"x0?000") :])
_RUN = re.compile(b"0+")
# Every shape (and _PREFIXED) takes ten digits at least (an area code of three, a subscriber
# number of seven): a text with fewer holds none.
_FEWEST_DIGITS = 10
_DIGITS = b"0123456789"
# After a country prefix: the classes with "6" and "8" kept (searched only where "86" is).
_CLASSES_86 = bytes(b if chr(b) in "68" else c for b, c in enumerate(_CLASSES))
_PREFIXED = re.compile(
    rb"(?:(?<=[xs])|(?<=[xs][068][068]))86s{0,3}(?:[068]s{0,3})?[068]{2,4}s{0,3}"
    rb"[068]{3,4}s{0,3}[068]{4}(?![068])"
)
# Where a spread-out number may be in the bytes (non-ASCII spaces and dashes narrowed to ASCII
# ones, a byte each): "1", [3-9] and nine digits, each set off by at most three spaces or
# hyphens (a literal start: the search skips to a "1" at C speed; a date or a time holds none).
# Where one is, `_spread_spans` decides on the text with every gap written " " (which takes a
# run for longer, never shorter: each of its windows is still one).
_SPREAD_GAP_BYTES = rb"[-~\s\x1c-\x1f]"
_SPREAD_BYTES = re.compile(rb"1%b{0,3}[3-9](?:%b{0,3}[0-9]){9}" % ((_SPREAD_GAP_BYTES,) * 2))
_SPREAD_BYTES_GAP = re.compile(_SPREAD_GAP_BYTES + b"+")
# Lead bytes of the UTF-8 encodings of every non-ASCII digit, space or separator (classed "x"
# above); tests/conformance/test_leaks.py derives them from Unicode again.
SUSPECT_LEADS = bytes.fromhex("c2 d9 db df e0 e1 e2 e3 ea ef f0")
_NOT_SUSPECT = bytes(b for b in range(256) if b not in SUSPECT_LEADS)
# The Chinese and spoken digits: each is replaced by its ASCII digit before the byte scan, as
# the exact test folds it (a spoken one wherever it is: the exact test reads it only in a run of
# digits).
_DIGIT_MEANINGS = _READ_AS_DIGITS | SPOKEN_DIGITS
# ASCII bytes: deleted, they leave every multi-byte character whole (UTF-8's lead bytes are never
# continuation bytes, so the decoder starts a character on each).
_ASCII = bytes(range(128))
# In a text of non-ASCII characters: a digit (\d: Unicode's), a space or a separator, the last
# written as an ASCII one (U+FF0B as "+": it leads a country prefix too; the rest as a space).
_WIDE_DIGIT = re.compile(r"\d")
_WIDE_GAP = re.compile(rf"[^\S\x00-\x7f]|[{SEPARATORS}]")
_NARROW = {"\uff0b": b"+"}
_HAS_INVISIBLE = re.compile(f"[{INVISIBLE}]")  # deleted by the exact test: left to the text scan


def might_hold_identifier_json(data: bytes) -> bool:
    """Cheap test on a JSON text (UTF-8): could one of its strings or numbers hold a number or an
    e-mail address? Never false where `might_hold_identifier` holds for a string of it; escapes,
    "@" and non-ASCII digits are left to the exact test; non-ASCII spaces and separators are
    read as ASCII ones, Chinese digits as ASCII digits. About 5 µs a benchmark record of ASCII,
    7.5 of Chinese text (`python -m benchmarks.screen`)."""
    if b"\\" in data or b"@" in data:
        return True  # an escape may hide a separator (a newline) or a digit; "@" an address
    if b"%" in data and _PERCENT_BYTES.search(data) is not None:
        return might_hold_identifier(data.decode("utf-8", "replace"))  # read as decoded
    if not data.isascii():
        if data.translate(None, _NOT_SUSPECT):
            narrowed = _narrowed(data)
            if narrowed is None:
                return might_hold_identifier(data.decode("utf-8", "replace"))
            data = narrowed
        if _shaped(data):
            return True
        wide = data.translate(None, _ASCII).decode("utf-8", "replace")  # a name or two
        chinese = set(_CHINESE_DIGIT.findall(wide))
        for digit in chinese:  # each replaced in C, as the exact test folds it
            data = data.replace(digit.encode(), _DIGIT_MEANINGS[digit].encode())
        return bool(chinese) and _shaped(data)
    return _shaped(data)


def _narrowed(data: bytes) -> bytes | None:
    """`data` (UTF-8) with every non-ASCII space or separator written as an ASCII one, one
    character for one (where the text scan takes them alike); None where it holds a non-ASCII
    digit, a full-width "@" or an invisible character (left to the text scan). Bytes that
    encode a character always decode to it (a lead byte starts a character for the decoder,
    whatever came before)."""
    wide = data.translate(None, _ASCII).decode("utf-8", "replace")  # a name or two
    if "\uff20" in wide or _WIDE_DIGIT.search(wide) is not None or _HAS_INVISIBLE.search(wide):
        return None
    for gap in set(_WIDE_GAP.findall(wide)):  # none where the leads were other characters'
        data = data.replace(gap.encode(), _NARROW.get(gap, b" "))  # each a character of the text
    return data


def _shaped(data: bytes) -> bool:
    """Whether a JSON text's bytes (digits ASCII) hold one of the shapes above."""
    if len(data) - len(data.translate(None, _DIGITS)) < _FEWEST_DIGITS:
        return False
    if _holds_shape(b"x" + data.translate(_CLASSES)):  # a text may start with a number
        return True
    if _spread_shaped(data):
        return True
    return b"86" in data and _PREFIXED.search(b"x" + data.translate(_CLASSES_86)) is not None


def _spread_shaped(data: bytes) -> bool:
    """Whether a JSON text's bytes (digits ASCII) hold a spread-out number's shape."""
    if _SPREAD_BYTES.search(data) is None:
        return False
    spaced = _SPREAD_BYTES_GAP.sub(b" ", data).decode("utf-8", "replace")
    return _holds(_spread_spans(spaced, strict=False))


def _holds_shape(classes: bytes) -> bool:
    """Whether one of _SHAPES holds in `classes` (a text's classes after an "x")."""
    start = 0
    while (number := _SHAPED.search(classes, start)) is not None:
        if classes[number.start() - 1] != ord("0"):
            return True
        run = _RUN.match(classes, number.start())
        start = run.end() if run is not None else len(classes)  # it is a run: never None
    return False


def raw_identifier_kind(text: str) -> str | None:
    """'resident ID number', 'mobile number', 'landline number' or 'e-mail address' if `text`
    holds one (strict policy), else None."""
    if not might_hold_identifier(text):
        return None
    for folded in _foldings(text):
        kind = _kind(folded)
        if kind is not None:
            return kind
    return None


def _kind(text: str) -> str | None:
    """What `raw_identifier_kind` finds in folded text."""
    if any(is_resident_id(_digits(m)) for m in _RESIDENT_ID.finditer(text)):
        return "resident ID number"
    if any(_is_old_resident_id(_digits(m)) for m in _OLD_RESIDENT_ID.finditer(text)):
        return "resident ID number"
    mobiles = _MOBILE.finditer(text)
    if any(_is_mobile(m, strict=True) and not _in_hex_token(text, m) for m in mobiles):
        return "mobile number"
    if _holds(_spread_spans(text, strict=True)):
        return "mobile number"
    if any(_is_landline(text, m, strict=True) for m in _LANDLINE.finditer(text)):
        return "landline number"
    if "@" in text and _EMAIL.search(text) is not None:
        return "e-mail address"
    return None


def redact(text: str, thorough: bool = True) -> str:
    """`text` with every ID-, mobile- and fixed-line-shaped number and every e-mail address
    replaced by a placeholder; with `thorough` false, only what `raw_identifier_kind` would find
    (baselines fingerprint that)."""
    if not might_hold_identifier(text):
        return text
    spans = [where(s) for folded, where in _readings(text) for s in _spans(folded, thorough)]
    for start, end in sorted(_merged(spans), reverse=True):
        text = text[:start] + PLACEHOLDER + text[end:]
    return text


def _spans(folded: str, thorough: bool) -> list[tuple[int, int]]:
    """Where `redact` finds numbers and addresses in folded text."""
    shaped = _is_id_shaped if thorough else lambda m: is_resident_id(_digits(m))
    old_shaped = _is_old_id_shaped if thorough else lambda m: _is_old_resident_id(_digits(m))
    spans = [m.span() for m in _RESIDENT_ID.finditer(folded) if shaped(m)]
    spans += [m.span() for m in _OLD_RESIDENT_ID.finditer(folded) if old_shaped(m)]
    spans += [
        m.span()
        for m in _MOBILE.finditer(folded)
        if _is_mobile(m, strict=not thorough) and (thorough or not _in_hex_token(folded, m))
    ]
    spans += list(_spread_spans(folded, strict=not thorough))
    spans += [m.span() for m in _LANDLINE.finditer(folded) if _is_landline(folded, m, not thorough)]
    if "@" in folded:
        spans += [m.span() for m in _EMAIL.finditer(folded)]
    return spans


def is_carrier_tracking_number(text: str) -> bool:
    """A carrier's waybill, never a person's number: a UPS tracking number with its check digit
    right (`_is_ups`), or a Chinese carrier's lettered waybill (`_LETTERED_WAYBILL`), whole. A
    value of digits only is never one: an 11-digit 1[3-9]… value is a mobile number whatever
    the field."""
    return _is_ups(text) or _LETTERED_WAYBILL.fullmatch(text) is not None


def _is_ups(text: str) -> bool:
    """`1Z`, six characters of shipper, two of service, seven digits of package and a check
    digit: letters count (code point - 63) mod 10, digits as they are; the characters after `1Z`
    at odd places count twice; the digit brings the sum to a multiple of ten."""
    number = text.replace(" ", "").upper()
    if _UPS.fullmatch(number) is None:
        return False
    values = [int(c) if c.isdigit() else (ord(c) - 63) % 10 for c in number[2:17]]
    total = sum(v * (2 if i % 2 else 1) for i, v in enumerate(values))
    return (10 - total % 10) % 10 == int(number[17])


class _Fold(dict[int, int]):
    """str.translate table, filled on demand: every Unicode and Chinese digit to its ASCII one,
    every space to " ", every separator to its ASCII one (hyphens, dashes and the minus sign to
    "-"), full-width X to "X" and @ to "@"; one character to one, so that spans hold in the text as
    written."""

    def __init__(self, chinese: bool) -> None:
        super().__init__()
        self.chinese = chinese

    def __missing__(self, code: int) -> int:
        char = chr(code)
        if char.isdecimal():
            folded = ord(str(unicodedata.decimal(char)))
        elif char in _READ_AS_DIGITS and self.chinese:
            folded = ord(_READ_AS_DIGITS[char])
        elif char.isspace() or char in INVISIBLE:
            folded = ord(" ")
        elif char in DASHES:
            folded = ord("-")
        elif char in _DOTS:
            folded = ord(".")
        elif char in SEPARATORS or char in "\uff38\uff58\uff20":  # full-width: by an offset
            folded = code - 0xFEE0
        else:
            folded = code
        if len(self) >= _FOLD_CACHE:  # text of every script cannot fill the memory
            self.clear()
        self[code] = folded
        return folded


_FOLD_CACHE = 1 << 16
_FOLD, _FOLD_CHINESE = _Fold(chinese=False), _Fold(chinese=True)


def _foldings(text: str) -> list[str]:
    """Every reading of `text` the patterns are tried on (`_readings`)."""
    return [folded for folded, _ in _readings(text)]


_Span = tuple[int, int]


def _readings(text: str) -> list[tuple[str, Callable[[_Span], _Span]]]:
    """`text` folded (`_folded`), and `_normalised` then folded where that changes it, each with
    how a span found in it maps to one in `text`."""
    readings: list[tuple[str, Callable[[_Span], _Span]]] = [(f, _same) for f in _folded(text)]
    normal = _normalised(text)
    if normal is not None:
        changed, starts, ends = normal
        spans = functools.partial(_mapped, starts, ends)
        readings += [(folded, spans) for folded in _folded(changed)]
    return readings


def _same(span: _Span) -> _Span:
    return span


def _mapped(starts: list[int], ends: list[int], span: _Span) -> _Span:
    return starts[span[0]], ends[span[1] - 1]


def _folded(text: str) -> list[str]:
    """`text` folded (as long as `text`: spans found in it hold in `text`): Chinese digits read
    as letters, and, where it holds any, read as digits too."""
    if text.isascii():
        return [text]
    folded = [text.translate(_FOLD)]
    if _CHINESE_DIGIT.search(text) is not None:
        folded.append(_spoken(text, text.translate(_FOLD_CHINESE)))
    return folded


def _spoken(text: str, folded: str) -> str:
    """`folded` (`text` with Chinese digits read as digits, as long) with spoken digits read as
    digits in each run of six digits or more (spoken ones included), three of them others, one
    of `text`'s Chinese numerals among them ("一三八洞洞拐拐勾勾一二")."""
    if not any(c in folded for c in SPOKEN_DIGITS):
        return folded
    return _SPOKEN_RUN.sub(functools.partial(_read_spoken, text), folded)


def _read_spoken(text: str, run: re.Match[str]) -> str:
    spoken = sum(c in SPOKEN_DIGITS for c in run.group())
    others = sum(c.isdigit() for c in run.group())
    chinese = any(c in CHINESE_DIGITS for c in text[run.start() : run.end()])
    if chinese and others >= 3 and spoken + others >= 6:
        return run.group().translate(_SPOKEN)
    return run.group()


# What `_normalised` changes: a run of percent-escapes, a run of invisible characters.
_NORMALISE = re.compile(f"(?:%[0-9A-Fa-f]{{2}})+|[{INVISIBLE}]+")
_NORMALISE_HINT = re.compile(f"[%{INVISIBLE}]")
_PERCENT_BYTES = re.compile(rb"%[0-9A-Fa-f]{2}")
_NO_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))


def _normalised(text: str) -> tuple[str, list[int], list[int]] | None:
    """`text` with invisible characters deleted and runs of percent-escapes decoded (UTF-8, a
    byte that is none U+FFFD; invisible characters they encode deleted too), and where each of
    its characters starts and ends in `text`; None if there is nothing to change."""
    if _NORMALISE_HINT.search(text) is None or _NORMALISE.search(text) is None:
        return None  # the first search is the quicker
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    done = 0
    for match in _NORMALISE.finditer(text):
        start, end = match.span()
        parts.append(text[done:start])
        starts += range(done, start)
        ends += range(done + 1, start + 1)
        run = match.group()
        if run[0] == "%":
            decoded = bytes.fromhex(run.replace("%", "")).decode("utf-8", "replace")
            decoded = decoded.translate(_NO_INVISIBLE)
            parts.append(decoded)
            starts += [start] * len(decoded)
            ends += [end] * len(decoded)
        elif ends and ends[-1] == start:  # a character's marks (a keycap's) go with it
            ends[-1] = end
        done = end
    parts.append(text[done:])
    starts += range(done, len(text))
    ends += range(done + 1, len(text) + 1)
    return "".join(parts), starts, ends


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


def _is_mobile(match: re.Match[str], strict: bool) -> bool:
    """A mobile number's shape (1[3-9] and nine digits); `strict`, after a trunk 0 or a bare
    "86" (no "+" or "00": a 12- or 13-digit code may be read so, a UPC-A "016000275263"), a
    number phonenumbers takes for a valid CN mobile (an allocated range: 160 is none, while
    "8615012345678" stays a number). A number written alone or after "+86"/"0086" is never
    tested so: every 11-digit 1[3-9]… value is someone's number."""
    digits = "".join(match.group("a", "b", "c"))
    if _MOBILE_PREFIX.match(digits) is None:
        return False
    trunk_or_bare = match.group("trunk") is not None or match.group("cc") == "86"
    return not strict or not trunk_or_bare or is_cn_mobile(digits)


def _spread_spans(text: str, strict: bool) -> Iterator[_Span]:
    """Where folded `text` holds a mobile number spread out or grouped otherwise than 3-4-4: in a
    run of groups (`_SPREAD_RUN`), whole consecutive groups holding eleven digits 1[3-9]…
    (`_Groups.window`), the first perhaps after a prefix glued to it ("0138 12 34 56 78",
    "+8613 81 …"). A prefix group just before them ("+86 ", "0086-", "0 ") is redacted with them.
    `strict` as in `_is_mobile`, and more: an allocated range, not glued to a hex token nor in a
    UUID (spread-out digits are less often a number). Linear in the run: the groups are read
    once (`_Groups`), a window's shape is told in constant time, digits are read only from a
    group a window may start at, and those in no allocated range are tested once a run; not
    strict, a run in which `_MANY_NUMBERS` are found is redacted whole from the next one on. A
    run is read in parts (`_PART_GROUPS`): a search for one number stops early."""
    rejected: set[str] = set()  # digits in no allocated range (strict), tested once a run
    found, position, resume, whole_to = 0, 0, -1, -1
    while (part := _SPREAD_RUN.search(text, position)) is not None:
        overlaps = part.start() == resume  # the next part of a run, from its last part's end
        going_on = overlaps or (
            whole_to >= 0 and _SPREAD_GAP_ONLY.fullmatch(text, whole_to, part.start()) is not None
        )
        if not going_on:
            rejected, found = set(), 0
        if found >= _MANY_NUMBERS and not strict:  # the rest of the run is redacted whole
            yield part.start() if overlaps else whole_to, part.end()  # the gap too
            position = whole_to = part.end()
            continue
        groups = _Groups(part)
        for first in groups.firsts():
            if first == 0 and overlaps:
                continue  # read with the last part
            if found >= _MANY_NUMBERS and not strict:
                yield groups.start(first), part.end()
                break
            head = groups.before[first]
            if rejected and groups.digits[head : head + _MOBILE_DIGITS] in rejected:
                continue  # a number in no allocated range, tested already
            span = _spread_from(text, groups, first, rejected if strict else None)
            if span is not None:
                found += 1
                yield span
        whole_to = -1
        if len(groups.sizes) < _PART_GROUPS:
            position = part.end()
        else:  # from the group before the last ten: the windows that did not fit, and a prefix
            position = resume = groups.start(len(groups.sizes) - _MOBILE_DIGITS)


def _spread_from(text: str, groups: _Groups, first: int, rejected: set[str] | None) -> _Span | None:
    """The span of a number in `groups` from group `first` on, perhaps after a glued prefix."""
    glued = _GLUED_PREFIXES if groups.digits[groups.before[first]] in "08" else ("",)
    for prefix in glued:
        span = _spread_at(text, groups, first, prefix, rejected)
        if span is not None:
            return span
    return None


def _spread_at(
    text: str, groups: _Groups, first: int, glued: str, rejected: set[str] | None
) -> _Span | None:
    """The span of a number in `groups` from group `first` on (less `glued`), if one is there;
    `rejected` (strict only) the digits already found in no allocated range."""
    head = groups.before[first] + len(glued)
    digits = groups.digits[head : head + _MOBILE_DIGITS]
    if _MOBILE_PREFIX.match(digits) is None or (rejected is not None and digits in rejected):
        return None
    last = groups.window(first, len(glued))
    if last is None:
        return None
    start = groups.start(first)
    if glued and (not text.startswith(glued, start) or groups.sizes[first] - len(glued) < 2):
        return None
    end = groups.end(last)
    if (
        rejected is not None
        and groups.sizes[first] - len(glued) > 3
        and not groups.alone(first, last)
    ):
        return None  # strict: "1308 1209 605 702" is a list of rooms; "1381 2345 678" alone is one
    if rejected is not None and not _strictly_spread(text, start, end, digits):
        if not is_cn_mobile(digits):
            rejected.add(digits)
        return None
    before = groups.span(first - 1) if first else None
    return _prefixed(text, before, start), end


_MOBILE_DIGITS = 11
# Numbers found in one run after which, not strict, the rest of the run is taken for numbers (a
# bound on the work a run of spread-out digits makes redaction do).
_MANY_NUMBERS = 64
_PREFIX_GROUPS = ("0086", "86", "0")  # a country prefix or a trunk 0 before a number
_GLUED_PREFIXES = ("", *_PREFIX_GROUPS)  # ... or glued to its first group


class _Groups:
    """A run of groups of digits (`_SPREAD_RUN`), read once, in C: each group's size, how many
    digits and gap characters come before it, and counts that tell a window's shape in constant
    time."""

    def __init__(self, run: re.Match[str]) -> None:
        self.offset = run.start()
        groups = _GROUP.findall(run.group())
        self.sizes = list(map(len, groups))
        self.digits = "".join(groups)
        self.before = list(itertools.accumulate(self.sizes, initial=0))
        gaps = map(len, _SPREAD_GAPS.findall(run.group()))
        self.gaps = list(itertools.accumulate(gaps, initial=0))
        # How many groups before each are not of two to five digits, and not of three.
        grouped = map(_GROUPED_SIZES.__contains__, self.sizes)
        self.odd = list(itertools.accumulate(map(operator.not_, grouped), initial=0))
        threes = map(operator.ne, self.sizes, itertools.repeat(3))
        self.not3 = list(itertools.accumulate(threes, initial=0))

    def firsts(self) -> list[int]:
        """The groups a window may start at (found in C): a "1" whose eleven digits end at a
        group's end, or a "0" or an "8" (a glued prefix's first digit)."""
        starts = self.before[:-1]
        leads = map(self.digits.__getitem__, starts)
        whole = map(set(self.before).__contains__, map(_MOBILE_DIGITS.__add__, starts))
        # A lead's weight and `whole` sum to 3 or more where a window may start.
        weights = map(operator.add, map(_LEAD_WEIGHTS.__getitem__, leads), whole)
        may = map(operator.ge, weights, itertools.repeat(3))
        return list(itertools.compress(range(len(starts)), may))

    def window(self, first: int, glued: int) -> int | None:
        """The last of the groups from `first` on (less `glued` digits of prefix) that hold
        eleven digits shaped as a spread-out number, if any: eleven single digits, or groups of
        two to five digits, the last of one to five, not grouped in thousands (an amount,
        "13 800 000 000": a first group of one to three digits, every later one of three;
        "13812 345 678" is a number)."""
        target = self.before[first] + glued + _MOBILE_DIGITS
        stop = min(first + _MOBILE_DIGITS + 1, len(self.before))
        after = bisect.bisect_left(self.before, target, first + 1, stop)
        if after == stop or self.before[after] != target:
            return None
        last = after - 1
        if last - first == _MOBILE_DIGITS - 1 and not glued:
            return last  # eleven groups of eleven digits: single digits
        head = self.sizes[first] - glued
        grouped = 2 <= head <= 5 and self.odd[last] == self.odd[first + 1] and self.sizes[last] <= 5
        if grouped and (head > 3 or self.not3[last + 1] > self.not3[first + 1]):
            return last
        return None

    def alone(self, first: int, last: int) -> bool:
        """Whether groups `first` to `last` are their whole run, but for a prefix group before
        them ("86", "0086", "0")."""
        if last != len(self.sizes) - 1:
            return False
        prefix = self.digits[self.before[0] : self.before[1]] if first == 1 else None
        return first == 0 or prefix in _PREFIX_GROUPS

    def start(self, group: int) -> int:
        return self.offset + self.before[group] + self.gaps[group]

    def end(self, group: int) -> int:
        return self.offset + self.before[group + 1] + self.gaps[group]

    def span(self, group: int) -> _Span:
        return self.start(group), self.end(group)


_SPREAD_GAPS = re.compile("[^0-9]+")
_GROUPED_SIZES = frozenset(range(2, 6))
_LEAD_WEIGHTS = dict.fromkeys("0123456789", 0) | {"1": 2, "0": 3, "8": 3}


def _holds(spans: Iterator[_Span]) -> bool:
    return next(spans, None) is not None


def _prefixed(text: str, before: _Span | None, start: int) -> int:
    """Where a number at `start` starts with the group `before` it if that is a prefix ("86",
    "0086", "0"), and with a "+" before "86"."""
    if before is not None and text[before[0] : before[1]] in _PREFIX_GROUPS:
        start = before[0]
    return start - (text.startswith("86", start) and text.endswith("+", 0, start))


def _strictly_spread(text: str, start: int, end: int, digits: str) -> bool:
    """A spread-out number at `start`:`end` of folded `text` in an allocated range, neither
    glued to a hex token's letters ("a1 3 8…", "…7 8f") nor in a UUID."""
    if not is_cn_mobile(digits):
        return False
    before = text[_token_start(text, start) : start]
    after = _TOKEN_EDGE.match(text, end)
    for glued in (before, after.group() if after is not None else ""):
        if glued and _HEX_TOKEN.fullmatch(glued + "0") is not None:
            return False
    uuids = _UUID.finditer(text, max(0, start - 36), end + 36)
    return not any(u.start() < end and start < u.end() for u in uuids)


def _is_landline(text: str, match: re.Match[str], strict: bool) -> bool:
    """A fixed-line number's shape: after a +86/0086 prefix, or with an area code that starts
    with 0 and is set off by a separator or parentheses (a glued run of digits starting with 0
    is too often something else), not groups of a UUID; `strict`: phonenumbers takes it for a
    valid CN fixed line."""
    prefix, area, gap, first, last = match.groups()
    if prefix is None and (not area.startswith("0") or not gap):
        return False
    start = max(0, match.start() - 14)
    if any(u.start() <= match.start() for u in _UUID.finditer(text, start, match.end() + 23)):
        return False
    national = area.removeprefix("0") + first + last
    return not strict or is_cn_fixed_line(national)


@functools.lru_cache(maxsize=4096)
def is_cn_fixed_line(national: str) -> bool:
    """Whether +86 `national` (digits, no leading 0) is a valid CN fixed-line number."""
    import phonenumbers  # imported on first use: most text never gets here

    number = phonenumbers.parse("+86" + national)
    kinds = (
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in kinds


@functools.lru_cache(maxsize=4096)
def is_cn_mobile(national: str) -> bool:
    """Whether +86 `national` (eleven digits) is a valid CN mobile number (an allocated range)."""
    import phonenumbers  # imported on first use: most text never gets here

    number = phonenumbers.parse("+86" + national)
    kinds = (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in kinds


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
