"""Batch speed on Flink against the multi-process DirectRunner, on the same articles.

    python benchmarks/flink_throughput.py [--corpus DIR] --n 2000 [--workers 2] [--repeat 1]
        [-- EXTRA FLINK PIPELINE ARGS]

Needs the session cluster of ``deploy/local/flink.sh start`` (REST on $FLINK_REST_PORT,
worker pool on $WORKER_POOL_PORT) and the job-server jar of ``deploy/local/job_server.sh``.
On the same N articles (.txt files, first line the title; default ../shared/corpora/bbc/) it
runs, ``--repeat`` times, alternating:

(a) the DirectRunner: ``python -m pipelines.run`` with ``--direct_num_workers=W
    --direct_running_mode=multi_processing`` (this environment's Beam), timed from process
    start to exit;
(b) Flink: the same pipeline submitted with the Flink venv's interpreter through one Beam
    job server started for the whole run (``--runner=PortableRunner``), ``--parallelism=W``,
    Python workers from the cluster's pool (EXTERNAL), timed from submission to the
    submitter's exit. Arguments after ``--`` go to these submissions.

Both read the files and write Avro to a temp dir. It prints articles/s, CPU seconds (for
Flink: the JobManager, the TaskManager, the job server, the submitter and the pool's Python
workers, counted from /proc before and after) and the ratios Flink / DirectRunner, then where
Flink's time went: the CPU of each process kind, the Python workers the pool started, and the
slowest tasks of the job with their records in and out per subtask (Flink's REST API).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import Sample, corpus_dir, link_files, load_sample  # noqa: E402
from benchmarks.flink_starts import POOL, REST, job_server, script_output  # noqa: E402
from benchmarks.procstats import TreeMonitor, service_cpu_seconds  # noqa: E402
from benchmarks.throughput import Run, measure_pipeline  # noqa: E402
from pipelines import flink_rest  # noqa: E402
from pipelines.options import DEFAULT_MODEL  # noqa: E402

SUBMIT_TIMEOUT = 3600
SLOWEST_TASKS = 5


class FlinkRun(NamedTuple):
    """One measured Flink run and where its CPU went."""

    run: Run
    job_seconds: float  # the job's own duration, as Flink reports it
    cpu_by_process: dict[str, float]
    workers_started: int
    tasks: list[str]  # the slowest tasks, formatted


def cluster_pids() -> dict[str, int]:
    """The session cluster's processes (deploy/local/flink.sh pids)."""
    out = subprocess.run(
        [str(ROOT / "deploy" / "local" / "flink.sh"), "pids"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pids = {}
    for line in out.splitlines():
        name, _, pid = line.partition(" ")
        if not pid.strip():
            raise SystemExit(f"error: the session cluster has no {name}; run flink.sh start")
        pids[name] = int(pid)
    return pids


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def finished_job(name: str) -> dict:
    """The job named ``name`` with its vertices, once Flink lists it."""
    for job in flink_rest.request(REST, "/jobs/overview")["jobs"]:
        if job["name"] == name:
            return flink_rest.request(REST, f"/jobs/{job['jid']}")
    raise SystemExit(f"error: Flink lists no job named {name}")


def slowest_tasks(job: dict) -> list[str]:
    """The longest-running tasks, each with its records in and out per subtask."""
    lines = []
    for vertex in sorted(job["vertices"], key=lambda v: -v["duration"])[:SLOWEST_TASKS]:
        detail = flink_rest.request(REST, f"/jobs/{job['jid']}/vertices/{vertex['id']}")
        split = ", ".join(
            f"{s['metrics']['read-records']} in/{s['metrics']['write-records']} out"
            for s in detail["subtasks"]
        )
        lines.append(f"{vertex['duration'] / 1000:7.1f} s  [{split}]  {vertex['name'][:90]}")
    return lines


def measure_flink(
    sample: Sample, args: argparse.Namespace, python: str, endpoint: str, server_pid: int
) -> FlinkRun:
    with tempfile.TemporaryDirectory(prefix="bench-flink-") as tmp:
        link_files(sample.files, Path(tmp) / "in")
        name = f"throughput-{uuid.uuid4().hex[:8]}"
        cmd = [
            python,
            "-m",
            "pipelines.run",
            "--runner=PortableRunner",
            f"--job_endpoint={endpoint}",
            "--environment_type=EXTERNAL",
            f"--environment_config={POOL}",
            f"--parallelism={args.workers}",
            f"--job_name={name}",
            f"--input={tmp}/in",
            f"--output_dir={tmp}/out/",
            f"--inference_batch_size={args.batch_size}",
            f"--spacy_model={args.spacy_model}",
            *args.pipeline_args,
        ]
        pids = cluster_pids()
        services = {**pids, "job server": server_pid}
        before = {kind: service_cpu_seconds(pid) for kind, pid in services.items()}
        submitter_before, start = _children_cpu(), time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        with TreeMonitor(pids["worker_pool"], exclude=(pids["worker_pool"],)) as pool:
            out, err = proc.communicate(timeout=SUBMIT_TIMEOUT)
        seconds = time.perf_counter() - start
        cpu = {kind: service_cpu_seconds(pid) - before[kind] for kind, pid in services.items()}
        cpu["submitter"] = _children_cpu() - submitter_before
        if proc.returncode != 0:
            sys.stderr.write(err.decode(errors="replace")[-3000:])
            raise SystemExit(f"error: the Flink submission exited with status {proc.returncode}")
        job = finished_job(name)
        note = " ".join(line.strip() for line in out.decode().splitlines()[-3:])
        run = Run(seconds, sum(cpu.values()), pool.largest_mib, pool.busy_processes(1.0), note)
        return FlinkRun(run, job["duration"] / 1000, cpu, len(pool.commands), slowest_tasks(job))


def print_report(sample: Sample, workers: int, direct: list[Run], flink: list[FlinkRun]) -> None:
    n = len(sample.articles)
    print(f"\n{n} articles, {sample.words:,} words, {workers} workers / parallelism {workers}\n")
    print(f"{'':34} {'seconds':>8} {'articles/s':>11} {'CPU s':>8} {'CPU ms/article':>15}")
    rows = [(f"(a) DirectRunner, run {i + 1}", r) for i, r in enumerate(direct)]
    rows += [(f"(b) Flink, run {i + 1}", f.run) for i, f in enumerate(flink)]
    for label, r in rows:
        print(
            f"{label:34} {r.seconds:8.1f} {n / r.seconds:11.2f} {r.cpu_seconds:8.1f} "
            f"{1000 * r.cpu_seconds / n:15.0f}"
        )
    for i, (a, f) in enumerate(zip(direct, flink, strict=True)):
        print(
            f"\nrun {i + 1}: Flink / DirectRunner articles/s {a.seconds / f.run.seconds:.2f}, "
            f"CPU seconds {f.run.cpu_seconds / a.cpu_seconds:.2f}; the Flink job alone "
            f"{f.job_seconds:.1f} s ({a.seconds / f.job_seconds:.2f} of the DirectRunner's rate)"
        )
        print("  Flink CPU s: " + ", ".join(f"{k} {v:.1f}" for k, v in f.cpu_by_process.items()))
        print(
            f"  Python workers started by the pool: {f.workers_started} "
            f"(largest {f.run.peak_mib:.0f} MiB)"
        )
        print("  slowest tasks (duration, records per subtask):")
        for line in f.tasks:
            print("    " + line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", help="Folder of .txt articles (default: ../shared/corpora/bbc)")
    parser.add_argument("--n", type=int, default=2000, help="Articles to use (default 2000).")
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="DirectRunner worker processes and Flink parallelism (default 2).",
    )
    parser.add_argument("--repeat", type=int, default=1, help="Runs of (a) and (b) (default 1).")
    parser.add_argument("--spacy-model", default=DEFAULT_MODEL, help="spaCy model package.")
    parser.add_argument(
        "--batch-size", type=int, default=32, help="--inference_batch_size of both (default 32)."
    )
    parser.add_argument("pipeline_args", nargs="*", help="after --: extra Flink pipeline arguments")
    args = parser.parse_args(argv)
    if min(args.n, args.workers, args.repeat, args.batch_size) < 1:
        parser.error("--n, --workers, --repeat and --batch-size must be at least 1")
    cluster_pids()  # fails early without a cluster
    sample = load_sample(corpus_dir(args.corpus), args.n)
    print(f"{len(sample.articles)} articles from {sample.files[0].parents[1]}", flush=True)
    python = script_output("flink_venv.sh")
    jar = script_output("job_server.sh")
    direct: list[Run] = []
    flink: list[FlinkRun] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-flink-") as tmp,
        job_server(jar, Path(tmp) / "job-server.log") as server,
    ):
        for i in range(args.repeat):
            direct.append(measure_pipeline(sample, args.workers, args.spacy_model, args.batch_size))
            flink.append(measure_flink(sample, args, python, server.endpoint, server.pid))
            print(
                f"run {i + 1}: DirectRunner {direct[-1].seconds:.1f} s, "
                f"Flink {flink[-1].run.seconds:.1f} s",
                flush=True,
            )
    print_report(sample, args.workers, direct, flink)
    return 0


if __name__ == "__main__":
    sys.exit(main())
