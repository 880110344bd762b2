"""Run the news-event pipeline: ``python -m pipelines.run --runner=DirectRunner [options]``.

With no option it reads the sample articles in seeds/ and writes Avro files to out/.
``--help`` lists every option of the pipeline; Beam's own options (runner, workers,
streaming, Flink) are accepted too.
"""

from __future__ import annotations

import argparse
import faulthandler
import logging
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import apache_beam as beam
from apache_beam.options.pipeline_options import (
    FlinkRunnerOptions,
    GoogleCloudOptions,
    PipelineOptions,
    PortableOptions,
    PrismRunnerOptions,
    StandardOptions,
)
from kafka.errors import KafkaError

from pipelines import counting, flink_rest
from pipelines.beam_args import JOB_SERVER_RUNNERS, check_pipeline_args
from pipelines.io.avro import prepare_output_dir
from pipelines.io.kafka_clients import PLAINTEXT, KafkaSecurity, admin, explained_errors
from pipelines.io.registry_security import RegistrySecurity
from pipelines.io.sinks import output_topics, register_schemas
from pipelines.options import ConfigurationError, NewsPipelineOptions
from pipelines.pipeline import build
from pipelines.progress import ProgressReporter

log = logging.getLogger("pipelines.run")
# How long the start-up check waits for a Kafka broker to answer.
KAFKA_CHECK_TIMEOUT_MS = 10_000
# A streaming job's state stream to Prism is opened with the job-service timeout; past it the
# submitting process exits and takes the still-running job with it, so streaming waits long.
STREAMING_JOB_SERVER_TIMEOUT_S = 7 * 24 * 3600
# How long a batch job on Flink keeps an idle Python environment for the job's next task.
FLINK_BATCH_ENVIRONMENT_CACHE_MS = 20_000
# Where deploy/local/prism.sh builds Beam's Prism runner.
LOCAL_PRISM = Path(__file__).resolve().parent.parent / ".cache" / "prism" / "prism"


def _help_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Beam options used most: --runner=DirectRunner|FlinkRunner, --streaming, "
        "--direct_num_workers=N, --direct_running_mode=multi_processing, --flink_master=HOST:PORT; "
        "with FlinkRunner, the Flink runner's own options (--checkpointing_interval, "
        "--state_backend, --savepoint_path, ...). Any other argument fails the run (exit 2).",
    )
    NewsPipelineOptions._add_argparse_args(parser)
    return parser


def print_summary(totals: dict[str, int], out=None) -> None:
    out = out or sys.stdout
    width = max(map(len, totals))
    print("Run summary:", file=out)
    for name, value in totals.items():
        print(f"  {name.replace('_', ' '):<{width}}  {value:>8,}", file=out)
    verdict = "balanced" if counting.balanced(totals) else "NOT BALANCED"
    print(
        f"  read {totals[counting.READ]:,} = with events {totals[counting.WITH_EVENTS]:,} "
        f"+ without events {totals[counting.WITHOUT_EVENTS]:,} "
        f"+ duplicates {totals[counting.DUPLICATES]:,} "
        f"+ dead letters {totals[counting.DEAD_LETTERS]:,}: {verdict}",
        file=out,
    )


def check_kafka(
    bootstrap_servers: str, input_topic: str | None, security: KafkaSecurity = PLAINTEXT
) -> None:
    """Fail at start when no broker answers, the client cannot authenticate or trust it, or
    the input topic does not exist, not at the first read or write after all the work."""
    security.check()
    with explained_errors(bootstrap_servers, security):
        client = admin(
            bootstrap_servers,
            security,
            request_timeout_ms=KAFKA_CHECK_TIMEOUT_MS,
            bootstrap_timeout_ms=KAFKA_CHECK_TIMEOUT_MS,
        )
    try:
        missing = input_topic and input_topic not in client.list_topics()
    except KafkaError as e:
        raise ConfigurationError(f"cannot list the topics at {bootstrap_servers}: {e}") from None
    finally:
        client.close()
    if missing:
        raise ConfigurationError(
            f"--input_topic {input_topic!r} does not exist at {bootstrap_servers}"
        )


