"""Unknown options fail every command at start (exit 2) and name the closest known option."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.beam_args import FLINK_JOB_SERVER_OPTIONS, check_pipeline_args
from pipelines.consume import main as consume_main
from pipelines.evaluate.__main__ import main as evaluate_main
from pipelines.inspect import main as inspect_main
from pipelines.options import ConfigurationError
from pipelines.produce import main as produce_main
from pipelines.run import main as run_main
from pipelines.strict_options import closest, option_strings, unknown_arguments

ROOT = Path(__file__).resolve().parent.parent


def test_run_rejects_a_mistyped_option_before_any_work(tmp_path, capsys):
    # The case: --output is not --output_dir; the run must not write to out/.
    out = tmp_path / "out2"
    assert run_main(["--input=seeds/", "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--output: unknown option; did you mean --output_dir?" in err
    assert not out.exists()


def test_run_names_each_unknown_argument():
    with pytest.raises(ConfigurationError) as e:
        check_pipeline_args(["--input_topc=a", "--dedupe_treshold", "0.5", "stray"])
    message = str(e.value)
    assert "--input_topc: unknown option; did you mean --input_topic?" in message
    assert "--dedupe_treshold: unknown option; did you mean --dedupe_threshold?" in message
    assert "stray: unexpected argument" in message
    assert "0.5" not in message  # the value of an unknown option is not an argument


def test_run_takes_no_abbreviation_of_a_beam_option():
    with pytest.raises(ConfigurationError, match="--stream: unknown option; did you mean"):
        check_pipeline_args(["--stream"])


def test_beam_and_pipeline_options_pass():
    argv = ["--runner=DirectRunner", "--direct_num_workers=2", "--streaming", "--min_words=3"]
    assert check_pipeline_args(argv) == []


def test_flink_job_server_options_pass_only_to_a_flink_runner():
    flink = ["--runner=FlinkRunner", "--checkpoint_timeout_millis=10000", "--savepoint_path", "/s"]
    assert check_pipeline_args(flink) == ["--checkpoint_timeout_millis", "--savepoint_path"]
    with pytest.raises(ConfigurationError, match="an option of the Flink runner"):
        check_pipeline_args(["--runner=DirectRunner", "--checkpoint_timeout_millis=10000"])
    with pytest.raises(ConfigurationError, match="did you mean --checkpoint_timeout_millis"):
        check_pipeline_args(["--runner=FlinkRunner", "--checkpoint_timeout_milis=10000"])


def test_flink_options_used_in_deploy_are_known():
    """Every Flink job-server option the deployment files pass is on the list."""
    text = "".join(p.read_text() for p in (ROOT / "deploy").rglob("*.yaml"))
    # The worker-pool sidecar's own options (pipelines.worker_pool) are not the pipeline's.
    used = set(re.findall(r"--([a-z_]+)=", text)) - {"service_port", "container_executable"}
    assert used, "no option found in deploy/"
    unknown = []
    for name in used - FLINK_JOB_SERVER_OPTIONS:
        try:
            check_pipeline_args([f"--{name}=1"])
        except ConfigurationError:
            unknown.append(name)
    assert unknown == []


@pytest.mark.parametrize(
    "main, argv, message",
    [
        (produce_main, ["--topic=t", "--bootstrap_servers=x", "seeds/"], "--bootstrap-servers"),
        (consume_main, ["--topic=t", "--max-msgs=3"], "--max-messages"),
        (inspect_main, ["--limt", "3", "x.avro"], "--limit"),
        (inspect_main, ["--li", "3", "x.avro"], "--limit"),  # no abbreviations
        (evaluate_main, ["events", "--gold=g.jsonl", "--jsn"], "--json"),
    ],
)
def test_every_command_rejects_unknown_options(main, argv, message, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert f"unknown option; did you mean {message}?" in err


def test_closest_and_leftovers():
    assert closest("--output", ["--output_dir", "--output_topic", "--input"]) == "--output_dir"
    assert closest("--zzz", ["--output_dir"]) is None
    assert unknown_arguments(["--a", "v", "--b=1", "--c", "--d", "x"]) == [
        "--a",
        "--b",
        "--c",
        "--d",
    ]


def _stderr_of(*argv: str) -> str:
    env = {**os.environ, "PYTHONWARNINGS": ""}
    proc = subprocess.run(
        [sys.executable, "-m", *argv], cwd=ROOT, capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stderr


def test_commands_start_without_irrelevant_warnings(tmp_path):
    """No warning about BigQuery, memory readings or discarded arguments on a normal run."""
    err = _stderr_of("pipelines.run", "--input=seeds/", f"--output_dir={tmp_path}/")
    assert "WARNING" not in err, err
    assert "starting the pipeline" in err  # the pipeline's own INFO lines still show
    err = _stderr_of("pipelines.inspect", "--summary", *map(str, tmp_path.glob("*.avro")))
    assert "WARNING" not in err, err


def options_without_help(help_text: str) -> list[str]:
    """Options of an argparse --help text that have no description."""
    lines = help_text.splitlines()
    missing = []
    for i, line in enumerate(lines):
        if not re.match(r"^  -\S", line):
            continue
        described_here = re.match(r"^  -\S.*?\s{2,}\S", line)
        following = lines[i + 1] if i + 1 < len(lines) else ""
        described_next = re.match(r"^\s{4,}\S", following) and not following.lstrip().startswith(
            "-"
        )
        if not (described_here or described_next):
            missing.append(line.strip())
    return missing


@pytest.mark.parametrize(
    "command",
    [
        ["run"],
        ["produce"],
        ["consume"],
        ["inspect"],
        ["evaluate"],
        ["evaluate", "events"],
        ["evaluate", "clean"],
        ["evaluate", "dedupe"],
    ],
)
def test_help_explains_every_option(command):
    proc = subprocess.run(
        [sys.executable, "-m", f"pipelines.{command[0]}", *command[1:], "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert "WARNING" not in proc.stderr
    assert options_without_help(proc.stdout) == []


def test_flink_option_list_holds_only_what_python_lacks():
    from pipelines.beam_args import _beam_parser

    python_options = {s.lstrip("-") for s in option_strings(_beam_parser())}
    assert FLINK_JOB_SERVER_OPTIONS and not FLINK_JOB_SERVER_OPTIONS & python_options
