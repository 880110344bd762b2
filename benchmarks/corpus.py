"""The benchmark's articles: N .txt files of a corpus, read and cleaned as the pipeline does."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pipelines.clean.transform import CleanError, clean_article
from pipelines.io.files import ARTICLES, parse_file
from pipelines.options import DEFAULT_MODEL  # noqa: F401  (re-exported for the scripts)

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "bbc"
MIN_WORDS = 25  # the pipeline's default --min_words


@dataclass(frozen=True)
class Sample:
    """N article files, and the cleaned articles the pipeline makes of them."""

    files: list[Path]
    articles: list[dict]

    @property
    def texts(self) -> list[str]:
        return [a["text"] for a in self.articles]

    @property
    def words(self) -> int:
        return sum(len(t.split()) for t in self.texts)


def corpus_dir(given: str | None) -> Path:
    """The corpus to read: ``given``, else the shared BBC corpus when present."""
    if given:
        path = Path(given)
        if not path.is_dir():
            raise SystemExit(f"error: --corpus {given}: not a directory")
        return path
    if DEFAULT_CORPUS.is_dir():
        return DEFAULT_CORPUS
    raise SystemExit(
        f"error: no corpus at {DEFAULT_CORPUS}; pass --corpus DIR "
        "(a folder of .txt articles, first line the title)"
    )


def pick_files(root: Path, n: int) -> list[Path]:
    """``n`` .txt files spread evenly over the sorted list (so every section is sampled)."""
    files = sorted(p for p in root.rglob("*.txt") if p.is_file() and p.stat().st_size > 0)
    files = [p for p in files if not any(part.startswith(".") for part in p.parts)]
    if len(files) < n:
        raise SystemExit(f"error: {root} holds {len(files)} .txt files, fewer than --n {n}")
    step = len(files) / n
    return [files[int(i * step)] for i in range(n)]


def load_sample(root: Path, n: int) -> Sample:
    """The picked files and their cleaned articles (files the pipeline rejects are skipped)."""
    files, articles = [], []
    for path in pick_files(root, n):
        for tag, record in parse_file(str(path), path.read_bytes()):
            if tag != ARTICLES:
                continue
            try:
                articles.append(clean_article(record, MIN_WORDS))
                files.append(path)
            except CleanError:
                pass
    return Sample(files, articles)


def link_files(files: list[Path], folder: Path) -> None:
    """Symlink ``files`` into ``folder`` under unique names (section-name.txt)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, path in enumerate(files):
        os.symlink(path.resolve(), folder / f"{i:05d}-{path.parent.name}-{path.name}")
