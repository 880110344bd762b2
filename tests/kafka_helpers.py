"""Helpers for the tests against a real Kafka broker (imported by tests/test_kafka*.py).

The broker is found through KAFKA_BOOTSTRAP_SERVERS (default 127.0.0.1:9092). When none
answers, the tests fail (never skip) and say how to start one.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterable

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")


def admin() -> KafkaAdminClient:
    """An admin client, or a test failure saying how to start the broker."""
    try:
        return KafkaAdminClient(
            bootstrap_servers=BOOTSTRAP, request_timeout_ms=10_000, bootstrap_timeout_ms=5_000
        )
    except KafkaError as e:
        pytest.fail(
            f"no Kafka broker answers at {BOOTSTRAP} ({e!r}): start it with "
            "deploy/local/kafka.sh start (or set KAFKA_BOOTSTRAP_SERVERS)",
            pytrace=False,
        )


def create_topic(client: KafkaAdminClient, prefix: str, partitions: int = 1) -> str:
    """A new topic with a unique name."""
    name = f"test-{prefix}-{uuid.uuid4().hex[:10]}"
    client.create_topics([NewTopic(name, partitions, 1)])
    return name


def send(topic: str, values: Iterable[tuple[int, bytes | None]], key: bytes = b"test"):
    """Write ``(partition, value)`` pairs in order; returns the written offsets."""
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all")
    try:
        futures = [producer.send(topic, value=v, key=key, partition=p) for p, v in values]
        producer.flush()
        return [f.get(timeout=30).offset for f in futures]
    finally:
        producer.close()


def send_slowly(topic: str, values: Iterable[bytes], interval: float) -> None:
    """Write ``values`` to partition 0 one by one, ``interval`` seconds apart (a live feed)."""
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all")
    try:
        for value in values:
            producer.send(topic, value=value, partition=0).get(timeout=30)
            time.sleep(interval)
    finally:
        producer.close()


def committed(topic: str, group: str, partitions: int) -> dict[int, int | None]:
    """The group's committed offset of each partition."""
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=group)
    try:
        return {p: consumer.committed(TopicPartition(topic, p)) for p in range(partitions)}
    finally:
        consumer.close()
