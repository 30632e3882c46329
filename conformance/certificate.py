"""Certificates: what was certified, signed with the certifying body's Ed25519 key, and checked."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import jsonschema
import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ccstd import __version__
from ccstd.conformance.result import CertificationResult
from ccstd.standard.files import file_sha256, read_regular
from ccstd.standard.redaction import PLACEHOLDER, redact
from ccstd.standard.rules import Level

FORMAT = "ccstd-certificate/2"
OLD_FORMATS = ("ccstd-certificate/1",)
VALID_DAYS = 365
MAX_VALID_DAYS = 3650
MAX_CERTIFICATE_BYTES = 4 << 20
_CHUNK = 1 << 20

_TIME = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"}
_TEXT = {"type": "string", "minLength": 1}
_NAME = {"type": "string", "pattern": "^[a-z0-9][a-z0-9.-]*$", "maxLength": 100}
_INPUT_PATH = {  # relative, POSIX, never climbing out: checked again in `_input_problem`
    "type": "string",
    "minLength": 1,
    "maxLength": 4096,
    "pattern": "^(?!/)(?!(.*/)?[.][.](/|$))[^\\u0000\\\\]+$",
}


def _object(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """A JSON Schema object with exactly these properties, all required but `optional`."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


STATEMENT_SCHEMA = _object(
    {
        "format": {"const": FORMAT},
        "vendor": _TEXT,
        "product": _TEXT,
        "productVersion": {"anyOf": [_TEXT, {"type": "null"}]},
        "standard": {"type": "string", "pattern": "^[0-9]+[.][0-9]+[.][0-9]+$"},
        "profiles": {"type": "array", "items": _NAME, "maxItems": 100},
        "level": {"enum": [*(level.value for level in Level), None]},
        "ruleSet": _object(
            {
                "revision": {"type": "integer", "minimum": 0},
                "digest": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
            }
        ),
        "inputs": {
            "type": "array",
            "maxItems": 100_000,
            "items": _object(
                {
                    "path": _INPUT_PATH,
                    "role": {"enum": ["manifest", "records", "source", "golden", "adapter-code"]},
                    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                }
            ),
        },
        "vendorCode": {
            "anyOf": [
                {"type": "null"},
                _object(
                    {
                        "ran": {"type": "boolean"},
                        "folderSha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                        "isolation": _object(
                            {
                                "user": {"enum": ["nobody", "same", "unknown"]},
                                "landlock": {"type": "integer", "minimum": 0},
                                "seccomp": {"type": "boolean"},
                            }
                        ),
                    },
                    optional=("folderSha256", "isolation"),
                ),
            ]
        },
        "ccstd": {"type": "string", "maxLength": 100},
        "issuedAt": _TIME,
        "validUntil": _TIME,
    }
)
SIGNATURE_SCHEMA = _object(
    {
        "algorithm": {"const": "Ed25519"},
        "keyId": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
        "value": {"type": "string", "pattern": "^[A-Za-z0-9+/]{86}==$"},
    }
)
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": FORMAT,
    **_object(
        {
            "certificate": STATEMENT_SCHEMA,
            "signature": {"anyOf": [SIGNATURE_SCHEMA, {"type": "null"}]},
        }
    ),
}


_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


class CertificateError(ValueError):
    """A certificate or key that cannot be read (exit 2)."""


def claims(result: CertificationResult, valid_days: int = VALID_DAYS) -> dict[str, Any]:
    """The signed statement: who, what, against which rules, on which inputs, when, how long."""
    issued = result.started_at
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
        # New fields go here, and into STATEMENT_SCHEMA (which refuses any it does not name).
        "vendorCode": (result.adapter or {}).get("vendorCode"),
        "ccstd": __version__,
        "issuedAt": issued,
        "validUntil": _timestamp(_parse_time(issued) + datetime.timedelta(days=valid_days)),
    }


def _timestamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: str) -> datetime.datetime:
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)


