"""A dialect: how one vendor writes access events in XML, read from a checked TOML file.

The format is the JSON Schema `dialect.schema.json` beside this module (docs/dialects.md explains
it key by key); `adapters/dialect_files.py` finds and checks the files, this module turns one
checked table (after `extends` is applied) into the engine's tables.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccstd.adapters.access_xml.safe_stream import UnsupportedEncodingError, text_codec
from ccstd.adapters.dialect_files import (
    DataFile,
    DataFileError,
    field_problem,
    line_of,
    personal_path,
    zone_problem,
)
from ccstd.adapters.ledger import Coverage
from ccstd.standard.redaction import raw_identifier_kind

FAMILY = "access-xml"
SCHEMA_FILE = Path(__file__).with_name("dialect.schema.json")
BUILTIN = Path(__file__).with_name("dialects")
REQUIRED = ("time", "device", "method", "result")  # what every AccessEvent needs
# Where the codes and constants a dialect maps land in the standard (checked at load time).
TARGETS = {
    "method": "AccessEvent.method",
    "result": "AccessEvent.result",
    "reason": "AccessEvent.denialReason",
    "direction": "AccessEvent.direction",
    "device_kind": "Device.kind",
    "device_name": "Device.name",
}
SECTION_TARGETS = {
    "device": {"kind": "Device.kind", "manufacturer": "Device.manufacturer"},
    "site": {"id": "Device.community.id", "name": "Community.name",
             "division_code": "Community.divisionCode"},
}  # fmt: skip
STANDARD_VERSION = "1.2.0"  # what the engine writes


@functools.cache
def schema() -> dict[str, Any]:
    """The dialect format (JSON Schema 2020-12)."""
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return loaded


Paths = tuple[tuple[str, ...], ...]  # alternatives, each a tuple of steps


@dataclass(frozen=True, eq=False)
class Dialect:
    """The engine's view of one dialect file."""

    name: str
    description: str
    record: str
    fields: dict[str, Paths]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    lookup_key: str | None = None
    lookup: dict[str, dict[str, str]] = field(default_factory=dict)
    skip: dict[str, str] = field(default_factory=dict)
    time_formats: tuple[str, ...] = ("iso",)
    timezone: str = "Asia/Shanghai"
    device_prefix: str = ""
    markers: tuple[bytes, ...] = ()
    priority: int = 50
    encoding: str | None = None
    constants: dict[str, str] = field(default_factory=dict)
    site: dict[str, str] = field(default_factory=dict)
    device: dict[str, str] = field(default_factory=dict)
    dropped: dict[str, str] = field(default_factory=dict)
    digest: str = ""
    origin: str = "built-in"
    path: str = ""
    standard: str = STANDARD_VERSION

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], digest: str, origin: str, path: str) -> Dialect:
        """A dialect from a checked (and merged) table."""
        lookup = spec.get("lookup", {})
        paths = {**spec.get("fields", {}), **lookup.get("fields", {})}
        return cls(
            name=spec["name"], description=spec["description"], record=spec["record"],
            fields={name: _alternatives(value) for name, value in paths.items()},
            values=spec.get("values", {}), lookup_key=lookup.get("key"),
            lookup=lookup.get("codes", {}), skip=spec.get("skip", {}),
            time_formats=tuple(spec.get("time_formats", ["iso"])),
            timezone=spec.get("timezone", "Asia/Shanghai"),
            device_prefix=spec.get("device_prefix", ""),
            markers=tuple(m.encode() for m in spec.get("markers", [])),
            priority=spec.get("priority", 50), encoding=spec.get("encoding"),
            constants=spec.get("constants", {}), site=spec.get("site", {}),
            device=spec.get("device", {}), dropped=spec.get("dropped", {}),
            digest=digest, origin=origin, path=path,
        )  # fmt: skip

    @functools.cached_property
    def ledger_paths(self) -> dict[str, tuple[str, ...]]:
        """Each field's paths as the ledger names them (dots between steps)."""
        return {name: tuple(".".join(alt) for alt in alts) for name, alts in self.fields.items()}

    @functools.cached_property
    def mapped_paths(self) -> frozenset[str]:
        """Every source path a field reads, as the ledger names paths (dots between steps)."""
        return frozenset(".".join(alt) for alts in self.fields.values() for alt in alts)

    def coverage(self) -> dict[str, Coverage]:
        """Mapped and dropped source paths, for the ledger."""
        return {self.name: Coverage(self.mapped_paths, self.dropped)}

    def source_path(self, name: str) -> str | None:
        """The first path of a field, for messages (`Result/@code`)."""
        alternatives = self.fields.get(name)
        return "/".join(alternatives[0]).replace("//", "/") if alternatives else None


def _alternatives(value: str | list[str]) -> Paths:
    """`a/b/@c` → (("a", "b", "@c"),); `/Root/@site` → (("/Root", "@site"),)."""
    return tuple(_steps(path) for path in ([value] if isinstance(value, str) else value))


def _steps(path: str) -> tuple[str, ...]:
    if path.startswith("/"):
        parts = path[1:].split("/")
        return ("/" + "/".join(parts[:-1]), parts[-1])
    return tuple(path.split("/"))


