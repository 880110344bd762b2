"""The way out: validate each output record once, write it to every configured sink, and,
with Kafka input, commit an input's offset once all its outputs are written.

``WriteOutputs`` takes the stages' ``PipelineOutputs`` and the options:

1. ``Validate`` checks every record against its schema, once. A record that fails (a bug) is
   not written: it becomes a dead letter of stage ``sink`` (counted as
   ``records_rejected_by_sinks``), and a kept article that fails takes its events with it.
   A dead letter that fails its own schema stops the run.
2. Every kind goes to its Avro files (``--output_dir``) and its Kafka topic, when set. The
   sinks check nothing again.
3. With ``--input_topic``, each input's last output marks it done once written: a kept
   article after its events (written as one group) and itself, a duplicate or a dead letter
   after itself; outputs that go only to files are done when handed to the file sink.
   ``CommitOffsets`` pairs these ``Done`` marks with the source's ``Read`` marks, by the typed
   ``position`` the source set on each input.

Event groups (derived from the events, re-emitted in streaming as they grow) are validated and
written the same way, to ``event_groups-*.avro`` and ``--event_groups_topic`` keyed by group
id; no offset commit waits on them.

With a schema registry, ``register_schemas`` registers each topic's schema at start.

A new sink is one more write in ``expand``; a new kind of output, one more field of
``PipelineOutputs`` and of the validation.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import NamedTuple

import apache_beam as beam

from pipelines import counting
from pipelines.io.avro import OUTPUT_KINDS, WriteAvroFiles
from pipelines.io.avro_wire import SchemaRegistry
from pipelines.io.kafka_clients import KafkaSecurity
from pipelines.io.kafka_codec import schema_text, subject
from pipelines.io.kafka_offsets import CommitOffsets, done_marks
from pipelines.io.kafka_sink import WriteToKafka
from pipelines.io.registry_security import RegistrySecurity
from pipelines.options import ConfigurationError, NewsPipelineOptions
from pipelines.records import Record, article_payload, is_valid, make_dead_letter

EVENTS, ARTICLES, DUPLICATES, DEAD_LETTERS = "events", "articles", "duplicates", "dead_letters"
EVENT_GROUPS = "event_groups"
KEPT = "kept"
REJECTED = "rejected"
log = logging.getLogger(__name__)

KEY_FIELDS = {
    EVENTS: "event_id",
    ARTICLES: "article_id",
    DUPLICATES: "article_id",
    EVENT_GROUPS: "event_group_id",
}


class PipelineOutputs(NamedTuple):
    """What the stages hand to the way out; every input ends in exactly one of ``kept``,
    ``duplicates`` and ``dead_letters``."""

    kept: beam.PCollection  # (article, [its events]) for each kept article
    duplicates: beam.PCollection  # Duplicate records
    dead_letters: tuple[beam.PCollection, ...]  # the dead letters of every stage
    read_offsets: tuple[beam.PCollection, ...] = ()  # the Kafka source's Read marks, if any
    # EventGroup records (derived from events: not an input's output, no offset waits on them)
    event_groups: beam.PCollection | None = None


class ValidOutputs(NamedTuple):
    kept: beam.PCollection  # (article, [its events]), all valid
    events: beam.PCollection
    articles: beam.PCollection
    duplicates: beam.PCollection
    dead_letters: beam.PCollection  # the stages' and the rejected records'
    event_groups: beam.PCollection | None


def _rejected(record: Record, schema_name: str, position: Record | None) -> Record:
    """The dead letter of a record that does not match its schema."""
    origin = record.get("origin") or record.get("article_id") or "unknown"
    return make_dead_letter(
        "sink",
        "schema_violation",
        f"record does not validate against schemas/{schema_name}.avsc",
        str(origin),
        article_payload(record),
        record.get("article_id"),
        position=position,
    )


class _ValidateKept(beam.DoFn):
    """(article, events) -> the pair (main), each event (``events``) and the article
    (``articles``) when all are valid; else dead letters (``rejected``)."""

    def setup(self) -> None:
        self._kept = counting.counter(counting.KEPT)
        self._events = counting.counter(counting.EVENTS)
        self._rejects = counting.counter(counting.SINK_REJECTS)

    def process(self, kept: tuple[Record, list[Record]]) -> Iterator:
        article, events = kept
        self._kept.inc()
        invalid = [e for e in events if not is_valid("event", e)]
        if invalid or not is_valid("article", article):
            # The article's position goes with the dead letter that ends its input.
            self._rejects.inc(1 + len(events))
            yield beam.pvalue.TaggedOutput(
                REJECTED, _rejected(article, "article", article.get("position"))
            )
            for event in invalid:
                yield beam.pvalue.TaggedOutput(REJECTED, _rejected(event, "event", None))
            return
        self._events.inc(len(events))
        yield kept
        yield beam.pvalue.TaggedOutput(ARTICLES, article)
        for event in events:
            yield beam.pvalue.TaggedOutput(EVENTS, event)


class _ValidateRecords(beam.DoFn):
    """Records of one schema: the valid ones (main), the others as dead letters."""

    def __init__(self, schema_name: str) -> None:
        self._schema_name = schema_name

    def setup(self) -> None:
        self._rejects = counting.counter(counting.SINK_REJECTS)

    def process(self, record: Record) -> Iterator:
        if is_valid(self._schema_name, record):
            yield record
            return
        self._rejects.inc()
        yield beam.pvalue.TaggedOutput(
            REJECTED, _rejected(record, self._schema_name, record.get("position"))
        )


def _checked_dead_letter(record: Record) -> Record:
    """A dead letter that does not fit its own schema is a bug: fail loudly."""
    if not is_valid("dead_letter", record):
        raise ValueError(f"dead letter does not validate against its schema: {record!r:.500}")
    return record


class ValidateOutputs(beam.PTransform):
    """``PipelineOutputs`` -> ``ValidOutputs``: every record checked once against its schema."""

    def expand(self, outputs: PipelineOutputs) -> ValidOutputs:
        kept = outputs.kept | "Validate kept" >> beam.ParDo(_ValidateKept()).with_outputs(
            EVENTS, ARTICLES, REJECTED, main=KEPT
        )
        duplicates = outputs.duplicates | "Validate duplicates" >> beam.ParDo(
            _ValidateRecords("duplicate")
        ).with_outputs(REJECTED, main=DUPLICATES)
        rejected = [kept[REJECTED], duplicates[REJECTED]]
        groups = None
        if outputs.event_groups is not None:
            checked = outputs.event_groups | "Validate event groups" >> beam.ParDo(
                _ValidateRecords("event_group")
            ).with_outputs(REJECTED, main=EVENT_GROUPS)
            groups = checked[EVENT_GROUPS]
            rejected.append(checked[REJECTED])
        dead_letters = (
            (*outputs.dead_letters, *rejected)
            | "All dead letters" >> beam.Flatten()
            | "Check dead letters" >> beam.Map(_checked_dead_letter)
        )
        return ValidOutputs(
            kept[KEPT], kept[EVENTS], kept[ARTICLES], duplicates[DUPLICATES], dead_letters, groups
        )


def output_topics(options: NewsPipelineOptions) -> dict[str, str | None]:
    """The Kafka topic of each output kind (None where it goes to no topic)."""
    return {
        EVENTS: options.output_topic,
        ARTICLES: options.articles_topic,
        DUPLICATES: options.duplicates_topic,
        DEAD_LETTERS: options.dead_letter_topic,
        EVENT_GROUPS: options.event_groups_topic,
    }


def register_schemas(options: NewsPipelineOptions) -> None:
    """With ``--schema_registry_url``, register each output topic's schema before the run, so
    that a registry that cannot be reached or that rejects a schema (its compatibility rule)
    fails the run at start with the registry's reason, not at the first write."""
    url = options.schema_registry_url
    if not url:
        return
    registry = SchemaRegistry(url, security=RegistrySecurity.from_options(options))
    for kind, topic in output_topics(options).items():
        if not topic:
            continue
        name = OUTPUT_KINDS[kind]
        try:
            registry.register(subject(topic), schema_text(name))
        except OSError as e:
            raise ConfigurationError(
                f"the schema registry at {url} did not take schemas/{name}.avsc for topic "
                f"{topic!r} (subject {subject(topic)!r}): {e}"
            ) from None
        log.info("schema registry: %s is registered under %s", name, subject(topic))


