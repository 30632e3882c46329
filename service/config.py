"""The service's settings: limits, API tokens, where uploads are kept (if anywhere)."""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field
from pathlib import Path

from ccstd.standard.files import read_regular

MIN_TOKEN_LENGTH = 16
_MAX_TOKEN_FILE_BYTES = 1 << 20


class ConfigError(ValueError):
    """A setting that cannot be used: one line naming the file or option."""


@dataclass(frozen=True)
class Limits:
    """Every bound a request is held to; each breach is one 4xx (or 503 for capacity)."""

    max_body_bytes: int = 200 * 1024 * 1024  # counted after decompression
    max_records: int = 1_000_000
    timeout_seconds: float = 300.0  # the whole request, upload included
    receive_timeout_seconds: float = 60.0  # the upload: a body must have arrived by then
    head_timeout_seconds: float = 10.0  # a request's headers, from their first byte
    max_connections: int = 1000  # open at once; each receiving body holds <= 1 MiB of memory
    workers: int = 2  # validations running at once
    queue: int = 8  # requests allowed to wait for a worker; more get 503
    max_findings: int = 1000  # findings listed per report (all are counted)
    retry_after_seconds: int = 5


@dataclass(frozen=True)
class Tokens:
    """API tokens, kept as SHA-256 digests and compared in constant time."""

    digests: tuple[bytes, ...] = field(default=(), repr=False)

    @property
    def required(self) -> bool:
        """True when requests to /v1/* must carry one of the tokens."""
        return bool(self.digests)

    def accepts(self, token: str) -> bool:
        """True when `token` is one of the tokens; every digest is compared, whatever matches."""
        digest = hashlib.sha256(token.encode("utf-8", "surrogateescape")).digest()
        matched = False
        for known in self.digests:
            matched |= hmac.compare_digest(digest, known)
        return matched


def load_tokens(path: Path) -> Tokens:
    """Tokens from a file: one per line, blank lines and `#` comments ignored (ConfigError)."""
    try:
        text = read_regular(path, _MAX_TOKEN_FILE_BYTES).decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ConfigError(f"{path}: cannot read the token file: {detail}") from None
    digests = []
    for number, line in enumerate(text.splitlines(), 1):
        token = line.strip()
        if not token or token.startswith("#"):
            continue
        if len(token) < MIN_TOKEN_LENGTH or any(c.isspace() for c in token):
            raise ConfigError(
                f"{path}:{number}: a token is one word of at least {MIN_TOKEN_LENGTH} characters"
            )
        digests.append(hashlib.sha256(token.encode("utf-8")).digest())
    if not digests:
        raise ConfigError(f"{path}: the token file holds no token")
    return Tokens(tuple(digests))


def check_upload_folder(path: Path) -> Path:
    """The folder for `--keep-uploads`: it must exist and be writable (ConfigError)."""
    if not path.is_dir():
        raise ConfigError(f"{path}: --keep-uploads needs an existing folder")
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(f"{path}: --keep-uploads folder is not writable")
    return path


@dataclass(frozen=True)
class ServiceConfig:
    """Everything `create_app` needs."""

    limits: Limits = Limits()
    tokens: Tokens = Tokens()
    keep_uploads: Path | None = None
    root_path: str = ""
