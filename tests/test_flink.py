"""The batch pipeline on Apache Flink gives the same events as on the DirectRunner.

The project's environment (this pytest) runs Beam BEAM_VERSION; Flink runs with Beam
FLINK_BEAM_VERSION, the release of the job server (deploy/versions.env). So every Flink run is
``python -m pipelines.run`` started with the Flink venv's interpreter (deploy/local/flink_venv.sh),
whose LOOPBACK workers and whose cluster worker pool run that release too, and is compared with
a DirectRunner run of this environment (event ids and the run summary):
  * embedded Flink inside the job server (``--flink_master=[local]``), LOOPBACK workers;
  * the local session cluster of deploy/local/flink.sh, Python workers from its worker pool
    (EXTERNAL), the job server submitting to the cluster;
  * the same cluster with ``--flink_submit_uber_jar``, as the Kubernetes submission Job does.
The job-server jar comes from deploy/local/job_server.sh (built once from Maven Central, then
cached). The session cluster is used when one already answers, else started for the session
and stopped after it. Without Java or Maven the tests are skipped, except in CI (CI=true),
where anything missing fails them.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
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


def _run(python: str, args: list[str], out: Path) -> dict[str, int]:
    """Run the pipeline with ``python`` in a child process; return its printed run summary."""
    cmd = [python, "-m", "pipelines.run", f"--input={ROOT / 'seeds'}/", *args]
    cmd.append(f"--output_dir={out}")
    proc = subprocess.run(cmd, cwd=out.parent, capture_output=True, text=True, timeout=RUN_TIMEOUT)
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


def _script(*args: str) -> str:
    """Run a deploy/local script; its last stdout line."""
    proc = subprocess.run(
        [str(LOCAL / args[0]), *args[1:]], capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def flink_tools() -> None:
    """Java and Maven on PATH: skipped without them on a developer's machine, failed in CI."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        message = f"Flink tests need {', '.join(missing)} on PATH"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def flink_python(flink_tools) -> str:
    """The interpreter of the Flink venv (apache-beam FLINK_BEAM_VERSION)."""
    return _script("flink_venv.sh")


@pytest.fixture(scope="session")
def job_server_jar(flink_tools) -> str:
    jar = _script("job_server.sh")
    assert Path(jar).name == f"beam-runners-flink-{FLINK_MINOR}-job-server-{FLINK_BEAM_VERSION}.jar"
    return jar


# The DirectRunner run, once per session although test_flink_kafka.py registers the fixture too.
_direct_runs: list[tuple[dict[str, int], list[str]]] = []


@pytest.fixture(scope="session")
def direct(tmp_path_factory) -> tuple[dict[str, int], list[str]]:
    """A DirectRunner run on seeds/ in this environment: its summary and event ids."""
    if not _direct_runs:
        out = tmp_path_factory.mktemp("direct") / "out"
        summary = _run(sys.executable, ["--runner=DirectRunner"], out)
        ids = _event_ids(out)
        assert ids, "the DirectRunner run wrote no events: nothing to compare"
        assert summary["events written"] == len(ids)
        _direct_runs.append((summary, ids))
    return _direct_runs[0]


@pytest.fixture(scope="session")
def session_cluster(flink_python):
    """A Flink session cluster with a worker pool on localhost (started here if none runs)."""
    started = _flink_version() is None
    # Also when the cluster runs: start checks that the worker pool runs the Flink venv.
    _script("flink.sh", "start")
    assert _flink_version() == FLINK_VERSION
    yield f"localhost:{REST_PORT}"
    if started:
        _script("flink.sh", "stop")


def flink_args(jar: str, master: str) -> list[str]:
    """The options every Flink run of these tests shares."""
    return [
        "--runner=FlinkRunner",
        f"--flink_master={master}",
        f"--flink_version={FLINK_MINOR}",
        f"--flink_job_server_jar={jar}",
    ]


def _assert_same_as_direct(direct, summary: dict[str, int], out: Path) -> None:
    direct_summary, direct_ids = direct
    assert _event_ids(out) == direct_ids
    assert summary == direct_summary


def test_flink_venv_runs_the_job_servers_beam_release(flink_python):
    code = (
        "import apache_beam, pipelines\n"
        "from apache_beam.options.pipeline_options import FlinkRunnerOptions as F\n"
        "print(apache_beam.__version__, *F.PUBLISHED_FLINK_VERSIONS)"
    )
    proc = subprocess.run([flink_python, "-c", code], capture_output=True, text=True, check=True)
    beam, *flink_minors = proc.stdout.split()
    assert beam == FLINK_BEAM_VERSION
    assert FLINK_MINOR in flink_minors


def test_embedded_flink_matches_direct_runner(flink_python, job_server_jar, direct, tmp_path):
    out = tmp_path / "out"
    summary = _run(flink_python, flink_args(job_server_jar, "[local]"), out)
    _assert_same_as_direct(direct, summary, out)


def test_session_cluster_with_worker_pool_matches_direct_runner(
    flink_python, job_server_jar, session_cluster, direct, tmp_path
):
    out = tmp_path / "out"
    args = [
        *flink_args(job_server_jar, session_cluster),
        "--environment_type=EXTERNAL",
        f"--environment_config=localhost:{POOL_PORT}",
        "--parallelism=2",
    ]
    summary = _run(flink_python, args, out)
    _assert_same_as_direct(direct, summary, out)


def test_uber_jar_submission_to_session_cluster_matches_direct_runner(
    flink_python, job_server_jar, session_cluster, direct, tmp_path
):
    out = tmp_path / "out"
    args = [
        *flink_args(job_server_jar, session_cluster),
        "--flink_submit_uber_jar",
        "--environment_type=EXTERNAL",
        f"--environment_config=localhost:{POOL_PORT}",
    ]
    summary = _run(flink_python, args, out)
    _assert_same_as_direct(direct, summary, out)