def dialect_of(file: DataFile, known: Mapping[str, DataFile]) -> Dialect:
    """One checked file as a dialect: its base merged in, then the checks a schema cannot make
    (every required mapping present, a zone and an encoding that exist)."""
    assert file.spec is not None
    spec, digests, seen = file.spec, [file.data], [file.spec["name"]]
    chain = [file.spec]  # this file, then each base it extends
    while "extends" in spec:
        base = known.get(spec["extends"])
        if base is None or base.spec is None or base.spec["name"] in seen:
            names = ", ".join(sorted(n for n, f in known.items() if f.spec and n not in seen))
            problem = (
                f"no such dialect (known: {names})"
                if base is None or base.spec is None
                else f"a cycle ({' → '.join([*seen, spec['extends']])})"
            )
            raise _error(file, ["extends"], f"{spec['extends']}: {problem}")
        seen.append(base.spec["name"])
        digests.append(base.data)
        chain.append(base.spec)
        spec = _merge(base.spec, {k: v for k, v in spec.items() if k != "extends"})
    spec = _mapped_or_dropped(file, spec, chain)
    _check_meaning(file, spec)
    digest = "sha256:" + hashlib.sha256(b"\0".join(digests)).hexdigest()
    return Dialect.from_spec(spec, digest, file.origin, str(file.path))


