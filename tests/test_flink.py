"""The batch pipeline on Apache Flink gives the same events as on the DirectRunner.

Three Flink runs of ``python -m pipelines.run`` on seeds/, each compared with a DirectRunner
run (event ids and the run summary):
  * embedded Flink inside the job server (``--flink_master=[local]``), LOOPBACK workers;
  * the local session cluster of deploy/local/flink.sh, Python workers from its worker pool
    (EXTERNAL), the job server submitting to the cluster;
  * the same cluster with ``--flink_submit_uber_jar``, as the Kubernetes submission Job does.
The job-server jar comes from deploy/local/job_server.sh (built once from Maven Central, then
cached). The session cluster is used when one already answers, else started for this module
and stopped after it.
"""

from __future__ import annotations

import glob
import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import fastavro
import pytest

pytestmark = pytest.mark.flink

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / "deploy" / "local"
REST_PORT = int(os.environ.get("FLINK_REST_PORT", "8081"))
POOL_PORT = int(os.environ.get("WORKER_POOL_PORT", "50000"))
OUTPUT_FLAG = "--output_dir"
RUN_TIMEOUT = 600


def _run(args: list[str], out: Path) -> dict[str, int]:
    """Run the pipeline in a child process; return its printed run summary."""
    cmd = [sys.executable, "-m", "pipelines.run", f"--input={ROOT / 'seeds'}/", *args]
    cmd.append(f"{OUTPUT_FLAG}={out}")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        cmd, cwd=out.parent, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT
    )
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stderr[-4000:]}"
    return _summary(proc.stdout)


def _summary(stdout: str) -> dict[str, int]:
    """The figures of the ``Run summary:`` block that pipelines.run prints."""
    block = stdout.split("Run summary:", 1)[1]
    rows = re.findall(r"^  ([a-z][a-z ]+?)\s+([\d,]+)$", block, re.M)
    assert rows, f"no run summary in:\n{stdout}"
    return {name: int(value.replace(",", "")) for name, value in rows}


def _event_ids(out: Path) -> list[str]:
    ids = []
    for path in sorted(glob.glob(str(out / "events-*.avro"))):
        with open(path, "rb") as f:
            ids.extend(record["event_id"] for record in fastavro.reader(f))
    return sorted(ids)


def _flink_version() -> str | None:
    """The version of the Flink cluster answering on REST_PORT, or None."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{REST_PORT}/config", timeout=2) as r:
            return json.load(r)["flink-version"]
    except OSError:
        return None


def _script(*args: str, **env: str) -> str:
    proc = subprocess.run(
        [str(LOCAL / args[0]), *args[1:]],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def job_server_jar() -> str:
    """The job-server jar for the pinned Beam version, which must be the installed one."""
    import apache_beam

    jar = _script("job_server.sh").strip().splitlines()[-1]
    assert jar.endswith(f"-job-server-{apache_beam.__version__}.jar"), (
        f"job server {jar} does not match the installed apache-beam {apache_beam.__version__}"
    )
    return jar


@pytest.fixture(scope="module")
def direct(tmp_path_factory) -> tuple[dict[str, int], list[str]]:
    out = tmp_path_factory.mktemp("direct") / "out"
    summary = _run(["--runner=DirectRunner"], out)
    ids = _event_ids(out)
    assert ids, "the DirectRunner run wrote no events: nothing to compare"
    assert summary["events written"] == len(ids)
    return summary, ids


@pytest.fixture(scope="module")
def session_cluster():
    """A Flink session cluster with a worker pool on localhost (started here if none runs)."""
    started = _flink_version() is None
    if started:
        _script("flink.sh", "start", PYTHON=sys.executable)
    versions = (ROOT / "deploy" / "versions.env").read_text(encoding="utf-8")
    expected = re.search(r"^FLINK_VERSION=(\S+)$", versions, re.M).group(1)
    assert _flink_version() == expected
    yield f"localhost:{REST_PORT}"
    if started:
        _script("flink.sh", "stop")


def _assert_same_as_direct(direct, summary: dict[str, int], out: Path) -> None:
    direct_summary, direct_ids = direct
    assert _event_ids(out) == direct_ids
    assert summary == direct_summary


def test_embedded_flink_matches_direct_runner(job_server_jar, direct, tmp_path):
    out = tmp_path / "out"
    args = ["--runner=FlinkRunner", "--flink_master=[local]"]
    summary = _run([*args, f"--flink_job_server_jar={job_server_jar}"], out)
    _assert_same_as_direct(direct, summary, out)


def test_session_cluster_with_worker_pool_matches_direct_runner(
    job_server_jar, session_cluster, direct, tmp_path
):
    out = tmp_path / "out"
    args = [
        "--runner=FlinkRunner",
        f"--flink_master={session_cluster}",
        "--environment_type=EXTERNAL",
        f"--environment_config=localhost:{POOL_PORT}",
        "--parallelism=2",
    ]
    summary = _run([*args, f"--flink_job_server_jar={job_server_jar}"], out)
    _assert_same_as_direct(direct, summary, out)


def test_uber_jar_submission_to_session_cluster_matches_direct_runner(
    job_server_jar, session_cluster, direct, tmp_path
):
    out = tmp_path / "out"
    args = [
        "--runner=FlinkRunner",
        f"--flink_master={session_cluster}",
        "--flink_submit_uber_jar",
        "--environment_type=EXTERNAL",
        f"--environment_config=localhost:{POOL_PORT}",
    ]
    summary = _run([*args, f"--flink_job_server_jar={job_server_jar}"], out)
    _assert_same_as_direct(direct, summary, out)
