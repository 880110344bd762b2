"""Faults under a streaming job on the local Flink session cluster, against a real broker.

One streaming job (``--checkpointing_interval=5000``, Python workers from the cluster's worker
pool) reads articles sent in four batches, one batch flowing into the job around each fault:

1. the TaskManager is killed with SIGKILL (and started again): Flink restarts the job from
   its last completed checkpoint;
2. the worker pool's SDK harness (the Python process running the job's code) is killed with
   SIGKILL: the job restarts from a checkpoint again, on a new harness;
3. the job is stopped with a savepoint, and a new job is started from that savepoint.

Throughout, the consumer group's committed offsets never pass an article whose outputs are
not all on the output topics. At the end every input message ends in exactly one of events
(with articles), duplicates or dead letters, and the events, after de-duplication by id, are
those of a DirectRunner batch run over the same articles. The test prints its figures.
Uses the broker of test_faults_kafka.py (port $FAULTS_KAFKA_PORT) and the Flink fixtures of
conftest.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
import test_faults_kafka
from flink_helpers import LOCAL, REST_URL, streaming_job
from kafka import KafkaProducer
from stories import make_article
from test_faults_kafka import (
    ARTICLES,
    BOOTSTRAP,
    KINDS,
    Reader,
    Topics,
    account,
    committed,
    committed_articles,
    covered,
)
from test_flink_kafka import REST_TIMEOUT, _rest, _stop_with_savepoint

from pipelines import flink_rest

pytestmark = [pytest.mark.flink, pytest.mark.faults, pytest.mark.kafka]

broker = test_faults_kafka.broker
reference = test_faults_kafka.reference

BATCHES = 4
SEND_INTERVAL = 0.5
# From submission (or a fault) until the batch's articles all have events: job server,
# deployment or restart, the SDK harness and its spaCy load on a loaded 2-core machine.
COVER_TIMEOUT = 420
COMMIT_TIMEOUT = 90


def _send(topic: str, numbers: range) -> threading.Thread:
    """Send articles ``numbers`` (article n to partition n % 2), one every SEND_INTERVAL,
    in a thread: the batch flows while the test injects its fault."""

    def run() -> None:
        producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all", linger_ms=0)
        try:
            for n in numbers:
                value = json.dumps(make_article(n)).encode()
                producer.send(topic, value=value, partition=n % 2).get(timeout=30)
                time.sleep(SEND_INTERVAL)
        finally:
            producer.close(timeout=10)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _pids() -> dict[str, str]:
    """The local cluster's TaskManager and worker-pool pids (deploy/local/flink.sh pids)."""
    out = subprocess.run(
        [str(LOCAL / "flink.sh"), "pids"], capture_output=True, text=True, check=True
    ).stdout
    return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)


class FlinkJob:
    """The submitting process of one streaming job, in a session of its own."""

    def __init__(self, cmd: list[str], name: str, log: Path) -> None:
        self.name = name
        self.log = log
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(
                cmd, cwd=log.parent, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def jid(self) -> str | None:
        return flink_rest.running_job(REST_URL, self.name, timeout=REST_TIMEOUT)

    def checkpoints(self) -> dict:
        return _rest(f"/jobs/{self.jid()}/checkpoints")

    def end(self) -> None:
        jid = self.jid()
        if jid:
            _rest(f"/jobs/{jid}", method="PATCH")  # cancel
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=60)


class Watch:
    """Polls the output topics; checks at every poll that the committed offsets pass no
    article whose outputs are not all written (its article record is written last)."""

    def __init__(self, topics: Topics, group: str) -> None:
        self.topics = topics
        self.group = group
        self.readers = {name: Reader(topic, KINDS[name]) for name, topic in topics.outputs.items()}
        self.commit_checks = 0

    def poll(self) -> None:
        # Committed offsets first: whatever they cover must already be on the topics.
        done = committed_articles(self.topics.input, self.group)
        for reader in self.readers.values():
            reader.drain()
        written = {a["article_id"] for a in self.readers["articles"].records}
        assert done <= written, f"offsets committed past unwritten articles: {done - written}"
        self.commit_checks += 1

    def until_covered(self, count: int, job: FlinkJob, what: str) -> float:
        """Seconds until ``count`` articles have events."""
        began = time.monotonic()
        while len(covered(self.readers["events"].records)) < count:
            assert job.alive(), f"the submitter ended while waiting for {what}:\n{job.tail()}"
            assert time.monotonic() - began < COVER_TIMEOUT, f"no {what}:\n{job.tail()}"
            time.sleep(1)
            self.poll()
        return time.monotonic() - began


