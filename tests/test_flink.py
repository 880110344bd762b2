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
where anything missing fails them. The fixtures are in conftest.py, their helpers in
flink_helpers.py.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from flink_helpers import (
    FLINK_BEAM_VERSION,
    FLINK_MINOR,
    WORKER_POOL_ARGS,
    event_ids,
    flink_args,
    run_pipeline,
)

pytestmark = pytest.mark.flink


def _assert_same_as_direct(direct, summary: dict[str, int], out: Path) -> None:
    direct_summary, direct_ids = direct
    assert event_ids(out) == direct_ids
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
    summary = run_pipeline(flink_python, flink_args(job_server_jar, "[local]"), out)
    _assert_same_as_direct(direct, summary, out)


def test_session_cluster_with_worker_pool_matches_direct_runner(
    flink_python, job_server_jar, session_cluster, direct, tmp_path
):
    out = tmp_path / "out"
    args = [
        *flink_args(job_server_jar, session_cluster),
        *WORKER_POOL_ARGS,
        "--parallelism=2",
    ]
    summary = run_pipeline(flink_python, args, out)
    _assert_same_as_direct(direct, summary, out)


def test_uber_jar_submission_to_session_cluster_matches_direct_runner(
    flink_python, job_server_jar, session_cluster, direct, tmp_path
):
    out = tmp_path / "out"
    args = [
        *flink_args(job_server_jar, session_cluster),
        "--flink_submit_uber_jar",
        *WORKER_POOL_ARGS,
    ]
    summary = run_pipeline(flink_python, args, out)
    _assert_same_as_direct(direct, summary, out)
