"""Avro on Kafka through a real Confluent-compatible schema registry (Apicurio Registry,
deploy/local/registry.sh start; see registry_helpers) and a real broker
(deploy/local/kafka.sh start)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import fastavro
import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka_helpers import BOOTSTRAP, admin, create_topic, send
from registry_helpers import REGISTRY, ROOT, call, require_registry
from test_kafka_wire import event

from pipelines import counting
from pipelines.consume import consume
from pipelines.io import avro_wire
from pipelines.io.kafka_codec import schema_text, subject
from pipelines.run import run

pytestmark = [pytest.mark.kafka, pytest.mark.registry]

BASELINE = Path(__file__).parent / "schema_baseline"


def register(subject_name: str, schema: dict | str) -> int:
    text = schema if isinstance(schema, str) else json.dumps(schema)
    status, answer = call("POST", f"/subjects/{subject_name}/versions", {"schema": text})
    assert status == 200, answer
    return answer["id"]


def backward(subject_name: str) -> None:
    status, answer = call("PUT", f"/config/{subject_name}", {"compatibility": "BACKWARD"})
    assert (status, answer) == (200, {"compatibility": "BACKWARD"})


@pytest.fixture(scope="module")
def kafka():
    require_registry()
    client = admin()
    yield client
    client.close()


def raw_values(topic: str) -> list[bytes]:
    reader = KafkaConsumer(bootstrap_servers=BOOTSTRAP, consumer_timeout_ms=3000)
    try:
        tp = TopicPartition(topic, 0)
        reader.assign([tp])
        reader.seek_to_beginning(tp)
        return [m.value for m in reader]
    finally:
        reader.close()


def test_the_sink_registers_topic_value_and_consume_looks_the_id_up(kafka, seeds_dir, tmp_path):
    events, dead = create_topic(kafka, "reg-events"), create_topic(kafka, "reg-dead")
    totals = run(
        [
            f"--input={seeds_dir}",
            f"--output_dir={tmp_path}",
            f"--kafka_bootstrap_servers={BOOTSTRAP}",
            f"--output_topic={events}",
            f"--dead_letter_topic={dead}",
            f"--schema_registry_url={REGISTRY}",
        ]
    )
    # Registered under <topic>-value, as the schema the pipeline ships.
    status, latest = call("GET", f"/subjects/{subject(events)}/versions/latest")
    assert status == 200
    assert json.loads(latest["schema"]) == json.loads(schema_text("event"))
    status, dead_latest = call("GET", f"/subjects/{subject(dead)}/versions/latest")
    assert status == 200 and dead_latest["id"] != latest["id"]

    # Confluent wire format with the registry's id, and decoded by looking that id up.
    values = raw_values(events)
    assert len(values) == totals[counting.EVENTS] > 0
    assert {avro_wire.confluent_schema_id(v) for v in values} == {latest["id"]}
    messages = list(consume(BOOTSTRAP, events, "event", REGISTRY, idle_timeout=3))
    assert [m.error for m in messages if m.error] == []
    assert sorted(m.record["event_id"] for m in messages) == sorted(
        m.key.decode() for m in messages
    )


def test_a_reader_of_the_current_schema_reads_what_the_baseline_schema_wrote(kafka):
    """A producer still on the first released schema: its records carry the baseline's id,
    which the consumer resolves at the registry to read them with today's schema."""
    topic = create_topic(kafka, "reg-baseline")
    baseline = json.loads((BASELINE / "event.avsc").read_text(encoding="utf-8"))
    old_id = register(subject(topic), baseline)
    old = fastavro.parse_schema(baseline)
    send(topic, [(0, avro_wire.encode_confluent(event(), old, old_id))])

    (message,) = consume(BOOTSTRAP, topic, "event", REGISTRY, idle_timeout=3)
    assert message.error is None
    written = {f["name"] for f in baseline["fields"]}
    current = json.loads(schema_text("event"))["fields"]
    assert {k: message.record[k] for k in written if k not in ("actor", "recipient")} == {
        k: event()[k] for k in written if k not in ("actor", "recipient")
    }
    # Fields the baseline did not have take their defaults.
    assert {f["name"]: message.record[f["name"]] for f in current if f["name"] not in written} == {
        f["name"]: f["default"] for f in current if f["name"] not in written
    }
    assert message.record["actor"][0]["canonical"] == "Japan"
    assert message.record["actor"][0]["country"] is None  # added later, with a default


def test_the_registry_rejects_an_incompatible_change_under_backward(kafka):
    name = subject(create_topic(kafka, "reg-compat"))
    current = json.loads(schema_text("event"))
    first = register(name, current)
    backward(name)
    required = {"name": "severity", "type": "int"}
    status, answer = call(
        "POST",
        f"/subjects/{name}/versions",
        {"schema": json.dumps({**current, "fields": [*current["fields"], required]})},
    )
    assert status == 409, answer
    # The same field with a default is a backward-compatible change: a new version.
    optional = {**required, "default": 0}
    second = register(name, {**current, "fields": [*current["fields"], optional]})
    assert second != first
    status, versions = call("GET", f"/subjects/{name}/versions")
    assert (status, versions) == (200, [1, 2])


def test_the_pipeline_fails_at_start_when_the_registry_rejects_its_schema(
    kafka, seeds_dir, tmp_path
):
    """The topic's subject holds a schema today's cannot read (BACKWARD): the run stops before
    it reads anything, with exit 2 and the registry's reason."""
    topic = create_topic(kafka, "reg-rejected")
    current = json.loads(schema_text("event"))
    register(subject(topic), {**current, "fields": [{"name": "legacy_id", "type": "string"}]})
    backward(subject(topic))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.run",
            f"--input={seeds_dir}",
            f"--output_dir={tmp_path / 'out'}",
            f"--kafka_bootstrap_servers={BOOTSTRAP}",
            f"--output_topic={topic}",
            f"--schema_registry_url={REGISTRY}",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "did not take schemas/event.avsc" in proc.stderr
    assert f"subject '{topic}-value'" in proc.stderr and "HTTP 409" in proc.stderr
    assert raw_values(topic) == []
    assert not list((tmp_path / "out").glob("events-*.avro"))
