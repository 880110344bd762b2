"""Broker and job faults under a running streaming job, against a real Kafka broker.

A streaming job (``python -m pipelines.run --streaming``, on Prism) reads articles that a
producer keeps sending, one every half second, and writes events, kept articles, duplicates
and dead letters to topics. Two faults, each while the stream flows:

* the broker is stopped for 30 s and started again: the job must carry on by itself;
* the job is killed with SIGKILL once it has committed offsets (half the articles sent, the
  rest follow while it is down) and started again with the same consumer group: it must
  resume from the committed offsets, and what it processes twice gives the same event ids.

Afterwards the output topics must account for every input message (by origin), the events
must cover every article, and after de-duplication by event id they must be exactly the
events a batch run over the same articles gives. Each test prints its figures.

The tests use their own broker (deploy/local/kafka.sh on port $FAULTS_KAFKA_PORT, default
9492), started here when it does not run, so stopping it disturbs no other test.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.structs import OffsetAndMetadata
from progress_lines import read_counts
from stories import make_article
from test_accounting import read_avro

from pipelines.io.kafka_codec import BadMessage, decode_record
from pipelines.run import run

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("FAULTS_KAFKA_PORT", "9492"))
BOOTSTRAP = f"127.0.0.1:{PORT}"
ARTICLES = 60
SEND_INTERVAL = 0.5
OUTAGE_SECONDS = 30
# The test's own clients reconnect quickly, so that recovery times measure the job.
TEST_CLIENT_BACKOFF_MS = 1000
REPLAY_PER_PARTITION = 3  # offsets the kill test moves back, so that some articles replay
PAUSE_TIMEOUT = 900  # seconds a paused producer waits to be resumed
COVER_TIMEOUT = 420  # seconds for the events to cover every article
JOB_SERVER_TIMEOUT = 3600
KINDS = {"events": "event", "articles": "article", "duplicates": "duplicate", "dead": "dead_letter"}


def kafka_sh(command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ROOT / "deploy" / "local" / "kafka.sh"), command],
        env={**os.environ, "KAFKA_PORT": str(PORT)},
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture(scope="module")
def broker():
    """Our own broker; started for this module (and stopped after it) unless it runs."""
    started = kafka_sh("status").returncode != 0
    if started:
        proc = kafka_sh("start")
        assert proc.returncode == 0, proc.stdout + proc.stderr
    yield BOOTSTRAP
    if started:
        kafka_sh("stop")


@pytest.fixture(scope="module")
def prism() -> str:
    proc = subprocess.run(
        [str(ROOT / "deploy" / "local" / "prism.sh")], capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, set[str]]:
    """Event ids by article id of a batch run over the same articles."""
    folder = tmp_path_factory.mktemp("reference")
    source = folder / "articles.jsonl"
    source.write_text("\n".join(json.dumps(make_article(n)) for n in range(ARTICLES)))
    totals = run([f"--input={source}", f"--output_dir={folder / 'out'}"])
    assert totals["articles_with_events"] == ARTICLES
    ids: dict[str, set[str]] = {}
    for event in read_avro(folder / "out", "events"):
        ids.setdefault(event["article_id"], set()).add(event["event_id"])
    return ids


class Topics:
    """Fresh input (2 partitions) and output topics."""

    def __init__(self, name: str) -> None:
        tag = f"{name}-{uuid.uuid4().hex[:8]}"
        self.input = f"faults-{tag}-in"
        self.outputs = {kind: f"faults-{tag}-{kind}" for kind in KINDS}
        admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP, request_timeout_ms=30_000)
        try:
            admin.create_topics(
                [NewTopic(self.input, 2, 1)] + [NewTopic(t, 1, 1) for t in self.outputs.values()]
            )
        finally:
            admin.close()

    def job_args(self, group: str) -> list[str]:
        o = self.outputs
        return [
            f"--kafka_bootstrap_servers={BOOTSTRAP}",
            f"--input_topic={self.input}",
            f"--consumer_group={group}",
            f"--output_topic={o['events']}",
            f"--articles_topic={o['articles']}",
            f"--duplicates_topic={o['duplicates']}",
            f"--dead_letter_topic={o['dead']}",
            "--output_dir=",
        ]


class Producer(threading.Thread):
    """Sends the articles one by one, through broker outages (acks=all, retries).

    With ``pause_at``, it sends articles from that number on only once ``resume`` is set, so
    that a fault can land while the stream still has articles to come, however slow the job.
    """

    def __init__(self, topic: str, pause_at: int | None = None) -> None:
        super().__init__(daemon=True)
        self.topic = topic
        self.pause_at = pause_at
        self.resume = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        producer = KafkaProducer(
            bootstrap_servers=BOOTSTRAP,
            acks="all",
            delivery_timeout_ms=180_000,
            linger_ms=0,
            reconnect_backoff_max_ms=TEST_CLIENT_BACKOFF_MS,
        )
        try:
            futures = []
            for n in range(ARTICLES):
                if n == self.pause_at and not self.resume.wait(timeout=PAUSE_TIMEOUT):
                    raise TimeoutError(f"not resumed within {PAUSE_TIMEOUT} s")
                article = make_article(n)
                value = json.dumps(article).encode()
                futures.append(producer.send(self.topic, value=value, partition=n % 2))
                time.sleep(SEND_INTERVAL)
            producer.flush(timeout=200)
            for future in futures:
                future.get(timeout=10)
        except BaseException as e:  # reported by the test
            self.error = e
        finally:
            producer.close(timeout=10)


class Reader:
    """Accumulates the decoded records of an output topic as they arrive."""

    def __init__(self, topic: str, schema: str) -> None:
        self.schema = schema
        self.records: list[dict] = []
        self.timestamps: list[float] = []  # when each record was written (seconds, epoch)
        self.undecodable = 0
        self._consumer = KafkaConsumer(
            bootstrap_servers=BOOTSTRAP,
            enable_auto_commit=False,
            reconnect_backoff_max_ms=TEST_CLIENT_BACKOFF_MS,
        )
        self._consumer.assign([TopicPartition(topic, 0)])
        self._consumer.seek_to_beginning()

    def poll(self) -> list[dict]:
        for messages in self._consumer.poll(timeout_ms=300).values():
            for message in messages:
                try:
                    self.records.append(decode_record(message.value, self.schema))
                    self.timestamps.append(message.timestamp / 1000)
                except BadMessage:
                    self.undecodable += 1
        return self.records

    def drain(self, timeout: float = 60) -> list[dict]:
        """Everything written to the topic so far."""
        tp = next(iter(self._consumer.assignment()))
        end = self._consumer.end_offsets([tp])[tp]
        deadline = time.monotonic() + timeout
        while self._consumer.position(tp) < end and time.monotonic() < deadline:
            self.poll()
        return self.records

    def close(self) -> None:
        self._consumer.close()


class Job:
    """``python -m pipelines.run --streaming`` in its own process group (Prism runs in it)."""

    def __init__(self, args: list[str], prism: str, log: Path) -> None:
        self.log = log
        cmd = [sys.executable, "-m", "pipelines.run", "--streaming", f"--prism_location={prism}"]
        # Beam's portable runner opens the job's state stream with this deadline (default
        # 300 s), after which the submitting process fails a streaming job that still runs.
        cmd.append(f"--job_server_timeout={JOB_SERVER_TIMEOUT}")
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(
                cmd + args,
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the job and everything it started (the Prism runner, its workers)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def stacks(self) -> str:
        """Every thread's stack in the job's process (SIGUSR1, see pipelines.run.main)."""
        if not self.alive():
            return ""
        before = self.log.stat().st_size
        self.proc.send_signal(signal.SIGUSR1)
        time.sleep(2)
        with open(self.log, "rb") as log:
            log.seek(before)
            return log.read().decode(errors="replace")[-20000:]


def wait_for(readers: dict[str, Reader], want, job: Job, timeout: float, what: str) -> float:
    """Poll the readers until ``want(events)``; returns the seconds it took."""
    began = time.monotonic()
    while not want(readers["events"].poll()):
        for name, reader in readers.items():
            if name != "events":
                reader.poll()
        assert job.alive(), f"the job ended while waiting for {what}:\n{job.tail()}"
        if time.monotonic() - began >= timeout:
            pytest.fail(
                f"no {what} within {timeout} s:\n{job.tail()}\nits threads:\n{job.stacks()}"
            )
    return time.monotonic() - began


def covered(events: list[dict]) -> set[str]:
    return {e["article_id"] for e in events}


def end_offsets(topic: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        return sum(consumer.end_offsets(partitions).values())
    finally:
        consumer.close()


def committed_by_partition(topic: str, group: str) -> dict[int, int]:
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=group)
    try:
        return {p: consumer.committed(TopicPartition(topic, p)) or 0 for p in (0, 1)}
    finally:
        consumer.close()


def committed(topic: str, group: str) -> int:
    return sum(committed_by_partition(topic, group).values())


def committed_articles(topic: str, group: str) -> set[str]:
    """The articles whose offsets the group has committed (article n: partition n % 2,
    offset n // 2, as the producer sends them)."""
    offsets = committed_by_partition(topic, group)
    return {f"fault-{n}" for n in range(ARTICLES) if n // 2 < offsets[n % 2]}


def rewind(topic: str, group: str, by: int) -> int:
    """Move the group's committed offsets back by ``by`` per partition, as a crash between
    writing the outputs and committing the offsets leaves them; returns how many in all."""
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=group, enable_auto_commit=False)
    try:
        moved, offsets = 0, {}
        for p in (0, 1):
            tp = TopicPartition(topic, p)
            current = consumer.committed(tp) or 0
            offsets[tp] = OffsetAndMetadata(max(current - by, 0), "", -1)
            moved += current - offsets[tp].offset
        consumer.commit(offsets)
        return moved
    finally:
        consumer.close()


def account(topics: Topics, readers: dict[str, Reader], reference: dict[str, set[str]]) -> dict:
    """Check the outputs against the inputs and the batch reference; return the figures."""
    for reader in readers.values():
        reader.drain()
        assert reader.undecodable == 0
    records = {name: reader.records for name, reader in readers.items()}
    inputs = end_offsets(topics.input)
    kept = {a["origin"]: a["article_id"] for a in records["articles"]}
    with_events = {o for o, article_id in kept.items() if article_id in covered(records["events"])}
    ends = {
        "articles_with_events": with_events,
        "articles_without_events": set(kept) - with_events,
        "duplicates": {d["origin"] for d in records["duplicates"]},
        "dead_letters": {d["origin"] for d in records["dead"]},
    }
    # Every input message ends in exactly one place, whatever was delivered twice.
    every = [o for origins in ends.values() for o in origins]
    assert len(every) == len(set(every)) == inputs == ARTICLES
    event_ids = Counter(e["event_id"] for e in records["events"])
    by_article: dict[str, set[str]] = {}
    for event in records["events"]:
        by_article.setdefault(event["article_id"], set()).add(event["event_id"])
    # After de-duplication by id: exactly the batch run's events, article by article.
    assert by_article == reference
    figures = {
        "inputs": inputs,
        **{name: len(origins) for name, origins in ends.items()},
        "event_messages": sum(event_ids.values()),
        "events_unique": len(event_ids),
        "event_messages_repeated": sum(event_ids.values()) - len(event_ids),
        "article_messages_repeated": len(records["articles"]) - len(kept),
    }
    return figures


def test_job_carries_on_through_a_broker_outage(broker, prism, reference, tmp_path):
    topics = Topics("outage")
    group = f"faults-outage-{uuid.uuid4().hex[:6]}"
    job = Job(topics.job_args(group), prism, tmp_path / "job.log")
    readers = {name: Reader(topic, KINDS[name]) for name, topic in topics.outputs.items()}
    producer = Producer(topics.input)
    producer.start()
    try:
        first = wait_for(
            readers, lambda ev: len(covered(ev)) >= 10, job, COVER_TIMEOUT, "first events"
        )
        before = len(covered(readers["events"].records))
        assert kafka_sh("stop").returncode == 0
        time.sleep(OUTAGE_SECONDS)
        started = kafka_sh("start")
        assert started.returncode == 0, started.stdout + started.stderr
        restarted, restarted_at = time.monotonic(), time.time()
        wait_for(readers, lambda ev: len(covered(ev)) == ARTICLES, job, COVER_TIMEOUT, "all events")
        all_covered = time.monotonic() - restarted
        producer.join(timeout=60)
        assert producer.error is None, repr(producer.error)
        assert job.alive(), job.tail()
    finally:
        job.kill()
        producer.join(timeout=5)
    figures = account(topics, readers, reference)
    # The job's progress lines give running totals: they never go back, and they count reads.
    log = job.log.read_text()
    reads = read_counts(log)
    assert reads and reads == sorted(reads) and reads[-1] > 0, reads
    # How many times the source found a partition's consumer stuck and replaced it.
    replaced = log.count("; reconnecting")
    # The first event the job wrote after the restart, by the records' timestamps (their
    # creation by the job's producer). None when the job had created every event before the
    # broker was back: its producer held them through the outage.
    after = [t - restarted_at for t in readers["events"].timestamps if t >= restarted_at]
    next_event = f"{min(after):.0f} s" if after else "none (all held by the job's producer)"
    for reader in readers.values():
        reader.close()
    print(
        f"\nbroker outage of {OUTAGE_SECONDS} s: first events after {first:.0f} s; "
        f"{before} articles covered before the outage; first event created after the "
        f"broker restarted: {next_event}, every article covered {all_covered:.0f} s after it; "
        f"stuck consumers replaced: {replaced}"
    )
    print("figures:", figures)


def test_killed_job_restarts_from_committed_offsets_with_the_same_event_ids(
    broker, prism, reference, tmp_path
):
    topics = Topics("kill")
    group = f"faults-kill-{uuid.uuid4().hex[:6]}"
    readers = {name: Reader(topic, KINDS[name]) for name, topic in topics.outputs.items()}
    # Half the stream comes before the kill, the rest while the second job starts.
    producer = Producer(topics.input, pause_at=ARTICLES // 2)
    producer.start()
    first = Job(topics.job_args(group), prism, tmp_path / "first.log")

    def events_and_commits(events: list[dict]) -> bool:
        # The kill must find offsets committed, for the rewind below to replay some articles.
        return len(covered(events)) >= 15 and committed(topics.input, group) > 0

    try:
        wait_for(readers, events_and_commits, first, COVER_TIMEOUT, "events and commits")
    finally:
        first.kill()
        producer.resume.set()
    killed_at = time.monotonic()
    # Every event the killed job wrote, not only what one poll has fetched of them so far.
    covered_at_kill = len(covered(readers["events"].drain()))
    committed_at_kill = committed_articles(topics.input, group)
    # At-least-once: no offset is committed before its article's events are written.
    assert committed_at_kill <= covered(readers["events"].records)
    # The kill may land between a bundle's writes and its commit, or not: make sure the
    # restarted job sees some articles again, which it then processes a second time.
    replayed = rewind(topics.input, group, by=REPLAY_PER_PARTITION)

    second = Job(topics.job_args(group), prism, tmp_path / "second.log")
    try:
        recovery = wait_for(
            readers, lambda ev: len(covered(ev)) == ARTICLES, second, COVER_TIMEOUT, "all events"
        )
        producer.join(timeout=60)
        assert producer.error is None, repr(producer.error)
        deadline = time.monotonic() + 60
        while committed(topics.input, group) < ARTICLES and time.monotonic() < deadline:
            time.sleep(1)
        assert committed(topics.input, group) == ARTICLES
    finally:
        second.kill()
    figures = account(topics, readers, reference)
    for reader in readers.values():
        reader.close()
    # Articles processed twice gave the same events, with the same ids (checked in account).
    assert figures["article_messages_repeated"] >= replayed > 0
    assert figures["event_messages_repeated"] > 0
    print(
        f"\nSIGKILL after {covered_at_kill} of {ARTICLES} articles had events "
        f"({len(committed_at_kill)} offsets committed, {replayed} rewound); the restarted job "
        f"covered every article {recovery:.0f} s after its start "
        f"({time.monotonic() - killed_at:.0f} s after the kill)"
    )
    print("figures:", figures)


def _group_processes(pgid: int, pattern: str = ".") -> list[str]:
    """Pids of the live processes of process group ``pgid`` whose command matches."""
    command = ["pgrep", "-g", str(pgid), "-f", pattern]
    return subprocess.run(command, capture_output=True, text=True).stdout.split()


def test_sigterm_stops_the_job_and_its_prism_runner(broker, prism, tmp_path):
    """A stopped job must not leave its Prism runner behind (an orphaned Prism kept a core
    busy): SIGTERM to the job's process alone cancels the pipeline and stops Prism. Before
    that, SIGUSR1 makes the job write its threads' stacks and go on."""
    topics = Topics("sigterm")
    job = Job(topics.job_args("g-sigterm"), prism, tmp_path / "job.log")
    try:
        deadline = time.monotonic() + 120
        # Anchored: the job's own command line names the Prism binary too (--prism_location).
        while not _group_processes(job.proc.pid, f"^{prism} "):
            assert job.alive(), job.tail()
            assert time.monotonic() < deadline, f"Prism did not start:\n{job.tail()}"
            time.sleep(0.5)
        time.sleep(5)  # the pipeline is submitted and running
        # SIGUSR1 only writes the threads' stacks: the job carries on.
        assert "most recent call first" in job.stacks() and job.alive(), job.tail()
        job.proc.send_signal(signal.SIGTERM)
        assert job.proc.wait(timeout=60) == 128 + signal.SIGTERM, job.tail()
        assert "stopping: cancelling the pipeline" in job.log.read_text(errors="replace")
        deadline = time.monotonic() + 30
        while _group_processes(job.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _group_processes(job.proc.pid) == [], "processes left behind after SIGTERM"
    finally:
        job.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(job.proc.pid, signal.SIGKILL)
