"""Events per 1,000 sentences by section of a corpus (false events where no conflict is).

The corpus is a folder with one subfolder per section (``business/``, ``entertainment/``,
``politics/``, ``sport/``, ``tech/`` in the BBC corpus), each holding ``.txt`` articles
(first line the title). Every file is read and cleaned as the pipeline does (files the
cleaning rejects are counted, not scored), parsed and run through the extraction step. Per
section it prints articles, sentences, events, events per 1,000 sentences, that rate as a
share of the reference section's (``politics``: sport and entertainment stories use the
words of conflict, "attack", "defeat", "shot", and should fall to a small fraction of it),
and the most frequent event types. No labels: the figure counts what comes out.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.clean.transform import CleanError, clean_article
from pipelines.extract.article import events_from_docs, split_text
from pipelines.extract.model import LoadedModel, SpacyEventModelHandler
from pipelines.io.files import ARTICLES, parse_file
from pipelines.options import DEFAULT_MODEL

MIN_WORDS = 25  # the pipeline's default --min_words
REFERENCE = "politics"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", required=True, help="Folder with one subfolder per section.")
    parser.add_argument(
        "--per_section",
        type=int,
        default=None,
        help="Articles per section, the first in file-name order (default: all).",
    )
    parser.add_argument(
        "--reference", default=REFERENCE, help="Section the others are compared with."
    )
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    parser.add_argument("--spacy_model", default=DEFAULT_MODEL, help="spaCy model package.")
    parser.add_argument("--lexicon", default=None, help="Trigger lexicon JSON (default: shipped).")
    parser.add_argument(
        "--batch_size", type=int, default=32, help="Articles per spaCy batch (default 32)."
    )


@dataclass
class Section:
    """What the extraction step made of one section's articles."""

    articles: int = 0
    rejected: int = 0
    failed: int = 0  # the event rules raised: a dead letter in the pipeline, not counted
    sentences: int = 0
    events: int = 0
    types: Counter = field(default_factory=Counter)

    def rate(self) -> float:
        """Events per 1,000 sentences."""
        return 1000 * self.events / self.sentences if self.sentences else 0.0


def read_section(folder: Path, limit: int | None) -> tuple[list[dict], int]:
    """The cleaned articles of a section folder, and how many files the cleaning rejected."""
    files = sorted(p for p in folder.glob("*.txt") if p.is_file())[:limit]
    articles, rejected = [], 0
    for path in files:
        parsed = [r for tag, r in parse_file(str(path), path.read_bytes()) if tag == ARTICLES]
        try:
            articles.extend(clean_article(r, MIN_WORDS) for r in parsed)
        except CleanError:
            rejected += 1
        rejected += not parsed
    return articles, rejected


def extract_section(model: LoadedModel, articles: list[dict], batch_size: int) -> Section:
    """Sentences and events of the articles, parsed in batches as the model handler does."""
    out = Section(articles=len(articles))
    for start in range(0, len(articles), batch_size):
        batch = articles[start : start + batch_size]
        pieces = [split_text(a["text"], model.nlp.max_length - 1) for a in batch]
        docs = iter(model.nlp.pipe([chunk for p in pieces for _, chunk in p]))
        for article, p in zip(batch, pieces, strict=True):
            parsed = [(offset, next(docs)) for offset, _ in p]
            try:
                events = events_from_docs(
                    parsed, article, model.lexicon, model.name, model.actors, model.gazetteer
                )
            except Exception:  # as in the pipeline, where the article is a dead letter
                out.failed += 1
                continue
            out.sentences += sum(1 for _, doc in parsed for _ in doc.sents)
            out.events += len(events)
            out.types.update(e["event_type"] for e in events)
    return out


def figures(sections: dict[str, Section], reference: str) -> dict[str, Any]:
    ref = sections.get(reference)
    ref_rate = ref.rate() if ref else 0.0
    return {
        name: {
            "articles": s.articles,
            "rejected_files": s.rejected,
            "failed_articles": s.failed,
            "sentences": s.sentences,
            "events": s.events,
            "events_per_1000_sentences": s.rate(),
            f"share_of_{reference}": s.rate() / ref_rate if ref_rate else None,
            "types": dict(s.types.most_common()),
        }
        for name, s in sections.items()
    }


def _table(result: dict[str, Any], reference: str) -> str:
    lines = [
        f"{'section':<14}{'articles':>9}{'failed':>7}{'sentences':>10}{'events':>8}"
        f"{'per 1,000':>10}{'/ ' + reference:>12}  top types"
    ]
    for name, f in result.items():
        share = f[f"share_of_{reference}"]
        top = ", ".join(f"{t} {n}" for t, n in list(f["types"].items())[:4])
        lines.append(
            f"{name:<14}{f['articles']:>9}{f['failed_articles']:>7}{f['sentences']:>10}"
            f"{f['events']:>8}"
            f"{f['events_per_1000_sentences']:>10.1f}"
            f"{'-' if share is None else format(share, '.2f'):>12}  {top}"
        )
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    root = Path(args.corpus)
    folders = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    if not folders:
        print(f"error: --corpus {root}: no section folders", file=sys.stderr)
        return 2
    if args.reference not in {f.name for f in folders}:
        print(f"error: --reference {args.reference}: no such section in {root}", file=sys.stderr)
        return 2
    if args.per_section is not None and args.per_section < 1:
        print("error: --per_section must be at least 1", file=sys.stderr)
        return 2
    model = SpacyEventModelHandler(args.spacy_model, args.lexicon, args.batch_size).load_model()
    sections = {}
    for folder in folders:
        articles, rejected = read_section(folder, args.per_section)
        sections[folder.name] = extract_section(model, articles, args.batch_size)
        sections[folder.name].rejected = rejected
    result = figures(sections, args.reference)
    if args.json:
        json.dump(
            {"corpus": str(root), "reference": args.reference, "sections": result},
            sys.stdout,
            indent=2,
        )
        print()
        return 0
    print(f"{root}: events per 1,000 sentences by section, model {model.name}")
    print(_table(result, args.reference))
    return 0
