"""Streaming latency: articles produced to Kafka at a steady rate, events timed on arrival.

    python benchmarks/latency.py --bootstrap-servers 127.0.0.1:9392 --rate 5 --seconds 60
    python benchmarks/latency.py --bootstrap-servers 127.0.0.1:9392 --rates 2,3,5,8 --seconds 60

Starts the streaming pipeline (DirectRunner, ``--streaming``) as a subprocess between two
fresh topics, waits until it answers (warm-up articles are sent until the first event comes
back, at most ``--warmup-timeout`` seconds), then sends ``--rate`` articles a second for
``--seconds`` seconds, each with a new article_id, and reads the output topic. The latency of
an article is the time from sending it to the arrival of its first event; it prints p50, p95
and the maximum over the articles that yielded events, the cores the pipeline used meanwhile
(and so its CPU seconds per article) and the machine's load before the run (latency follows
the other load on a small machine), then stops the pipeline. With ``--rates``, it steps
through several rates on the same pipeline and prints the highest one it sustains (p95 under
2 s). With ``--idle SECONDS`` it first measures the cores the running pipeline uses while
nothing is sent (polling, the runner's scheduling), and prints each rate's CPU an article
also net of that idle cost. Arguments after ``--`` go to ``pipelines.run``. Every wait is
bounded.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kafka import KafkaConsumer, KafkaProducer  # noqa: E402
from kafka.admin import KafkaAdminClient, NewTopic  # noqa: E402

from benchmarks.corpus import corpus_dir, load_sample  # noqa: E402
from benchmarks.procstats import tree_cpu_seconds  # noqa: E402
from pipelines.io.kafka_codec import BadMessage, decode_record  # noqa: E402

WARMUP_INTERVAL = 2.0  # seconds between warm-up articles
STOP_TIMEOUT = 20.0  # seconds the pipeline gets to stop before it is killed
SUSTAINED_P95 = 2.0  # seconds: a rate is sustained while p95 latency stays below this


def create_topics(servers: str, names: list[str], partitions: int) -> None:
    admin = KafkaAdminClient(bootstrap_servers=servers)
    try:
        admin.create_topics([NewTopic(n, partitions, 1) for n in names], timeout_ms=30_000)
    finally:
        admin.close()


def start_pipeline(
    servers: str, source: str, sink: str, log_path: Path, extra: list[str]
) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "pipelines.run",
        "--runner=DirectRunner",
        "--streaming",
        f"--kafka_bootstrap_servers={servers}",
        f"--input_topic={source}",
        f"--output_topic={sink}",
        f"--consumer_group={source}",
        "--start_offset=earliest",
        "--output_dir=",
        *extra,
    ]
    log = log_path.open("wb")
    return subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def stop_pipeline(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT)


def article_message(article: dict, article_id: str) -> tuple[bytes, bytes]:
    value = {"article_id": article_id, "title": article["title"], "text": article["text"]}
    return article_id.encode(), json.dumps(value, ensure_ascii=False).encode()


class EventClock:
    """Reads the output topic; remembers when the first event of each article arrived."""

    def __init__(self, servers: str, topic: str) -> None:
        self._consumer = KafkaConsumer(
            topic, bootstrap_servers=servers, auto_offset_reset="earliest", group_id=None
        )
        self.first_seen: dict[str, float] = {}
        self.bad = 0

    def poll(self, seconds: float) -> None:
        batches = self._consumer.poll(timeout_ms=max(int(seconds * 1000), 0))
        now = time.time()
        for records in batches.values():
            for msg in records:
                try:
                    event = decode_record(msg.value, "event")
                except BadMessage:
                    self.bad += 1
                    continue
                self.first_seen.setdefault(event["article_id"], now)

    def poll_until(self, deadline: float) -> None:
        while (left := deadline - time.time()) > 0:
            self.poll(min(left, 0.2))

    def close(self) -> None:
        self._consumer.close()


def warm_up(producer, clock, proc, source: str, articles: list[dict], run: str, timeout: float):
    """Send warm-up articles until one comes back as an event; False on timeout."""
    deadline = time.time() + timeout
    sent: set[str] = set()
    for i, article in enumerate(articles):
        if time.time() > deadline or proc.poll() is not None:
            return False
        article_id = f"{run}-warmup-{i}"
        key, value = article_message(article, article_id)
        producer.send(source, key=key, value=value)
        producer.flush()
        sent.add(article_id)
        clock.poll_until(time.time() + WARMUP_INTERVAL)
        if sent & clock.first_seen.keys():
            return True
    return False


def measure(producer, clock, source: str, articles: list[dict], run: str, rate: float, seconds):
    """Send ``rate`` articles a second for ``seconds``; returns {article_id: send time}."""
    sent_at: dict[str, float] = {}
    start = time.time()
    count = int(rate * seconds)
    for i in range(count):
        clock.poll_until(start + i / rate)
        article_id = f"{run}-{i}"
        key, value = article_message(articles[i % len(articles)], article_id)
        sent_at[article_id] = time.time()
        producer.send(source, key=key, value=value)
        producer.flush()
    return sent_at


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


class Step(NamedTuple):
    rate: float
    articles: int
    with_events: int
    p50: float
    p95: float
    worst: float
    cores: float

    @property
    def cpu_per_article(self) -> float:
        return self.cores / self.rate

    def sustained(self) -> bool:
        return self.with_events > 0 and self.p95 < SUSTAINED_P95


def run_step(producer, clock, proc, source, articles, run, rate, seconds, drain) -> Step:
    """Send at ``rate`` for ``seconds``, wait for the events (at most ``drain`` seconds)."""
    cpu_start, wall_start = tree_cpu_seconds(proc.pid), time.time()
    sent_at = measure(producer, clock, source, articles, f"{run}-{rate:g}", rate, seconds)
    cores = (tree_cpu_seconds(proc.pid) - cpu_start) / (time.time() - wall_start)
    deadline = time.time() + drain
    while time.time() < deadline and not sent_at.keys() <= clock.first_seen.keys():
        clock.poll(0.5)
    latencies = [clock.first_seen[a] - t for a, t in sent_at.items() if a in clock.first_seen]
    if not latencies:
        return Step(rate, len(sent_at), 0, math.inf, math.inf, math.inf, cores)
    return Step(
        rate,
        len(sent_at),
        len(latencies),
        statistics.median(latencies),
        percentile(latencies, 0.95),
        max(latencies),
        cores,
    )


def idle_cores(clock, proc, seconds: float) -> float:
    """The cores the pipeline uses for ``seconds`` while no article is sent."""
    cpu_start, wall_start = tree_cpu_seconds(proc.pid), time.time()
    clock.poll_until(wall_start + seconds)
    return (tree_cpu_seconds(proc.pid) - cpu_start) / (time.time() - wall_start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap-servers", required=True, help="Kafka broker, HOST:PORT.")
    parser.add_argument("--rate", type=float, default=5.0, help="Articles a second (default 5).")
    parser.add_argument(
        "--rates",
        help="Comma-separated rates to step through, lowest first (e.g. 2,3,5,8), each for "
        "--seconds on the same running pipeline; stops after the first rate not sustained "
        f"(p95 >= {SUSTAINED_P95:g} s) and prints the highest sustained. Default: --rate.",
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="Sending time (default 60).")
    parser.add_argument("--corpus", help="Folder of .txt articles (default: ../shared/corpora/bbc)")
    parser.add_argument("--partitions", type=int, default=1, help="Input topic partitions.")
    parser.add_argument("--warmup-timeout", type=float, default=180.0)
    parser.add_argument(
        "--drain", type=float, default=30.0, help="Seconds to wait for late events (default 30)."
    )
    parser.add_argument(
        "--idle",
        type=float,
        default=0.0,
        help="Seconds to measure the pipeline's cores with nothing sent, after the warm-up "
        "(default 0: not measured).",
    )
    parser.add_argument(
        "pipeline_args", nargs="*", help="after --: extra arguments of pipelines.run"
    )
    args = parser.parse_args(argv)
    rates = [float(r) for r in args.rates.split(",")] if args.rates else [args.rate]
    if min(rates) <= 0 or args.seconds <= 0 or args.idle < 0:
        parser.error("rates and --seconds must be positive, --idle not negative")
    # Every step sends articles of its own: a text sent again would be a duplicate, no event.
    counts = [int(rate * args.seconds) for rate in rates]
    sample = load_sample(corpus_dir(args.corpus), sum(counts) + 50)
    warmup_articles = sample.articles[sum(counts) :]
    load_before = os.getloadavg()[0]
    run = f"latency-{uuid.uuid4().hex[:8]}"
    source, sink = f"{run}-articles", f"{run}-events"
    create_topics(args.bootstrap_servers, [source], args.partitions)
    create_topics(args.bootstrap_servers, [sink], 1)
    log_path = Path(tempfile.gettempdir()) / f"{run}-pipeline.log"
    proc = start_pipeline(args.bootstrap_servers, source, sink, log_path, args.pipeline_args)
    producer = KafkaProducer(bootstrap_servers=args.bootstrap_servers, linger_ms=0)
    clock = EventClock(args.bootstrap_servers, sink)
    steps: list[Step] = []
    try:
        started = time.time()
        if not warm_up(producer, clock, proc, source, warmup_articles, run, args.warmup_timeout):
            print(
                f"error: no event from the pipeline within {args.warmup_timeout:.0f} s "
                f"(log: {log_path})",
                file=sys.stderr,
            )
            return 1
        print(f"pipeline answered after {time.time() - started:.1f} s", flush=True)
        idle = idle_cores(clock, proc, args.idle) if args.idle else None
        if idle is not None:
            print(f"idle for {args.idle:g} s: the pipeline used {idle:.2f} cores", flush=True)
        for i, rate in enumerate(rates):
            articles = sample.articles[sum(counts[:i]) : sum(counts[: i + 1])]
            step = run_step(
                producer, clock, proc, source, articles, run, rate, args.seconds, args.drain
            )
            steps.append(step)
            print(
                f"{rate:g} articles/s for {args.seconds:g} s: {step.with_events} of "
                f"{step.articles} articles yielded events; produce-to-event latency "
                f"p50 {step.p50:.2f} s, p95 {step.p95:.2f} s, max {step.worst:.2f} s; "
                f"the pipeline (with Prism) used {step.cores:.2f} cores, "
                f"{step.cpu_per_article:.3f} CPU s an article"
                + (
                    f" ({(step.cores - idle) / rate:.3f} beyond the idle cost)"
                    if idle is not None
                    else ""
                ),
                flush=True,
            )
            if not step.sustained():
                break
    finally:
        producer.close()
        clock.close()
        stop_pipeline(proc)
    print(f"load average before the run {load_before:.2f} on {os.cpu_count()} cores")
    sustained = [s.rate for s in steps if s.sustained()]
    if len(rates) > 1:
        best = f"{max(sustained):g} articles/s" if sustained else "none of the rates tried"
        print(f"highest rate sustained (p95 < {SUSTAINED_P95:g} s): {best} (log: {log_path})")
    return 0 if sustained else 1


if __name__ == "__main__":
    sys.exit(main())