def _wait_restored(job: FlinkJob, restores: int) -> None:
    deadline = time.monotonic() + COVER_TIMEOUT
    while job.checkpoints()["counts"]["restored"] < restores:
        assert time.monotonic() < deadline, f"the job was not restored:\n{job.tail()}"
        time.sleep(1)


def test_job_recovers_from_taskmanager_and_worker_kills_and_a_savepoint(
    broker, reference, flink_python, job_server_jar, session_cluster, tmp_path
):
    topics = Topics("flink")
    group = f"faults-flink-{uuid.uuid4().hex[:6]}"
    name = f"faults-{group}"
    cmd = [
        *streaming_job(flink_python, job_server_jar, session_cluster, name, 1),
        *topics.job_args(group),
    ]
    size = ARTICLES // BATCHES
    batch = [range(i * size, (i + 1) * size) for i in range(BATCHES)]
    watch = Watch(topics, group)
    figures: dict[str, float] = {}
    job = FlinkJob(cmd, name, tmp_path / "job.log")
    restored = None
    try:
        _send(topics.input, batch[0]).join()
        figures["first_batch_s"] = watch.until_covered(size, job, "the first batch's events")

        # 1. SIGKILL the TaskManager while the second batch flows; start another one.
        sender = _send(topics.input, batch[1])
        time.sleep(2)
        os.kill(int(_pids()["taskmanager"]), signal.SIGKILL)
        subprocess.run([str(LOCAL / "flink.sh"), "start"], check=True, capture_output=True)
        _wait_restored(job, 1)
        sender.join()
        figures["after_taskmanager_kill_s"] = watch.until_covered(2 * size, job, "events")

        # 2. SIGKILL the SDK harness (the worker pool's child) while the third batch flows.
        sender = _send(topics.input, batch[2])
        time.sleep(2)
        pool = _pids()["worker_pool"]
        harnesses = subprocess.run(["pgrep", "-P", pool], capture_output=True, text=True)
        assert harnesses.stdout.split(), "no SDK harness runs under the worker pool"
        for pid in harnesses.stdout.split():
            os.kill(int(pid), signal.SIGKILL)
        _wait_restored(job, 2)
        sender.join()
        figures["after_harness_kill_s"] = watch.until_covered(3 * size, job, "events")

        # 3. Stop with a savepoint, send the last batch, start a new job from the savepoint.
        savepoint = _stop_with_savepoint(job.jid(), f"file://{tmp_path}/savepoints")
        assert job.proc.wait(timeout=120) == 0, job.tail()
        _send(topics.input, batch[3]).join()
        restored = FlinkJob([*cmd, f"--savepoint_path={savepoint}"], name, tmp_path / "job2.log")
        figures["after_savepoint_s"] = watch.until_covered(ARTICLES, restored, "all events")
        latest = restored.checkpoints()["latest"]["restored"]
        assert latest["is_savepoint"], latest
        assert savepoint.rstrip("/").rsplit("/", 1)[-1] in latest["external_path"], latest
        deadline = time.monotonic() + COMMIT_TIMEOUT
        while committed(topics.input, group) < ARTICLES and time.monotonic() < deadline:
            watch.poll()
            time.sleep(1)
        assert committed(topics.input, group) == ARTICLES
    finally:
        job.end()
        if restored:
            restored.end()
    figures.update(account(topics, watch.readers, reference))
    for reader in watch.readers.values():
        reader.close()
    print(f"\n{watch.commit_checks} commit checks; figures:", figures)
