"""deploy/local/runner_lib.py: Beam's runner jar for Flink's lib/ holds nothing Flink has."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

RUNNER_LIB = Path(__file__).resolve().parents[1] / "deploy" / "local" / "runner_lib.py"


def load_runner_lib():
    spec = importlib.util.spec_from_file_location("runner_lib", RUNNER_LIB)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_jar(path: Path, names: list[str]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name in names:
            z.writestr(name, name)
    return path


def test_the_runner_jar_leaves_out_what_flink_already_has(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    write_jar(lib / "flink-dist.jar", ["org/shared/Util.class", "META-INF/MANIFEST.MF"])
    job_server = write_jar(
        tmp_path / "job-server.jar",
        [
            "META-INF/MANIFEST.MF",
            "org/apache/beam/runners/flink/Runner.class",
            "org/shared/Util.class",
            "org/apache/flink/runtime/Task.class",
            "META-INF/services/org.apache.flink.core.Factory",
            ".flink-runtime.version.properties",
            "log4j2.properties",
        ],
    )
    output = lib / "beam-runners-flink-lib.jar"
    runner_lib = load_runner_lib()

    assert runner_lib.write_runner_lib(job_server, lib, output) == (2, 5)
    # Written again over its earlier self, it still compares against Flink's jars only.
    assert runner_lib.write_runner_lib(job_server, lib, output) == (2, 5)
    with zipfile.ZipFile(output) as z:
        assert sorted(z.namelist()) == [
            "META-INF/MANIFEST.MF",
            "org/apache/beam/runners/flink/Runner.class",
        ]
