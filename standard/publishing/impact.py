"""A candidate release's impact on real data: records valid under OLD that NEW refuses.

`ccstd diff OLD NEW --against FOLDER` reads every record file under FOLDER with the validator's
reader, validates each record against both versions (its `standardVersion` claim set to the
version it is checked against) and counts, per file and per change (field path and finding
code), the records that stop validating. Examples are locations (file and line, or file and
JSON Pointer), never values: the data may be personal.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ccstd.standard.checker import CheckOptions, RecordChecker
from ccstd.standard.fields import ANY_ITEM, entity_fields
from ccstd.standard.findings import Location, Severity
from ccstd.standard.reading import RawItem, iter_paths, parse_json, read_items
from ccstd.standard.registry import StandardRegistry, StandardVersion

MAX_EXAMPLES = 3
OTHER = "<other>"  # a key the standard does not name (it could be data): never shown


@dataclass
class FileImpact:
    """One input file: records read, unreadable items, valid under OLD, refused by NEW."""

    file: str
    records: int = 0
    unreadable: int = 0
    valid_under_old: int = 0
    broken: int = 0


@dataclass
class ChangeImpact:
    """Records valid under OLD that NEW refuses with one finding code at one field path of
    one entity."""

    entity: str
    path: str
    code: str
    records: int = 0
    examples: list[str] = field(default_factory=list)


@dataclass
class Impact:
    """What releasing NEW in place of OLD does to the records of some files."""

    old: str
    new: str
    files: list[FileImpact] = field(default_factory=list)
    changes: dict[tuple[str, str, str], ChangeImpact] = field(default_factory=dict)

    def total(self, attribute: str) -> int:
        """A count summed over the files (`records`, `broken` ...)."""
        return sum(int(getattr(f, attribute)) for f in self.files)

    def as_json(self) -> dict[str, Any]:
        """The impact as a JSON object."""
        files = [
            {"file": f.file, "records": f.records, "unreadable": f.unreadable,
             "validUnderOld": f.valid_under_old, "broken": f.broken}
            for f in self.files
        ]  # fmt: skip
        return {
            "old": self.old,
            "new": self.new,
            "records": self.total("records"),
            "unreadable": self.total("unreadable"),
            "validUnderOld": self.total("valid_under_old"),
            "broken": self.total("broken"),
            "files": files,
            "changes": [vars(c) for c in self.ranked()],
        }

    def ranked(self) -> list[ChangeImpact]:
        """Changes by records broken, most first."""
        return sorted(self.changes.values(), key=lambda c: (-c.records, c.entity, c.path, c.code))


class _Judge:
    """Validates records against one version, whatever version they claim."""

    def __init__(self, version: StandardVersion) -> None:
        registry = StandardRegistry(version.root.parent)
        self.version = version.version
        self.checker = RecordChecker(registry, CheckOptions(standard=version.version))

    def coded_errors(self, record: dict[str, Any], item: RawItem) -> list[tuple[str, str]]:
        """(code, pointer) of every error the record has under this version."""
        claimed = {**record, "standardVersion": self.version}
        outcome = self.checker.check(RawItem(item.file, item.line, item.pointer, value=claimed))
        return [
            (f.code, f.location.pointer) for f in outcome.findings if f.severity is Severity.ERROR
        ]


def impact(old: StandardVersion, new: StandardVersion, inputs: Sequence[str]) -> Impact:
    """Count, per file and per change, the records valid under `old` that `new` refuses;
    InputError when an input cannot be read at all."""
    before, after = _Judge(old), _Judge(new)
    names = _field_names(old) | _field_names(new)
    entities = set(old.entities) | set(new.entities)
    result = Impact(old.version, new.version)
    for path in iter_paths(inputs):
        tally = FileImpact(path)
        result.files.append(tally)
        for item, record in _records(path, tally):
            if before.coded_errors(record, item):
                continue
            tally.valid_under_old += 1
            refused = after.coded_errors(record, item)
            if not refused:
                continue
            tally.broken += 1
            where = _where(item)
            entity = record.get("type") if record.get("type") in entities else OTHER
            for code, pointer in sorted(set(refused)):
                key = (str(entity), _general(pointer[len(item.pointer) :], names), code)
                change = result.changes.setdefault(key, ChangeImpact(*key))
                change.records += 1
                if len(change.examples) < MAX_EXAMPLES and where not in change.examples:
                    change.examples.append(where)
    return result


def _records(path: str, tally: FileImpact) -> Iterator[tuple[RawItem, dict[str, Any]]]:
    """Every item of a file that is a JSON object; the others are counted unreadable."""
    for item in read_items(path):
        errors = any(p.severity is Severity.ERROR for p in item.problems)
        if item.data is None and item.value is None and item.problems and not errors:
            continue  # a remark on the input itself (a byte order mark, no records)
        value = item.value
        if item.data is not None:
            parsed = parse_json(item.data, Location(item.file, item.line, item.pointer))
            value = None if parsed.problem is not None else parsed.value
        if isinstance(value, dict) and not errors:
            tally.records += 1
            yield item, value
        else:
            tally.unreadable += 1


def _where(item: RawItem) -> str:
    if item.line is not None:
        return f"{item.file}:{item.line}"
    return f"{item.file}#{item.pointer}" if item.pointer else item.file


def _field_names(version: StandardVersion) -> set[str]:
    names = {"type", "standardVersion", "id", "meta"}
    for entity in version.entities:
        for known in entity_fields(version, entity):
            names.update(known.path)
    return names


def _general(pointer: str, names: set[str]) -> str:
    """A finding's pointer as a field path: array indices as `*`, keys the standard does not
    name (they may be data) as OTHER."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    shown = [ANY_ITEM if p.isdigit() else p if p in names else OTHER for p in parts]
    return "/" + "/".join(shown) if shown else "/"
