"""Progress lines from the running job's metrics (Prism), and one notice where there are none."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from progress_lines import read_counts

from pipelines import counting
from pipelines.progress import elapsed_text, progress_line

ROOT = Path(__file__).resolve().parent.parent
PRISM = ROOT / ".cache" / "prism" / "prism"


def run_pipeline(tmp_path, *args: str) -> tuple[str, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.run", f"--output_dir={tmp_path}/out/", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout, proc.stderr


@pytest.fixture(scope="module")
def many_articles(tmp_path_factory, seeds_dir) -> Path:
    """Enough input that a run lasts several progress intervals."""
    folder = tmp_path_factory.mktemp("many")
    for path in seeds_dir.iterdir():
        shutil.copy(path, folder / path.name)
    text = (seeds_dir / "000_7c648e7a352749dc.txt").read_text(encoding="utf-8")
    for i in range(40):
        # Distinct texts (not duplicates of each other): one extra closing sentence each.
        (folder / f"copy{i:02d}.txt").write_text(f"{text}\nStory number {i} ends here.\n")
    return folder


def test_prism_batch_run_prints_progress_lines_from_its_metrics(tmp_path, many_articles):
    if not PRISM.is_file():
        pytest.fail(f"Prism is not built at {PRISM}: run deploy/local/prism.sh")
    # Prism updates a job's counters as bundles finish, long before the whole job does.
    inputs = [f"--input={many_articles}", "--input=seeds/"]
    summary, err = run_pipeline(tmp_path, "--runner=PrismRunner", *inputs, "--progress_interval=1")
    seen = read_counts(err)
    assert seen, err[-3000:]
    read = int(re.search(r"read ([\d,]+) = ", summary).group(1))
    assert max(seen) > 0 and seen == sorted(seen) and max(seen) <= read, seen
    assert "no progress lines" not in err
    # Querying the running job leaves the final summary whole.
    assert read > 40 and ": balanced" in summary, summary


def test_in_process_direct_runner_says_once_that_it_cannot(tmp_path, many_articles):
    _, err = run_pipeline(tmp_path, f"--input={many_articles}", "--progress_interval=1")
    assert err.count("no progress lines: the DirectRunner (FnApiRunner) reports its metrics") == 1
    assert not read_counts(err)


def test_progress_line_and_elapsed_text():
    totals = {counting.READ: 1200, counting.CLEANED: 1100, counting.WITH_EVENTS: 700,
              counting.WITHOUT_EVENTS: 100, counting.EVENTS: 5400, counting.DUPLICATES: 40,
              counting.DEAD_LETTERS: 60}  # fmt: skip
    line = progress_line(totals, 12.34, 125)
    assert line == (
        "progress: 1,200 read, 1,100 cleaned, 800 extracted (5,400 events), 40 duplicates, "
        "60 dead letters; 12.3 articles/s done; elapsed 2m05s"
    )
    assert [elapsed_text(s) for s in (42, 3600 + 7 * 60 + 3)] == ["42s", "1h07m"]
