"""Helpers of the Flink tests (tests/test_flink*.py) and of their fixtures in conftest.py: the
versions deploy/versions.env pins, the deploy/local scripts, pipeline runs and their outputs."""

from __future__ import annotations

import glob
import os
import re
import subprocess
from pathlib import Path

import fastavro

from pipelines import flink_rest

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / "deploy" / "local"
REST_PORT = int(os.environ.get("FLINK_REST_PORT", "8081"))
REST_URL = f"http://127.0.0.1:{REST_PORT}"
POOL_PORT = int(os.environ.get("WORKER_POOL_PORT", "50000"))
# Python workers from the session cluster's worker pool.
WORKER_POOL_ARGS = ("--environment_type=EXTERNAL", f"--environment_config=localhost:{POOL_PORT}")
RUN_TIMEOUT = 600
# What deploy/local/*.sh need besides Python: Java runs Flink and the job server, Maven
# assembles the job server.
TOOLS = ("java", "mvn")


def versions() -> dict[str, str]:
    """The KEY=VALUE pins of deploy/versions.env."""
    text = (ROOT / "deploy" / "versions.env").read_text(encoding="utf-8")
    return dict(re.findall(r"^([A-Z_]+)=(\S+)$", text, re.M))


FLINK_BEAM_VERSION = versions()["FLINK_BEAM_VERSION"]
FLINK_VERSION = versions()["FLINK_VERSION"]
FLINK_MINOR = FLINK_VERSION.rsplit(".", 1)[0]


def run_pipeline(python: str, args: list[str], out: Path) -> dict[str, int]:
    """Run the pipeline with ``python`` in a child process; return its printed run summary."""
    cmd = [python, "-m", "pipelines.run", f"--input={ROOT / 'seeds'}/", *args]
    cmd.append(f"--output_dir={out}")
    proc = subprocess.run(cmd, cwd=out.parent, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stderr[-4000:]}"
    return run_summary(proc.stdout)


def run_summary(stdout: str) -> dict[str, int]:
    """The figures of the ``Run summary:`` block that pipelines.run prints."""
    block = stdout.split("Run summary:", 1)[1]
    rows = re.findall(r"^  ([a-z][a-z ]+?)\s+([\d,]+)$", block, re.M)
    assert rows, f"no run summary in:\n{stdout}"
    return {name: int(value.replace(",", "")) for name, value in rows}


def event_ids(out: Path) -> list[str]:
    ids = []
    for path in sorted(glob.glob(str(out / "events-*.avro"))):
        with open(path, "rb") as f:
            ids.extend(record["event_id"] for record in fastavro.reader(f))
    return sorted(ids)


def cluster_version() -> str | None:
    """The version of the Flink cluster answering on REST_PORT, or None."""
    try:
        return flink_rest.request(REST_URL, "/config", timeout=2)["flink-version"]
    except OSError:
        return None


def local_script(*args: str) -> str:
    """Run a deploy/local script; its last stdout line."""
    proc = subprocess.run(
        [str(LOCAL / args[0]), *args[1:]], capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout.strip().splitlines()[-1]


def flink_args(jar: str, master: str) -> list[str]:
    """The options every Flink run of these tests shares."""
    return [
        "--runner=FlinkRunner",
        f"--flink_master={master}",
        f"--flink_version={FLINK_MINOR}",
        f"--flink_job_server_jar={jar}",
    ]


def streaming_job(python: str, jar: str, cluster: str, name: str, parallelism: int) -> list[str]:
    """The command of a streaming job ``name`` on the session cluster, Python workers from its
    pool, a checkpoint every 5 s; the arguments of its input and outputs follow."""
    return [
        python,
        "-m",
        "pipelines.run",
        *flink_args(jar, cluster),
        *WORKER_POOL_ARGS,
        f"--job_name={name}",
        "--streaming",
        f"--parallelism={parallelism}",
        # Often a checkpoint then falls inside the only bundle of the source's first steps,
        # which stalled the job before --finish_bundle_before_checkpointing (on by default).
        "--checkpointing_interval=5000",
    ]
