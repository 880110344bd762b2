"""The arguments of ``pipelines.run``: Beam's options, the pipeline's, and nothing else.

Beam's PipelineOptions discards arguments it does not know with a warning, so a mistyped
option would run with its default. Here they fail the run at start (ConfigurationError, exit
2) naming the closest known option; only the Flink runner's own options, which the portable
runner forwards to the Java job server, pass with a runner that has one.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from apache_beam.options.pipeline_options import (
    PipelineOptions,
    StandardOptions,
    _BeamArgumentParser,
)

from pipelines.options import ConfigurationError
from pipelines.strict_options import describe, option_strings, unknown_arguments

# Runners that hand the pipeline to a Java job server, which takes options of its own.
JOB_SERVER_RUNNERS = ("FlinkRunner", "PortableRunner")
# The Java options of Beam's Flink runner (FlinkPipelineOptions and the interfaces it extends,
# Beam 2.62, as Python names) that the Python SDK does not define itself. The portable runner
# forwards them to the job server, so they are accepted with a job-server runner only.
FLINK_JOB_SERVER_OPTIONS = frozenset(
    {
        "allow_non_restored_state",
        "app_name",
        "attached_mode",
        "auto_balance_write_files_sharding_enabled",
        "auto_watermark_interval",
        "checkpoint_timeout_millis",
        "checkpointing_interval",
        "checkpointing_mode",
        "disable_metric_accumulator",
        "disable_metrics",
        "enable_stable_input_drain",
        "execution_mode_for_batch",
        "execution_retry_delay",
        "externalized_checkpoints_enabled",
        "fail_on_checkpointing_errors",
        "faster_copy",
        "file_input_split_max_size_m_b",
        "files_to_stage",
        "finish_bundle_before_checkpointing",
        "flink_conf_dir",
        "force_unaligned_checkpoint_enabled",
        "job_check_interval_in_secs",
        "latency_tracking_interval",
        "max_bundle_size",
        "max_bundle_time_mills",
        "min_pause_between_checkpoints",
        "num_concurrent_checkpoints",
        "number_of_execution_retries",
        "object_reuse",
        "operator_chaining",
        "re_iterable_group_by_key_result",
        "report_checkpoint_duration",
        "retain_externalized_checkpoints_on_cancellation",
        "savepoint_path",
        "shutdown_sources_after_idle_ms",
        "state_backend",
        "state_backend_factory",
        "state_backend_storage_path",
        "unaligned_checkpoint_enabled",
        "use_data_stream_for_batch",
    }
)


def _beam_parser() -> argparse.ArgumentParser:
    """A parser of every option Beam and this project define, as PipelineOptions builds it."""
    parser = _BeamArgumentParser(allow_abbrev=False, add_help=False)
    classes = {str(cls): cls for cls in PipelineOptions.__subclasses__()}
    for cls in classes.values():
        cls._add_argparse_args(parser)
    return parser


def check_pipeline_args(argv: Sequence[str]) -> list[str]:
    """Raise ConfigurationError for arguments neither Beam nor the pipeline define.

    Returns the Flink runner options left to the job server (accepted only with FlinkRunner or
    PortableRunner).
    """
    parser = _beam_parser()
    parsed, extras = parser.parse_known_args(list(argv))
    unknown = unknown_arguments(extras)
    runner = parsed.runner or StandardOptions().runner or ""
    passed = []
    if runner.rsplit(".", 1)[-1] in JOB_SERVER_RUNNERS:
        passed = [a for a in unknown if a.lstrip("-") in FLINK_JOB_SERVER_OPTIONS]
        unknown = [a for a in unknown if a not in passed]
    if unknown:
        known = option_strings(parser) | {f"--{name}" for name in FLINK_JOB_SERVER_OPTIONS}
        raise ConfigurationError(describe(unknown, known, FLINK_JOB_SERVER_OPTIONS))
    return passed
