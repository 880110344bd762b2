"""The pipeline's counters of a job running on a Flink cluster, from Flink's REST API.

Beam's Flink job server hands a job's metrics to the submitter only when the job has ended;
Flink itself serves them while it runs, per task, as ``<operator>.news_<counter>`` (each
subtask's own, prefixed with its index). The progress lines of a Flink run and the benchmarks
read them here.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

from pipelines import counting

TIMEOUT_SECONDS = 10
_ENDED = ("CANCELED", "FAILED", "FINISHED")
_PREFIX = f"{counting.NAMESPACE}_"


def rest_url(flink_master: str | None) -> str | None:
    """The REST address of a ``--flink_master``, None for an embedded cluster."""
    if not flink_master or flink_master.startswith("["):  # [local], [auto]
        return None
    return flink_master if "://" in flink_master else f"http://{flink_master}"


def request(
    url: str,
    path: str,
    body: dict | None = None,
    method: str | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> Any:
    """Flink's JSON answer at ``path`` of the REST address ``url``: GET, or POST of ``body``
    as JSON, unless ``method`` says otherwise (PATCH cancels a job)."""
    headers = {} if body is None else {"Content-Type": "application/json"}
    data = None if body is None else json.dumps(body).encode()
    method = method or ("GET" if body is None else "POST")
    call = urllib.request.Request(url.rstrip("/") + path, data, headers, method=method)
    with urllib.request.urlopen(call, timeout=timeout) as response:
        return json.load(response)


def running_job(url: str, name: str, timeout: float = TIMEOUT_SECONDS) -> str | None:
    """The id of the newest job named ``name`` that has not ended, or None."""
    jobs = [j for j in request(url, "/jobs/overview", timeout=timeout)["jobs"] if j["name"] == name]
    live = [j for j in jobs if j["state"] not in _ENDED]
    return max(live, key=lambda j: j["start-time"])["jid"] if live else None


def task_counters(
    url: str, jid: str, timeout: float = TIMEOUT_SECONDS
) -> Iterator[tuple[dict, dict[str, list[int]]]]:
    """Each task (Flink's vertex) of the job that keeps ``news`` counters, with those counters
    by name, one value per subtask."""
    for vertex in request(url, f"/jobs/{jid}", timeout=timeout)["vertices"]:
        base = f"/jobs/{jid}/vertices/{vertex['id']}/metrics"
        listed = request(url, base, timeout=timeout)
        ids = [m["id"] for m in listed if m["id"].rsplit(".", 1)[-1].startswith(_PREFIX)]
        if not ids:
            continue
        counters: dict[str, list[int]] = {}
        query = f"{base}?get={urllib.parse.quote(','.join(ids))}"
        for metric in request(url, query, timeout=timeout):
            subtask, name = metric["id"].split(".", 1)[0], metric["id"].rsplit(".", 1)[-1]
            values = counters.setdefault(name.removeprefix(_PREFIX), [0] * vertex["parallelism"])
            values[int(subtask)] += int(float(metric["value"]))
        yield vertex, counters


def job_counters(url: str, jid: str) -> dict[str, int]:
    """The job's ``news`` counters by name, summed over its tasks and subtasks."""
    totals: dict[str, int] = {}
    for _, counters in task_counters(url, jid):
        for name, values in counters.items():
            totals[name] = totals.get(name, 0) + sum(values)
    return totals


class RunningJobCounters:
    """A callable giving the counters of the running job named ``name`` ({} until it runs)."""

    def __init__(self, url: str, name: str) -> None:
        self._url = url
        self._name = name
        self._jid: str | None = None

    def __call__(self) -> dict[str, int]:
        self._jid = self._jid or running_job(self._url, self._name)
        return job_counters(self._url, self._jid) if self._jid else {}
