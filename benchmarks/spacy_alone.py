"""spaCy alone: W processes, each loading the pipeline's model and parsing its share."""

from __future__ import annotations

import multiprocessing
import time
from typing import NamedTuple

from pipelines.extract.model import load_spacy


class ShareResult(NamedTuple):
    load_seconds: float
    parse_seconds: float
    docs: int
    tokens: int


def parse_share(model: str, texts: list[str], batch_size: int) -> ShareResult:
    """Load ``model`` as the pipeline does and run ``nlp.pipe`` over ``texts``."""
    start = time.perf_counter()
    nlp = load_spacy(model)
    loaded = time.perf_counter()
    docs = tokens = 0
    for doc in nlp.pipe(texts, batch_size=batch_size):
        docs += 1
        tokens += len(doc)
    return ShareResult(loaded - start, time.perf_counter() - loaded, docs, tokens)


def run_spacy_alone(
    model: str, texts: list[str], workers: int, batch_size: int
) -> list[ShareResult]:
    """Parse ``texts`` in ``workers`` fresh (spawned) processes, round-robin shares."""
    shares = [(model, texts[i::workers], batch_size) for i in range(workers)]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        return pool.starmap(parse_share, shares)
