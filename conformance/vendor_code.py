"""A vendor's code folder: what is in it, staged and digested without following a link."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from ccstd.conformance.sandbox_protocol import AdapterLoadError
from ccstd.standard.files import file_sha256

MAX_CODE_FILES, MAX_CODE_BYTES = 10_000, 256 << 20


class VendorFolderError(AdapterLoadError):
    """A vendor's folder that cannot be staged (not a folder, odd files, too large)."""


def code_files(folder: Path) -> list[Path]:
    """Every file and link in a vendor's code folder, in order; links are never followed.

    Raises VendorFolderError for a folder that is not one, holds anything but regular files,
    folders and links (a FIFO, a device), or is too large to stage.
    """
    if folder.is_symlink() or not folder.is_dir():
        raise VendorFolderError(f"{folder}: the adapter path is not a folder")
    found: list[Path] = []
    size = 0
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        links = [Path(root) / d for d in dirs if (Path(root) / d).is_symlink()]
        for path in [*(Path(root) / name for name in files), *links]:
            mode = path.lstat().st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
                raise VendorFolderError(f"{path}: not a regular file in the adapter folder")
            size += path.lstat().st_size
            found.append(path)
        if len(found) > MAX_CODE_FILES or size > MAX_CODE_BYTES:
            raise VendorFolderError(
                f"{folder}: the adapter folder holds more than {MAX_CODE_FILES} files "
                f"or {MAX_CODE_BYTES >> 20} MiB"
            )
    return sorted(found)


def file_digest(path: Path) -> tuple[str, int]:
    """(SHA-256, size) of a file, streamed; a link by its target, never followed."""
    if path.is_symlink():
        target = str(path.readlink()).encode()
        return hashlib.sha256(target).hexdigest(), len(target)
    try:
        return file_sha256(path)
    except OSError as exc:
        raise VendorFolderError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def folder_digest(folder: Path) -> str:
    """SHA-256 over every file of a folder (path and content; a link by its target)."""
    digest = hashlib.sha256()
    for path in code_files(folder):
        relative = path.relative_to(folder).as_posix()
        digest.update(f"{relative}\0{file_digest(path)[0]}\n".encode())
    return digest.hexdigest()