def _canonical(value: dict[str, Any]) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def signed_bytes(statement: dict[str, Any], signature: dict[str, Any]) -> bytes:
    """What the signature covers: the statement and every signature field but its value."""
    header = {k: v for k, v in signature.items() if k != "value"}
    return _canonical({"certificate": statement, "signature": header})


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short, stable name for a public key: SHA-256 of its raw bytes, 16 hex digits."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(statement: dict[str, Any], signing_key: Ed25519PrivateKey | None) -> bytes:
    """certificate.json: the statement and, given a key, its Ed25519 signature."""
    signature: dict[str, Any] | None = None
    if signing_key is not None:
        signature = {"algorithm": "Ed25519", "keyId": key_id(signing_key.public_key())}
        value = signing_key.sign(signed_bytes(statement, signature))
        signature["value"] = base64.b64encode(value).decode("ascii")
    document = {"certificate": statement, "signature": signature}
    problem = _schema_problem(document)
    if problem is not None:  # e.g. an input path leading out of the manifest's folder
        raise CertificateError(f"will not sign what verify would refuse: {problem}")
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


def issue(
    result: CertificationResult,
    signing_key: Ed25519PrivateKey | None,
    valid_days: int = VALID_DAYS,
) -> bytes:
    """certificate.json for a passing result, valid for `valid_days` from the run's start."""
    if not 1 <= valid_days <= MAX_VALID_DAYS:
        raise CertificateError(f"valid 1 to {MAX_VALID_DAYS} days, not {valid_days}")
    return sign(claims(result, valid_days), signing_key)


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
        """True when the signature holds, the date is within validity, every input unchanged."""
        return not self.problems


def verify(
    certificate: Path,
    public_key: Ed25519PublicKey,
    inputs: Path | None,
    now: datetime.datetime | None = None,
) -> Verification:
    """Check, in order: structure (else CertificateError), signature, validity dates, and,
    given the manifest's folder, every input's SHA-256. No input is read unless the signature
    holds, and none outside `inputs`."""
    if inputs is not None and not inputs.is_dir():
        raise CertificateError(f"{inputs}: --inputs is not a folder")
    document = load(certificate)
    statement, signature = document["certificate"], document["signature"]
    problems = list(_signature_problems(statement, signature, public_key))
    if problems:
        return Verification(statement, tuple(problems))
    problems += _validity_problems(statement, now or datetime.datetime.now(datetime.UTC))
    if inputs is not None:
        problems += _input_problems(statement["inputs"], inputs)
    return Verification(statement, tuple(problems))


def load(path: Path) -> dict[str, Any]:
    """A certificate document checked against SCHEMA, or CertificateError saying what is wrong."""
    try:
        data = read_regular(path, MAX_CERTIFICATE_BYTES)
    except OSError as exc:
        raise CertificateError(f"{path}: cannot read: {exc.strerror or exc}") from None
    document = _parse_json(path, data)
    _check_structure(path, document)
    return document  # type: ignore[no-any-return]


def _invalid(path: Path, what: str) -> CertificateError:
    return CertificateError(f"{path}: not a valid certificate: {what}")


def _parse_json(path: Path, data: bytes) -> Any:
    """JSON as the standard library reads it, refusing duplicate keys, NaN and Infinity."""
    try:
        return json.loads(
            data.decode("utf-8"), object_pairs_hook=_unique_keys, parse_constant=_no_constant
        )
    except RecursionError:
        raise _invalid(path, "nested too deeply") from None
    except ValueError as exc:  # also UnicodeDecodeError, JSONDecodeError
        raise _invalid(path, f"not JSON ({exc})") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise ValueError(f"duplicate key {key!r}")
        document[key] = value
    return document


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _check_structure(path: Path, document: Any) -> None:
    """The format first (an old one is named as such), then SCHEMA, then the dates' order."""
    statement = document.get("certificate") if isinstance(document, dict) else None
    written = statement.get("format") if isinstance(statement, dict) else None
    if written in OLD_FORMATS:
        raise _invalid(
            path,
            f"{written} is no longer accepted (its signature does not cover the key id and "
            f"algorithm); certify again for a {FORMAT}",
        )
    problem = _schema_problem(document)
    if problem is not None:
        raise _invalid(path, problem)
    _check_dates(path, document["certificate"])


