"""Near-duplicate detection on labeled pairs built from a corpus of articles.

The corpus is a directory tree of .txt files (first line the title, then a blank line, then
the body). Stories that the corpus itself holds more than once (same title, or at least half
of the shorter one's sentences found verbatim in the other) are merged first, and one
article of each is used, in at most one pair:

- duplicates: an article and a syndicated copy of it, under another outlet's header and
  footer, plus one edit: a reworded sentence, a dropped sentence, a correction note, a
  truncation (the first 50-90% of sentences), or all four at once;
- non-duplicates: two different stories of the same section, each paired with the unused
  story whose vocabulary overlaps most (the hardest negatives the corpus offers).

All articles go through the pipeline's own ``DedupeArticles`` transform together; a
Duplicate record naming the article's partner is a detected pair, any other is a false
positive. A threshold sweep reuses the same decision functions (LSH candidates, verified
similarity) on each labeled pair. Fingerprinting speed is CPU time on this process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from pipelines.dedupe.minhash import fingerprint, similarity, words

_SENTENCE = re.compile(r"(?<=[.!?])[\"”’']?\s+(?=[\"“‘']?[A-Z0-9])")
KINDS = ("syndicated", "reworded", "dropped", "correction", "truncated", "combined")
SWEEP = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9)
HEADERS = (
    "LONDON (Reuters) -",
    "By Sarah Mitchell, Business Correspondent\nPublished 14 March 2005",
    "From our correspondent\n\nUpdated: 09:42 GMT",
    "NEWS WIRE | {title}",
    "{title}\n\nStaff and agencies",
    "Share this article\nEmail  Print  Tweet\n",
)
FOOTERS = (
    "Reporting by Tom Hayes; editing by Anna Price.",
    "Copyright 2005 The Associated Press. All rights reserved. This material may not be "
    "published, broadcast, rewritten or redistributed.",
    "Read more: related stories on our website.\nFollow us on Twitter and Facebook.",
    "Additional reporting by our staff. Story continues below the advertisement.",
    "(c) Wire Services 2005",
)
CORRECTIONS = (
    "Correction: an earlier version of this story gave the wrong date for the announcement.",
    "This article was amended on {day} March to correct a figure in the third paragraph.",
    "Clarification: the spokesperson quoted above works for the regulator, not the company.",
)
TRUNCATION_NOTES = ("", "Read the full story on our website.", "(continued on page 4)")


@dataclass(frozen=True)
class Story:
    section: str
    name: str
    title: str
    body: str


@dataclass
class Pair:
    label: bool
    kind: str
    first: dict
    second: dict


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--corpus", type=Path, required=True, help="Directory tree of .txt articles."
    )
    parser.add_argument(
        "--pairs", type=int, default=600, help="Duplicate pairs, and as many non-duplicates."
    )
    parser.add_argument("--seed", type=int, default=7, help="Random seed of pairs and edits.")
    parser.add_argument("--threshold", type=float, default=0.8, help="Dedupe threshold.")
    parser.add_argument(
        "--clean",
        action="store_true",
        help="Pass every text through the pipeline's cleaning first, as the pipeline does.",
    )
    parser.add_argument("--show", type=int, default=0, help="Print up to this many errors.")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")


def main(args: argparse.Namespace) -> int:
    stories = load_corpus(args.corpus)
    if not stories:
        print(f"no .txt articles under {args.corpus}")
        return 2
    distinct, merged = distinct_stories(stories)
    rng = random.Random(args.seed)
    pairs = make_pairs(distinct, args.pairs, rng)
    if args.clean:
        clean_pairs(pairs)
    speed = fingerprint_speed([s.body for s in stories])
    detected, false_pairs, seconds = run_transform(pairs, args.threshold)
    report = score(pairs, detected, false_pairs)
    report.update(
        corpus=str(args.corpus),
        articles=len(stories),
        corpus_duplicates_merged=merged,
        threshold=args.threshold,
        cleaned_first=args.clean,
        fingerprints_per_cpu_second=round(speed),
        transform_seconds=round(seconds, 1),
        sweep=sweep(pairs),
    )
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    if args.show:
        show_errors(pairs, detected, args.show)
    return 0


# --- corpus ------------------------------------------------------------------------------------


def load_corpus(root: Path) -> list[Story]:
    stories = []
    for path in sorted(root.rglob("*.txt")):
        if path.parent == root:  # README and the like
            continue
        title, _, body = path.read_text(encoding="utf-8", errors="replace").partition("\n")
        if body.strip():
            stories.append(Story(path.parent.name, path.name, title.strip(), body.strip()))
    return stories


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(" ".join(text.split())) if s]


def distinct_stories(stories: list[Story]) -> tuple[list[Story], int]:
    """One story of each group the corpus holds more than once; and how many were merged."""
    parent = list(range(len(stories)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    keyed = [{" ".join(words(s)) for s in sentences(st.body)} for st in stories]
    by_sentence: dict[str, list[int]] = defaultdict(list)
    by_title: dict[str, int] = {}
    for i, (story, keys) in enumerate(zip(stories, keyed, strict=True)):
        for key in keys:
            by_sentence[key].append(i)
        title = " ".join(words(story.title))
        if title in by_title:
            parent[root(i)] = root(by_title[title])
        by_title.setdefault(title, i)
    shared: Counter[tuple[int, int]] = Counter()
    for members in by_sentence.values():
        for j, a in enumerate(members):
            for b in members[j + 1 :]:
                shared[a, b] += 1
    for (a, b), n in shared.items():
        if n >= 0.5 * min(len(keyed[a]), len(keyed[b])):
            parent[root(b)] = root(a)
    firsts = {}
    for i in range(len(stories)):
        firsts.setdefault(root(i), i)
    return [stories[i] for i in sorted(firsts.values())], len(stories) - len(firsts)


# --- pairs -------------------------------------------------------------------------------------


def make_pairs(stories: list[Story], n: int, rng: random.Random) -> list[Pair]:
    """``n`` duplicate pairs and up to ``n`` non-duplicate pairs, each story used once."""
    order = list(range(len(stories)))
    rng.shuffle(order)
    positives, rest = order[:n], order[n:]
    pairs = []
    for k, i in enumerate(positives):
        kind = KINDS[k % len(KINDS)]
        original = stories[i]
        pairs.append(
            Pair(True, kind, _article(f"p{k}-a", original, 0), syndicate(original, kind, k, rng))
        )
    for k, (i, j) in enumerate(hard_negatives(stories, rest, n)):
        pairs.append(
            Pair(
                False,
                "same topic",
                _article(f"n{k}-a", stories[i], 0),
                _article(f"n{k}-b", stories[j], 1),
            )
        )
    return pairs


def hard_negatives(stories: list[Story], pool: list[int], n: int) -> list[tuple[int, int]]:
    """Pairs of different stories of one section, each with its closest unused neighbour."""
    vocab = [{w for w in words(s.body) if len(w) > 3} for s in stories]
    unused = set(pool)
    pairs = []
    for i in pool:
        if len(pairs) == n:
            break
        if i not in unused:
            continue
        unused.discard(i)
        same = [j for j in unused if stories[j].section == stories[i].section]
        if not same:
            continue
        j = max(same, key=lambda j: len(vocab[i] & vocab[j]) / len(vocab[i] | vocab[j]))
        unused.discard(j)
        pairs.append((i, j))
    return pairs


def _article(article_id: str, story: Story, hours: int, text: str | None = None) -> dict:
    published = dt.datetime(2005, 3, 1, tzinfo=dt.UTC) + dt.timedelta(hours=hours)
    return {
        "article_id": article_id,
        "url": None,
        "source": None,
        "title": story.title,
        "text": text if text is not None else story.body,
        "html": None,
        "published_at": published,
        "language": "en",
        "origin": f"{story.section}/{story.name}",
    }


def syndicate(story: Story, kind: str, k: int, rng: random.Random) -> dict:
    """Another outlet's copy: its header and footer, and the edit ``kind``."""
    body = sentences(story.body)
    edits = {"reworded", "dropped", "correction", "truncated"} if kind == "combined" else {kind}
    if "reworded" in edits:
        body = reword(body, rng)
    if "dropped" in edits and len(body) > 2:
        del body[rng.randrange(1, len(body))]
    note = ""
    if "truncated" in edits:
        keep = max(2, round(len(body) * rng.uniform(0.5, 0.9)))
        body = body[:keep]
        note = rng.choice(TRUNCATION_NOTES)
    if "correction" in edits:
        note = rng.choice(CORRECTIONS).format(day=rng.randint(2, 28))
    header = rng.choice(HEADERS).format(title=story.title)
    text = "\n\n".join(p for p in (header, " ".join(body), note, rng.choice(FOOTERS)) if p)
    return _article(f"p{k}-b", story, rng.randint(1, 48), text)


