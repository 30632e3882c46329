"""Gzip-compressed sources for every adapter: recognised by their content (the gzip magic bytes),
not their name, and decompressed in blocks into a private temporary file with a bound on the
decompressed size, so that an adapter reads a plain file and a gzip bomb is refused."""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

GZIP_MAGIC = b"\x1f\x8b"
MAX_RATIO = 200  # real JSON and XML exports expand 5 to 30 times; a bomb expands ~1000 times
FLOOR = 64 << 20  # bytes any gzip file may expand to, whatever its ratio
_BLOCK = 1 << 20


class CompressedInputError(OSError):
    """A gzip input that is corrupt, truncated, or expands beyond the bound."""


def is_gzip(path: Path) -> bool:
    """Whether the file starts with the gzip magic bytes (False when it cannot be read)."""
    try:
        with path.open("rb") as handle:
            return handle.read(2) == GZIP_MAGIC
    except OSError:
        return False


def expansion_limit(path: Path) -> int:
    """How many bytes a gzip file may decompress to: `MAX_RATIO` times its size, at least
    `FLOOR`."""
    return max(FLOOR, MAX_RATIO * path.stat().st_size)


def sample(path: Path, size: int) -> bytes:
    """The first `size` bytes of a source's content, decompressed when it is gzip."""
    with path.open("rb") as handle:
        head = handle.read(size)
    if not head.startswith(GZIP_MAGIC):
        return head
    try:
        with gzip.open(path, "rb") as handle:
            return handle.read(size)
    except (OSError, EOFError, zlib.error) as exc:
        raise CompressedInputError(f"{path}: not a readable gzip file ({exc})") from None


def plain_name(name: str) -> str:
    """A file name without its `.gz` (what the content is named as)."""
    return name[:-3] if name.lower().endswith(".gz") else name


@contextlib.contextmanager
def readable(path: Path) -> Iterator[Path]:
    """`path` itself, or for a gzip file its decompressed content in a temporary file (mode
    0600, removed afterwards, named with the extension under `.gz` and nothing else of the
    name). Raises CompressedInputError for a corrupt or truncated gzip file and for one that
    expands beyond `expansion_limit`."""
    if not is_gzip(path):
        yield path
        return
    suffix = Path(plain_name(path.name)).suffix  # adapters that go by it (`.ndjson`) still can
    safe = suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,10}", suffix) else ""
    descriptor, name = tempfile.mkstemp(prefix="ccstd-input-", suffix=safe)
    try:
        with os.fdopen(descriptor, "wb") as out:
            _decompress(path, out, expansion_limit(path))
        yield Path(name)
    finally:
        with contextlib.suppress(OSError):
            Path(name).unlink()


def _decompress(path: Path, out: BinaryIO, limit: int) -> None:
    written = 0
    try:
        with gzip.open(path, "rb") as source:
            while block := source.read(_BLOCK):
                written += len(block)
                if written > limit:
                    raise CompressedInputError(
                        f"{path}: gzip content expands beyond {limit:,} bytes ({MAX_RATIO} "
                        "times the file, or 64 MiB): refused as a possible gzip bomb"
                    )
                out.write(block)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise CompressedInputError(f"{path}: not a readable gzip file ({exc})") from None
