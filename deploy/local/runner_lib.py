"""Writes the Beam runner jar for a Flink cluster's lib/ from the Beam Flink job-server jar.

    python deploy/local/runner_lib.py JOB_SERVER_JAR FLINK_HOME/lib OUTPUT_JAR

Why: Beam's Flink runner keeps a job's Python SDK workers between the tasks of a batch job
(``--environment_cache_millis``) only when its classes come from Flink's own class loader,
not from the job's jar; otherwise every stage of a batch job starts its workers again
(FlinkExecutableStageContextFactory releases them at once when its class loader is not
Flink's). The cluster puts this jar in lib/ and resolves classes parent first.

The job-server jar bundles Flink itself and libraries that Flink's lib/ also holds: every
entry that a jar of lib/ has, Flink's classes, resources and service files, is left out,
so that the cluster's own copies are the only ones on its class path. Jobs submitted as a
jar (--flink_submit_uber_jar) do not run on such a cluster: the runner's entry point, loaded
from lib/, looks for the job's pipeline among lib/'s resources, not in the job's jar.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

FLINK_PREFIXES = ("org/apache/flink/", "META-INF/services/org.apache.flink.")


def flink_entries(lib: Path, output: Path) -> set[str]:
    """Every file name held by a jar of a Flink lib/ folder, an earlier ``output`` aside."""
    names: set[str] = set()
    for jar in lib.glob("*.jar"):
        if jar.resolve() == output.resolve():
            continue
        with zipfile.ZipFile(jar) as z:
            names.update(n for n in z.namelist() if not n.endswith("/"))
    return names


def keep(name: str, taken: set[str]) -> bool:
    base = name.rsplit("/", 1)[-1]
    return not (
        name in taken
        or name.startswith(FLINK_PREFIXES)
        or base.startswith(("flink-", ".flink-"))
        or name.endswith(("log4j.properties", "log4j2.properties"))
    )


def write_runner_lib(job_server: Path, lib: Path, output: Path) -> tuple[int, int]:
    """Copies the job-server jar's entries that Flink lacks; returns (kept, left out)."""
    taken = {n for n in flink_entries(lib, output) if not n.startswith("META-INF/MANIFEST")}
    kept = dropped = 0
    tmp = output.with_suffix(".tmp")
    with zipfile.ZipFile(job_server) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.is_dir() or not keep(info.filename, taken):
                dropped += 1
                continue
            dst.writestr(info, src.read(info))
            kept += 1
    tmp.replace(output)
    return kept, dropped


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    job_server, lib, output = (Path(a) for a in argv)
    kept, dropped = write_runner_lib(job_server, lib, output)
    print(f"{output}: {kept} entries of {job_server.name}, {dropped} left out")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
