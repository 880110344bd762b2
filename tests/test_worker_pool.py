"""The worker pool stops only the SDK workers whose runner has let go of them."""

from __future__ import annotations

import socket
import subprocess

from apache_beam.portability.api import beam_fn_api_pb2, endpoints_pb2

from pipelines.worker_pool import Worker, WorkerPool


def _sleeper() -> subprocess.Popen:
    return subprocess.Popen(["sleep", "60"])


def test_a_stop_request_spares_the_same_named_worker_of_a_running_job():
    pool = WorkerPool()
    with socket.socket() as live_runner, socket.socket() as gone:
        live_runner.bind(("127.0.0.1", 0))
        live_runner.listen()
        gone.bind(("127.0.0.1", 0))  # bound, never listening: nothing answers there
        live_port, gone_port = live_runner.getsockname()[1], gone.getsockname()[1]
        kept, orphan, other = _sleeper(), _sleeper(), _sleeper()
        pool._workers = [
            Worker("1-1", kept, f"localhost:{live_port}"),
            Worker("1-1", orphan, f"localhost:{gone_port}"),
            Worker("2-1", other, f"localhost:{gone_port}"),
        ]
        try:
            assert pool.stop_orphans("1-1", grace=0) == [orphan.pid]
            assert orphan.poll() is not None
            assert kept.poll() is None and other.poll() is None
            assert [w.process for w in pool._workers] == [kept, other]
        finally:
            pool.stop_all()
    assert kept.poll() is not None and other.poll() is not None


def test_workers_run_the_boot_executable_or_a_harness_of_this_interpreter():
    request = beam_fn_api_pb2.StartWorkerRequest(
        worker_id="1-2", control_endpoint=endpoints_pb2.ApiServiceDescriptor(url="localhost:9")
    )
    boot = WorkerPool("/opt/apache/beam/boot").command(request)
    assert boot[0] == "/opt/apache/beam/boot"
    assert "--id=1-2" in boot and "--control_endpoint=localhost:9" in boot
    harness = WorkerPool().command(request)
    assert harness[1] == "-c" and "SdkHarness('localhost:9', worker_id='1-2'" in harness[2]