def reword(body: list[str], rng: random.Random) -> list[str]:
    """One sentence with two of its longer words replaced, as an editor's rewrite would."""
    i = rng.randrange(len(body))
    tokens = body[i].split()
    long_words = [j for j, t in enumerate(tokens) if len(t) > 4]
    for j in rng.sample(long_words, min(2, len(long_words))):
        tokens[j] = rng.choice(("reportedly", "officials", "announced", "significant"))
    return [*body[:i], " ".join(tokens), *body[i + 1 :]]


def clean_pairs(pairs: list[Pair]) -> None:
    """The pipeline's own plain-text cleaning on every article, as before its dedupe stage."""
    from pipelines.clean import clean_text

    for pair in pairs:
        for article in (pair.first, pair.second):
            article["text"] = clean_text(article["text"], article["title"])


# --- running and scoring -----------------------------------------------------------------------


def fingerprint_speed(texts: list[str]) -> float:
    start = time.process_time()
    for text in texts:
        fingerprint(text)
    return len(texts) / max(time.process_time() - start, 1e-9)


def run_transform(pairs: list[Pair], threshold: float):
    """Every article of every pair through DedupeArticles at once.

    Returns the indexes of detected pairs, the Duplicate records naming anything other
    than the article's partner, and the wall time of the run.
    """
    import apache_beam as beam

    from pipelines.dedupe import DedupeArticles

    articles = [a for pair in pairs for a in (pair.first, pair.second)]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        with beam.Pipeline(runner="DirectRunner") as p:
            result = p | beam.Create(articles) | DedupeArticles(threshold)
            _ = (
                result.duplicates
                | beam.Map(json.dumps)
                | beam.io.WriteToText(f"{tmp}/duplicates", file_name_suffix=".jsonl")
            )
        seconds = time.perf_counter() - start
        found = [json.loads(line) for f in Path(tmp).glob("duplicates*") for line in f.open()]
    partner = {}
    for i, pair in enumerate(pairs):
        partner[pair.first["article_id"]] = (i, pair.second["article_id"])
        partner[pair.second["article_id"]] = (i, pair.first["article_id"])
    detected, false_pairs = set(), []
    for d in found:
        i, other = partner[d["article_id"]]
        if d["duplicate_of"] == other:
            detected.add(i)
        else:
            false_pairs.append(d)
    return detected, false_pairs, seconds


