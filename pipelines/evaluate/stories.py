"""Stories across outlets against hand-grouped articles (``news-clusters-dev.jsonl``).

The gold articles go through the pipeline's own steps, as a batch run would take them:
CleanArticles, DedupeArticles and AssignStories (DirectRunner). An article dropped as a
duplicate belongs to the story of the article it duplicates. Figures, B-cubed precision,
recall and F1 against the ``story`` labels, for:

  pipeline   the story step with its defaults (or --window / --threshold)
  baseline   title TF-IDF (IDF over the gold titles), each article joining the story of its
             most similar earlier title at cosine >= --baseline_threshold, no time window

on all articles and on two fixed halves of the stories (``tune``, ``check``: by a hash of the
story label, so no story is in both; ``--errors`` lists the tune half's only). Also: the recall
the window allows at most (the gold stories cut where two consecutive articles are further
apart than the window), and the same-story pairs the dedupe stage dropped as duplicates, each
a wire copy (half or more of the shorter text's word 5-shingles are in the other) or a
different text (which must not be one).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipelines.evaluate.events import load_gold
from pipelines.evaluate.splits import SPLITS, split_of
from pipelines.options import parse_duration
from pipelines.records import make_article
from pipelines.stories.index import DEFAULT_THRESHOLD, DEFAULT_WINDOW_SECONDS

WIRE_COPY_SHARE = 0.5
# The halves are split_of("story:" + label): the bare labels of the dev file all fall in one
# half of the id split, their prefixed form splits them about evenly.
HALF_PREFIX = "story:"
DEFAULT_BASELINE_THRESHOLD = 0.3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gold", required=True, help="Articles with story labels, JSON lines.")
    parser.add_argument(
        "--window", default=f"{DEFAULT_WINDOW_SECONDS // 3600}h", help="Story window (72h)."
    )
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--baseline_threshold", type=float, default=DEFAULT_BASELINE_THRESHOLD)
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    parser.add_argument(
        "--errors", action="store_true", help="List the tune half's articles put in a wrong story."
    )


def gold_articles(rows: list[dict[str, Any]], path: str) -> list[dict[str, Any]]:
    return [
        make_article({k: r.get(k) for k in ("url", "source", "title", "text", "published_at")},
            origin=f"{path}:{n}")
        for n, r in enumerate(rows, 1)
    ]  # fmt: skip


def run_pipeline_steps(
    articles: list[dict[str, Any]], window_seconds: int, threshold: float
) -> tuple[dict[str, str], list[dict[str, Any]], set[str]]:
    """(story id per article id, duplicate records, dead-lettered article ids)."""
    import apache_beam as beam

    from pipelines.clean import CleanArticles
    from pipelines.dedupe import DedupeArticles
    from pipelines.stories import AssignStories

    with tempfile.TemporaryDirectory() as tmp:
        with beam.Pipeline(runner="DirectRunner") as p:
            cleaned = p | beam.Create(articles) | CleanArticles(min_words=25)
            deduped = cleaned.articles | DedupeArticles(0.8)
            stories = deduped.unique | AssignStories(window_seconds, threshold)
            outputs = {
                "stories": stories | beam.Map(lambda a: [a["article_id"], a["story_id"]]),
                "duplicates": deduped.duplicates,
                "dead": cleaned.dead_letters | beam.Map(lambda d: d["article_id"]),
            }
            for name, pcoll in outputs.items():
                _ = (
                    pcoll
                    | f"json {name}" >> beam.Map(json.dumps)
                    | f"write {name}" >> beam.io.WriteToText(f"{tmp}/{name}")
                )
        read = {
            name: [json.loads(line) for f in Path(tmp).glob(f"{name}*") for line in f.open()]
            for name in ("stories", "duplicates", "dead")
        }
    return dict(read["stories"]), read["duplicates"], set(read["dead"])


def predicted_stories(
    ids: list[str], stories: dict[str, str], duplicates: list[dict[str, Any]]
) -> list[str]:
    """Each article's story; a duplicate's is its kept article's; a dead letter is alone."""
    of = {d["article_id"]: d["duplicate_of"] for d in duplicates}

    def story(article_id: str, seen: int = 0) -> str:
        if article_id in stories:
            return stories[article_id]
        if article_id in of and seen < len(of):
            return story(of[article_id], seen + 1)
        return f"alone:{article_id}"

    return [story(a) for a in ids]