def use_local_prism(options: PipelineOptions) -> None:
    """Streaming on DirectRunner, and PrismRunner, run on Beam's Prism: use a local binary.

    Beam downloads Prism from GitHub releases at run time; where it cannot, it falls back to a
    runner whose Flatten drops elements in streaming. $PRISM_LOCATION, or the binary that
    deploy/local/prism.sh builds, is used unless --prism_location is given; the job-service
    timeout, unless set, is raised so that the submitting process outlives a long job.
    """
    standard = options.view_as(StandardOptions)
    prism = options.view_as(PrismRunnerOptions)
    runner = standard.runner or "DirectRunner"
    if prism.prism_location or runner not in ("DirectRunner", "PrismRunner"):
        return
    if runner == "DirectRunner" and not standard.streaming:
        return  # batch on the in-process FnApiRunner
    portable = options.view_as(PortableOptions)
    if portable.job_server_timeout == PortableOptions().job_server_timeout:
        portable.job_server_timeout = STREAMING_JOB_SERVER_TIMEOUT_S
    local = Path(os.environ.get("PRISM_LOCATION") or LOCAL_PRISM)
    if local.is_file():
        prism.prism_location = str(local)
        log.info("streaming on Prism from %s", local)
    else:
        log.warning(
            "streaming on DirectRunner needs Beam's Prism runner; if it cannot be downloaded "
            "here, build it with deploy/local/prism.sh or pass --prism_location"
        )


def reuse_flink_workers(options: PipelineOptions) -> None:
    """A batch job on Flink (FlinkRunner, or PortableRunner through a Flink job server) runs
    each fused stage as its own task, and without an environment cache every task starts its
    Python workers anew (importing Beam, the pipeline and spaCy again): unless
    --environment_cache_millis is given, a batch job keeps its environments for its next
    task. Streaming tasks live as long as the job, and a cached environment could hand a
    restarted task the worker whose loss made it fail, so streaming keeps Beam's default (0).
    The cache takes effect where Beam's Flink runner is on the cluster's class path
    (deploy/local/flink.sh)."""
    portable = options.view_as(PortableOptions)
    if (
        runner_class(options) in JOB_SERVER_RUNNERS
        and not options.view_as(StandardOptions).streaming
        and not portable.environment_cache_millis
    ):
        portable.environment_cache_millis = FLINK_BATCH_ENVIRONMENT_CACHE_MS


def runner_class(options: PipelineOptions) -> str:
    """The runner's class name (``FlinkRunner``, also for a dotted path); DirectRunner when
    none is given."""
    return (options.view_as(StandardOptions).runner or "DirectRunner").rsplit(".", 1)[-1]


def runner_name(options: PipelineOptions) -> str:
    """The runner as a reader knows it: the in-process DirectRunner runs batch pipelines on
    the FnApiRunner and streaming ones on Prism."""
    runner = runner_class(options)
    if runner == "DirectRunner":
        return (
            "the DirectRunner (Prism)"
            if options.view_as(StandardOptions).streaming
            else ("the DirectRunner (FnApiRunner)")
        )
    return runner


def flink_counters(options: PipelineOptions) -> Callable[[], dict[str, int]] | None:
    """For a streaming job on a Flink cluster, its counters from Flink's REST API while it
    runs (the job server gives none before the end); the job is found by its name, so it gets
    a unique one when none is given. A batch task counts once, as it ends, and Flink serves a
    task's metrics only while it runs, so batch jobs have no such source."""
    streaming = options.view_as(StandardOptions).streaming
    if runner_name(options) != "FlinkRunner" or not streaming:
        return None
    url = flink_rest.rest_url(options.view_as(FlinkRunnerOptions).flink_master)
    if url is None:
        return None
    named = options.view_as(GoogleCloudOptions)
    if not named.job_name:
        named.job_name = f"news-pipeline-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    return flink_rest.RunningJobCounters(url, named.job_name)


