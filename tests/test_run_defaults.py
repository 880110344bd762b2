"""Defaults that pipelines.run sets on Beam's own options."""

import pytest
from apache_beam.options.pipeline_options import PipelineOptions, PortableOptions

from pipelines.run import FLINK_BATCH_ENVIRONMENT_CACHE_MS, reuse_flink_workers


def cache_millis(*argv: str) -> int:
    options = PipelineOptions(list(argv))
    reuse_flink_workers(options)
    return int(options.view_as(PortableOptions).environment_cache_millis)


@pytest.mark.parametrize("runner", ["FlinkRunner", "PortableRunner"])
def test_batch_jobs_on_a_job_server_keep_their_python_workers_between_tasks(runner):
    assert cache_millis(f"--runner={runner}") == FLINK_BATCH_ENVIRONMENT_CACHE_MS > 0


def test_an_explicit_environment_cache_wins():
    assert cache_millis("--runner=FlinkRunner", "--environment_cache_millis=1500") == 1500


@pytest.mark.parametrize(
    "argv",
    [("--runner=FlinkRunner", "--streaming"), ("--runner=DirectRunner",), ()],
)
def test_streaming_jobs_and_other_runners_keep_beams_default(argv):
    assert cache_millis(*argv) == 0


def test_an_explicit_zero_turns_the_cache_off():
    assert cache_millis("--runner=FlinkRunner", "--environment_cache_millis=0") == 0
