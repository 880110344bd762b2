"""Streaming starts on the local Flink session cluster: time to first record, and stalls.

    python benchmarks/flink_starts.py --articles seeds/ --n 20 [--limit 60] [-- PIPELINE ARGS]

Needs the broker of deploy/local/kafka.sh and the cluster of ``deploy/local/flink.sh start``
(REST on $FLINK_REST_PORT, worker pool on $WORKER_POOL_PORT). Each of the N submissions, one
after the other, loads the article files into a new two-partition topic and submits the
streaming pipeline (``python -m pipelines.run --streaming``, EXTERNAL workers from the pool,
Kafka in and out) with the Flink venv's interpreter, as tests/test_flink_kafka.py does, but
through one Beam Flink job server that the script starts for all submissions
(``--runner=PortableRunner --job_endpoint``) rather than one per submission (a JVM start and
a translation more each time). It prints, per submission, the seconds from submission until
every task of the job is RUNNING and from then until the job's ``news/articles_read``
counter (read from Flink's REST metrics) first moves; a job that reads nothing within
``--limit`` seconds of running is a stall. The job is then cancelled. Arguments after ``--``
go to every submission (e.g. ``-- --finish_bundle_before_checkpointing=false``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kafka import KafkaAdminClient  # noqa: E402
from kafka.admin import NewTopic  # noqa: E402

from pipelines import counting, flink_rest  # noqa: E402
from pipelines.produce import produce  # noqa: E402

REST = f"http://127.0.0.1:{os.environ.get('FLINK_REST_PORT', '8081')}"
POOL = f"localhost:{os.environ.get('WORKER_POOL_PORT', '50000')}"
BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
# From submission to every task RUNNING (job server start, upload, deployment, harness start).
RUNNING_TIMEOUT = 300
POLL_SECONDS = 1.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JobServer(NamedTuple):
    endpoint: str  # host:port of its job service
    pid: int


@contextlib.contextmanager
def job_server(jar: str, log: Path) -> Iterator[JobServer]:
    """Beam's Flink job server for the session cluster, started and stopped."""
    port = free_port()
    cmd = ["java", "-jar", jar, f"--flink-master={REST.removeprefix('http://')}"]
    cmd += [f"--job-port={port}", "--artifact-port=0", "--expansion-port=0"]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + RUNNING_TIMEOUT
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the job server did not start; see {log}")
            time.sleep(POLL_SECONDS)
        yield JobServer(f"localhost:{port}", proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=60)


class Start(NamedTuple):
    to_running: float | None  # seconds from submission until every task runs
    to_first_record: float | None  # seconds from then until articles_read > 0
    note: str


def all_running(jid: str) -> bool:
    job = flink_rest.request(REST, f"/jobs/{jid}")
    return job["state"] == "RUNNING" and all(v["status"] == "RUNNING" for v in job["vertices"])


def articles_read(jid: str) -> int:
    """The job's news/articles_read counter (0 before any bundle that counted has finished)."""
    return flink_rest.job_counters(REST, jid).get(counting.READ, 0)


def progress(jid: str) -> str:
    """Records in and out of each task: where a stalled job stopped."""
    lines = []
    for v in flink_rest.request(REST, f"/jobs/{jid}")["vertices"]:
        m = v["metrics"]
        lines.append(f"    {m['read-records']:>6} in {m['write-records']:>6} out  {v['name'][:70]}")
    return "\n".join(lines)