def _schema_problem(document: Any) -> str | None:
    """Where and how `document` departs from SCHEMA (the most relevant error), or None."""
    error = jsonschema.exceptions.best_match(_VALIDATOR.iter_errors(document))
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "the document"
    return f"{where}: {_shorten(error.message)}"


def _check_dates(path: Path, statement: dict[str, Any]) -> None:
    try:
        issued, until = _parse_time(statement["issuedAt"]), _parse_time(statement["validUntil"])
    except ValueError as exc:
        raise _invalid(path, f"a date that is not one ({exc})") from None
    if until < issued:
        raise _invalid(path, "validUntil is before issuedAt")


def _shorten(message: str, limit: int = 200) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _signature_problems(
    statement: dict[str, Any], signature: dict[str, Any] | None, public_key: Ed25519PublicKey
) -> Iterator[str]:
    if signature is None:
        yield "the certificate is not signed"
        return
    expected = key_id(public_key)
    if signature["keyId"] != expected:
        yield f"signed by key {signature['keyId']}, not by this public key ({expected})"
        return
    try:
        value = base64.b64decode(signature["value"], validate=True)
        public_key.verify(value, signed_bytes(statement, signature))
    except (InvalidSignature, ValueError):
        yield "the signature does not match the certificate and this public key"


def _validity_problems(statement: dict[str, Any], now: datetime.datetime) -> list[str]:
    issued, until = _parse_time(statement["issuedAt"]), _parse_time(statement["validUntil"])
    if now < issued:
        return [f"not valid before {statement['issuedAt']} (issued in the future)"]
    if now > until:
        return [f"expired on {statement['validUntil']}"]
    return []


def _input_problems(entries: list[dict[str, Any]], folder: Path) -> list[str]:
    root = folder.resolve()
    problems = []
    matched: set[tuple[str, ...]] = set()  # a file answers for one input only
    for entry in entries:
        problem = _input_problem(root, entry["path"], entry["sha256"], matched)
        if problem:
            problems.append(f"{entry['path']}: {problem}")
    return problems


def _input_problem(
    root: Path, written: str, sha256: str, matched: set[tuple[str, ...]]
) -> str | None:
    """Why one input does not match (None when it does, and the file it matched joins
    `matched`: two inputs whose names redact alike need two files); never reads outside
    `root`."""
    relative = PurePosixPath(written)
    if relative.is_absolute() or ".." in relative.parts:
        return "outside the inputs folder"
    problem: str | None = "missing"
    for parts in _named(root, relative.parts):
        if parts in matched:
            continue
        problem = _file_problem(root, parts, sha256)
        if problem is None:
            matched.add(parts)
            break
    return problem


def _named(root: Path, parts: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """The paths below `root` an input's path may name: itself, or where a part is redacted
    (a file named after a person is shown so), each entry whose name redacts to that part."""
    if not parts:
        yield ()
        return
    head, rest = parts[0], parts[1:]
    if PLACEHOLDER not in head:
        names = [head]
    else:
        try:
            names = sorted(e.name for e in root.iterdir() if redact(e.name) == head)
        except OSError:
            names = []
    for name in names:
        for tail in _named(root / name, rest):
            yield (name, *tail)


def _file_problem(root: Path, parts: tuple[str, ...], sha256: str) -> str | None:
    try:
        real = root.joinpath(*parts).resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11)
        return "cannot be resolved"
    if not real.is_relative_to(root):
        return "leads outside the inputs folder"
    try:
        digest = _sha256(real)
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    return None if digest == sha256 else "changed since certification (SHA-256 differs)"


def _sha256(path: Path) -> str:
    return file_sha256(path)[0]
