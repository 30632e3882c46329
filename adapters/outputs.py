"""The output files of one run: each written beside its target under a temporary name, all moved
into place together once every one is complete, or none at all (a failure, an interruption)."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ccstd.standard.files import remove_stale_temporaries


class OutputError(OSError):
    """An output file that cannot be created or written (missing folder, full disk...)."""


class OutputFile:
    """One output being written: a temporary file beside the target (or a device, in place)."""

    def __init__(self, path: Path, private: bool) -> None:
        self.path, self.temporary = path, None
        try:
            if path.exists() and not stat.S_ISREG(path.stat().st_mode):
                self.handle: BinaryIO = path.open("wb")  # /dev/stdout, a FIFO: never renamed
                return
            remove_stale_temporaries(path)  # left by a run that was killed
            prefix = f".{path.name}.{os.getpid()}."  # the naming remove_stale_temporaries knows
            fd, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
        except OSError as exc:
            raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
        self.temporary = Path(name)
        if not private:  # mkstemp creates 0600; private outputs keep it from the start
            os.fchmod(fd, stat.S_IMODE(path.stat().st_mode) if path.exists() else _new_mode())
        self.handle = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        """Write, or raise OutputError naming the target (full disk, file too large)."""
        try:
            self.handle.write(data)
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot write: {exc.strerror or exc}") from None

    def finish(self) -> None:
        """Flush to disk and close (still under the temporary name)."""
        try:
            self.handle.flush()
            if self.temporary is not None:
                os.fsync(self.handle.fileno())
            self.handle.close()
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot write: {exc.strerror or exc}") from None

    def discard(self) -> None:
        """Close and remove the temporary file, whatever state it is in."""
        with contextlib.suppress(OSError):
            self.handle.close()
        if self.temporary is not None:
            with contextlib.suppress(FileNotFoundError):
                self.temporary.unlink()


class OutputFiles:
    """The outputs of one run: all renamed into place once every one is complete, or none."""

    def __init__(self) -> None:
        self.outputs: list[OutputFile] = []

    def open(self, path: Path, private: bool = False) -> OutputFile:
        """Start writing `path` (`private`: mode 0600 from creation)."""
        output = OutputFile(path, private)
        self.outputs.append(output)
        return output

    def commit(self) -> None:
        """Finish every output, then move each into place."""
        for output in self.outputs:
            output.finish()
        for output in self.outputs:
            if output.temporary is not None:
                try:
                    output.temporary.replace(output.path)
                except OSError as exc:
                    raise OutputError(f"{output.path}: cannot write: {exc.strerror}") from None

    def discard(self) -> None:
        """Remove every temporary file."""
        for output in self.outputs:
            output.discard()


@contextlib.contextmanager
def output_files() -> Iterator[OutputFiles]:
    """Output files to open; committed when the block ends normally, else removed."""
    files = OutputFiles()
    try:
        yield files
        files.commit()
    except BaseException:
        files.discard()
        raise


def _new_mode() -> int:
    """The mode a new file gets under the current umask."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask
