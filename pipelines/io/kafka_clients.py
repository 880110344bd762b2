"""Kafka client settings shared by the source, the sinks and the offset committer."""

from __future__ import annotations

from kafka import KafkaConsumer

CLIENT_ID = "news-event-pipeline"
# How long a client waits out an unreachable broker (bootstrap, delivery) before failing,
# and the longest pause between its reconnection attempts.
OUTAGE_TOLERANCE_MS = 120_000
RECONNECT_BACKOFF_MAX_MS = 5_000


def consumer(bootstrap_servers: str, group: str | None) -> KafkaConsumer:
    """A consumer that never commits by itself and rides out broker outages."""
    return KafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        client_id=CLIENT_ID,
        bootstrap_timeout_ms=OUTAGE_TOLERANCE_MS,
        reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS,
    )