def score(pairs: list[Pair], detected: set[int], false_pairs: list[dict]) -> dict:
    positives = [i for i, p in enumerate(pairs) if p.label]
    negatives = [i for i, p in enumerate(pairs) if not p.label]
    tp = sum(i in detected for i in positives)
    fp = sum(i in detected for i in negatives) + len(false_pairs)
    by_kind = {}
    for kind in KINDS:
        idx = [i for i in positives if pairs[i].kind == kind]
        by_kind[kind] = round(sum(i in detected for i in idx) / len(idx), 4) if idx else None
    return {
        "duplicate_pairs": len(positives),
        "non_duplicate_pairs": len(negatives),
        "true_positives": tp,
        "false_positives": fp,
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(tp / len(positives), 4) if positives else 0.0,
        "recall_by_edit": by_kind,
    }


def sweep(pairs: list[Pair]) -> list[dict]:
    """Precision and recall per threshold, from the same candidate and verification code."""
    scored = []
    for pair in pairs:
        a, b = fingerprint(pair.first["text"]), fingerprint(pair.second["text"])
        candidate = a.exact == b.exact or bool(set(a.bands) & set(b.bands))
        sim = 1.0 if a.exact == b.exact else similarity(a.shingles, b.shingles)
        scored.append((pair.label, sim if candidate else 0.0))
    rows = []
    positives = sum(label for label, _ in scored)
    for t in SWEEP:
        tp = sum(label and s >= t for label, s in scored)
        fp = sum(not label and s >= t for label, s in scored)
        rows.append(
            {
                "threshold": t,
                "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
                "recall": round(tp / positives, 4) if positives else 0.0,
            }
        )
    return rows


def print_report(r: dict) -> None:
    print(
        f"corpus {r['corpus']}: {r['articles']} articles, "
        f"{r['corpus_duplicates_merged']} repeated stories merged before pairing"
    )
    print(
        f"pairs: {r['duplicate_pairs']} duplicates, {r['non_duplicate_pairs']} same-topic "
        f"non-duplicates; threshold {r['threshold']}; "
        f"{'cleaned by the pipeline first' if r['cleaned_first'] else 'texts as built'}"
    )
    print(
        f"DedupeArticles: precision {r['precision']:.4f}  recall {r['recall']:.4f}  "
        f"(TP {r['true_positives']}, FP {r['false_positives']}, {r['transform_seconds']} s)"
    )
    print(
        "recall by edit: "
        + ", ".join(f"{k} {v:.3f}" for k, v in r["recall_by_edit"].items() if v is not None)
    )
    print("threshold sweep (LSH candidates, verified similarity, per pair):")
    for row in r["sweep"]:
        print(
            f"  {row['threshold']:.2f}  precision {row['precision']:.4f}  "
            f"recall {row['recall']:.4f}"
        )
    print(f"fingerprinting: {r['fingerprints_per_cpu_second']} articles per CPU second")


def show_errors(pairs: list[Pair], detected: set[int], limit: int) -> None:
    errors = [p for i, p in enumerate(pairs) if p.label != (i in detected)][:limit]
    for pair in errors:
        a, b = fingerprint(pair.first["text"]), fingerprint(pair.second["text"])
        sim = similarity(a.shingles, b.shingles)
        shared = len(set(a.bands) & set(b.bands))
        print(
            f"--- {'missed' if pair.label else 'false'} {pair.kind}: "
            f"{pair.first['origin']} similarity {sim:.3f}, {shared} shared bands"
        )
        print(pair.second["text"][:600])
