"""Certificates: what was certified, signed with the certifying body's Ed25519 key, and checked."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ccstd import __version__
from ccstd.conformance.result import CertificationResult

FORMAT = "ccstd-certificate/1"


class CertificateError(ValueError):
    """A certificate or key that cannot be read (exit 2)."""


def claims(result: CertificationResult) -> dict[str, Any]:
    """The signed statement: who, what, against which rules, on which inputs, when."""
    return {
        "format": FORMAT,
        "vendor": result.vendor,
        "product": result.product,
        "productVersion": result.product_version,
        "standard": result.standard,
        "profiles": [p.name for p in result.profiles if p.passed],
        "level": result.level_reached.value if result.level_reached else None,
        "ruleSet": {"revision": result.ruleset_revision, "digest": result.ruleset_digest},
        "inputs": [{"path": i.path, "role": i.role, "sha256": i.sha256} for i in result.inputs],
        "ccstd": __version__,
        "issuedAt": result.started_at,
    }


def _canonical(statement: dict[str, Any]) -> bytes:
    return orjson.dumps(statement, option=orjson.OPT_SORT_KEYS)


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short, stable name for a public key: SHA-256 of its raw bytes, 16 hex digits."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def issue(result: CertificationResult, signing_key: Ed25519PrivateKey | None) -> bytes:
    """certificate.json: the statement and, given a key, its Ed25519 signature."""
    statement = claims(result)
    signature = None
    if signing_key is not None:
        signature = {
            "algorithm": "Ed25519",
            "keyId": key_id(signing_key.public_key()),
            "value": base64.b64encode(signing_key.sign(_canonical(statement))).decode("ascii"),
        }
    document = {"certificate": statement, "signature": signature}
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


def generate_key() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair as (private PEM, public PEM)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def write_private_key(path: Path, pem: bytes) -> None:
    """Create `path` readable by its owner only, from the first byte (never over a file)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """An Ed25519 private key from a PEM file."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise CertificateError(f"{path}: not a readable PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CertificateError(f"{path}: not an Ed25519 key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM file."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise CertificateError(f"{path}: not a readable PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise CertificateError(f"{path}: not an Ed25519 key")
    return key


@dataclass(frozen=True)
class Verification:
    """The outcome of verifying a certificate: problems found (none = valid)."""

    statement: dict[str, Any]
    problems: tuple[str, ...]

    @property
    def valid(self) -> bool:
        """True when the signature holds and every checked input is unchanged."""
        return not self.problems


def verify(certificate: Path, public_key: Ed25519PublicKey, inputs: Path | None) -> Verification:
    """Check the signature and, given the folder of the manifest, every input's SHA-256."""
    try:
        document = orjson.loads(certificate.read_bytes())
        statement, signature = document["certificate"], document["signature"]
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise CertificateError(f"{certificate}: not a readable certificate ({exc})") from None
    problems = list(_signature_problems(statement, signature, public_key))
    if inputs is not None:
        problems += list(_input_problems(statement, inputs))
    return Verification(statement, tuple(problems))


def _signature_problems(
    statement: Any, signature: Any, public_key: Ed25519PublicKey
) -> Iterator[str]:
    if not isinstance(signature, dict) or signature.get("algorithm") != "Ed25519":
        yield "the certificate is not signed (Ed25519)"
        return
    try:
        public_key.verify(base64.b64decode(signature["value"]), _canonical(statement))
    except (InvalidSignature, ValueError, KeyError, TypeError):
        yield "the signature does not match the certificate and this public key"


def _input_problems(statement: dict[str, Any], folder: Path) -> Iterator[str]:
    for entry in statement.get("inputs", []):
        path = folder / entry["path"]
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            yield f"{entry['path']}: missing"
            continue
        if digest != entry["sha256"]:
            yield f"{entry['path']}: changed since certification (SHA-256 differs)"