def run(argv: list[str] | None = None) -> dict[str, int] | None:
    """Build and run the pipeline; returns the run summary (None for a streaming job)."""
    passed_on = check_pipeline_args(sys.argv[1:] if argv is None else argv)
    if passed_on:
        log.info("options passed on to the Flink job server: %s", " ".join(passed_on))
    options = PipelineOptions(argv)
    opts = options.view_as(NewsPipelineOptions)
    streaming = options.view_as(StandardOptions).streaming
    topics = (opts.input_topic, *output_topics(opts).values())
    RegistrySecurity.from_options(opts).check(opts.schema_registry_url)
    if any(topics) and not opts.kafka_bootstrap_servers:
        raise ConfigurationError("Kafka topic options need --kafka_bootstrap_servers")
    if any(topics):
        check_kafka(
            opts.kafka_bootstrap_servers, opts.input_topic, KafkaSecurity.from_options(opts)
        )
    register_schemas(opts)
    if opts.output_dir and "://" not in opts.output_dir:
        prepare_output_dir(opts.output_dir)
    use_local_prism(options)
    reuse_flink_workers(options)
    pipeline = beam.Pipeline(options=options)
    build(pipeline, options)
    log.info("starting the pipeline (%s)", "streaming" if streaming else "batch")
    progress = ProgressReporter(
        opts.progress_interval, runner_name(options), flink_counters(options)
    )
    progress.start()
    try:
        _submitting.set()
        try:
            result = pipeline.run()
        finally:
            _submitting.clear()
        progress.attach(result)
        try:
            if _sigterm_deferred.is_set():
                raise SystemExit(128 + signal.SIGTERM)
            result.wait_until_finish()
        except (KeyboardInterrupt, SystemExit):
            log.warning("stopping: cancelling the pipeline")
            result.cancel()
            raise
    finally:
        progress.stop()
    if streaming:
        return None
    totals = counting.summary(result)
    if opts.output_dir:
        log.info("Avro files written under %s", opts.output_dir)
    return totals


# Set while the pipeline is being submitted: a SIGTERM then waits for the submission to end,
# so that there is a job to cancel (an exit in the middle of it left the runner's services).
_submitting = threading.Event()
_sigterm_deferred = threading.Event()


def _exit_on_sigterm(signum: int, _frame) -> None:
    """SIGTERM (kill, systemd, a container stop) ends the run as Ctrl-C does, so the runner's
    own services, such as Prism, are stopped on the way out instead of left running."""
    if _submitting.is_set():
        _sigterm_deferred.set()
        return
    raise SystemExit(128 + signum)


def _dump_stacks_on_sigusr1() -> None:
    """An operator's view into a job that seems stuck: SIGUSR1 writes every thread's stack
    (the in-process Beam workers' included) to the process's stderr, and the job goes on."""
    try:
        # The process's own stderr: sys.stderr may be a replacement without a file
        # descriptor (an embedding application, pytest's capture).
        faulthandler.register(signal.SIGUSR1, file=sys.__stderr__, all_threads=True)
    except (AttributeError, ValueError, OSError) as e:
        log.warning("no stack dumps on SIGUSR1: stderr has no file descriptor (%s)", e)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        _dump_stacks_on_sigusr1()
    if "-h" in argv or "--help" in argv:
        _help_parser().print_help()
        return 0
    # The pipeline's own steps log at INFO, Beam's only warnings. force: an import-time
    # warning of Beam may have configured the root logger already.
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    logging.getLogger("pipelines").setLevel(logging.INFO)
    try:
        totals = run(argv)
    except ConfigurationError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if totals is not None:
        print_summary(totals)
        if not counting.balanced(totals):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
