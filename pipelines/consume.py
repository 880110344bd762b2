"""The reference downstream consumer: decode Avro records from a topic and print them.

    python -m pipelines.consume --topic events --max-messages 10
    python -m pipelines.consume --topic dead-letters --schema dead_letter --json --idle-timeout 5

Reads every partition from the beginning (no consumer group, nothing committed) and decodes
each value with the schema (Avro single-object encoding, or the Confluent wire format through
``--schema-registry-url``). Stops after ``--max-messages`` or when no message arrived for
``--idle-timeout`` seconds. Exit status 1 when a message could not be decoded.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import Any, NamedTuple

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from pipelines.inspect import to_json
from pipelines.io.avro_wire import SchemaRegistry
from pipelines.io.kafka_clients import PLAINTEXT, KafkaSecurity, explained_errors
from pipelines.io.kafka_codec import BadMessage, decode_record
from pipelines.io.registry_security import RegistrySecurity
from pipelines.options import (
    ConfigurationError,
    add_bootstrap_servers_argument,
    add_kafka_security_arguments,
    add_registry_security_arguments,
)
from pipelines.records import SCHEMA_FILES
from pipelines.strict_options import StrictArgumentParser


class Message(NamedTuple):
    """One consumed message: the record, or the reason it could not be decoded."""

    partition: int
    offset: int
    key: bytes | None
    record: dict[str, Any] | None
    error: str | None


def consume(
    bootstrap_servers: str,
    topic: str,
    schema_name: str = "event",
    schema_registry_url: str | None = None,
    max_messages: int | None = None,
    idle_timeout: float = 10.0,
    security: KafkaSecurity = PLAINTEXT,
    registry_security: RegistrySecurity | None = None,
) -> Iterator[Message]:
    """Decoded messages of every partition of ``topic``, from the beginning.

    ConfigurationError when the consumer cannot connect (saying why).
    """
    registry = (
        SchemaRegistry(schema_registry_url, security=registry_security)
        if schema_registry_url
        else None
    )
    with explained_errors(bootstrap_servers, security):
        client = KafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            enable_auto_commit=False,
            group_id=None,
            **security.client_config(),
        )
    try:
        partitions = _partitions(client, topic, idle_timeout)
        client.assign(partitions)
        client.seek_to_beginning(*partitions)
        count, last_seen = 0, time.monotonic()
        while max_messages is None or count < max_messages:
            batch = client.poll(timeout_ms=200)
            if not batch and time.monotonic() - last_seen > idle_timeout:
                return
            for msgs in batch.values():
                for msg in msgs:
                    last_seen = time.monotonic()
                    yield _decode(msg, schema_name, registry)
                    count += 1
                    if max_messages is not None and count >= max_messages:
                        return
    finally:
        client.close()


def _partitions(consumer: KafkaConsumer, topic: str, wait: float) -> list[TopicPartition]:
    deadline = time.monotonic() + wait
    while True:
        partitions = consumer.partitions_for_topic(topic)
        if partitions:
            return [TopicPartition(topic, p) for p in sorted(partitions)]
        if time.monotonic() > deadline:
            raise KafkaError(f"topic {topic!r} does not exist")
        time.sleep(0.2)


def _decode(msg: Any, schema_name: str, registry: SchemaRegistry | None) -> Message:
    try:
        record, error = decode_record(msg.value or b"", schema_name, registry), None
    except BadMessage as e:
        record, error = None, f"{e.error_type}: {e}"
    return Message(msg.partition, msg.offset, msg.key, record, error)


def summary(record: dict[str, Any], schema_name: str) -> str:
    """One readable line: events as type, actors, trigger and sentence; event groups as their
    counts so far; others as JSON."""
    if schema_name == "event_group":
        return _group_summary(record)
    if schema_name != "event":
        return to_json(record)
    actors = ", ".join(p["canonical"] for p in record["actor"]) or "-"
    recipients = ", ".join(p["canonical"] for p in record["recipient"]) or "-"
    date = record["event_date"].isoformat() if record["event_date"] else "?"
    return (
        f"{record['event_id']} {record['event_type']} (quad {record['quad_class']}) "
        f"{actors} -> {recipients} [{record['trigger']['text']}] {date} "
        f"{record['modality']}{' negated' if record['negated'] else ''}: "
        f"{record['sentence'][:120]}"
    )


def _group_summary(group: dict[str, Any]) -> str:
    actors = ", ".join(p["canonical"] for p in group["actor"]) or "-"
    recipients = ", ".join(p["canonical"] for p in group["recipient"]) or "-"
    date = group["event_date"].isoformat() if group["event_date"] else "?"
    place = (group.get("place") or {}).get("name", "?")
    return (
        f"{group['event_group_id']} {group['event_type']} {actors} -> {recipients} {date} "
        f"{place}: {group['num_articles']} articles, {group['num_sources']} sources, "
        f"{len(group['event_ids'])} events"
    )


def main(argv: list[str] | None = None) -> int:
    parser = StrictArgumentParser(
        prog="python -m pipelines.consume", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--topic", required=True, help="Topic to read (every partition).")
    add_bootstrap_servers_argument(parser)
    parser.add_argument(
        "--schema",
        default="event",
        choices=sorted(SCHEMA_FILES),
        help="Reader schema of the records (schemas/<name>.avsc). Default: event.",
    )
    parser.add_argument(
        "--schema-registry-url",
        default=None,
        help="Confluent-compatible schema registry: decode the Confluent wire format by "
        "looking the writer schema up by its id. Without it, single-object encoding only.",
    )
    parser.add_argument("--max-messages", type=int, default=None, help="Stop after N messages.")
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=10.0,
        help="Stop when no message arrived for this many seconds. Default: 10.",
    )
    parser.add_argument("--json", action="store_true", help="One JSON object a line.")
    add_kafka_security_arguments(parser, dashes=True)
    add_registry_security_arguments(parser, dashes=True)
    args = parser.parse_args(argv)
    decoded = failed = 0
    try:
        security = KafkaSecurity.from_options(args, dashes=True)
        security.check()
        registry_security = RegistrySecurity.from_options(args, dashes=True)
        registry_security.check(args.schema_registry_url)
        for m in consume(
            args.bootstrap_servers,
            args.topic,
            args.schema,
            args.schema_registry_url,
            args.max_messages,
            args.idle_timeout,
            security,
            registry_security,
        ):
            if m.error is not None:
                failed += 1
                print(
                    f"{args.topic}/{m.partition}@{m.offset}: cannot decode: {m.error}",
                    file=sys.stderr,
                )
            elif args.json:
                decoded += 1
                print(to_json(m.record))
            else:
                decoded += 1
                print(f"{m.partition}@{m.offset} {summary(m.record, args.schema)}")
    except ConfigurationError as e:
        parser.exit(2, f"{parser.prog}: error: {e}\n")
    except KafkaError as e:
        print(f"error: Kafka at {args.bootstrap_servers}: {e}", file=sys.stderr)
        return 1
    print(f"{decoded} message(s) decoded, {failed} not decodable", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
