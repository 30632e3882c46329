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
CREATE TABLE record (no INTEGER PRIMARY KEY, type TEXT, id TEXT, line INTEGER, pointer TEXT,
                     valid INTEGER);
CREATE TABLE file (first_no INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE ref (record_no INTEGER, type TEXT, id TEXT, pointer TEXT);
"""
# the file of record `no`: the last one whose records began at or before it
_FILE_OF = "(SELECT name FROM file WHERE first_no <= {no} ORDER BY first_no DESC LIMIT 1)"

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
        self._file: str | None = None  # the file of the last records added

    def add(self, result: BlockResult) -> None:
        """Remember the identities and references of a checked block's records (numbered from 1
        in the order added: the rowids SQLite gives them); the file is kept once per file."""
        base = self._count + 1
        if not result.keys:
            return
        if result.file != self._file:
            self._db.execute("INSERT INTO file VALUES (?,?)", (base, result.file))
            self._file = result.file
        self._db.executemany(
            "INSERT INTO record (type, id, line, pointer, valid) VALUES (?,?,?,?,?)", result.keys
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
            f"""SELECT r.type, r.id, {_FILE_OF.format(no="r.no")}, r.line, r.pointer, r.valid,
                       {_FILE_OF.format(no="f.no")}, f.line, f.pointer, r.no
                FROM (SELECT type, id, MIN(no) AS first FROM record GROUP BY type, id
                      HAVING COUNT(*) > 1) d
                JOIN record r ON r.type = d.type AND r.id = d.id AND r.no > d.first
                JOIN record f ON f.no = d.first
                ORDER BY r.no"""
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
            f"""SELECT ref.type, ref.id, ref.pointer, {_FILE_OF.format(no="r.no")}, r.line,
                       r.pointer, r.id, r.valid, ref.record_no, r.type
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
