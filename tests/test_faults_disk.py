"""Disk and sink faults: a run whose output cannot be written fails at start, saying why.

Tests run as root, for whom permission bits do not block writes, so the faults are ones root
cannot write through either: an output path below a regular file, a process file-size limit
of 64 KiB (a nearly full disk, as the writer sees it: EFBIG instead of ENOSPC), and Kafka
sinks whose broker does not answer. Each run is a child ``python -m pipelines.run`` and must end
with exit status 2 and a clear message before any pipeline work starts.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parent.parent
STARTED = "starting the pipeline"


def run_cli(args: list[str], file_size_limit: int | None = None) -> tuple[int, str, float]:
    """(exit status, stderr, seconds) of ``python -m pipelines.run`` on the seeds."""

    def limit() -> None:
        if file_size_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    began = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.run", f"--input={ROOT / 'seeds'}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=limit,
    )
    seconds = time.monotonic() - began
    print(f"exit {proc.returncode} after {seconds:.1f} s: {proc.stderr.strip().splitlines()[-1]}")
    return proc.returncode, proc.stderr, seconds


def test_output_below_a_regular_file_fails_at_start(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, err, _ = run_cli([f"--output_dir={blocker}/out"])
    assert code == 2
    assert f"error: output folder '{blocker}/out' is not writable" in err
    assert "Not a directory" in err and STARTED not in err


def test_a_full_disk_fails_at_start(tmp_path):
    code, err, _ = run_cli([f"--output_dir={tmp_path}/out"], file_size_limit=64 << 10)
    assert code == 2
    assert f"error: output folder '{tmp_path}/out' is not writable" in err
    assert "File too large" in err and STARTED not in err


def test_kafka_sinks_without_a_broker_fail_at_start(tmp_path):
    # Port 1 on loopback: nothing listens there, connections are refused at once.
    code, err, seconds = run_cli(
        [f"--output_dir={tmp_path}", "--kafka_bootstrap_servers=127.0.0.1:1", "--output_topic=ev"]
    )
    assert code == 2
    assert "error: no Kafka broker answers at 127.0.0.1:1" in err and STARTED not in err
    assert not list(tmp_path.glob("*.avro"))


def test_kafka_topics_without_brokers_fail_at_start(tmp_path):
    code, err, _ = run_cli([f"--output_dir={tmp_path}", "--dead_letter_topic=dead"])
    assert code == 2
    assert "error: Kafka topic options need --kafka_bootstrap_servers" in err
