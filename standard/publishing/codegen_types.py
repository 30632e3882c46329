"""The types ccstd puts in the generated module in place of pydantic's, so that a model takes
what `ccstd validate` takes and gives back the record it read (codegen_rules.py makes the swap).

- a JSON number stays the Python type it was read as (`2`, never `2.0`; pydantic's float would
  turn it into one), and an integer may be written with a decimal point (`80.0`, an integer for
  JSON Schema; kept as the float it was read as, never `80.5`);
- a URI is the text `ccstd validate` accepts (the RFC 3986 grammar of standard/formats.py, so
  `https://` but not `https://x/a b` nor one with blanks around it), kept as written (pydantic's
  `AnyUrl` percent-encodes, adds a slash and refuses an empty host);
- dates and date-times must be RFC 3339 text (pydantic would take a number as a Unix time, or
  `2024-05-01 09:00Z`); a date-time read from text is written back as that text (pydantic
  would write `.5` as `.500000` and `+00:00` as `Z`).
"""

from __future__ import annotations

import inspect

from ccstd.standard import formats

# generated type -> the alias ccstd puts in its place
ALIASES = {
    "StrictFloat": "JsonNumber",
    "StrictInt": "JsonInteger",
    "AnyUrl": "UriText",
    "AwareDatetime": "Rfc3339DateTime",
    "date": "Rfc3339Date",
}
# names of the generated module's imports the definitions below use, by module
NEEDS = {
    "pydantic": {
        *("AfterValidator", "BeforeValidator", "WrapSerializer", "WrapValidator"),
        *("StrictFloat", "StrictInt", "StrictStr"),
    },
    "typing": {"Annotated", "Any"},
}
STANDARD_LIBRARY = {
    "UriText": ("ipaddress", "re"),
    "Rfc3339DateTime": ("datetime", "re"),
    "Rfc3339Date": ("re",),
}


class TypeSourceError(ValueError):
    """A pattern of the standard cannot be written into the generated module."""


def definitions(used: set[str]) -> str:
    """The source of each alias in `used` (JsonInteger needs nothing JsonNumber defines)."""
    sources = {
        "JsonNumber": _NUMBER,
        "JsonInteger": _INTEGER,
        "UriText": _uri(),
        "Rfc3339DateTime": _date_time(),
        "Rfc3339Date": _temporal("Rfc3339Date", "date", formats._DATE.pattern),
    }
    return "".join(source for alias, source in sources.items() if alias in used)


def raw_lines(text: str, width: int = 80) -> str:
    """A regular expression as raw string literals of at most `width` characters, one a line
    (a literal never ends in a backslash, which would escape its closing quote)."""
    if '"' in text:
        raise TypeSourceError(f"cannot write {text!r} as a raw string")
    if len(text) <= width:
        return f'r"{text}"'
    chunks, start = [], 0
    while start < len(text):
        end = min(start + width, len(text))
        while text[end - 1] == "\\" and end < len(text):
            end += 1
        chunks.append(f'    r"{text[start:end]}"\n')
        start = end
    return "\n" + "".join(chunks)


def _date_time() -> str:
    return (
        f"_RFC3339DATETIME = re.compile({raw_lines(formats._DATE_TIME.pattern)})\n\n\n"
        + _DATE_TIME_KEPT
    )


_DATE_TIME_KEPT = '''class _WrittenDateTime(datetime.datetime):
    """A date-time read from RFC 3339 text, which a JSON dump writes back as it was."""

    text = ""  # a date-time made from it (`+ timedelta`, `replace`) has none

    def __reduce_ex__(self, protocol: Any) -> Any:  # copies and pickles keep the text
        return (_written, (datetime.datetime.combine(self.date(), self.timetz()), self.text))


def _written(moment: datetime.datetime, text: str) -> _WrittenDateTime:
    kept = _WrittenDateTime.combine(moment.date(), moment.timetz(), moment.tzinfo)
    kept.text = text
    return kept


def _rfc3339datetime_text(value: Any, handler: Any) -> Any:
    """AwareDatetime as JSON writes it: RFC 3339 text, never a number (a Unix time)."""
    if isinstance(value, int | float) or (
        isinstance(value, str) and not _RFC3339DATETIME.fullmatch(value)
    ):
        raise ValueError("expected RFC 3339 text")
    moment = handler(value)
    if not isinstance(value, str):
        return moment
    return _written(moment, value)


def _rfc3339datetime_json(moment: Any, handler: Any) -> Any:
    return moment.text if isinstance(moment, _WrittenDateTime) and moment.text else handler(moment)


Rfc3339DateTime = Annotated[
    AwareDatetime,
    WrapValidator(_rfc3339datetime_text),
    WrapSerializer(_rfc3339datetime_json, when_used="json"),
]


'''


def _temporal(alias: str, kind: str, pattern: str) -> str:
    return (
        f"_{alias.upper()} = re.compile({raw_lines(pattern)})\n\n\n"
        f"def _{alias.lower()}_text(value: Any) -> Any:\n"
        f'    """{kind} as JSON writes it: RFC 3339 text, never a number (a Unix time)."""\n'
        f"    if isinstance(value, int | float) or (\n"
        f"        isinstance(value, str) and not _{alias.upper()}.fullmatch(value)\n"
        f"    ):\n"
        f'        raise ValueError("expected RFC 3339 text")\n'
        f"    return value\n\n\n"
        f"{alias} = Annotated[{kind}, BeforeValidator(_{alias.lower()}_text)]\n\n\n"
    )


_NUMBER = '''JsonNumber = StrictInt | StrictFloat
"""A JSON number, kept as read: 2 stays an int (written back 2, not 2.0), 2.5 a float."""


'''

_INTEGER = '''def _whole_number(value: float) -> float:
    if not value.is_integer():
        raise ValueError("expected a whole number")
    return value


JsonInteger = StrictInt | Annotated[StrictFloat, AfterValidator(_whole_number)]
"""A JSON integer, kept as read: 80, or 80.0 (JSON Schema's integer too; stays a float)."""


'''


def _uri() -> str:
    return (
        f"_URI = re.compile({raw_lines(formats._URI.pattern)})\n"
        f"_URI_AUTHORITY = re.compile({raw_lines(formats._AUTHORITY.pattern)})\n"
        f"_URI_IP_FUTURE = re.compile({raw_lines(formats._IP_FUTURE.pattern)})\n\n\n"
        # the standard's own IP-literal check, written into the module (integrators lack ccstd)
        + inspect.getsource(formats._is_ip_literal).replace("_IP_FUTURE", "_URI_IP_FUTURE")
        + "\n\n"
        + _URI_CHECK
    )


_URI_CHECK = '''def _uri_text(value: str) -> str:
    """An absolute URI as `ccstd validate` checks it: RFC 3986, ASCII only, no blank around."""
    match = _URI.fullmatch(value)
    authority = None if match is None else match.group("authority")
    parts = None if authority is None else _URI_AUTHORITY.fullmatch(authority)
    host = "" if parts is None else parts.group("host")
    if match is None or (authority is not None and parts is None):
        raise ValueError("expected an absolute URI (RFC 3986)")
    if host.startswith("[") and not _is_ip_literal(host[1:-1]):
        raise ValueError("expected an absolute URI (RFC 3986)")
    return value


UriText = Annotated[StrictStr, AfterValidator(_uri_text)]
"""A URI, kept as written (not normalised as pydantic's AnyUrl would)."""


'''
