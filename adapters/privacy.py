"""Pseudonymisation of direct identifiers, driven by the schema rather than by each adapter.

A field that accepts the standard's protected form (resident ID numbers, phone numbers,
identifier values, names) is a direct identifier. Its value is replaced by a keyed HMAC-SHA-256
pseudonym (the same value always gives the same pseudonym under one key, so records still link);
a value the source had already masked is marked as masked; raw values pass only on request.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import re
import stat
import string
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccstd.standard.fields import entity_fields
from ccstd.standard.files import read_regular
from ccstd.standard.redaction import CHINESE_DIGITS, SPOKEN_DIGITS, raw_identifier_kind
from ccstd.standard.registry import StandardVersion

KEY_ENV = "CCSTD_PSEUDONYM_KEY"
_MIN_KEY_BYTES = 16
_MIN_KEY_BITS = 128
_MIN_DISTINCT_BYTES = 6  # 32 random hex digits have fewer with a chance of about 2^-40
_RANDOM_PATTERN_BITS = 48  # a pattern counts when a random key shows it with a chance below 2^-48
_ORDER = (string.digits + string.ascii_lowercase + string.ascii_uppercase).encode()
_RANK = [_ORDER.index(b) if b in _ORDER else 256 + b for b in range(256)]  # sequences' order
_WORD_SEPARATOR = re.compile(rb"[ ._,;:-]+")
_PASSPHRASE = re.compile(rb"[A-Za-z][a-z]*(?:[ ._,;:-]+[A-Za-z][a-z]*)+")
_MAX_KEY_BYTES = 4096
_HAS_SPACE = re.compile(r"\s")
_MAX_MASKED = 128  # the longest value the standard's masked form holds
# The most clear digits a masked value keeps: a mobile number's mask `138****5678` keeps 7 (and
# hides 4), so does an ID number's `110***********4514`-like mask at most; more is not a mask.
MAX_CLEAR_DIGITS = 7
_MAX_REMEMBERED_IDS = 65536
# The alphabets a key is usually drawn from, smallest first: (size, bytes it allows).
_ALPHABETS = (
    (10, frozenset(string.digits.encode())),
    (16, frozenset(string.hexdigits.encode())),
    (64, frozenset((string.ascii_letters + string.digits + "+/-_=").encode())),
    (95, frozenset(string.printable[:95].encode())),
)


NO_KEY_HELP = (
    "converted records carry direct identifiers (names, ID and card numbers, phone numbers), which "
    f"are pseudonymised with a key: give one with --key-file FILE or ${KEY_ENV} (128 bits or "
    "more, e.g. 32 random hex digits), or pass --raw-identifiers to emit them unprotected"
)
MAKE_KEY_HELP = "make one with: openssl rand -hex 32 > pseudonym.key; chmod 600 pseudonym.key"


class PseudonymKeyError(ValueError):
    """A pseudonymisation key that is missing or cannot be used."""


def load_key(key_file: Path | None) -> bytes | None:
    """The key from `--key-file`, else from $CCSTD_PSEUDONYM_KEY, else None; a key that is
    unreadable or too weak (see `key_weakness`) is a PseudonymKeyError."""
    if key_file is not None:
        key = _read_key_file(key_file)
    else:
        key = _stripped(os.environb.get(KEY_ENV.encode(), b""))
        if not key:
            return None
    weakness = key_weakness(key)
    if weakness is not None:
        raise PseudonymKeyError(
            f"the pseudonymisation key is too weak: {weakness}; {MAKE_KEY_HELP}"
        )
    return key


def _read_key_file(key_file: Path) -> bytes:
    """The key file's bytes, stripped: a regular file of at most `_MAX_KEY_BYTES` (a FIFO or a
    device is refused, never waited on or read without end)."""
    try:
        return _stripped(read_regular(key_file, _MAX_KEY_BYTES))
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise PseudonymKeyError(f"{key_file}: cannot read the key: {why}") from None


def _stripped(key: bytes) -> bytes:
    """A text key without surrounding white space (a newline an editor added); random bytes as
    they are (one in 20 begins or ends with a white-space byte)."""
    text = key.strip()
    return text if all(32 <= byte < 127 for byte in text) else key


def key_weakness(key: bytes) -> str | None:
    """Why `key` likely holds fewer than 128 bits of entropy, or None.

    The estimate is the least of: its length times the bits per byte of the smallest usual
    alphabet holding all its bytes, less what runs, sequences and repeats save (`_pattern_bits`);
    and, for words between separators (`correct horse battery staple`), 12.9 bits a word (a
    diceware list). A key that repeats a short pattern or uses fewer than 6 distinct byte values
    is refused whatever its length. Only patterns a random key shows with a probability below
    2^-48 count, so a random key of 128 bits or more is not refused for a pattern; 16 random
    bytes that all happen to be printable (a chance of about 2^-23) are credited as a printable
    password of 105 bits and refused, and the message says why. Certification's
    published key is used through Protector directly, never checked.
    """
    if len(key) < _MIN_KEY_BYTES:
        return f"{len(key)} bytes long, at least {_MIN_KEY_BYTES} bytes are needed"
    if len(set(key)) < _MIN_DISTINCT_BYTES:
        return f"fewer than {_MIN_DISTINCT_BYTES} distinct byte values"
    if any(
        key == (key[:size] * (len(key) // size + 1))[: len(key)]
        for size in range(1, len(key) // 2 + 1)
    ):
        return "a short pattern repeated"
    bits = int(min(_pattern_bits(key), _passphrase_bits(key)))
    if bits < _MIN_KEY_BITS:
        return f"about {bits} bits of entropy, at least {_MIN_KEY_BITS} are needed"
    return None


def _pattern_bits(key: bytes) -> float:
    """Bits to describe `key` from left to right: a byte of its alphabet costs log2(size); a run
    or sequence (`aaaa`, `0123…`, `fedc…`, in the order 0-9a-zA-Z) or a repeat of earlier bytes
    costs where it starts and how long it is. Patterns shorter than a random key would show
    with a chance of 2^-48 are not counted."""
    per_byte = math.log2(next((n for n, allowed in _ALPHABETS if set(key) <= allowed), 256))
    shortest = 1 + math.ceil(_RANDOM_PATTERN_BITS / per_byte)
    bits, at = 0.0, 0
    while at < len(key):
        length = max(_sequence_at(key, at), _repeat_at(key, at))
        if length >= shortest:
            bits += per_byte + 2 * math.log2(len(key)) + 2
            at += length
        else:
            bits += per_byte
            at += 1
    return bits


def _sequence_at(key: bytes, at: int) -> int:
    """Length of the run or sequence (step -1, 0 or +1 in `_RANK` order) starting at `at`."""
    if at + 1 >= len(key):
        return 1
    step = _RANK[key[at + 1]] - _RANK[key[at]]
    if abs(step) > 1:
        return 1
    end = at + 1
    while end + 1 < len(key) and _RANK[key[end + 1]] - _RANK[key[end]] == step:
        end += 1
    return end - at + 1


def _repeat_at(key: bytes, at: int) -> int:
    """Length of the longest copy, starting at `at`, of bytes that start earlier in `key`."""
    length = 0
    while at + length < len(key) and key.find(key[at : at + length + 1], 0, at + length) != -1:
        length += 1
    return length


def _passphrase_bits(key: bytes) -> float:
    """12.9 bits a word (7,776 words) for words of letters between separators, else infinity."""
    if not _PASSPHRASE.fullmatch(key):
        return math.inf
    return len(_WORD_SEPARATOR.split(key)) * math.log2(7776)


def key_file_warning(key_file: Path | None) -> str | None:
    """A warning when the key file can be read by group or others, else None."""
    if key_file is None:
        return None
    try:
        mode = key_file.stat().st_mode
    except OSError:
        return None
    if not stat.S_ISREG(mode) or not mode & 0o077:
        return None
    return (
        f"{key_file}: the pseudonymisation key can be read by group or others "
        f"(mode {stat.S_IMODE(mode):04o}); chmod 600 it"
    )


@dataclass
class Protector:
    """Protects direct identifiers in records; counts what it did, never what it saw.

    `key=None` means raw output, which the caller must have been asked for explicitly.
    `screen=False`: the runner writes records that hold a raw ID or mobile number outside the
    fields meant for one instead of rejecting their items (`personal-data`); only certification
    asks for it, to report the leaks of the adapter it certifies itself.
    """

    standard: StandardVersion
    key: bytes | None
    counts: Counter[str] = field(default_factory=Counter)
    screen: bool = True

    def __post_init__(self) -> None:
        self.key_id = "k-" + hashlib.sha256(self.key or b"").hexdigest()[:12]
        self._paths: dict[str, list[tuple[str, ...]]] = {}
        self._references: dict[str, list[tuple[str, ...]]] = {}
        self._ids: dict[str, str] = {}
        self._typed: dict[tuple[str, frozenset[str]], list[tuple[str, ...]]] = {}

    def protect(self, record: dict[str, Any], ids: bool | frozenset[str] = False) -> dict[str, Any]:
        """The record with every direct identifier pseudonymised (or kept raw without a key);
        with `ids`, its id, the ids it refers to and its FHIR id in provenance too (only those
        of the entity types named, when `ids` is a set)."""
        for path in self._protected_paths(record["type"]):
            _apply(record, path, self._protect_value)
            if self.key is None and path[-1].endswith("Protected"):
                _unprotected_twin(record, path)
        if isinstance(ids, frozenset):
            if self.key is not None:
                self._protect_typed_ids(record, ids)
        elif ids and self.key is not None:
            self._protect_ids(record)
        return record

    def _protect_typed_ids(self, record: dict[str, Any], types: frozenset[str]) -> None:
        """The record's id if its type is in `types`, and its references to those types."""
        if record["type"] in types and isinstance(record.get("id"), str):
            record["id"] = self._pseudonymous_id(record["id"])
        key = (record["type"], types)
        paths = self._typed.get(key)
        if paths is None:
            fields = entity_fields(self.standard, record["type"])
            paths = self._typed[key] = [f.path for f in fields if f.reference_type in types]
        for path in paths:
            _apply(record, (*path, "id"), self._pseudonymous_id)

    def pseudonym(self, value: str) -> str:
        """The keyed HMAC-SHA-256 of `value` (hex): the same value, the same pseudonym."""
        assert self.key is not None
        return hmac.digest(self.key, value.encode("utf-8"), "sha256").hex()

    def _protect_ids(self, record: dict[str, Any]) -> None:
        """Record and reference ids made from source ids become their pseudonyms, so references
        between records still resolve (across files and runs with the same key)."""
        change = self._pseudonymous_id
        if isinstance(record.get("id"), str):
            record["id"] = change(record["id"])
        for path in self._reference_paths(record["type"]):
            target = record.get(path[0]) if len(path) == 1 else None
            if isinstance(target, dict) and "id" in target:  # the usual case, made quick
                target["id"] = change(target["id"])
            elif len(path) > 1:
                _apply(record, (*path, "id"), change)
        source = record.get("meta", {}).get("source", {})
        if isinstance(source.get("fhirId"), str):
            kind, _, key = source["fhirId"].rpartition("/")
            source["fhirId"] = f"{kind}/{change(key)}" if kind else change(key)

    def _pseudonymous_id(self, value: Any) -> Any:
        """`pseudonym`, remembered for the ids a run meets again and again (a patient's)."""
        if not isinstance(value, str):
            return value
        known = self._ids.get(value)
        if known is None:
            if len(self._ids) >= _MAX_REMEMBERED_IDS:
                self._ids.clear()
            known = self._ids[value] = self.pseudonym(value)
        return known

    def _protected_paths(self, entity: str) -> list[tuple[str, ...]]:
        paths = self._paths.get(entity)
        if paths is None:
            fields = entity_fields(self.standard, entity)
            paths = [f.path[:-1] for f in fields if f.path[-1] == "protection"]
            self._paths[entity] = paths
        return paths

    def _reference_paths(self, entity: str) -> list[tuple[str, ...]]:
        paths = self._references.get(entity)
        if paths is None:
            fields = entity_fields(self.standard, entity)
            paths = [f.path for f in fields if f.reference_type is not None]
            self._references[entity] = paths
        return paths

    def _protect_value(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value  # already protected (or not a value this policy handles)
        if is_masked(value):
            self.counts["masked"] += 1
            return {"protection": "masked", "value": value}
        if self.key is None:
            self.counts["raw"] += 1
            return value
        self.counts["pseudonymised"] += 1
        return {
            "protection": "pseudonymised",
            "value": f"hmac-sha256:{self.pseudonym(value)}",
            "keyId": self.key_id,
        }


def is_masked(value: str) -> bool:
    """Whether `value` is a masked value that really hides what it masks (`135****1234`, `李*`,
    `***5678`): it has an asterisk, no white space (a value with one is words, a note: "call Li *
    urgent"), at most `_MAX_MASKED` characters, at most `MAX_CLEAR_DIGITS` clear digits (Chinese
    and spoken ones too: 拐 is 7), and the detector finds no identifier in it (`138*1234*5678`,
    where `*` groups the digits, or `a@qq.com*` is not masked). Anything else is pseudonymised."""
    if "*" not in value or len(value) > _MAX_MASKED or _HAS_SPACE.search(value):
        return False
    clear = sum(1 for c in value if c.isdigit() or c in CHINESE_DIGITS or c in SPOKEN_DIGITS)
    return clear <= MAX_CLEAR_DIGITS and raw_identifier_kind(value) is None


def _unprotected_twin(node: Any, path: tuple[str, ...]) -> None:
    """A raw value left at a field meant for its protected form (`lineProtected`) moves to its
    plain twin (`line`): raw output was asked for, and the protected field takes no raw value.
    `*` fans out over arrays (`dosages.*.textProtected`)."""
    for index, part in enumerate(path[:-1]):
        if part == "*":
            for item in node if isinstance(node, list) else ():
                _unprotected_twin(item, path[index + 1 :])
            return
        node = node.get(part) if isinstance(node, dict) else None
    name = path[-1]
    if isinstance(node, dict) and isinstance(node.get(name), str):
        node[name.removesuffix("Protected")] = node.pop(name)


def _apply(node: Any, path: tuple[str, ...], change: Callable[[Any], Any]) -> None:
    """Replace the value(s) at `path`; `*` fans out over arrays."""
    if not path:
        return
    if "*" not in path:  # the common case: one value at most, walked without recursion
        for key in path[:-1]:
            if not isinstance(node, dict) or key not in node:
                return
            node = node[key]
        if isinstance(node, dict) and path[-1] in node:
            node[path[-1]] = change(node[path[-1]])
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(node, list):
            for index in range(len(node)):
                _apply_at(node, index, rest, change)
    elif isinstance(node, dict) and head in node:
        _apply_at(node, head, rest, change)


def _apply_at(
    container: Any, key: Any, rest: tuple[str, ...], change: Callable[[Any], Any]
) -> None:
    if rest:
        _apply(container[key], rest, change)
    else:
        container[key] = change(container[key])
