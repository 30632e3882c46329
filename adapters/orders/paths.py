"""Paths of a platform file: where a value sits in an order (platforms.schema.json#/$defs/path).

A path is steps joined by `.`; a step is a bare key (letters, digits and `_`, any non-ASCII
letter included: `订单号`, `收货人.手机` is the key 手机 inside 收货人) or a key quoted in
backticks, which holds anything (`` `Order ID` ``, `` `收货人.手机` `` is one key; a backtick
inside is doubled). `x[]` walks the array x (in the terms of a sum); a leading `^` reads the
order from inside a line or a delivery. A sum's term is a path or a product of two (`a * b`).
The patterns here are the schema's (a test holds them equal).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

BARE = r"(?:[A-Za-z_]|[^\x00-\x7F])(?:[A-Za-z0-9_]|[^\x00-\x7F])*"
QUOTED = r"`(?:[^`]|``)+`"
STEP = rf"(?:{BARE}|{QUOTED})"
PATH = rf"\^?{STEP}(?:\[\])?(?:\.{STEP}(?:\[\])?)*"
PLAIN_PATH = rf"\^?{STEP}(?:\.{STEP})*"  # no array walk: the second factor of a product
TERM = rf"{PATH}(?: \* {PLAIN_PATH})?"
_STEP = re.compile(rf"({BARE}|{QUOTED})(\[\])?")
_BARE = re.compile(BARE)
_SPACE = re.compile(r"\s", re.UNICODE)


@dataclass(frozen=True)
class Path:
    """A parsed path: whether it reads from the order (`^`), its keys, and which walk."""

    rooted: bool
    keys: tuple[str, ...]
    walks: tuple[bool, ...]  # per key: `x[]`

    @property
    def dotted(self) -> str:
        """The keys joined by `.`, unquoted: how the ledger and rejections name the field."""
        return ".".join(self.keys)

    def text(self, start: int = 0, stop: int | None = None, rooted: bool | None = None) -> str:
        """The path (or a slice of its steps) written back in the file's syntax."""
        caret = "^" if (self.rooted if rooted is None else rooted) else ""
        parts = [
            quote(key) + ("[]" if walk else "")
            for key, walk in zip(self.keys[start:stop], self.walks[start:stop], strict=True)
        ]
        return caret + ".".join(parts)

    def first_walk(self) -> int | None:
        """The index of the first step that walks an array (None: none does)."""
        return next((i for i, walk in enumerate(self.walks) if walk), None)


@functools.lru_cache(maxsize=1024)
def parse(text: str) -> Path:
    """A path of the format (ValueError for text the schema would refuse)."""
    rooted = text.startswith("^")
    at, keys, walks = int(rooted), [], []
    while True:
        step = _STEP.match(text, at)
        if step is None:
            raise ValueError(f"{text!r} is not a path")
        key = step.group(1)
        keys.append(key[1:-1].replace("``", "`") if key.startswith("`") else key)
        walks.append(step.group(2) is not None)
        at = step.end()
        if at == len(text):
            return Path(rooted, tuple(keys), tuple(walks))
        if text[at] != ".":
            raise ValueError(f"{text!r} is not a path")
        at += 1


def quote(key: str) -> str:
    """A key as a step: bare when it can be, else in backticks."""
    if _BARE.fullmatch(key) and not _SPACE.search(key):
        return key
    return "`" + key.replace("`", "``") + "`"


def terms(term: str) -> list[str]:
    """The factors of a sum's term (`a * b`), split outside quoted keys."""
    factors, quoted, start = [], False, 0
    for index, char in enumerate(term):
        if char == "`":
            quoted = not quoted
        elif not quoted and term.startswith(" * ", index):
            factors.append(term[start:index])
            start = index + 3
    return [*factors, term[start:]]
