"""XML access-log benchmark: MB/s of `ccstd convert` against bare lxml iterparse on the same file
(target >= 0.25, issue 13), and peak RSS of the CLI as the log grows (target < 200 MB at 1 GB).

The conversion is the CLI's: records, rejects and the field ledger. The two are measured in
alternating rounds and the best of each kept, so that a machine shared with other work slows both
alike. The ceiling line is the ratio an engine would reach if converting cost nothing beyond
iterparse and what every output record needs (validation by the compiled plan, JSON encoding:
benchmarks/output_floor.py).

    python -m benchmarks.xml                 # 100 MB log, RSS at 10 MB and 100 MB
    python -m benchmarks.xml --size-mb 1000  # the 1 GB figure (takes a few minutes)
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree

from benchmarks.output_floor import output_seconds
from ccstd.adapters.access_xml import LegacyAccessLog
from ccstd.adapters.access_xml.engine import PARSER_OPTIONS
from ccstd.adapters.ledger import Ledger
from ccstd.adapters.privacy import Protector
from ccstd.adapters.runner import Outputs, convert_paths
from ccstd.standard.registry import StandardRegistry


def write_log(path: Path, size_mb: int) -> Path:
    """A legacy <AccessLog> of about `size_mb` MB (seeded)."""
    rng = random.Random(5)
    methods, results = ["CARD", "FACE", "QR"], ["OK", "OK", "OK", "E01", "E02"]
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<AccessLog site="bench">\n')
        n = 0
        while out.tell() < size_mb * 1_000_000:
            for _ in range(1000):
                n += 1
                out.write(
                    f'<Event id="{n}" time="2024-05-01 {n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}" '
                    f'controller="LY-{n % 8}" door="{n % 4}" reader="1"><Card>{rng.randrange(10**8):08d}</Card>'
                    f'<Person code="P{n % 5000:04d}"/><Result code="{rng.choice(results)}"/>'
                    f"<Method>{rng.choice(methods)}</Method><Direction>IN</Direction></Event>\n"
                )
        out.write("</AccessLog>\n")
    return path


ROUNDS = 3


def bare_iterparse(path: Path) -> float:
    """Seconds of lxml iterparse alone, clearing elements as it goes."""
    started = time.perf_counter()
    for _event, element in etree.iterparse(
        str(path), events=("end",), tag="Event", **PARSER_OPTIONS
    ):
        element.clear(keep_tail=False)
        while element.getprevious() is not None:
            del element.getparent()[0]
    return time.perf_counter() - started


def convert_seconds(path: Path, tmp: Path) -> float:
    """Seconds of the library conversion as the CLI runs it (records, rejects, ledger)."""
    adapter = LegacyAccessLog()
    protector = Protector(
        StandardRegistry().get(adapter.standard_version), b"3f9a1c7e5b2d8f40a6c1e9b7d3f5a2c8"
    )
    outputs = Outputs(tmp / "out.ndjson", tmp / "rejects.ndjson", tmp / "ledger.json")
    report = convert_paths(adapter, [path], outputs, protector, Ledger(adapter.coverage()))
    return report.seconds


def peak_rss_mib(path: Path, tmp: Path) -> float:
    """Peak RSS of `ccstd convert` on `path`, measured on the child process."""
    command = [sys.executable, "-m", "ccstd.cli", "convert", str(path), "--from", "xml-legacy-accesslog",
               "--out", str(tmp / "cli.ndjson"), "-q"]  # fmt: skip
    env = {**os.environ, "CCSTD_PSEUDONYM_KEY": "3f9a1c7e5b2d8f40a6c1e9b7d3f5a2c8"}
    process = subprocess.Popen(command, env=env)
    _pid, _status, usage = os.wait4(process.pid, 0)
    return usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mb", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        log = write_log(tmp / "log.xml", args.size_mb)
        # first, while this process is small: a child started from it counts its pages
        small = peak_rss_mib(write_log(tmp / "small.xml", max(1, args.size_mb // 10)), tmp)
        large = peak_rss_mib(log, tmp)
        bare, ours = float("inf"), float("inf")
        for _ in range(ROUNDS):
            bare = min(bare, bare_iterparse(log))
            ours = min(ours, convert_seconds(log, tmp))
        output = output_seconds(tmp / "out.ndjson")
        megabytes = log.stat().st_size / 1e6
    print(f"{'bare lxml iterparse':<34} {megabytes / bare:>8.1f} MB/s")
    print(f"{'ccstd convert (xml-legacy-accesslog)':<34} {megabytes / ours:>8.1f} MB/s   "
          f"ratio {bare / ours:.3f}  target >= 0.25")  # fmt: skip
    print(f"{'ceiling: iterparse + output alone':<34} {megabytes / (bare + output):>8.1f} MB/s   "
          f"ratio {bare / (bare + output):.3f}  (output validated, encoded)")  # fmt: skip
    print(f"{'peak RSS at ' + str(max(1, args.size_mb // 10)) + ' MB / ' + str(args.size_mb) + ' MB':<34} "
          f"{small:>8.0f} / {large:.0f} MiB   target < 200 MiB at 1 GB")  # fmt: skip


if __name__ == "__main__":
    main()