def _mapped_or_dropped(
    file: DataFile, spec: dict[str, Any], chain: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """A path is mapped or dropped, never both (the ledger would call dropped what is written).
    A mapping written in a file that extends the one that drops the path wins over that entry
    (a site maps what its vendor's dialect left out); any other overlap is an error naming the
    field and the `[dropped]` entry."""
    dropped = dict(spec.get("dropped", {}))
    lookup = spec.get("lookup", {}).get("fields", {})
    tables = [("fields", spec.get("fields", {})), ("lookup", lookup)]
    for table, fields in tables:
        for name, value in fields.items():
            for index, path in enumerate(_listed(value)):
                dotted = ".".join(_steps(path))
                if dotted not in dropped:
                    continue
                mapped_in = _defined_in(chain, table, name)
                dropped_in = next(i for i, s in enumerate(chain) if dotted in s.get("dropped", {}))
                if mapped_in < dropped_in:
                    del dropped[dotted]
                    continue
                keys = ["fields", name] if table == "fields" else ["lookup", "fields", name]
                at = keys + ([str(index)] if isinstance(value, list) else [])
                mapper = ".".join(keys) + _of(chain, mapped_in)
                problem = (
                    f"{path} is read by {mapper} and listed in [dropped] {dotted!r}"
                    f"{_of(chain, dropped_in)}: map it or drop it, not both"
                )
                raise _error(file, at if mapped_in == 0 else ["dropped", dotted], problem)
    return {**spec, "dropped": dropped} if "dropped" in spec else spec


def _of(chain: Sequence[Mapping[str, Any]], depth: int) -> str:
    return f" of {chain[depth]['name']}" if 0 < depth < len(chain) else ""


def _defined_in(chain: Sequence[Mapping[str, Any]], table: str, name: str) -> int:
    """How far up the chain (0: this file) a field's mapping is written."""
    for depth, spec in enumerate(chain):
        fields = spec.get("fields", {}) if table == "fields" else spec.get("lookup", {})
        if name in (fields if table == "fields" else fields.get("fields", {})):
            return depth
    return len(chain)


def _merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        old = merged.get(key)
        both = isinstance(old, dict) and isinstance(value, dict)
        merged[key] = _merge(old, value) if both else value  # type: ignore[arg-type]
    return merged


def _check_meaning(file: DataFile, spec: Mapping[str, Any]) -> None:
    if "record" not in spec or "fields" not in spec:
        raise _error(file, ["record" if "record" not in spec else "fields"], "required key missing")
    fields, lookup, constants = spec["fields"], spec.get("lookup", {}), spec.get("constants", {})
    from_lookup = {k for codes in lookup.get("codes", {}).values() for k in codes}
    for name in REQUIRED:
        if name not in fields and name not in from_lookup and name not in constants:
            where = "fields" if name in ("time", "device") else "lookup.codes or fields"
            raise _error(file, ["fields", name], f"required mapping missing (give it in {where})")
    for name in spec.get("values", {}):
        if name not in fields:
            raise _error(file, ["values", name], f"a table for {name}, which [fields] does not map")
    key = lookup.get("key")
    if spec.get("skip") and key is None:
        first = next(iter(spec["skip"]))
        raise _error(file, ["skip", first], "skip lists lookup keys, but [lookup] gives no key")
    if key is not None:
        names = _template_names(file, key)
        unknown = sorted(names - set(fields) - set(lookup.get("fields", {})))
        if unknown:
            raise _error(file, ["lookup", "key"], f"names no field: {', '.join(unknown)}")
    problem = zone_problem(spec.get("timezone", "Asia/Shanghai"))
    if problem:
        raise _error(file, ["timezone"], problem)
    _check_formats(file, spec.get("time_formats", []))
    _check_targets(file, spec)
    _check_person_paths(file, fields, lookup)
    _check_constants(file, spec)
    if "encoding" in spec:
        try:
            text_codec(spec["encoding"])
        except UnsupportedEncodingError as exc:
            raise _error(file, ["encoding"], str(exc)) from None


# Fields that name the device (written to Device ids, names, serial numbers) and those that read a
# person (pseudonymised); every other field is written as read. A source element whose local name
# says it holds a person's data (`dialect_files.PERSONAL_WORDS`) is a person field whatever the
# dialect calls it (privacy: docs/dialects.md).
DEVICE_FIELDS = ("device", "device_name", "device_serial", "device_ip", "device_mac")
PERSON_FIELDS = ("person", "id_card", "card")


_WRITTEN_AS_READ = "a person's data, written here unprotected"
_PERSONAL = dict.fromkeys(DEVICE_FIELDS, "a person's data cannot identify a device")


def _check_person_paths(
    file: DataFile, fields: Mapping[str, Any], lookup: Mapping[str, Any]
) -> None:
    """A field written unprotected (all but PERSON_FIELDS, and the lookup key's fields) may not
    read what a person field reads, nor an element named for a person's data (`姓名`, `phoneNo`,
    `cardHolder`)."""
    person = {p for name in PERSON_FIELDS if name in fields for p in _listed(fields[name])}
    written = [(["fields", name], value) for name, value in fields.items()]
    written += [(["lookup", "fields", name], v) for name, v in lookup.get("fields", {}).items()]
    for keys, value in written:
        if keys[-1] in PERSON_FIELDS and keys[0] == "fields":
            continue
        for index, path in enumerate(_listed(value)):
            steps = [step.lstrip("@").rsplit(":", 1)[-1] for step in path.split("/") if step]
            if path in person or personal_path(steps):
                at = keys + ([str(index)] if isinstance(value, list) else [])
                raise _error(file, at, f"{path}: {_PERSONAL.get(keys[-1], _WRITTEN_AS_READ)}")


def _check_constants(file: DataFile, spec: Mapping[str, Any]) -> None:
    """No constant the dialect writes into records as it is (`device_prefix`, `[constants]`,
    `[site]`, `[device]`) holds a resident ID, phone number or e-mail address (in any form the
    detector reads): such a value would reach every record and Device id unprotected."""
    found: list[tuple[list[str], Any]] = [(["device_prefix"], spec.get("device_prefix"))]
    for section in ("constants", "site", "device"):
        found += [([section, name], v) for name, v in spec.get(section, {}).items()]
    for keys, value in found:
        kind = raw_identifier_kind(value) if isinstance(value, str) else None
        if kind is not None:
            problem = f"holds a {kind}: a constant is written unprotected into every record"
            raise _error(file, keys, problem)


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _check_formats(file: DataFile, formats: list[str]) -> None:
    """Every strptime format reads back, to the minute, a time it wrote: no bad directive, and
    a date with a time of day (a date alone is not the time of a pass)."""
    sample = datetime.datetime(2024, 5, 1, 17, 30, 15)
    for index, fmt in enumerate(formats):
        if fmt == "iso":
            continue
        example = 'e.g. "%Y-%m-%d %H:%M:%S"'
        try:
            read = datetime.datetime.strptime(sample.strftime(fmt), fmt)
        except ValueError as exc:
            problem = f"{fmt!r} is not a strptime format: {exc} ({example})"
            raise _error(file, ["time_formats", str(index)], problem) from None
        if read.replace(second=0, microsecond=0, tzinfo=None) != sample.replace(second=0):
            problem = f"{fmt!r} does not read a date and a time of day to the minute ({example})"
            raise _error(file, ["time_formats", str(index)], problem)


def _check_targets(file: DataFile, spec: Mapping[str, Any]) -> None:
    """Every code and constant that lands in a standard field fits that field's JSON Schema in
    the standard version the engine writes."""
    found: list[tuple[list[str], str, Any]] = []
    for name, table in spec.get("values", {}).items():
        found += [(["values", name, code], TARGETS[name], v) for code, v in table.items()]
    for code, mapped in spec.get("lookup", {}).get("codes", {}).items():
        found += [(["lookup", "codes", code, k], TARGETS[k], v) for k, v in mapped.items()]
    for name, value in spec.get("constants", {}).items():
        if name in TARGETS:
            found.append((["constants", name], TARGETS[name], value))
    for section, targets in SECTION_TARGETS.items():
        for name, value in spec.get(section, {}).items():
            found.append(([section, name], targets[name], value))
    for keys, target, value in found:
        problem = field_problem(STANDARD_VERSION, target, value)
        if problem:
            raise _error(file, keys, problem)


def _template_names(file: DataFile, key: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(key) if name}
    except ValueError as exc:
        raise _error(file, ["lookup", "key"], f"not a key template: {exc}") from None


def _error(file: DataFile, keys: list[str], message: str) -> DataFileError:
    line = line_of(file.data.decode("utf-8-sig"), keys)
    return DataFileError(f"{file.path}:{line}: {'.'.join(keys)}: {message}")
