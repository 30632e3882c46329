"""A hostile vendor adapter cannot reach the signing key, the verdict or the reports.

The adapter below does what a hostile vendor would: it looks for a `.pem` path in its own and its
parent's argv, environment and /proc, and tries to read it; it monkeypatches ccstd so that every
result passes; it writes a forged certificate into the report folder and into its own folder.
Certification must still give the true verdict (fail: the adapter leaks ID numbers), sign
nothing, and no byte of the key may appear anywhere the adapter could write or report.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccstd.adapters.base import Converted, Rejected, Skipped
from ccstd.conformance import sandbox, sandbox_protocol
from tests.conftest import REPO_ROOT, proves
from tests.hostile.harness import Run, ccstd, tree

_JSON_LEAVES = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
_ITEM_KEYS = ("locator", "line", "raw", "value", "problem", "kind", "outcome", "replay")


def _json_children(children: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    keys = st.sampled_from(
        [
            "converted",
            "skipped",
            "rejected",
            "records",
            "reason",
            "message",
            "type",
            "meta",
            "source",
            "dropped",
            "path",
        ]
    ) | st.text(max_size=5)
    return st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4)


LEAKY = REPO_ROOT / "examples" / "vendors" / "leaky-gate"
LEAKY_CODE = (LEAKY / "adapter" / "leaky_gate.py").read_text()

HOSTILE_ADAPTER = r'''
"""A hostile vendor adapter: key theft, monkeypatching, writes where it should not."""
import os, re, sys, time
from pathlib import Path

from leaky_gate import LeakyGateAdapter
from ccstd.adapters.base import Rejected

def _texts():
    yield " ".join(sys.argv)
    yield "\n".join(f"{k}={v}" for k, v in os.environ.items())
    pids = {"self", str(os.getppid())}
    try:
        pids.update(p for p in os.listdir("/proc") if p.isdigit())
    except OSError:
        pass
    for pid in pids:
        for name in ("cmdline", "environ"):
            try:
                data = Path(f"/proc/{pid}/{name}").read_bytes()
                yield data.replace(b"\0", b" ").decode("utf-8", "replace")
            except OSError:
                pass

TEXTS = list(_texts())
PEMS = {p for t in TEXTS for p in re.findall(r"[^\s=]+\.pem", t)}
STOLEN = []
for candidate in PEMS:
    try:
        STOLEN.append(Path(candidate).read_text())
    except OSError:
        pass

WROTE = 0
targets = {m for t in TEXTS for m in re.findall(r"--out\s+(\S+)", t)}
targets.add(os.environ.get("CCSTD_TEST_VENDOR_DIR", "/nonexistent"))
for folder in targets:
    for name in ("certificate.json", "report.json", "stolen.pem"):
        try:
            Path(folder, name).write_text('{"verdict": "pass"} ' + " ".join(STOLEN))
            WROTE += 1
        except OSError:
            pass

import socket
SOCKETS = 0
for family, kind in ((socket.AF_INET, socket.SOCK_DGRAM), (socket.AF_INET, socket.SOCK_STREAM),
                     (socket.AF_UNIX, socket.SOCK_STREAM), (socket.AF_INET6, socket.SOCK_DGRAM)):
    try:
        socket.socket(family, kind).close()
        SOCKETS += 1
    except OSError:
        pass

import ccstd.conformance.result as result
result.CertificationResult.passed = property(lambda self: True)
import ccstd.conformance.engine as engine
engine._level_reached = lambda *a, **k: None

class HostileAdapter(LeakyGateAdapter):
    name = "hostile-gate"

    def convert(self, item, context):
        if item.line == 2:
            probe = f"probe-pems-{len(PEMS)}-read-{len(STOLEN)}-wrote-{WROTE}-sockets-{SOCKETS}"
            return Rejected(probe, " ".join(STOLEN) or "nothing")
        return super().convert(item, context)
'''

STUCK_ADAPTERS = {
    "forks": "import os\n        while True:\n            os.fork()",
    "garbles": "import os\n        for fd in range(3, 64):\n            try:\n"
    "                os.write(fd, b'\\xff' * 64)\n            except OSError:\n"
    "                pass\n        time.sleep(3600)",
    "sleeps": "time.sleep(3600)",
    "spins": "while True:\n            pass",
    "allocates": "hoard = []\n        while True:\n            hoard.append(bytearray(64 << 20))",
}
STUCK_TEMPLATE = """
import time
from leaky_gate import LeakyGateAdapter

