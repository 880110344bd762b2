"""The streaming pipeline on the local Flink session cluster, between real Kafka topics.

Seed articles go into a topic; a streaming job (``--streaming``, Python workers from the
cluster's worker pool) turns them into Avro events on another topic; the test waits for the
events the DirectRunner file run gives, checks that the pipeline's ``news/articles_read``
counter on the TaskManager's Prometheus endpoint moved from below the number of messages
when the tasks started to every message read, then stops the job with a savepoint (Flink's
clean stop) and checks that the submitting process ends with success.
Needs the broker of deploy/local/kafka.sh; the cluster is used or started as in test_flink.py
(fixtures in conftest.py).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from flink_helpers import REST_URL, ROOT, streaming_job
from kafka_helpers import BOOTSTRAP, admin, create_topic, send
from progress_lines import read_counts
from stories import make_article

from pipelines import counting, flink_rest
from pipelines.consume import consume
from pipelines.produce import produce

pytestmark = [pytest.mark.flink, pytest.mark.kafka]

# From submission until every task runs: job server start, translation, upload, deployment,
# the SDK harness's start (minutes on the loaded 2-core machine).
RUNNING_TIMEOUT = 420
# From then to the first event: the source's first read, the worker's spaCy load.
FIRST_EVENT_TIMEOUT = 180
# From the first event to the last expected one.
ALL_EVENTS_TIMEOUT = 120
STOP_TIMEOUT = 120
COUNTER_TIMEOUT = 120
# The JobManager's REST API answers slowly when the machine is loaded.
REST_TIMEOUT = 60
# The parallelism test: synthetic articles over a topic of this many partitions.
PARTITIONS = 8
SPREAD = 40
# The Prometheus reporters of deploy/local/flink.sh (JobManager and TaskManager, either order).
_FIRST, _LAST = os.environ.get("FLINK_PROMETHEUS_PORTS", "9249-9250").split("-")
PROMETHEUS_PORTS = range(int(_FIRST), int(_LAST) + 1)


def _rest(path: str, body: dict | None = None, method: str | None = None) -> Any:
    return flink_rest.request(REST_URL, path, body, method, timeout=REST_TIMEOUT)


def _running_jobs(name: str) -> list[str]:
    """Ids of the running jobs called ``name`` (other jobs may share the cluster)."""
    jobs = _rest("/jobs/overview")["jobs"]
    return [j["jid"] for j in jobs if j["state"] == "RUNNING" and j["name"] == name]


def _progress(name: str) -> str:
    """Records read and written by each step of the job, to show where a stalled job stopped."""
    lines = []
    for job_id in _running_jobs(name):
        for vertex in _rest(f"/jobs/{job_id}")["vertices"]:
            m = vertex["metrics"]
            records = f"{m['read-records']:>6} in {m['write-records']:>6} out"
            lines.append(f"  {vertex['status']:<12} {records}  {vertex['name']}")
    return "\n".join(lines) or f"  no running job {name}"


def _stop_with_savepoint(job_id: str, target: str) -> str:
    """Stop the job with a savepoint; returns the savepoint's location."""
    trigger = _rest(f"/jobs/{job_id}/stop", {"targetDirectory": target, "drain": False})
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        status = _rest(f"/jobs/{job_id}/savepoints/{trigger['request-id']}")
        if status["status"]["id"] == "COMPLETED":
            operation = status["operation"]
            assert "failure-cause" not in operation, operation
            return operation["location"]
        time.sleep(1)
    raise AssertionError(f"job {job_id} did not stop within {STOP_TIMEOUT} s")


def _wait_running(submit: subprocess.Popen, name: str, log: Path) -> str:
    """The id of job ``name`` once every task of it runs (at most RUNNING_TIMEOUT)."""
    deadline = time.monotonic() + RUNNING_TIMEOUT
    while time.monotonic() < deadline:
        assert submit.poll() is None, f"the submitter exited:\n{log.read_text()[-4000:]}"
        for job_id in _running_jobs(name):
            if all(v["status"] == "RUNNING" for v in _rest(f"/jobs/{job_id}")["vertices"]):
                return job_id
        time.sleep(2)
    raise AssertionError(f"job {name} not running after {RUNNING_TIMEOUT} s:\n{_progress(name)}")


