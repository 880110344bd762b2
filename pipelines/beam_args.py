"""The arguments of ``pipelines.run``: Beam's options, the pipeline's, and nothing else.

Beam's PipelineOptions discards arguments it does not know with a warning, so a mistyped
option would run with its default. Here they fail the run at start (ConfigurationError, exit
2) naming the closest known option; only the Flink runner's own options, which the portable
runner forwards to the Java job server, pass with a runner that has one.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from apache_beam.options.pipeline_options import (
    PipelineOptions,
    StandardOptions,
    _BeamArgumentParser,
)

from pipelines.options import ConfigurationError
from pipelines.strict_options import describe, option_strings, unknown_arguments

# Runners that hand the pipeline to a Java job server, which takes options of its own.
JOB_SERVER_RUNNERS = ("FlinkRunner", "PortableRunner")
# Options of the Flink job server that Python does not define (a list taken from the job server).
FLINK_OPTIONS_FILE = Path(__file__).with_name("flink_job_server_options.txt")


def _load_names(path: Path) -> frozenset[str]:
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        name = line.split("#", 1)[0].strip()
        if name and not name.replace("_", "").isalnum():
            raise ValueError(f"{path}: {name!r} is not an option name")
        if name:
            names.add(name)
    return frozenset(names)


FLINK_JOB_SERVER_OPTIONS = _load_names(FLINK_OPTIONS_FILE)


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