def submit_once(args, python: str, job_endpoint: str, index: int, workdir: Path) -> Start:
    """One submission: a fresh topic with the articles, the job, its first record."""
    tag = f"starts-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    topics = {kind: f"{tag}-{kind}" for kind in ("articles", "events", "dead")}
    admin.create_topics(
        [NewTopic(topics["articles"], 2, 1), NewTopic(topics["events"], 1, 1)]
        + [NewTopic(topics["dead"], 1, 1)]
    )
    admin.close()
    produce(BOOTSTRAP, topics["articles"], args.articles)
    cmd = [
        python,
        "-m",
        "pipelines.run",
        "--runner=PortableRunner",
        f"--job_endpoint={job_endpoint}",
        "--environment_type=EXTERNAL",
        f"--environment_config={POOL}",
        f"--job_name={tag}",
        "--streaming",
        "--parallelism=1",
        f"--kafka_bootstrap_servers={BOOTSTRAP}",
        f"--input_topic={topics['articles']}",
        f"--output_topic={topics['events']}",
        f"--dead_letter_topic={topics['dead']}",
        f"--consumer_group={tag}",
        "--output_dir=",
        *args.pipeline_args,
    ]
    log_path = workdir / f"submit-{index}.log"
    began = time.monotonic()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=workdir, stdout=log, stderr=log, start_new_session=True)
    jid = None
    try:
        while time.monotonic() - began < RUNNING_TIMEOUT:
            if proc.poll() is not None:
                return Start(None, None, f"submitter exited {proc.returncode}, see {log_path}")
            jid = jid or flink_rest.running_job(REST, tag)
            if jid and all_running(jid):
                break
            time.sleep(POLL_SECONDS)
        else:
            return Start(None, None, f"not running after {RUNNING_TIMEOUT} s")
        running = time.monotonic()
        to_running = running - began
        while time.monotonic() - running < args.give_up:
            if articles_read(jid) > 0:
                first = time.monotonic() - running
                note = "ok" if first <= args.limit else f"STALL (read after {first:.0f} s)"
                return Start(to_running, first, note)
            time.sleep(POLL_SECONDS)
        return Start(to_running, None, "STALL (nothing read)\n" + progress(jid))
    finally:
        if jid:
            try:
                flink_rest.request(REST, f"/jobs/{jid}", method="PATCH")  # cancel
            except OSError:
                pass
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def script_output(name: str) -> str:
    """The last line a deploy/local script prints (the venv's python, the jar's path)."""
    out = subprocess.run(
        [str(ROOT / "deploy" / "local" / name)], capture_output=True, text=True, check=True
    )
    return out.stdout.strip().splitlines()[-1]


def _exit_on_sigterm(signum: int, _frame) -> None:
    """SIGTERM ends the run through the cleanups: the job cancelled, the job server stopped."""
    raise SystemExit(128 + signum)


def main() -> int:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", nargs="+", required=True, help="article files or folders")
    parser.add_argument("--n", type=int, default=20, help="submissions (default 20)")
    parser.add_argument(
        "--limit", type=float, default=60, help="seconds to first record (default 60)"
    )
    parser.add_argument(
        "--give_up", type=float, default=150, help="seconds before a stalled job is cancelled"
    )
    parser.add_argument("pipeline_args", nargs="*", help="after --: extra pipeline arguments")
    args = parser.parse_args()
    python = script_output("flink_venv.sh")
    jar = script_output("job_server.sh")
    starts = []
    with (
        tempfile.TemporaryDirectory(prefix="flink-starts-") as tmp,
        job_server(jar, Path(tmp) / "job-server.log") as server,
    ):
        for i in range(1, args.n + 1):
            start = submit_once(args, python, server.endpoint, i, Path(tmp))
            starts.append(start)
            running = "-" if start.to_running is None else f"{start.to_running:.1f}"
            first = "-" if start.to_first_record is None else f"{start.to_first_record:.1f}"
            print(
                f"{i:>3}  running after {running:>6} s  first record after {first:>6} s  "
                f"{start.note}",
                flush=True,
            )
    ok = [s.to_first_record for s in starts if s.note == "ok"]
    print(f"{len(ok)} of {len(starts)} read their first record within {args.limit:.0f} s", end="")
    if ok:
        print(f" (median {sorted(ok)[len(ok) // 2]:.1f} s, max {max(ok):.1f} s)")
    else:
        print()
    return 0 if len(ok) == len(starts) else 1


if __name__ == "__main__":
    sys.exit(main())