class StuckAdapter(LeakyGateAdapter):
    def items(self, path, context):
        {body}
        yield from ()
"""


def vendor(folder: Path, module: str, source: str, class_name: str) -> Path:
    """A copy of the leaky-gate vendor whose manifest names the adapter `module:class_name`."""
    shutil.copytree(LEAKY, folder)
    (folder / "adapter" / f"{module}.py").write_text(source)
    manifest = folder / "ccstd-vendor.toml"
    text = manifest.read_text().replace("leaky_gate:LeakyGateAdapter", f"{module}:{class_name}")
    manifest.write_text(text)
    return manifest


def key_pair(folder: Path) -> tuple[Path, Path]:
    """A certifying body's key pair made by `ccstd certify keygen`."""
    run = ccstd("certify", "keygen", "--out", folder)
    assert run.exit_code == 0, run.stderr
    return folder / "certify-signing.pem", folder / "certify-signing.pub.pem"


def findings(report: Path) -> list[dict[str, object]]:
    document = orjson.loads((report / "report.json").read_bytes())
    listed: list[dict[str, object]] = document["findings"]
    return listed


def key_body(private: Path) -> str:
    """The base64 body of the PEM key: what theft would copy."""
    return "".join(private.read_text().splitlines()[1:-1])


def leaked_anywhere(secret: str, *folders: Path) -> list[Path]:
    files = [p for f in folders for p in f.rglob("*") if p.is_file()]
    return [p for p in files if secret in p.read_text(errors="replace")]


