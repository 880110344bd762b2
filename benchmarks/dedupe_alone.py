"""The dedupe stage alone, on one core: its own work, and the Beam transform around it."""

from __future__ import annotations

import time
from collections import defaultdict

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from pipelines.dedupe import DedupeArticles, minhash
from pipelines.dedupe.batch import _bucket_entries, _matches

THRESHOLD = 0.8  # the pipeline's default --dedupe_threshold
MIN_CPU_SECONDS = 1.0


def _dedupe_once(articles: list[dict]) -> int:
    """Fingerprints, LSH buckets and verified matches, as the batch transform computes them."""
    minhash._word_hashes.clear()  # start cold, as a fresh worker does
    buckets = defaultdict(list)
    for article in articles:
        for key, member in _bucket_entries(article):
            buckets[key].append(member)
    return sum(1 for bucket in buckets.items() for _ in _matches(bucket, THRESHOLD))


def dedupe_functions_cpu(articles: list[dict]) -> float:
    """Articles per CPU second of fingerprinting, bucketing and verification."""
    done, start = 0, time.process_time()
    while time.process_time() - start < MIN_CPU_SECONDS:
        _dedupe_once(articles)
        done += len(articles)
    return done / (time.process_time() - start)


def _pipeline_cpu(articles: list[dict], with_dedupe: bool) -> float:
    start = time.process_time()
    with beam.Pipeline(options=PipelineOptions(["--runner=DirectRunner"])) as p:
        pcoll = p | beam.Create(articles, reshuffle=False)
        if with_dedupe:
            pcoll = (pcoll | DedupeArticles(THRESHOLD)).unique
        pcoll | beam.combiners.Count.Globally()
    return time.process_time() - start


def dedupe_beam_cpu(articles: list[dict]) -> float:
    """Articles per CPU second of ``DedupeArticles`` on the in-process DirectRunner.

    The marginal cost: CPU time of Create | DedupeArticles | Count minus that of
    Create | Count, on all the articles and on half of them (best of 3 each); the difference
    of the two cancels the fixed costs (pipeline construction, pickling, runner start).
    """
    half = articles[: len(articles) // 2]

    def cost(sample: list[dict]) -> float:
        with_dedupe = min(_pipeline_cpu(sample, True) for _ in range(3))
        return with_dedupe - min(_pipeline_cpu(sample, False) for _ in range(3))

    return (len(articles) - len(half)) / max(cost(articles) - cost(half), 1e-9)


def main(argv: list[str] | None = None) -> int:
    """Print the dedupe figures alone for N articles of a corpus."""
    import argparse

    from benchmarks.corpus import corpus_dir, load_sample

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", help="folder of .txt articles (default ../shared/corpora/bbc)")
    parser.add_argument("--n", type=int, default=300, help="articles to sample (default 300)")
    args = parser.parse_args(argv)
    if args.n < 2:
        parser.error("--n must be at least 2")
    sample = load_sample(corpus_dir(args.corpus), args.n)
    print(f"{len(sample.articles)} articles")
    print(f"dedupe, functions:      {dedupe_functions_cpu(sample.articles):>8,.0f} articles/CPU s")
    print(f"dedupe, Beam transform: {dedupe_beam_cpu(sample.articles):>8,.0f} articles/CPU s")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
