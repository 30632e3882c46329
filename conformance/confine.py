"""Confining the process that runs vendor code: another user, Landlock, resource limits (Linux).

Used by `sandbox_child` before the vendor's module is imported; see docs/security.md for what
each layer stops. Landlock is called through its three system calls with ctypes: there is no
maintained Python binding of it, and the calls are small and stable (kernel ABI, Linux 5.13+).
"""

from __future__ import annotations

import ctypes
import errno
import importlib.util
import os
import platform
import pwd
import resource
import stat
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_libc = ctypes.CDLL(None, use_errno=True)

# <linux/landlock.h>
_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1, 2, 4, 8
_FS_RIGHTS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
_FILE_RIGHTS = _EXECUTE | _WRITE_FILE | _READ_FILE | (1 << 14) | (1 << 15)  # + truncate, ioctl
_NET_BIND_TCP, _NET_CONNECT_TCP = 1, 2
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1, 2
_PR_SET_NO_NEW_PRIVS = 38
# <linux/seccomp.h>, <linux/filter.h>, <linux/audit.h>: socket, socketpair, io_uring_setup
_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2
_SECCOMP_RET_KILL_PROCESS, _SECCOMP_RET_ERRNO, _SECCOMP_RET_ALLOW = 0x80000000, 0x50000, 0x7FFF0000
_BPF_LD, _BPF_W, _BPF_ABS, _BPF_JMP, _BPF_JEQ, _BPF_JGE, _BPF_K, _BPF_RET = (
    0x00,
    0x00,
    0x20,
    0x05,
    0x10,
    0x30,
    0x00,
    0x06,
)
_X32_SYSCALL_BIT = 0x40000000
_SOCKET_SYSCALLS = {
    "x86_64": (0xC000003E, (41, 53, 425)),
    "aarch64": (0xC00000B7, (198, 199, 425)),
}
# <linux/sched.h>, <sys/mount.h>
_CLONE_NEWNS = 0x00020000
_MS_BIND, _MS_MOVE, _MS_REC, _MS_PRIVATE = 4096, 8192, 16384, 1 << 18

_SYSTEM_READ = ("/usr", "/lib", "/lib64", "/etc/ld.so.cache", "/etc/localtime")
_DEVICES = ("/dev/null", "/dev/urandom", "/dev/zero")


class ConfinementError(OSError):
    """A layer of confinement that was required could not be put in place."""


@dataclass(frozen=True)
class Limits:
    """What the vendor code may use: CPU seconds, address space, open files, file size."""

    cpu_seconds: int = 120
    memory_mib: int = 2048
    open_files: int = 256
    file_mib: int = 512


def apply_limits(limits: Limits) -> None:
    """Set the resource limits of this process (hard limits too: they cannot be raised back).

    A limit already lower (inherited) is kept.
    """
    _limit(resource.RLIMIT_CPU, limits.cpu_seconds)
    _limit(resource.RLIMIT_AS, limits.memory_mib << 20)
    _limit(resource.RLIMIT_NOFILE, limits.open_files)
    _limit(resource.RLIMIT_FSIZE, limits.file_mib << 20)
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_NPROC, 0)  # no fork, no thread (root is exempt: drop it first)


def _limit(which: int, value: int) -> None:
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def landlock_abi() -> int:
    """The Landlock ABI version this kernel offers (0 when it has none or it is disabled)."""
    version = _libc.syscall(_CREATE_RULESET, None, 0, _CREATE_RULESET_VERSION)
    return max(int(version), 0)


def unprivileged_user() -> tuple[int, int]:
    """(uid, gid) of `nobody`."""
    try:
        entry = pwd.getpwnam("nobody")
    except KeyError:
        return 65534, 65534
    return entry.pw_uid, entry.pw_gid