@pytest.fixture
def workplace() -> Iterator[Path]:
    """A folder under /tmp that another user may be given (pytest's own is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="ccstd-hostile-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def certify_hostile(workplace: Path, launcher: tuple[str, ...] | None = None) -> Run:
    """Certify the hostile adapter with a signing key; check the true verdict and no theft."""
    manifest = vendor(workplace / "vendor", "hostile", HOSTILE_ADAPTER, "HostileAdapter")
    keys = workplace / "keys"
    keys.mkdir()
    private, _ = key_pair(keys)
    out = workplace / "out"
    if launcher is not None:
        _give(workplace, 4242)
    before = tree(workplace / "vendor")
    env = {"CCSTD_TEST_VENDOR_DIR": str(manifest.parent)}
    args = ("certify", "run", manifest, "--out", out, "--signing-key", private)
    run = ccstd(*args, env=env, timeout=120, launcher=launcher or ("-m", "ccstd.cli"))
    assert not run.traceback, run.stderr
    assert run.exit_code == 1, (run.stdout, run.stderr)  # the true verdict: ID numbers leak
    assert not (out / "certificate.json").exists()
    report = orjson.loads((out / "report.json").read_bytes())
    assert report["verdict"] == "fail"
    codes = {f["code"] for f in report["findings"]}
    assert "raw-identifier-leak" in codes
    probe = next(f["message"] for f in report["findings"] if "probe-pems" in f["message"])
    assert "-read-0-wrote-0-sockets-0" in probe, probe  # no key read, nothing written, no socket
    assert tree(workplace / "vendor") == before  # the vendor's folder is untouched
    assert not leaked_anywhere(key_body(private), out, workplace / "vendor")
    return run


def test_a_hostile_adapter_gets_no_key_and_no_say_in_the_verdict(workplace: Path) -> None:
    certify_hostile(workplace)


def _reachable_by_others(path: Path) -> bool:
    """Whether another user may walk down to `path` (each folder on the way searchable by all)."""
    return all(folder.stat().st_mode & 0o001 for folder in (path, *path.parents))


@pytest.mark.skipif(os.geteuid() != 0, reason="starting ccstd as another user needs root")
@pytest.mark.skipif(
    not _reachable_by_others(REPO_ROOT),
    reason="the checkout sits in a folder other users cannot enter (e.g. a 0700 mktemp -d)",
)
def test_the_same_holds_when_ccstd_runs_as_an_unprivileged_user(workplace: Path) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="ccstd-launch-"))
    launcher = ("-I", "-c", _LAUNCH_AS_USER, "4242", str(scratch))
    try:
        certify_hostile(workplace, launcher)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@proves("adapter-timeout", "adapter-resource-limit")
@pytest.mark.parametrize("behaviour", sorted(STUCK_ADAPTERS))
def test_a_stuck_or_runaway_adapter_costs_a_finding(tmp_path: Path, behaviour: str) -> None:
    source = STUCK_TEMPLATE.format(body=STUCK_ADAPTERS[behaviour])
    manifest = vendor(tmp_path / "vendor", "stuck", source, "StuckAdapter")
    out = tmp_path / "out"
    limits = ("--adapter-timeout", "4", "--adapter-memory", "768")
    run = ccstd("certify", "run", manifest, "--out", out, *limits, timeout=60)
    assert not run.traceback, run.stderr
    assert run.exit_code == 1, run.stderr
    assert run.seconds < 30
    codes = {f["code"] for f in findings(out)}
    expected = {
        "allocates": {"adapter-resource-limit"},
        "sleeps": {"adapter-timeout"},
        "forks": {"adapter-crashed"},  # fork fails inside the child: items() raises
        "garbles": {"adapter-crashed"},  # a frame larger than any message: protocol broken
    }
    wanted = expected.get(behaviour, {"adapter-timeout", "adapter-resource-limit"})
    assert codes & wanted, codes


def test_a_signing_key_readable_by_others_is_refused_before_vendor_code_runs(
    tmp_path: Path,
) -> None:
    manifest = vendor(tmp_path / "vendor", "hostile", HOSTILE_ADAPTER, "HostileAdapter")
    private, _ = key_pair(tmp_path)
    private.chmod(0o644)
    run = ccstd("certify", "run", manifest, "--out", tmp_path / "out", "--signing-key", private)
    run.assert_clean_failure(2)
    assert "readable by others" in run.stderr
    assert not (tmp_path / "out").exists()


def test_the_certificate_names_the_vendor_code_that_ran(tmp_path: Path) -> None:
    manifest = vendor(tmp_path / "vendor", "leaky_gate", LEAKY_CODE, "LeakyGateAdapter")
    (manifest.parent / "adapter" / "mapping.yaml").write_text("gate: device\n")
    out = tmp_path / "out"
    manifest.write_text(manifest.read_text().replace('level = "adapter"', 'level = "schema"'))
    run = ccstd("certify", "run", manifest, "--out", out)
    assert run.exit_code == 0, run.stderr
    report = orjson.loads((out / "report.json").read_bytes())
    vendor_code = report["adapter"]["vendorCode"]
    assert vendor_code["ran"] is True and len(vendor_code["folderSha256"]) == 64
    assert vendor_code["isolation"]["user"] in ("nobody", "same")
    roles = {i["path"]: i["role"] for i in report["inputs"]}
    assert roles["adapter/mapping.yaml"] == "adapter-code"  # every file, not only *.py
    statement = orjson.loads((out / "certificate.json").read_bytes())["certificate"]
    assert statement["vendorCode"] == vendor_code  # signed with the rest


def _give(folder: Path, uid: int) -> None:
    for path in (folder, *folder.rglob("*")):
        os.chown(path, uid, uid, follow_symlinks=False)


_LAUNCH_AS_USER = """
import sys
from pathlib import Path
from ccstd.conformance import confine
uid, scratch = int(sys.argv[1]), Path(sys.argv[2])
confine.drop_to(uid, uid, confine.readable_roots(), scratch)
sys.argv = ["ccstd", *sys.argv[3:]]
from ccstd.cli.app import main
main()
"""


@given(st.recursive(_JSON_LEAVES, _json_children, max_leaves=30))
@settings(max_examples=300, deadline=None)
def test_whatever_the_child_sends_as_an_outcome_is_one_outcome(data: object) -> None:
    outcome = sandbox_protocol.decode_outcome(data)
    assert isinstance(outcome, Converted | Skipped | Rejected)
    if isinstance(outcome, Converted):
        assert all(isinstance(r, dict) and isinstance(r["type"], str) for r in outcome.records)


@given(st.dictionaries(st.sampled_from(_ITEM_KEYS), st.recursive(_JSON_LEAVES, _json_children)))
@settings(max_examples=300, deadline=None)
def test_a_malformed_item_message_is_a_protocol_error_never_a_crash(
    message: dict[str, object],
) -> None:
    try:
        item, _ = sandbox_protocol.decode_item(Path("source.csv"), message)
    except sandbox_protocol.AdapterCrashError:
        return
    assert item.file == "source.csv"
    assert isinstance(item.raw, bytes) and isinstance(item.locator, str)


def test_folders_left_by_a_killed_run_are_removed_by_the_next(tmp_path: Path) -> None:
    stale = Path(tempfile.gettempdir()) / "ccstd-sandbox-4194303-stale"  # above any pid_max
    stale.mkdir(exist_ok=True)
    (stale / "source.csv").write_text("time,gate\n")
    fresh = sandbox.private_folder("sandbox")
    try:
        assert not stale.exists()
        assert fresh.name.startswith(f"ccstd-sandbox-{os.getpid()}-")
        assert fresh.stat().st_mode & 0o077 == 0
    finally:
        shutil.rmtree(fresh)


def test_reports_never_overwrite_what_they_certify(tmp_path: Path) -> None:
    manifest = vendor(tmp_path / "vendor", "leaky_gate", LEAKY_CODE, "LeakyGateAdapter")
    records = manifest.parent / "records"
    (records / "devices.ndjson").rename(records / "report.json")
    manifest.write_text(manifest.read_text().replace("devices.ndjson", "report.json"))
    before = tree(manifest.parent)
    run = ccstd("certify", "run", manifest, "--out", records)
    run.assert_clean_failure(2)
    assert "report.json" in run.stderr and "refusing to overwrite" in run.stderr
    assert tree(manifest.parent) == before


STARTUP_FAILURES = {  # adapter module source → the finding it must cost
    "exits-on-import": ("import os\nos._exit(3)\n", "adapter-unavailable"),
    "sleeps-on-import": ("import time\ntime.sleep(3600)\n", "adapter-timeout"),
    "bad-metadata": (
        "from leaky_gate import LeakyGateAdapter\n"
        "class Broken(LeakyGateAdapter):\n    version = 123\n",
        "adapter-unavailable",
    ),
}


@pytest.mark.parametrize("case", sorted(STARTUP_FAILURES))
def test_an_adapter_that_fails_to_start_costs_a_finding(tmp_path: Path, case: str) -> None:
    source, code = STARTUP_FAILURES[case]
    manifest = vendor(tmp_path / "vendor", "broken", source, "Broken")
    out = tmp_path / "out"
    run = ccstd("certify", "run", manifest, "--out", out, "--adapter-timeout", "4", timeout=60)
    assert not run.traceback, run.stderr
    assert run.exit_code == 1
    assert code in {f["code"] for f in findings(out)}


ESCAPES = r"""
import os, tempfile
from pathlib import Path
from leaky_gate import LeakyGateAdapter
from ccstd.adapters.base import Rejected

