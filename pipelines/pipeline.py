"""The pipeline graph: sources -> clean -> dedupe -> extract -> sinks, with dead letters."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.options.pipeline_options import StandardOptions

from pipelines import counting
from pipelines.clean import CleanArticles
from pipelines.clean.language import ENGLISH
from pipelines.dedupe import DedupeArticles, parse_duration
from pipelines.extract import ExtractEvents
from pipelines.io.avro import OUTPUT_KINDS, ValidateRecords, WriteAvroFiles
from pipelines.io.files import ReadArticleFiles, file_patterns
from pipelines.io.kafka import ReadArticlesFromKafka, WriteToKafka
from pipelines.io.kafka_offsets import CommitOffsets, done_marks
from pipelines.options import ConfigurationError, NewsPipelineOptions
from pipelines.records import is_valid

DEFAULT_INPUT = "seeds/"


class Outputs(beam.PTransform):
    """Validate every record against its schema and write it to the configured sinks.

    Records that fail validation become dead letters (stage ``sink``). With Kafka input,
    ``outputs`` also holds ``read_offsets`` (the source's marks) and ``results`` (each kept
    article with its events): offsets are then committed only up to the first input whose
    outputs are not all written (see ``_commit_when_written``).
    """

    def __init__(self, options: NewsPipelineOptions):
        super().__init__()
        self._options = options

    def expand(self, outputs: dict[str, beam.PCollection]):
        valid, invalid = {}, []
        for kind in ("events", "articles", "duplicates"):
            checked = outputs[kind] | f"Validate {kind}" >> ValidateRecords(OUTPUT_KINDS[kind])
            valid[kind] = checked.valid
            invalid.append(
                checked.invalid | f"Count rejected {kind}" >> counting.Count(counting.SINK_REJECTS)
            )
        valid["events"] = valid["events"] | counting.Count(counting.EVENTS)
        valid["dead_letters"] = (
            (outputs["dead_letters"], *invalid)
            | "All dead letters" >> beam.Flatten()
            | "Check dead letters" >> beam.Map(_checked_dead_letter)
        )
        tracked = "read_offsets" in outputs
        for kind, records in valid.items():
            if self._options.output_dir:
                records | f"Write {kind} files" >> WriteAvroFiles(self._options.output_dir, kind)
            if self._topic(kind) and not tracked:
                records | f"Write {kind} to Kafka" >> self._kafka_sink(kind)
        if tracked:
            self._commit_when_written(outputs["read_offsets"], outputs["results"], valid)

    def _topic(self, kind: str) -> str | None:
        opts = self._options
        return {
            "events": opts.output_topic,
            "articles": opts.articles_topic,
            "dead_letters": opts.dead_letter_topic,
            "duplicates": opts.duplicates_topic,
        }[kind]

    def _kafka_sink(self, kind: str, grouped: bool = False, passing: bool = False) -> WriteToKafka:
        return WriteToKafka(
            self._options.kafka_bootstrap_servers,
            self._topic(kind),
            OUTPUT_KINDS[kind],
            key_field="event_id" if kind == "events" else "article_id",
            schema_registry_url=self._options.schema_registry_url,
            grouped=grouped,
            pass_written=passing,
        )

    def _commit_when_written(self, read_offsets, results, valid) -> None:
        """Write the Kafka outputs of each input, then mark the input done for the commit.

        An input is done when its last output is acknowledged: an extracted article's events
        are written (as one group) before the article itself, and the article's write marks
        it done; a duplicate or dead letter marks it done once written. Outputs of a kind
        with no topic are done when handed to the file sink.
        """
        opts = self._options
        articles = results
        if opts.output_topic:
            events_sink = self._kafka_sink("events", grouped=True, passing=True)
            articles = (articles | "Write events to Kafka" >> events_sink).written
        last = {
            "articles": articles | "Article of result" >> beam.Map(lambda pair: pair[0]),
            "duplicates": valid["duplicates"],
            "dead_letters": valid["dead_letters"],
        }
        done = []
        for kind, records in last.items():
            if self._topic(kind):
                sink = self._kafka_sink(kind, passing=True)
                records = (records | f"Write {kind} to Kafka" >> sink).written
            done.append(records | f"Done {kind}" >> beam.FlatMap(_done, opts.input_topic))
        (
            (read_offsets, *done)
            | "Offset marks" >> beam.Flatten()
            | "Commit offsets" >> CommitOffsets(opts.kafka_bootstrap_servers, opts.consumer_group)
        )


def _done(record: dict, input_topic: str):
    """The offset mark of the input whose last output ``record`` is."""
    return done_marks(input_topic, record.get("origin"))


def _checked_dead_letter(record: dict) -> dict:
    """A dead letter that does not fit its own schema is a bug: fail loudly."""
    if not is_valid("dead_letter", record):
        raise ValueError(f"dead letter does not validate against its schema: {record!r:.500}")
    return record


def read_articles(p: beam.Pipeline, opts: NewsPipelineOptions):
    """Articles, read-stage dead letters and the Kafka source's offset marks (None without
    --input_topic) from every configured source."""
    articles, dead_letters, read_offsets = [], [], None
    if opts.input or not opts.input_topic:
        files = p | "Read files" >> ReadArticleFiles(file_patterns(opts.input or [DEFAULT_INPUT]))
        articles.append(files.articles)
        dead_letters.append(files.dead_letters)
    if opts.input_topic:
        kafka = p | "Read Kafka" >> ReadArticlesFromKafka(
            opts.kafka_bootstrap_servers,
            opts.input_topic,
            opts.consumer_group,
            opts.start_offset,
            opts.kafka_bounded,
            schema_registry_url=opts.schema_registry_url,
            track_offsets=True,
        )
        articles.append(kafka.articles)
        dead_letters.append(kafka.dead_letters)
        read_offsets = kafka.read_offsets
    read_dead = tuple(dead_letters) | "Read dead letters" >> beam.Flatten()
    read_all = (*articles, read_dead) | "Inputs" >> beam.Flatten()
    read_all | counting.Count(counting.READ)
    return tuple(articles) | "Articles" >> beam.Flatten(), read_dead, read_offsets


def dedupe_horizon_seconds(horizon: str) -> int:
    try:
        return parse_duration(horizon)
    except ValueError as e:
        raise ConfigurationError(f"--dedupe_horizon: {e}") from None


def build(p: beam.Pipeline, options: NewsPipelineOptions) -> None:
    """Build the whole graph on ``p`` from ``options``."""
    opts = options.view_as(NewsPipelineOptions)
    articles, read_dead, read_offsets = read_articles(p, opts)
    streaming = options.view_as(StandardOptions).streaming
    cleaned = articles | "Clean" >> CleanArticles(
        opts.min_words, opts.non_english, opts.max_article_chars, streaming=streaming
    )
    unique = cleaned.articles | counting.Count(counting.CLEANED)
    deduped = unique | "Dedupe" >> DedupeArticles(
        opts.dedupe_threshold,
        streaming=streaming,
        horizon_seconds=dedupe_horizon_seconds(opts.dedupe_horizon),
    )
    # Events come from English text only; other languages (--non_english=keep) are kept as
    # articles without events.
    english, other_language = deduped.unique | "By language" >> beam.Partition(
        lambda article, _: 0 if article.get("language") == ENGLISH else 1, 2
    )
    extracted = english | "Extract" >> ExtractEvents(
        opts.spacy_model,
        opts.lexicon,
        opts.inference_batch_size,
        gazetteer_cities=opts.gazetteer_cities,
    )
    kept = (
        extracted.articles,
        other_language | counting.Count(counting.WITHOUT_EVENTS),
    ) | "Kept articles" >> beam.Flatten()
    dead_letters = (
        read_dead,
        cleaned.dead_letters,
        extracted.dead_letters,
    ) | "Dead letters" >> beam.Flatten()
    outputs = {
        "events": extracted.events,
        "articles": kept | counting.Count(counting.KEPT),
        "duplicates": deduped.duplicates | counting.Count(counting.DUPLICATES),
        "dead_letters": dead_letters | counting.Count(counting.DEAD_LETTERS),
    }
    if read_offsets is not None:
        outputs["read_offsets"] = read_offsets
        outputs["results"] = (
            extracted.results,
            other_language | "No events" >> beam.Map(lambda article: (article, [])),
        ) | "Results" >> beam.Flatten()
    outputs | "Outputs" >> Outputs(opts)