def readable_roots(extra: Iterable[Path] = ()) -> list[Path]:
    """What the confined interpreter must still read: itself, its libraries, ccstd."""
    roots = {Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    roots.update(Path(p) for p in sys.path if p and Path(p).is_dir())
    for name in ("ccstd", "ccstd.standard", "ccstd.adapters", "ccstd.conformance"):
        spec = importlib.util.find_spec(name)
        locations = spec.submodule_search_locations if spec is not None else None
        roots.update(Path(p) for p in locations or ())
    roots.update(extra)
    return sorted({r.resolve() for r in roots if r.exists()})


def drop_to(uid: int, gid: int, keep_reachable: list[Path], scratch: Path) -> None:
    """Become `uid` (from root), first making `keep_reachable` reachable for that user.

    Folders a new user cannot pass through (a Python under /root) are covered, in a private
    mount namespace, by an empty tmpfs into which only the needed paths are mounted again: the
    rest of such a folder is hidden from the vendor code as well.
    """
    blocked = _blocked_paths(keep_reachable)
    if blocked:
        _remount_reachable(blocked, scratch)
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise ConfinementError("could not drop to an unprivileged user")


def landlock(read: Iterable[Path], write: Iterable[Path]) -> int:
    """Restrict this process, for good, to reading `read` and writing `write`; no TCP, no
    signals or abstract sockets outside. Returns the ABI used (0: Landlock unavailable)."""
    abi = landlock_abi()
    if abi == 0:
        return 0
    fs = _FS_RIGHTS_BY_ABI[max(a for a in _FS_RIGHTS_BY_ABI if a <= abi)]
    attr = (ctypes.c_uint64 * 3)(fs, _NET_BIND_TCP | _NET_CONNECT_TCP if abi >= 4 else 0, 0)
    if abi >= 6:
        attr[2] = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL
    size = 8 * (3 if abi >= 6 else 2 if abi >= 4 else 1)
    ruleset = _check(_libc.syscall(_CREATE_RULESET, ctypes.byref(attr), size, 0), "ruleset")
    try:
        reading = _READ_FILE | _READ_DIR | _EXECUTE
        for path in (*map(Path, _SYSTEM_READ), *read):
            _allow(ruleset, path, reading, fs)
        for device in _DEVICES:
            _allow(ruleset, Path(device), _READ_FILE | _WRITE_FILE, fs)
        for path in write:
            _allow(ruleset, path, fs, fs)
        _check(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
        _check(_libc.syscall(_RESTRICT_SELF, ruleset, 0), "restrict")
    finally:
        os.close(ruleset)
    return abi


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


def _allow(ruleset: int, path: Path, rights: int, handled: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # absent on this system: nothing to allow
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            rights &= _FILE_RIGHTS
        rule = _PathBeneath(rights & handled, fd)
        _check(_libc.syscall(_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), 0), "rule")
    finally:
        os.close(fd)


def block_sockets() -> bool:
    """Forbid this process, for good, to create sockets or io_uring instances (seccomp).

    Landlock stops TCP and the file system; this stops UDP and Unix sockets too. False where
    the machine's architecture is not one this filter knows (x86-64, AArch64).
    """
    numbers = _SOCKET_SYSCALLS.get(platform.machine())
    if numbers is None:
        return False
    arch, calls = numbers
    deny = _SECCOMP_RET_ERRNO | errno.EPERM
    program = [
        _bpf(_BPF_LD | _BPF_W | _BPF_ABS, 0, 0, 4),  # seccomp_data.arch
        _bpf(_BPF_JMP | _BPF_JEQ | _BPF_K, 1, 0, arch),
        _bpf(_BPF_RET | _BPF_K, 0, 0, _SECCOMP_RET_KILL_PROCESS),  # another ABI: refuse all
        _bpf(_BPF_LD | _BPF_W | _BPF_ABS, 0, 0, 0),  # seccomp_data.nr
        _bpf(_BPF_JMP | _BPF_JGE | _BPF_K, len(calls) + 1, 0, _X32_SYSCALL_BIT),
        *(_bpf(_BPF_JMP | _BPF_JEQ | _BPF_K, len(calls) - i, 0, nr) for i, nr in enumerate(calls)),
        _bpf(_BPF_RET | _BPF_K, 0, 0, _SECCOMP_RET_ALLOW),
        _bpf(_BPF_RET | _BPF_K, 0, 0, deny),
    ]
    filters = (_SockFilter * len(program))(*program)
    prog = _SockFprog(len(program), filters)
    _check(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    _check(_libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0), "seccomp")
    return True


class _SockFilter(ctypes.Structure):
    _fields_ = (
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    )


class _SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_SockFilter)))


def _bpf(code: int, jt: int, jf: int, k: int) -> _SockFilter:
    return _SockFilter(code, jt, jf, k)


def _check(result: int, what: str) -> int:
    if result < 0:
        errno = ctypes.get_errno()
        raise ConfinementError(errno, f"landlock {what}: {os.strerror(errno)}")
    return result


def _blocked_paths(paths: list[Path]) -> dict[Path, list[Path]]:
    """For each folder that others cannot pass through, the needed paths below it."""
    blocked: dict[Path, list[Path]] = {}
    for path in paths:
        for ancestor in reversed((path, *path.parents)):
            if not ancestor.stat().st_mode & stat.S_IXOTH:
                blocked.setdefault(ancestor, []).append(path)
                break
    return blocked


def _remount_reachable(blocked: dict[Path, list[Path]], scratch: Path) -> None:
    _check_mount(_libc.unshare(_CLONE_NEWNS), "unshare")
    _check_mount(_libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None), "private /")
    for number, (folder, needed) in enumerate(blocked.items()):
        staged = []
        for index, path in enumerate(_outermost(needed)):
            stage = scratch / ".mounts" / f"{number}-{index}"
            stage.mkdir(parents=True)
            _mount(path, stage, _MS_BIND | _MS_REC)
            staged.append((stage, path))
        _check_mount(
            _libc.mount(b"tmpfs", bytes(folder), b"tmpfs", 0, b"mode=0755,size=1m"), "tmpfs"
        )
        for stage, path in staged:
            path.mkdir(parents=True, exist_ok=True)
            _mount(stage, path, _MS_MOVE)


def _outermost(paths: list[Path]) -> list[Path]:
    unique = sorted(set(paths), key=lambda p: len(p.parts))
    return [p for i, p in enumerate(unique) if not any(p.is_relative_to(q) for q in unique[:i])]


def _mount(source: Path, target: Path, flags: int) -> None:
    _check_mount(_libc.mount(bytes(source), bytes(target), None, flags, None), f"mount {target}")


def _check_mount(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise ConfinementError(errno, f"{what}: {os.strerror(errno)}")
