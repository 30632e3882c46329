"""Vendor adapters run in a confined child process; the trusted parent sees only their data.

The parent stages copies of the adapter's folder and of each source in a scratch folder, starts
`sandbox_child` with a scrubbed environment and no inherited descriptors, and reads back each
item and its outcome as length-prefixed JSON, bounded in size and time. `RemoteAdapter` offers
those outcomes to the ordinary runner, which stamps, protects, validates and counts them here,
in the trusted process. Nothing the child writes is read back. See docs/security.md.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import orjson

from ccstd.adapters.base import (
    Adapter,
    Converted,
    Outcome,
    SourceContext,
    SourceItem,
)
from ccstd.adapters.ledger import Coverage
from ccstd.conformance.sandbox_protocol import (
    HEADER,
    MAX_FRAME,
    AdapterCrashError,
    AdapterLoadError,
    AdapterResourceError,
    AdapterTimeoutError,
    SandboxError,
    child_error,
    decode_coverage,
    decode_isolation,
    decode_item,
    decode_outcome,
    field,
    raise_load_error,
    text,
)
from ccstd.conformance.vendor_code import code_files
from ccstd.standard.files import open_regular, process_running
from ccstd.standard.registry import StandardRegistry

MAX_RECEIVED = 1 << 30  # everything the child may send in one run
MAX_SOURCE_BYTES = 1 << 30  # every sample source staged in one run
MAX_REASONS = 100


@dataclass(frozen=True)
class SandboxOptions:
    """Bounds on vendor code, and whether a run may go on without real isolation."""

    timeout_seconds: float = 120.0
    memory_mib: int = 2048
    require_isolation: bool = False  # True when a signing key is at stake


def private_folder(kind: str) -> Path:
    """A new folder `ccstd-KIND-PID-*` under the temporary directory, readable by its owner only.

    Folders of the same kind left by runs that were killed (their process is gone) are removed
    first, so a killed run costs disk space only until the next one.
    """
    prefix = f"ccstd-{kind}-"
    for stale in Path(tempfile.gettempdir()).glob(f"{prefix}*-*"):
        pid = stale.name.removeprefix(prefix).split("-", 1)[0]
        mine = stale.lstat().st_uid == os.geteuid()
        if pid.isdigit() and mine and not process_running(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-"))


class Sandbox:
    """One confined child for one certification run: start it, convert sources, stop it."""

    def __init__(self, adapter_name: str, code: Path | None, options: SandboxOptions) -> None:
        self.adapter_name = adapter_name
        self.code = code
        self.options = options
        self.isolation: dict[str, Any] = {}
        self._scratch = private_folder("sandbox")
        self._scratch.chmod(0o755)  # readable by the child, writable by this process only
        self._staged = 0
        self._staged_bytes = 0
        self._received = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._deadline = 0.0
        self._dead: SandboxError | None = None

    def __enter__(self) -> RemoteAdapter:
        try:
            return self._start()
        except BaseException:
            self.close()
            raise

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _start(self) -> RemoteAdapter:
        code_copy = self._stage_code() if self.code is not None else None
        self._deadline = time.monotonic() + self.options.timeout_seconds
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-B", "-m", "ccstd.conformance.sandbox_child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=self._scratch,
            env=_clean_environment(self._scratch),
            close_fds=True,
            start_new_session=True,
        )
        cpu = int(self.options.timeout_seconds) + 1
        settings = {
            "scratch": str(self._scratch),
            "code": str(code_copy) if code_copy else None,
            "adapter": self.adapter_name,
            "require_isolation": self.options.require_isolation,
            "limits": {"cpu_seconds": cpu, "memory_mib": self.options.memory_mib},
        }
        self._request(settings)
        self.isolation = self._confined(self._message())
        try:
            hello = self._message()
            raise_load_error(hello, self.adapter_name)
            return RemoteAdapter(self, field(hello, "hello", dict))
        except AdapterCrashError as exc:  # died or spoke nonsense while loading: not started
            raise AdapterLoadError(f"{self.adapter_name}: {exc}") from None

    def _confined(self, message: dict[str, Any]) -> dict[str, Any]:
        """How the child confined itself, reported before any vendor code was imported."""
        raise_load_error(message, "isolation")
        isolation = decode_isolation(message.get("confined"))
        weak = isolation["user"] != "nobody" and not isolation["landlock"]
        if weak and self.options.require_isolation:
            raise AdapterLoadError("vendor code cannot be isolated from the signing key here")
        return isolation

    def convert(self, path: Path) -> Iterator[tuple[SourceItem, dict[str, Any]]]:
        """Each item of `path` as the child read it, with its kind, outcome and replay context."""
        if self._dead is not None:
            raise self._dead
        staged = self._stage_source(path)
        self._request({"op": "convert", "source": staged})
        while True:
            message = self._message()
            if "end" in message:
                return
            if "error" in message:
                raise child_error(message["error"])
            yield decode_item(path, field(message, "item", dict))

    @property
    def stopped(self) -> bool:
        """True once the child has been stopped for good (timeout, limit, protocol breach)."""
        return self._dead is not None

    def close(self) -> None:
        """Stop the child (and anything it started) and remove the scratch folder."""
        process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                self._request({"op": "exit"})
            try:
                process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                _kill(process)
        shutil.rmtree(self._scratch, ignore_errors=True)

    # staging ---------------------------------------------------------------------------------

    def _stage_code(self) -> Path:
        """A copy of the vendor's code folder that the child may read and not change."""
        assert self.code is not None
        target = self._scratch / "code"
        for path in code_files(self.code):
            copy = target / path.relative_to(self.code)
            copy.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
            if path.is_symlink():
                copy.symlink_to(path.readlink())
            else:
                self._copy(path, copy)
        return target

    def _stage_source(self, path: Path) -> str:
        """A copy of one source, in a folder of this process's that the child cannot change."""
        self._staged += 1
        folder = self._scratch / "sources" / str(self._staged)
        folder.mkdir(mode=0o755, parents=True)
        self._copy(path, folder / path.name)
        return (folder / path.name).relative_to(self._scratch).as_posix()

    def _copy(self, source: Path, target: Path) -> None:
        try:
            reader = open_regular(source)
        except OSError as exc:
            self._fail(AdapterCrashError(f"{source.name}: cannot be staged ({exc})"))
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with reader, os.fdopen(descriptor, "wb") as writer:
            os.fchmod(writer.fileno(), 0o644)
            while chunk := reader.read(1 << 20):
                self._staged_bytes += len(chunk)
                if self._staged_bytes > MAX_SOURCE_BYTES:
                    self._fail(AdapterResourceError(f"files over {MAX_SOURCE_BYTES >> 20} MiB"))
                writer.write(chunk)

    # the protocol ----------------------------------------------------------------------------

    def _request(self, message: dict[str, Any]) -> None:
        assert self._process is not None and self._process.stdin is not None
        try:
            self._process.stdin.write(orjson.dumps(message) + b"\n")
            self._process.stdin.flush()
        except OSError:
            self._fail(self._ended())

    def _message(self) -> dict[str, Any]:
        header = self._read(HEADER.size)
        (size,) = HEADER.unpack(header)
        if size > MAX_FRAME:
            self._fail(AdapterCrashError(f"a message of {size} bytes (limit {MAX_FRAME})"))
        try:
            message = orjson.loads(self._read(size))
        except orjson.JSONDecodeError:
            self._fail(AdapterCrashError("a message that is not JSON"))
        if not isinstance(message, dict):
            self._fail(AdapterCrashError("a message that is not an object"))
        return dict(message)

    def _read(self, size: int) -> bytes:
        assert self._process is not None and self._process.stdout is not None
        stream = self._process.stdout.fileno()
        chunks, missing = [], size
        while missing:
            left = self._deadline - time.monotonic()
            if left <= 0 or not select.select([stream], [], [], left)[0]:
                self._fail(
                    AdapterTimeoutError(f"no result within {self.options.timeout_seconds} s")
                )
            chunk = os.read(stream, min(missing, 1 << 20))
            if not chunk:
                self._fail(self._ended())
            self._received += len(chunk)
            if self._received > MAX_RECEIVED:
                self._fail(AdapterResourceError(f"sent more than {MAX_RECEIVED >> 20} MiB"))
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def _ended(self) -> SandboxError:
        assert self._process is not None
        try:
            code = self._process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return AdapterCrashError("closed its channel")
        if code in (-signal.SIGXCPU, -signal.SIGKILL):
            return AdapterResourceError(f"stopped by the CPU limit (signal {-code})")
        return AdapterCrashError(f"exited with {code}")

    def _fail(self, error: SandboxError) -> Any:
        """Stop the child for good: every later request raises the same error."""
        if self._process is not None:
            _kill(self._process)
        self._dead = error
        raise error


