"""The table-driven adapter: one engine per family of formats, one data file per vendor shape.

A family (XML access-log dialects, order platforms) is a `Family`: the JSON Schema its files are
checked against, its built-in folder, how one checked file becomes the engine's table, and the
adapter class that reads and converts with a table. Every file reaches its engine the same way,
wherever it comes from (`--dialect FILE`, `$CCSTD_DIALECT_PATH`, the `ccstd.dialects` entry
points, the built-in folder: adapters/dialect_files.py), and the registry lists one adapter per
file, or the error that keeps a file out. The contract (adapters/base.py) is unchanged.
"""

from __future__ import annotations

import functools
import json
import sys
from abc import abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from ccstd.adapters import dialect_files
from ccstd.adapters.base import Adapter
from ccstd.adapters.dialect_files import DataFile, DataFileError
from ccstd.adapters.ledger import Coverage


class Table(Protocol):
    """What every family's compiled table tells the adapter."""

    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def digest(self) -> str: ...
    @property
    def markers(self) -> tuple[bytes, ...]: ...
    @property
    def priority(self) -> int: ...
    @property
    def standard(self) -> str: ...

    def coverage(self) -> dict[str, Coverage]: ...


TableT = TypeVar("TableT", bound=Table)
Built = tuple[DataFile, TableT | None, str | None]


class TableAdapter(Adapter, Generic[TableT]):
    """An adapter bound to one table of its family: detection by the table's markers and
    priority, provenance by the table's digest, ledger coverage by the table's fields."""

    def __init__(self, table: TableT) -> None:
        self.table = table
        self.name = table.name
        self.formats = (table.description,)
        self.standard_version = table.standard

    def sniff(self, sample: bytes, filename: str) -> float:
        """0.5 to 0.9 by the table's priority when every marker appears in the sample."""
        markers = self.table.markers
        if markers and all(m in sample for m in markers):
            return 0.5 + 0.4 * self.table.priority / 100
        return 0.0

    def mapping_digest(self) -> str:
        """SHA-256 of the data file (and of those it extends)."""
        return self.table.digest

    def coverage(self) -> dict[str, Coverage]:
        """The table's mapped and dropped source paths."""
        return self.table.coverage()

    def kind_of(self, item: Any) -> str:
        """One kind per table."""
        return self.table.name

    @abstractmethod
    def describe(self) -> Iterator[str]:
        """What the table maps, in words (`ccstd adapters check FILE`)."""


@dataclass(frozen=True)
class Family(Generic[TableT]):
    """A family of data-file adapters: its files, how each becomes a table, its adapter."""

    name: str  # the `family` key of its files
    schema_file: Path
    builtin: Path  # the folder of the built-in files
    compile: Callable[[DataFile, Mapping[str, DataFile]], TableT]  # raises DataFileError
    adapter: Callable[[TableT], TableAdapter[TableT]]

    def schema(self) -> dict[str, Any]:
        """The format of the family's files (JSON Schema 2020-12)."""
        return _schema(self.schema_file)

    def discover(self) -> list[DataFile]:
        """Every file of the family, in order of precedence, checked."""
        return dialect_files.discover(self.name, self.schema(), self.builtin)

    def build(self, files: list[DataFile]) -> list[Built[TableT]]:
        """Each file as a table, or the error that keeps it out; a name given twice is used
        from the first file only."""
        first: dict[str, DataFile] = {}
        for file in files:
            if file.spec is not None:
                first.setdefault(file.spec["name"], file)
        built: list[Built[TableT]] = []
        for file in files:
            if file.spec is None:
                built.append((file, None, file.error))
            elif first[file.spec["name"]] is not file:
                taken = first[file.spec["name"]].path
                built.append((file, None, f"{file.path}: the name {file.name} is taken by {taken}"))
            else:
                try:
                    built.append((file, self.compile(file, first), None))
                except DataFileError as exc:
                    built.append((file, None, str(exc)))
        return built

    def members(self) -> list[Any]:
        """Every file as a registry listing: its adapter, or the error that keeps it out."""
        from ccstd.adapters.registry import Listing

        listings = []
        files = self.discover()
        builtins = {f.spec["name"] for f in files if f.origin == "built-in" and f.spec}
        for file, table, error in self.build(files):
            origin = f"{file.origin}: {file.path}" if file.origin != "built-in" else "built-in"
            if table is None:
                name = file.spec["name"] if file.spec else (file.name or file.path.stem)[:64]
                listings.append(Listing(name, origin, None, error))
            else:
                adapter = self.adapter(table)
                if file.origin != "built-in" and table.name in builtins:
                    _shadowing(adapter, file.origin.split(":")[0], origin)
                listings.append(Listing(table.name, origin, adapter, None))
        return listings

    def from_file(self, path: Path) -> TableAdapter[TableT]:
        """The adapter for one file (`--dialect FILE`); a DataFileError names the file, line
        and key of what is wrong. The file may extend any file of the family found otherwise."""
        file = dialect_files.load(path, self.schema(), "--dialect")
        if file.error is not None:
            raise DataFileError(file.error)
        assert file.spec is not None
        others = [f for f in self.discover() if not (f.spec and f.name == file.name)]
        _file, table, error = self.build([file, *others])[0]
        if table is None:
            raise DataFileError(error or f"{path}: cannot be used")
        return self.adapter(table)

    def builtin_adapter(self, name: str) -> TableAdapter[TableT]:
        """A built-in file's adapter by name (what `--from NAME` finds without plugins)."""
        files = [dialect_files.load(p, self.schema(), "built-in")
                 for p in sorted(self.builtin.glob("*.toml"))]  # fmt: skip
        for file, table, error in self.build(files):
            if table is not None and table.name == name:
                return self.adapter(table)
            if error is not None and file.name == name:
                raise DataFileError(error)
        raise LookupError(f"no built-in {self.name} file {name}")


_WARNED: set[tuple[str, str]] = set()


def _shadowing(adapter: TableAdapter[Any], label: str, origin: str) -> None:
    """A file named like a built-in replaces it: said on stderr (once a run), and in the
    provenance of every record it writes (`meta.adapter.version` names the kind of place it
    came from, never its path)."""
    adapter.version = f"{type(adapter).version} ({label}; not the built-in)"
    if (adapter.name, origin) not in _WARNED:
        _WARNED.add((adapter.name, origin))
        print(f"ccstd: warning: {adapter.name} from {origin} replaces the built-in of that name",
              file=sys.stderr)  # fmt: skip


@functools.cache
def _schema(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def family_of(path: Path, default: str = dialect_files.DEFAULT_FAMILY) -> str:
    """The `family` a data file declares; a file that declares none is checked as the default
    family's (access-xml), whose check then names the missing `family` first."""
    spec, data = dialect_files.read_toml(path)
    family = spec.get("family", default)
    if not isinstance(family, str):
        line = dialect_files.line_of(data.decode("utf-8-sig"), ["family"])
        raise DataFileError(f"{path}:{line}: family: not a family name (access-xml, orders)")
    return family
