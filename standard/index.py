"""Checks across a whole stream (duplicate ids, unresolved references) in bounded memory.

Every record's identity and references go to a temporary on-disk SQLite database, so a run over
millions of records does not hold them all in memory; the checks are two queries at the end.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator
from types import TracebackType

from ccstd.standard import rules
from ccstd.standard.checker import BlockResult
from ccstd.standard.findings import Finding, Location

_SCHEMA = """
CREATE TABLE record (no INTEGER PRIMARY KEY, type TEXT, id TEXT, file TEXT, line INTEGER,
                     pointer TEXT, valid INTEGER);
CREATE TABLE ref (record_no INTEGER, type TEXT, id TEXT, pointer TEXT);
"""

_INDEX = "CREATE INDEX IF NOT EXISTS record_key ON record (type, id, no)"


class StreamIndex:
    """Identities and references of the records seen so far, for checks that need them all."""

    def __init__(self, index_as_added: bool = False) -> None:
        """`index_as_added`: keep the lookup index up to date while records are added (costs the
        same in all, but moves the work to where a parallel run's parent waits on its workers)."""
        self._db = sqlite3.connect("")  # "" = private temporary database on disk
        self._db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
        if index_as_added:
            self._db.execute(_INDEX)
        self._count = 0

    def add(self, result: BlockResult) -> None:
        """Remember the identities and references of a checked block's records."""
        base = self._count + 1
        file = result.file
        self._db.executemany(
            "INSERT INTO record VALUES (?,?,?,?,?,?,?)",
            [
                (base + n, t, i, file, line, ptr, valid)
                for n, (t, i, line, ptr, valid) in enumerate(result.keys)
            ],
        )
        if result.refs:
            self._db.executemany(
                "INSERT INTO ref VALUES (?,?,?,?)",
                [(base + n, t, i, p) for n, t, i, p in result.refs],
            )
        self._count += len(result.keys)

    def findings(
        self, reference_types: Collection[str] | None = None
    ) -> Iterator[tuple[Finding, int | None]]:
        """(finding, number of the record it makes invalid, if it was valid) across the stream;
        references are checked only to `reference_types` when given."""
        self._db.execute(_INDEX)
        yield from self._duplicates()
        yield from self._unresolved(reference_types)

    def _duplicates(self) -> Iterator[tuple[Finding, int | None]]:
        rows = self._db.execute(
            """SELECT r.type, r.id, r.file, r.line, r.pointer, r.valid,
                      f.file, f.line, f.pointer, r.no
               FROM record r JOIN record f
                 ON f.no = (SELECT MIN(no) FROM record WHERE type = r.type AND id = r.id)
               WHERE f.no < r.no ORDER BY r.no"""
        )
        for type_, id_, file, line, pointer, valid, f_file, f_line, f_pointer, no in rows:
            first = Location(f_file, f_line, f_pointer, id_, type_)
            finding = rules.DUPLICATE_ID.finding(
                Location(file, line, pointer, id_, type_),
                related=(first,),
                type=type_,
                id=id_,
                first=first.describe(),
            )
            yield finding, no if valid else None

    def _unresolved(
        self, reference_types: Collection[str] | None
    ) -> Iterator[tuple[Finding, int | None]]:
        rows = self._db.execute(
            """SELECT ref.type, ref.id, ref.pointer, r.file, r.line, r.pointer, r.id, r.valid,
                      ref.record_no, r.type
               FROM ref JOIN record r ON r.no = ref.record_no
               WHERE NOT EXISTS (SELECT 1 FROM record t WHERE t.type = ref.type AND t.id = ref.id)
               ORDER BY ref.record_no"""
        )
        for type_, id_, ref_pointer, file, line, pointer, record_id, valid, no, r_type in rows:
            if reference_types is not None and type_ not in reference_types:
                continue
            where = Location(file, line, pointer + ref_pointer, record_id, r_type)
            finding = rules.UNRESOLVED_REFERENCE.finding(where, type=type_, id=id_)
            yield finding, no if valid else None

    def close(self) -> None:
        """Drop the temporary database."""
        self._db.close()

    def __enter__(self) -> StreamIndex:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