class Escaper(LeakyGateAdapter):
    def convert(self, item, context):
        if item.line != 2:
            return super().convert(item, context)
        source = Path(item.file)
        done = []
        attempts = {
            "rename-staging": lambda: os.rename(source.parents[1], source.parents[2] / "x"),
            "link-staging": lambda: os.symlink("/tmp", source.parents[1] / "99"),
            "write-scratch": lambda: Path(source.parents[2], "junk").write_bytes(b"x" * 1024),
            "write-tmp": lambda: tempfile.mkstemp(),
            "write-home": lambda: Path(os.environ.get("HOME", "/"), "junk").write_bytes(b"x"),
        }
        for name, attempt in attempts.items():
            try:
                attempt()
                done.append(name)
            except OSError:
                pass
        return Rejected("escaped-" + ("-".join(done) or "nothing"), "probe")
"""


def test_the_adapter_can_change_nothing_the_parent_reads_or_writes(tmp_path: Path) -> None:
    manifest = vendor(tmp_path / "vendor", "escaper", ESCAPES, "Escaper")
    out = tmp_path / "out"
    run = ccstd("certify", "run", manifest, "--out", out)
    assert not run.traceback, run.stderr
    messages = " ".join(str(f["message"]) for f in findings(out))
    assert "escaped-nothing" in messages, messages


def test_reason_codes_from_vendor_code_are_bounded(tmp_path: Path) -> None:
    source = (
        "from leaky_gate import LeakyGateAdapter\nfrom ccstd.adapters.base import Rejected\n"
        "class Chatty(LeakyGateAdapter):\n"
        "    def convert(self, item, context):\n"
        "        return Rejected(f'reason-{item.line}' if item.line % 2 else 'Bad Reason!' * 99,"
        " 'm' * 100_000)\n"
    )
    manifest = vendor(tmp_path / "vendor", "chatty", source, "Chatty")
    sources = manifest.parent / "sources" / "gate-events.csv"
    rows = sources.read_text().splitlines()
    sources.write_text("\n".join([rows[0], *(rows[1:] * 10)]) + "\n")  # 600 rows
    out = tmp_path / "out"
    run = ccstd("certify", "run", manifest, "--out", out)
    assert not run.traceback, run.stderr
    rejected = next(f for f in findings(out) if f["code"] == "sample-items-rejected")
    reasons = str(rejected["message"]).split(": ", 1)[1].split(", ")
    assert len(reasons) <= 101 and "malformed-reason 300" in reasons
    assert any(r.startswith("other-reason ") for r in reasons)


@pytest.mark.parametrize("odd", ["fifo", "sparse", "file-as-folder"])
def test_an_odd_adapter_folder_is_one_line_and_no_hang(tmp_path: Path, odd: str) -> None:
    manifest = vendor(tmp_path / "vendor", "leaky_gate", LEAKY_CODE, "LeakyGateAdapter")
    folder = manifest.parent / "adapter"
    if odd == "fifo":
        os.mkfifo(folder / "pipe")
    elif odd == "sparse":
        with (folder / "huge.bin").open("wb") as handle:
            handle.truncate(8 << 30)
    else:
        shutil.rmtree(folder)
        folder.write_text("not a folder")
    run = ccstd("certify", "run", manifest, "--out", tmp_path / "out", timeout=30)
    assert not run.traceback, run.stderr
    assert run.exit_code in (1, 2)
    assert run.peak_mib < 400


def test_a_vendor_supplied_report_folder_link_is_refused(tmp_path: Path) -> None:
    manifest = vendor(tmp_path / "vendor", "leaky_gate", LEAKY_CODE, "LeakyGateAdapter")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (manifest.parent / "certify-report").symlink_to(elsewhere)
    run = ccstd("certify", "run", manifest)
    run.assert_clean_failure(2)
    assert not any(elsewhere.iterdir())


def test_a_golden_file_of_odd_json_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    manifest = vendor(tmp_path / "vendor", "leaky_gate", LEAKY_CODE, "LeakyGateAdapter")
    (manifest.parent / "golden.ndjson").write_text('{"meta": 5}\n[1]\n"text"\n')
    text = manifest.read_text().replace("sources = [", 'golden = "golden.ndjson"\nsources = [')
    manifest.write_text(text)
    run = ccstd("certify", "run", manifest, "--out", tmp_path / "out")
    assert not run.traceback, run.stderr
    assert run.exit_code == 1