def _wait_for_events(
    submit: subprocess.Popen, name: str, topic: str, count: int, log: Path
) -> set[str]:
    """Event ids on ``topic`` once ``count`` arrived, or when the first did not come within
    FIRST_EVENT_TIMEOUT of the job running or the rest within ALL_EVENTS_TIMEOUT of the
    first."""
    _wait_running(submit, name, log)
    seen: set[str] = set()
    deadline = time.monotonic() + FIRST_EVENT_TIMEOUT
    while len(seen) < count and time.monotonic() < deadline:
        assert submit.poll() is None, f"the submitter exited:\n{log.read_text()[-4000:]}"
        time.sleep(2)
        first = not seen
        seen = _event_ids_in(topic)
        if first and seen:
            deadline = time.monotonic() + ALL_EVENTS_TIMEOUT
    return seen


def _prometheus_counter(job_name: str, counter: str) -> int:
    """The pipeline counter ``news/<counter>`` of the job, summed over the operators that
    report it, as the TaskManager's Prometheus reporter shows it (0 before it reports)."""
    metric = f"flink_taskmanager_job_task_operator_{counting.NAMESPACE}_{counter}"
    pattern = re.compile(rf"^{metric}{{(.*)}} (\S+)$", re.M)
    label = re.sub(r"[^a-zA-Z0-9:_]", "_", job_name)  # as the reporter writes label values
    total = 0.0
    for port in PROMETHEUS_PORTS:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                text = r.read().decode()
        except OSError:
            continue  # the range has a port for each process; one may be unused
        for labels, value in pattern.findall(text):
            if f'job_name="{label}"' in labels:
                total += float(value)
    return int(total)


def _wait_for_counter(job_name: str, counter: str, want: int) -> int:
    """The counter once it reaches ``want``, or its value after COUNTER_TIMEOUT."""
    deadline = time.monotonic() + COUNTER_TIMEOUT
    value = _prometheus_counter(job_name, counter)
    while value < want and time.monotonic() < deadline:
        time.sleep(2)
        value = _prometheus_counter(job_name, counter)
    return value


def _progress_read(log: Path, want: int) -> list[int]:
    """The ``N read`` of the job's progress lines once one shows ``want``, or those logged
    within COUNTER_TIMEOUT."""
    deadline = time.monotonic() + COUNTER_TIMEOUT
    while True:
        read = read_counts(log.read_text())
        if want in read or time.monotonic() > deadline:
            return read
        time.sleep(2)


def _event_ids_in(topic: str) -> set[str]:
    messages = list(consume(BOOTSTRAP, topic, idle_timeout=2))
    assert [m.error for m in messages if m.error] == []
    return {m.record["event_id"] for m in messages}


def _streaming_job(
    python: str, jar: str, cluster: str, name: str, topic: str, parallelism: int
) -> list[str]:
    """The command of a streaming job on the session cluster reading ``topic``."""
    return [
        *streaming_job(python, jar, cluster, name, parallelism),
        "--progress_interval=2",
        f"--kafka_bootstrap_servers={BOOTSTRAP}",
        f"--input_topic={topic}",
        f"--consumer_group=flink-{topic}",
        "--output_dir=",
    ]


def _read_by_subtask(job_id: str) -> tuple[str, list[int]]:
    """The task that counts articles read, and its ``news/articles_read`` per subtask."""
    for vertex, counters in flink_rest.task_counters(REST_URL, job_id, timeout=REST_TIMEOUT):
        if counting.READ in counters:
            return vertex["name"], counters[counting.READ]
    return "", []


@pytest.fixture(scope="module")
def kafka():
    client = admin()
    yield client
    client.close()


