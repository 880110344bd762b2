"""The dedupe stage alone, on one core: its own work, and the Beam transform around it.

    python -m benchmarks.dedupe_alone [--corpus DIR] [--n 1000]

prints the two figures that ``benchmarks/throughput.py`` reports as (c), for N articles.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.pvalue import TaggedOutput
from apache_beam.transforms.window import GlobalWindow

from benchmarks.corpus import corpus_dir, load_sample
from pipelines.dedupe import DedupeArticles, minhash
from pipelines.dedupe.batch import _Bucket, _candidates, _decide, _first_of_id, _probes

THRESHOLD = 0.8  # the pipeline's default --dedupe_threshold
MIN_CPU_SECONDS = 1.0
# Runs of each pipeline in the Beam figure; the best of each is taken. The marginal cost is
# a difference of four timings of about a second each, so one slow run can swing it widely.
BEAM_RUNS = 5


def _grouped(pairs, tag: str) -> dict[str, dict[str, list]]:
    groups: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for key, value in pairs:
        groups[key][tag].append(value)
    return groups


def _dedupe_once(articles: list[dict]) -> int:
    """The batch transform's steps as plain calls, shuffles replaced by dicts.

    First of each id, fingerprints and bucket entries, candidates, probes and decisions;
    returns the number of near and exact duplicates.
    """
    minhash._word_hashes.clear()  # start cold, as a fresh worker does
    deliveries = defaultdict(list)
    for article in articles:
        deliveries[article["article_id"]].append(article)
    firsts = [
        out
        for element in deliveries.items()
        for out in _first_of_id(element)
        if not isinstance(out, TaggedOutput)
    ]
    bucket, shards, shingles = _Bucket(), defaultdict(list), []
    bucket.start_bundle()
    window = GlobalWindow()
    for keyed in firsts:
        for out in bucket.process(keyed, window):
            if isinstance(out, TaggedOutput):
                shingles.append(out.value)
            else:
                shards[out.value[0]].append(out.value[1])
    for out in bucket.finish_bundle():
        shards[out.value[0]].append(out.value[1])
    exact, requests = [], []
    for shard in shards.items():
        for out in _candidates(shard):
            if isinstance(out, TaggedOutput):
                requests.append(out.value)
            else:
                exact.append(out)
    asked = _grouped(shingles, "shingles")
    for key, later_id in requests:
        asked[key]["request"].append(later_id)
    joined = _grouped(firsts, "article")
    for key, match in exact:
        joined[key]["match"].append(match)
    for element in asked.items():
        for key, packed in _probes(element):
            joined[key]["probe"].append(packed)
    return sum(
        isinstance(out, TaggedOutput)
        for element in joined.items()
        for out in _decide(element, THRESHOLD)
    )


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
    Create | Count, on all the articles and on half of them (best of ``BEAM_RUNS`` each); the
    difference of the two cancels the fixed costs (pipeline construction, pickling, runner
    start). Use a few hundred articles or more: the fewer, the noisier.
    """
    half = articles[: len(articles) // 2]

    def cost(sample: list[dict]) -> float:
        with_dedupe = min(_pipeline_cpu(sample, True) for _ in range(BEAM_RUNS))
        return with_dedupe - min(_pipeline_cpu(sample, False) for _ in range(BEAM_RUNS))

    return (len(articles) - len(half)) / max(cost(articles) - cost(half), 1e-9)


def main(argv: list[str] | None = None) -> int:
    """Print the dedupe figures alone for N articles of a corpus."""
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
    sys.exit(main())