class RemoteAdapter(Adapter):
    """The vendor's adapter as the trusted runner sees it: its metadata and its outcomes."""

    def __init__(self, sandbox: Sandbox, hello: dict[str, Any]) -> None:
        self.sandbox = sandbox
        self.name = text(field(hello, "name", str))
        self.version = text(field(hello, "version", str))
        self.formats = tuple(text(str(f)) for f in field(hello, "formats", list))
        self.standard_version = field(hello, "standardVersion", str)
        if self.standard_version not in StandardRegistry().versions():
            raise AdapterLoadError(f"{self.name} targets an unknown standard version")
        self._digest = text(field(hello, "mappingDigest", str))
        self._coverage = decode_coverage(field(hello, "coverage", dict))
        self._current: tuple[SourceItem, dict[str, Any]] | None = None
        self._failure: SandboxError | None = None
        self._reasons: set[str] = set()

    def sniff(self, sample: bytes, filename: str) -> float:
        """Never chosen by sniffing: certification names its adapter."""
        return 0.0

    def items(self, path: Path, context: SourceContext) -> Iterator[SourceItem]:
        """The items the child read from its copy of `path`; a failure of the child ends the
        source and is kept for `take_failure` (the runner turns exceptions into rejections)."""
        try:
            for item, extras in self.sandbox.convert(path):
                self._current = item, extras
                yield item
        except SandboxError as exc:
            self._failure = exc

    def take_failure(self) -> SandboxError | None:
        """Why the child stopped giving items during the last conversion, if it did."""
        failure, self._failure = self._failure, None
        return failure

    def convert(self, item: SourceItem, context: SourceContext) -> Outcome:
        """The outcome the child gave for `item`; past MAX_REASONS distinct reason codes, the
        rest count as `other-reason` (a child cannot grow the parent's tallies without bound)."""
        outcome = decode_outcome(self._extras(item).get("outcome"))
        if isinstance(outcome, Converted) or outcome.reason in self._reasons:
            return outcome
        if len(self._reasons) >= MAX_REASONS:
            return dataclasses.replace(outcome, reason="other-reason")
        self._reasons.add(outcome.reason)
        return outcome

    def mapping_digest(self) -> str:
        """As the adapter declared it."""
        return self._digest

    def coverage(self) -> dict[str, Coverage]:
        """As the adapter declared it."""
        return self._coverage

    def kind_of(self, item: SourceItem) -> str:
        """As the child computed it for the item."""
        kind = self._extras(item).get("kind")
        return text(kind) if isinstance(kind, str) else self.name

    def replay_context(self, item: SourceItem, context: SourceContext) -> dict[str, Any]:
        """As the child computed it for the item."""
        replay = self._extras(item).get("replay")
        return replay if isinstance(replay, dict) else {}

    def _extras(self, item: SourceItem) -> dict[str, Any]:
        """What the child sent with `item` (nothing for an item the runner made itself)."""
        if self._current is None or self._current[0] is not item:
            return {}
        return self._current[1]


def _clean_environment(scratch: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(scratch)}


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
