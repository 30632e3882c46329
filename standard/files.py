"""Writing output files atomically: a temporary file beside the target, then a rename."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import FrameType
from typing import BinaryIO

_STDIN = "-"


class PathCollisionError(ValueError):
    """An output is the same file as an input or as another output; the message is one line."""


def refuse_collisions(
    inputs: Iterable[str | Path], outputs: Iterable[tuple[str, Path | None]]
) -> None:
    """Raise PathCollisionError when an output is an input file or another output.

    `inputs` are the files to be read (`-` is stdin: it collides with the file it is
    redirected from, if any); `outputs` are
    (option name, path or None when not given) pairs, e.g. `("--output", Path("r.json"))`.
    Same file means same inode (symlinks, hard links, any spelling) or, for a file not yet
    written, the same resolved path. Devices and pipes (`/dev/null`, `/dev/stdout`) never collide.
    """
    names = [str(p) for p in inputs]
    read = {_identity(Path(p)): p for p in names if p != _STDIN}
    if _STDIN in names and (redirected := _stdin_file()) is not None:
        read[redirected] = "- (stdin, redirected from that file)"
    written: dict[object, str] = {}
    for option, path in outputs:
        if path is None or _is_device(path):
            continue
        key = _identity(path)
        if key in read:
            raise PathCollisionError(
                f"{option} {path}: is the input {read[key]}; refusing to overwrite it"
            )
        if key in written:
            raise PathCollisionError(
                f"{option} {path}: is also {written[key]}; give each output its own file"
            )
        written[key] = f"{option} {path}"


def _identity(path: Path) -> object:
    """(device, inode) of an existing file, else its resolved absolute path."""
    try:
        info = path.stat()
    except OSError:
        return os.path.realpath(path)
    return (info.st_dev, info.st_ino)


def _stdin_file() -> object | None:
    """The identity of the regular file stdin is redirected from (`< file`), else None."""
    try:
        info = os.fstat(sys.stdin.fileno())
    except (OSError, ValueError, AttributeError):  # closed, or no descriptor (a test runner)
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISREG(info.st_mode) else None


def _is_device(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the whole new one, never half.

    Devices and pipes (`/dev/stdout`, `/dev/null`, a FIFO) are written in place: renaming over
    them would replace the device with a file.
    """
    with atomic_output(path) as handle:
        handle.write(data)


@contextlib.contextmanager
def atomic_output(path: Path, private: bool = False) -> Iterator[BinaryIO]:
    """A handle to stream into; `path` gets the whole content only if the block succeeds
    (`private`: owner-only, mode 0600, whatever the umask).

    The temporary file (`.NAME.PID.XXXX.tmp` beside `path`) is removed on every way out,
    SIGTERM included; one left by a killed run (its process gone) is removed by the next run.
    """
    if path.exists() and not stat.S_ISREG(path.stat().st_mode):
        with path.open("wb") as device:
            yield device
        return
    directory = path.parent if str(path.parent) else Path()
    remove_stale_temporaries(path)
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o666 & ~_umask()
    mode = 0o600 if private else mode
    with exit_on_sigterm():
        fd, tmp = tempfile.mkstemp(
            prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=directory
        )
        try:
            os.fchmod(fd, mode)  # mkstemp makes 0600; output gets the mode any new file would
            with os.fdopen(fd, "wb") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            Path(tmp).replace(path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                Path(tmp).unlink()
            raise


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Remove the temporaries of writes to `path` whose process no longer runs; the removed."""
    directory = path.parent if str(path.parent) else Path()
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(\d+)\.[^.]+\.tmp")
    removed = []
    with contextlib.suppress(OSError):
        for candidate in directory.iterdir():
            match = pattern.fullmatch(candidate.name)
            if match and not process_running(int(match.group(1))):
                with contextlib.suppress(OSError):
                    candidate.unlink()
                    removed.append(candidate)
    return removed


def process_running(pid: int) -> bool:
    """True while process `pid` exists (this one, or one we may not signal)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


@contextlib.contextmanager
def exit_on_sigterm() -> Iterator[None]:
    """While writing, SIGTERM exits through the stack (status 143, cleanup runs) instead of
    killing the process where it stands."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous not in (signal.SIG_DFL, None):
        yield  # the program handles SIGTERM itself
        return

    def terminate(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def open_regular(path: Path) -> BinaryIO:
    """`path` opened for reading, never waiting on a FIFO; OSError for anything but a regular
    file (a FIFO, a device, a folder)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise OSError("not a regular file")
    return os.fdopen(descriptor, "rb")


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; OSError otherwise."""
    with open_regular(path) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"larger than {limit:,} bytes")
    return data


def file_sha256(path: Path) -> tuple[str, int]:
    """(SHA-256 in hex, size) of a regular file, read in blocks; OSError otherwise."""
    digest, size = hashlib.sha256(), 0
    with open_regular(path) as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