class WriteOutputs(beam.PTransform):
    """The way out (see the module's docstring): validate, write to files and Kafka, commit."""

    def __init__(self, options: NewsPipelineOptions) -> None:
        super().__init__()
        self._options = options
        self._topics = output_topics(options)

    def expand(self, outputs: PipelineOutputs) -> None:
        valid = outputs | "Validate" >> ValidateOutputs()
        if self._options.output_dir:
            for kind in OUTPUT_KINDS:
                if getattr(valid, kind) is not None:
                    getattr(valid, kind) | f"Write {kind} files" >> WriteAvroFiles(
                        self._options.output_dir, kind
                    )
        if valid.event_groups is not None and self._topics[EVENT_GROUPS]:
            # Keyed by group id for a compacted topic: the latest record of a group wins.
            self._write_kafka(valid.event_groups, EVENT_GROUPS)
        # Each input's last output, passed on once written: a kept article after its events.
        last = {
            ARTICLES: valid.articles,
            DUPLICATES: valid.duplicates,
            DEAD_LETTERS: valid.dead_letters,
        }
        if self._topics[EVENTS]:
            last[ARTICLES] = self._write_kafka(valid.kept, EVENTS, grouped=True)
        for kind, records in last.items():
            if self._topics[kind]:
                last[kind] = self._write_kafka(records, kind)
        if outputs.read_offsets:
            self._commit(outputs.read_offsets, last)

    def _write_kafka(
        self, records: beam.PCollection, kind: str, grouped: bool = False
    ) -> beam.PCollection:
        """Write ``records`` to the topic of ``kind``; returns them once written (with
        ``grouped``, the first of each (anything, records) pair once its records are)."""
        opts = self._options
        sink = WriteToKafka(
            opts.kafka_bootstrap_servers,
            self._topics[kind],
            OUTPUT_KINDS[kind],
            key_field=KEY_FIELDS.get(kind),
            schema_registry_url=opts.schema_registry_url,
            grouped=grouped,
            pass_written=True,
            validate=False,
            security=KafkaSecurity.from_options(opts),
            registry_security=RegistrySecurity.from_options(opts),
        )
        return (records | f"Write {kind} to Kafka" >> sink).written

    def _commit(
        self, read_offsets: tuple[beam.PCollection, ...], last: dict[str, beam.PCollection]
    ) -> None:
        opts = self._options
        done = [
            records | f"Done {kind}" >> beam.FlatMap(done_marks, opts.input_topic)
            for kind, records in last.items()
        ]
        (
            (*read_offsets, *done)
            | "Offset marks" >> beam.Flatten()
            | "Commit offsets"
            >> CommitOffsets(
                opts.kafka_bootstrap_servers,
                opts.consumer_group,
                KafkaSecurity.from_options(opts),
            )
        )
