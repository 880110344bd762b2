"""Throughput and memory: spaCy alone vs the whole pipeline vs the dedupe stage alone.

    python benchmarks/throughput.py [--corpus DIR] --n 400 [--workers 2] [--repeat 3]

On the same N articles (.txt files, first line the title; default ../shared/corpora/bbc/)
and the same number of worker processes it runs, ``--repeat`` times, alternating:

(a) spaCy alone: W spawned processes, each loading the model exactly as the pipeline does
    (``pipelines.extract.model.load_spacy``) and running ``nlp.pipe`` over its share of
    the cleaned article texts;
(b) the whole pipeline: ``python -m pipelines.run`` on DirectRunner with
    ``--direct_num_workers=W --direct_running_mode=multi_processing``, files in (symlinks
    in a temp dir), Avro out (temp dir);
(c) the dedupe stage alone, on one core: the fingerprint, bucket and verification work
    (CPU time), and ``DedupeArticles`` on the in-process DirectRunner (marginal CPU time).

Both (a) and (b) are timed from process start to exit, so model loading and worker start-up
count in both. It prints articles/s and words/s (wall clock), CPU seconds, the peak RSS of
the largest process, and (b)/(a) per run. Other jobs on the machine slow runs down: the
spread over repeats is printed, and the CPU-seconds ratio is much less sensitive to them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import Sample, corpus_dir, link_files, load_sample  # noqa: E402
from benchmarks.dedupe_alone import dedupe_beam_cpu, dedupe_functions_cpu  # noqa: E402
from benchmarks.procstats import TreeMonitor  # noqa: E402
from benchmarks.spacy_alone import run_spacy_alone  # noqa: E402
from pipelines.options import DEFAULT_MODEL  # noqa: E402

MIB = 1024


class Run(NamedTuple):
    """One measured run of a stage."""

    seconds: float  # wall clock
    cpu_seconds: float  # all processes
    peak_mib: float  # largest process
    busy: int  # processes that used at least a second of CPU
    note: str = ""


def _cpu_now() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def measure_spacy(sample: Sample, workers: int, model: str, batch_size: int) -> Run:
    cpu, start = _cpu_now(), time.perf_counter()
    with TreeMonitor(os.getpid(), exclude=(os.getpid(),)) as mon:
        shares = run_spacy_alone(model, sample.texts, workers, batch_size)
    seconds = time.perf_counter() - start
    load = max(s.load_seconds for s in shares)
    parse = max(s.parse_seconds for s in shares)
    note = f"model load {load:.1f} s, parse {parse:.1f} s (slowest worker)"
    return Run(seconds, _cpu_now() - cpu, mon.largest_mib, mon.busy_processes(1.0), note)


def measure_pipeline(sample: Sample, workers: int, model: str, batch_size: int) -> Run:
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        link_files(sample.files, Path(tmp) / "in")
        cmd = [
            sys.executable,
            "-m",
            "pipelines.run",
            "--runner=DirectRunner",
            f"--direct_num_workers={workers}",
            "--direct_running_mode=multi_processing",
            f"--input={tmp}/in",
            f"--output_dir={tmp}/out/",
            f"--inference_batch_size={batch_size}",
            f"--spacy_model={model}",
        ]
        cpu, start = _cpu_now(), time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        with TreeMonitor(proc.pid) as mon:
            out, err = proc.communicate()
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            sys.stderr.write(err.decode(errors="replace")[-3000:])
            raise SystemExit(f"error: the pipeline exited with status {proc.returncode}")
        summary = out.decode(errors="replace")
        kept = _summary_value(summary, "articles kept")
        events = _summary_value(summary, "events written")
        note = f"{kept} articles kept, {events} events"
        return Run(seconds, _cpu_now() - cpu, mon.largest_mib, mon.busy_processes(1.0), note)


def _summary_value(summary: str, name: str) -> int:
    for line in summary.splitlines():
        if line.strip().startswith(name):
            return int(line.split()[-1].replace(",", ""))
    raise SystemExit(f"error: no '{name}' in the pipeline's summary:\n{summary}")


def _spread(values: list[float], fmt: str = "{:.1f}") -> str:
    mid = statistics.median(values)
    if len(values) == 1:
        return fmt.format(mid)
    return f"{fmt.format(mid)} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def print_report(sample: Sample, workers: int, runs: dict[str, list[Run]], dedupe) -> None:
    n, words = len(sample.articles), sample.words
    print(
        f"\n{n} articles, {words:,} words, {workers} worker processes, "
        f"{len(runs['a'])} run(s) each; median (min-max)\n"
    )
    header = f"{'':28} {'articles/s':>18} {'words/s':>22} {'CPU s':>16} {'peak RSS MiB':>14}"
    print(header)
    names = {"a": "(a) spaCy alone", "b": "(b) whole pipeline"}
    for key, label in names.items():
        rs = runs[key]
        print(
            f"{label:28} {_spread([n / r.seconds for r in rs]):>18} "
            f"{_spread([words / r.seconds for r in rs], '{:,.0f}'):>22} "
            f"{_spread([r.cpu_seconds for r in rs]):>16} {max(r.peak_mib for r in rs):>14.0f}"
        )
    fn_rate, beam_rate = dedupe
    print(
        f"{'(c) dedupe, functions':28} {fn_rate:>13,.0f} /core {fn_rate * words / n:>17,.0f} /core"
    )
    print(
        f"{'(c) dedupe, Beam transform':28} {beam_rate:>13,.0f} /core "
        f"{beam_rate * words / n:>17,.0f} /core"
    )
    pairs = list(zip(runs["a"], runs["b"], strict=True))
    ratios = [a.seconds / b.seconds for a, b in pairs]
    cpu_ratios = [a.cpu_seconds / b.cpu_seconds for a, b in pairs]
    print(
        f"\n(b)/(a) throughput, per run: {', '.join(f'{r:.2f}' for r in ratios)}"
        f"  -> median {statistics.median(ratios):.2f}"
    )
    print(
        f"(a)/(b) CPU seconds, per run: {', '.join(f'{r:.2f}' for r in cpu_ratios)}"
        f"  -> median {statistics.median(cpu_ratios):.2f}"
    )
    for key, label in names.items():
        busy = sorted({r.busy for r in runs[key]})
        print(f"{label}: processes using >= 1 CPU s: {busy}; {runs[key][-1].note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", help="Folder of .txt articles (default: ../shared/corpora/bbc)")
    parser.add_argument("--n", type=int, default=400, help="Articles to use (default 400).")
    parser.add_argument("--workers", type=int, default=2, help="Worker processes (default 2).")
    parser.add_argument("--repeat", type=int, default=3, help="Runs of (a) and (b) (default 3).")
    parser.add_argument("--spacy-model", default=DEFAULT_MODEL, help="spaCy model package.")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=32,
        help="Articles per spaCy batch in both: nlp.pipe's batch_size in (a), "
        "--inference_batch_size in (b) (default 32, the pipeline's default).",
    )
    args = parser.parse_args(argv)
    if min(args.n, args.workers, args.repeat, args.batch_size) < 1:
        parser.error("--n, --workers, --repeat and --batch-size must be at least 1")
    sample = load_sample(corpus_dir(args.corpus), args.n)
    print(f"{len(sample.articles)} articles from {sample.files[0].parents[1]}", flush=True)
    runs: dict[str, list[Run]] = defaultdict(list)
    for i in range(args.repeat):
        runs["a"].append(measure_spacy(sample, args.workers, args.spacy_model, args.batch_size))
        runs["b"].append(measure_pipeline(sample, args.workers, args.spacy_model, args.batch_size))
        a, b = runs["a"][-1], runs["b"][-1]
        print(f"run {i + 1}: (a) {a.seconds:.1f} s, (b) {b.seconds:.1f} s", flush=True)
    print_report(
        sample,
        args.workers,
        runs,
        (dedupe_functions_cpu(sample.articles), dedupe_beam_cpu(sample.articles)),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
