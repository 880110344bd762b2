"""The Beam worker pool of a Flink TaskManager, safe for jobs that reuse worker ids.

    python -m pipelines.worker_pool --service_port=50000 [--container_executable=BOOT]

Flink runs Python steps in SDK workers that the pool starts on request (EXTERNAL
environment). Beam's Flink runner names a job's workers ``1-1``, ``1-2``, ... afresh in every
job of a session cluster, and Beam's own pool (``apache_beam.runners.worker.worker_pool_main``)
keeps one process per name: a job that ends after the next job started a worker of the same
name kills that job's worker with its StopWorker request, and the other job fails or stalls.
This pool keeps every worker it started. The runner closes a worker's control stream before
it sends StopWorker, so the worker being stopped exits by itself; after STOP_GRACE_SECONDS,
a worker of that name still running is stopped only if its control endpoint (its job's
runner) no longer answers. Workers' output goes to the pool's own stdout and stderr.
"""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent import futures
from dataclasses import dataclass

import grpc
from apache_beam.portability.api import beam_fn_api_pb2, beam_fn_api_pb2_grpc

log = logging.getLogger("pipelines.worker_pool")

# How long a stopped worker gets to exit by itself before the pool looks at it again.
STOP_GRACE_SECONDS = 10.0
# How long a worker gets to end after SIGTERM before SIGKILL.
TERMINATE_SECONDS = 5.0
CONNECT_TIMEOUT_SECONDS = 1.0


@dataclass
class Worker:
    """One SDK worker process and the control endpoint of the runner it serves."""

    worker_id: str
    process: subprocess.Popen
    control_endpoint: str


def endpoint_answers(endpoint: str) -> bool:
    """Whether something accepts TCP connections at ``host:port``."""
    host, _, port = endpoint.rpartition(":")
    try:
        with socket.create_connection((host or "localhost", int(port)), CONNECT_TIMEOUT_SECONDS):
            return True
    except (OSError, ValueError):
        return False


def stop_process(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=TERMINATE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class WorkerPool(beam_fn_api_pb2_grpc.BeamFnExternalWorkerPoolServicer):
    """Starts SDK worker processes; stops only those their runner has let go of."""

    def __init__(self, container_executable: str | None = None) -> None:
        self._executable = container_executable
        self._workers: list[Worker] = []
        self._lock = threading.Lock()

    def command(self, request: beam_fn_api_pb2.StartWorkerRequest) -> list[str]:
        """The worker's command: the container's boot executable, or an SDK harness in this
        interpreter."""
        if self._executable:
            return [
                self._executable,
                f"--id={request.worker_id}",
                f"--logging_endpoint={request.logging_endpoint.url}",
                f"--artifact_endpoint={request.artifact_endpoint.url}",
                f"--provision_endpoint={request.provision_endpoint.url}",
                f"--control_endpoint={request.control_endpoint.url}",
            ]
        harness = (
            "from apache_beam.runners.worker.sdk_worker import SdkHarness; "
            f"SdkHarness({request.control_endpoint.url!r}, worker_id={request.worker_id!r}, "
            "state_cache_size=0, data_buffer_time_limit_ms=-1).run()"
        )
        return [sys.executable, "-c", harness]

    def StartWorker(self, request, context):  # noqa: N802 (gRPC method name)
        try:
            process = subprocess.Popen(self.command(request), close_fds=True)
        except OSError as e:
            return beam_fn_api_pb2.StartWorkerResponse(error=f"cannot start a worker: {e}")
        with self._lock:
            self._workers.append(Worker(request.worker_id, process, request.control_endpoint.url))
        log.info(
            "started worker %s (pid %d) for %s",
            request.worker_id,
            process.pid,
            request.control_endpoint.url,
        )
        return beam_fn_api_pb2.StartWorkerResponse()

    def StopWorker(self, request, context):  # noqa: N802 (gRPC method name)
        worker_id = request.worker_id
        threading.Thread(target=self.stop_orphans, args=(worker_id, STOP_GRACE_SECONDS)).start()
        return beam_fn_api_pb2.StopWorkerResponse()

    def stop_orphans(self, worker_id: str, grace: float) -> list[int]:
        """After ``grace`` seconds, stop the workers named ``worker_id`` whose runner no
        longer answers; forget the ones that exited. Returns the pids stopped."""
        time.sleep(grace)
        with self._lock:
            named = [w for w in self._workers if w.worker_id == worker_id]
        stopped = []
        for worker in named:
            if worker.process.poll() is None and not endpoint_answers(worker.control_endpoint):
                log.info("stopping worker %s (pid %d)", worker_id, worker.process.pid)
                stop_process(worker.process)
                stopped.append(worker.process.pid)
            elif worker.process.poll() is None:
                log.info(
                    "worker %s (pid %d) serves %s, which still runs: kept",
                    worker_id,
                    worker.process.pid,
                    worker.control_endpoint,
                )
        with self._lock:
            self._workers = [w for w in self._workers if w.process.poll() is None]
        return stopped

    def stop_all(self) -> None:
        with self._lock:
            workers, self._workers = self._workers, []
        for worker in workers:
            if worker.process.poll() is None:
                stop_process(worker.process)


def serve(port: int, pool: WorkerPool) -> grpc.Server:
    """The pool's gRPC server on ``port`` (all interfaces), started."""
    options = [("grpc.http2.max_pings_without_data", 0), ("grpc.http2.max_ping_strikes", 0)]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16), options=options)
    beam_fn_api_pb2_grpc.add_BeamFnExternalWorkerPoolServicer_to_server(pool, server)
    if server.add_insecure_port(f"[::]:{port}") == 0:
        raise SystemExit(f"worker pool: cannot listen on port {port}")
    server.start()
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.worker_pool", description=__doc__)
    parser.add_argument("--service_port", type=int, required=True, help="the pool's port")
    parser.add_argument(
        "--container_executable",
        default=None,
        help="start workers with this executable of the Beam SDK container contract (the SDK "
        "image's /opt/apache/beam/boot) instead of an SDK harness in this interpreter",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    pool = WorkerPool(args.container_executable)
    server = serve(args.service_port, pool)
    log.info("worker pool listening on port %d", args.service_port)
    done = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: done.set())
    done.wait()
    server.stop(grace=None)
    pool.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