def test_streaming_job_on_flink_turns_kafka_articles_into_events(
    kafka, flink_python, session_cluster, direct, job_server_jar, tmp_path
):
    _, expected_ids = direct
    source = create_topic(kafka, "flink-articles", partitions=2)
    events = create_topic(kafka, "flink-events")
    dead = create_topic(kafka, "flink-dead")
    sent, _ = produce(BOOTSTRAP, source, [str(ROOT / "seeds")])
    job_name = f"test-{source}"
    cmd = _streaming_job(flink_python, job_server_jar, session_cluster, job_name, source, 1)
    cmd += [f"--output_topic={events}", f"--dead_letter_topic={dead}"]
    log_path = tmp_path / "submit.log"
    with open(log_path, "w") as log:
        # A session of its own, so that a failed test ends the submitter and its job server.
        submit = subprocess.Popen(cmd, cwd=tmp_path, stdout=log, stderr=log, start_new_session=True)
    try:
        _wait_running(submit, job_name, log_path)
        read_at_start = _prometheus_counter(job_name, "articles_read")
        seen = _wait_for_events(submit, job_name, events, len(expected_ids), log_path)
        assert sorted(seen) == expected_ids, (
            f"{len(seen)} of {len(expected_ids)} events; the job's steps:\n{_progress(job_name)}"
        )
        # The pipeline's counter on Flink's Prometheus endpoint moved during the run, from
        # below the messages sent when the tasks started to every message read.
        assert read_at_start < sent
        assert _wait_for_counter(job_name, "articles_read", sent) == sent
        # The submitter's progress lines (from Flink's REST API) count up to the same.
        read = _progress_read(log_path, sent)
        assert read and read == sorted(read) and read[-1] == sent, read
        (job_id,) = _running_jobs(job_name)
        savepoint = _stop_with_savepoint(job_id, f"file://{tmp_path}/savepoints")
        assert savepoint.startswith("file:")
        assert submit.wait(timeout=STOP_TIMEOUT) == 0, log_path.read_text()
    finally:
        if submit.poll() is None:
            os.killpg(submit.pid, signal.SIGKILL)
            submit.wait()
        for job_id in _running_jobs(job_name):
            _rest(f"/jobs/{job_id}", method="PATCH")  # cancel what a failed run left
    assert sorted(_event_ids_in(events)) == expected_ids


def test_partitions_spread_over_two_subtasks(
    kafka, flink_python, session_cluster, job_server_jar, tmp_path
):
    """Parallelism 2 on a topic of PARTITIONS partitions: both subtasks of the reading task
    read articles (Flink keys each partition's restriction; all of them on one subtask has a
    chance of 2 in 2**PARTITIONS)."""
    source = create_topic(kafka, "flink-parallel", partitions=PARTITIONS)
    send(source, [(n % PARTITIONS, json.dumps(make_article(n)).encode()) for n in range(SPREAD)])
    job_name = f"test-{source}"
    cmd = _streaming_job(flink_python, job_server_jar, session_cluster, job_name, source, 2)
    log_path = tmp_path / "submit.log"
    with open(log_path, "w") as log:
        submit = subprocess.Popen(cmd, cwd=tmp_path, stdout=log, stderr=log, start_new_session=True)
    try:
        job_id = _wait_running(submit, job_name, log_path)
        deadline = time.monotonic() + FIRST_EVENT_TIMEOUT + ALL_EVENTS_TIMEOUT
        task, by_subtask = "", []
        while sum(by_subtask) < SPREAD and time.monotonic() < deadline:
            assert submit.poll() is None, f"the submitter exited:\n{log_path.read_text()[-4000:]}"
            time.sleep(2)
            task, by_subtask = _read_by_subtask(job_id)
        print(f"\narticles read by subtask of {task[:60]}: {by_subtask}")
        assert "Read" in task and len(by_subtask) == 2, task
        assert sum(by_subtask) == SPREAD, f"{by_subtask}; the job's steps:\n{_progress(job_name)}"
        assert min(by_subtask) > 0, by_subtask
    finally:
        if submit.poll() is None:
            os.killpg(submit.pid, signal.SIGKILL)
            submit.wait()
        for job_id in _running_jobs(job_name):
            _rest(f"/jobs/{job_id}", method="PATCH")