def bcubed(predicted: list[str], gold: list[str], members: list[int]) -> dict[str, float]:
    """B-cubed precision, recall, F1 over the items ``members`` (indexes)."""
    if not members:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0, "articles": 0}
    by_pred, by_gold = defaultdict(set), defaultdict(set)
    for i in members:
        by_pred[predicted[i]].add(i)
        by_gold[gold[i]].add(i)
    p = r = 0.0
    for i in members:
        same = len(by_pred[predicted[i]] & by_gold[gold[i]])
        p += same / len(by_pred[predicted[i]])
        r += same / len(by_gold[gold[i]])
    p, r = p / len(members), r / len(members)
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "articles": len(members)}  # fmt: skip


_TOKEN = re.compile(r"\w+")


def baseline(rows: list[dict[str, Any]], threshold: float) -> list[str]:
    """Title TF-IDF, each title joining its most similar earlier title's story."""
    titles = [Counter(_TOKEN.findall((r.get("title") or "").lower())) for r in rows]
    df = Counter(t for title in titles for t in title)
    n = len(titles)

    def vector(title: Counter) -> dict[str, float]:
        v = {t: c * math.log((n + 1) / (df[t] + 1)) for t, c in title.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {t: x / norm for t, x in v.items()}

    vectors = [vector(t) for t in titles]
    order = sorted(range(n), key=lambda i: (rows[i].get("published_at") or "", i))
    story: dict[int, str] = {}
    for k, i in enumerate(order):
        scores = [(sum(w * vectors[j].get(t, 0.0) for t, w in vectors[i].items()), j)
                  for j in order[:k]]  # fmt: skip
        best = max(scores, default=(0.0, None))
        story[i] = story[best[1]] if best[0] >= threshold and best[1] is not None else str(i)
    return [story[i] for i in range(n)]


def window_recall_cap(rows: list[dict[str, Any]], articles, window_seconds: int) -> float:
    """B-cubed recall of the gold stories cut where two consecutive articles (by publication
    time) are more than the window apart: the most a windowed step can reach."""
    by_story = defaultdict(list)
    for i, (r, a) in enumerate(zip(rows, articles, strict=True)):
        by_story[r["story"]].append((a["published_at"].timestamp(), i))
    pieces = [""] * len(rows)
    for label, members in by_story.items():
        members.sort()
        piece, last = 0, None
        for seconds, i in members:
            if last is not None and seconds - last > window_seconds:
                piece += 1
            pieces[i], last = f"{label}#{piece}", seconds
    return bcubed(pieces, [r["story"] for r in rows], list(range(len(rows))))["recall"]


def _shingles(text: str, size: int = 5) -> set[tuple[str, ...]]:
    words = _TOKEN.findall(text.lower())
    return {tuple(words[i : i + size]) for i in range(max(len(words) - size + 1, 1))}


def same_story_duplicates(rows, articles, duplicates) -> list[dict[str, Any]]:
    index = {a["article_id"]: i for i, a in enumerate(articles)}
    out = []
    for d in duplicates:
        i, j = index[d["article_id"]], index[d["duplicate_of"]]
        if rows[i]["story"] != rows[j]["story"]:
            continue
        a, b = _shingles(rows[i]["text"]), _shingles(rows[j]["text"])
        share = len(a & b) / min(len(a), len(b))
        kind = "wire copy" if share >= WIRE_COPY_SHARE else "different text"
        out.append({"dropped": rows[i]["url"], "kept": rows[j]["url"], "method": d["method"],
                    "shared_shingles": round(share, 3), "kind": kind})  # fmt: skip
    return out


def _half(label: str) -> str:
    return split_of(HALF_PREFIX + label)


def figures_by_half(predicted: list[str], gold: list[str]) -> dict[str, dict[str, float]]:
    halves: dict[str, list[int]] = {"all": list(range(len(gold)))}
    for half in SPLITS:
        halves[half] = [i for i, label in enumerate(gold) if _half(label) == half]
    return {name: bcubed(predicted, gold, members) for name, members in halves.items()}


def _print_table(results: dict[str, dict[str, dict[str, float]]]) -> None:
    print(f"{'':10} {'half':6} {'articles':>8} {'B3 P':>7} {'B3 R':>7} {'B3 F1':>7}")
    for system, halves in results.items():
        for half, f in halves.items():
            print(f"{system:10} {half:6} {f['articles']:8d} {f['precision']:7.3f} "
                  f"{f['recall']:7.3f} {f['f1']:7.3f}")  # fmt: skip


def main(args: argparse.Namespace) -> int:
    try:
        window = parse_duration(args.window)
    except ValueError as e:
        print(f"--window: {e}", file=sys.stderr)
        return 2
    rows = load_gold(args.gold)
    articles = gold_articles(rows, args.gold)
    ids = [a["article_id"] for a in articles]
    stories, duplicates, dead = run_pipeline_steps(articles, window, args.threshold)
    gold = [r["story"] for r in rows]
    predicted = predicted_stories(ids, stories, duplicates)
    systems: dict[str, Callable[[], list[str]]] = {
        "pipeline": lambda: predicted,
        "baseline": lambda: baseline(rows, args.baseline_threshold),
    }
    results = {name: figures_by_half(get(), gold) for name, get in systems.items()}
    pairs = same_story_duplicates(rows, articles, duplicates)
    cap = window_recall_cap(rows, articles, window)
    doc = {
        "gold": args.gold,
        "articles": len(rows),
        "stories": len(set(gold)),
        "window_seconds": window,
        "threshold": args.threshold,
        "baseline_threshold": args.baseline_threshold,
        "figures": results,
        "window_recall_cap": cap,
        "dead_letters": len(dead),
        "same_story_duplicates": pairs,
    }
    if args.json:
        json.dump(doc, sys.stdout, indent=2)
        print()
        return 0
    print(f"{args.gold}: {len(rows)} articles, {len(set(gold))} stories; window {args.window}, "
          f"threshold {args.threshold}; baseline threshold {args.baseline_threshold}")  # fmt: skip
    _print_table(results)
    print(f"recall the {args.window} window allows at most (gold stories' own time spread): "
          f"{cap:.3f}")  # fmt: skip
    kinds = Counter(p["kind"] for p in pairs)
    print(f"same-story pairs dropped by dedupe: {len(pairs)} ({kinds['wire copy']} wire copies, "
          f"{kinds['different text']} different texts); dead letters {len(dead)}")  # fmt: skip
    for p in pairs:
        print(f"  {p['kind']:14} {p['method']:5} {p['shared_shingles']:.2f} {p['dropped']} "
              f"-> {p['kept']}")  # fmt: skip
    if args.errors:
        tune = [i for i, label in enumerate(gold) if _half(label) == "tune"]
        by_pred = defaultdict(list)
        for i in tune:
            by_pred[predicted[i]].append(i)
        for members in by_pred.values():
            labels = Counter(gold[i] for i in members)
            if len(labels) > 1:
                print("mixed:", dict(labels))
        for label in {gold[i] for i in tune}:
            parts = Counter(predicted[i] for i in tune if gold[i] == label)
            if len(parts) > 1:
                print(f"split: {label} into {sorted(parts.values(), reverse=True)}")
    return 0
