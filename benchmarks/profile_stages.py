"""Where the time goes: the whole pipeline in one process under cProfile, by stage.

    python benchmarks/profile_stages.py [--corpus DIR] --n 150

Runs ``pipelines.run`` on DirectRunner with one in-process worker over N articles (files in,
Avro out, temp dirs) under cProfile and prints the cumulative time of each stage's own
functions, and the rest (Beam, coders, runner). cProfile slows Python code more than
spaCy's compiled code, so the Python stages' shares are upper bounds.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import corpus_dir, link_files, load_sample  # noqa: E402

# (stage, file path suffix, function name): the functions whose cumulative time is the stage's.
STAGES = [
    ("read files", "pipelines/io/files.py", "process"),
    ("clean", "pipelines/clean/transform.py", "process"),
    ("clean: paragraphs recurring per source", "pipelines/clean/repetition.py", "of"),
    ("clean: paragraphs recurring per source", "pipelines/clean/repetition.py", "recurring"),
    ("clean: paragraphs recurring per source", "pipelines/clean/repetition.py", "strip_repeated"),
    ("dedupe: fingerprints", "pipelines/dedupe/minhash.py", "fingerprint"),
    ("dedupe: candidates", "pipelines/dedupe/batch.py", "_candidates"),
    ("dedupe: verify and decide", "pipelines/dedupe/batch.py", "_decide"),
    ("spaCy (nlp.pipe)", "spacy/language.py", "pipe"),
    ("event rules", "pipelines/extract/article.py", "events_from_docs"),
    ("schema validation", "pipelines/io/sinks.py", "process"),
    ("Avro writing", "apache_beam/io/avroio.py", "write_record"),
]


def stage_seconds(stats: pstats.Stats) -> dict[str, float]:
    """Cumulative seconds of each stage's functions."""
    out = dict.fromkeys((name for name, _, _ in STAGES), 0.0)
    for (filename, _, func), (_, _, _, cumulative, _) in stats.stats.items():
        for name, suffix, fn in STAGES:
            if func == fn and filename.endswith(suffix):
                out[name] += cumulative
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", help="Folder of .txt articles (default: ../shared/corpora/bbc)")
    parser.add_argument("--n", type=int, default=150, help="Articles to use (default 150).")
    parser.add_argument("--save", help="Also write the raw cProfile stats to this file.")
    args = parser.parse_args(argv)
    sample = load_sample(corpus_dir(args.corpus), args.n)
    start = time.perf_counter()
    from pipelines.run import run  # the imports are timed apart from the run

    imports = time.perf_counter() - start
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        link_files(sample.files, Path(tmp) / "in")
        argv = ["--runner=DirectRunner", f"--input={tmp}/in", f"--output_dir={tmp}/out/"]
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.runcall(run, argv)
        total = time.perf_counter() - start
    stats = pstats.Stats(profiler)
    if args.save:
        stats.dump_stats(args.save)
    n = len(sample.articles)
    by_stage = stage_seconds(stats)
    by_stage["Beam runner, coders, the rest"] = total - sum(by_stage.values())
    print(
        f"\n{n} articles, one process, under cProfile: run {total:.1f} s "
        f"(+ {imports:.1f} s of imports before it)\n"
    )
    print(f"{'stage':32} {'seconds':>8} {'share':>7} {'ms/article':>11}")
    for name, seconds in sorted(by_stage.items(), key=lambda kv: -kv[1]):
        print(f"{name:32} {seconds:8.2f} {seconds / total:7.1%} {1000 * seconds / n:11.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
