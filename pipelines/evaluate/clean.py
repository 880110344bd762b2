"""Cleaning measured two ways.

HTML pages (--html-dir, --truth): the pipeline's own cleaning and trafilatura alone, scored
with the article-extraction benchmark's metric: \\w+ tokens, 4-gram shingle multisets, true
and false positives and negatives normalised per page, precision and recall averaged over
pages, F1 from the averages.

Plain text (--corpus): real article bodies (first line the title, then paragraphs) wrapped in
boilerplate of several kinds, placed before, inside and after the story; the share of body
sentences kept and of boilerplate lines dropped, per kind. A body sentence is a piece of a
paragraph that ends like a sentence (. ! ? and closing quotes or brackets) and has at least
four words; the other pieces (team sheets, fixtures, venue and kick-off lines, attendances,
list lines, subheadings) are counted apart as "other body lines", a figure with no target:
the same form ("Saturday, 26 February", "1500 GMT") is a dateline when a page puts it there.
A glued caption counts as dropped when no output paragraph still starts with it.

Cross-stream repetition (same --corpus): the articles are spread over a few sites, and each
site closes its articles with its own lines, sentences with no web-page vocabulary that
per-article cleaning keeps ("Northern Courier has reported on the region since 1887.");
printed are the share of those lines dropped and of body sentences kept after per-article
cleaning alone and after the batch cross-stream step as well
(:mod:`pipelines.clean.repetition`).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import trafilatura

from pipelines.clean import clean_html, clean_text, normalize_text
from pipelines.clean.repetition import Paragraphs, recurring, strip_repeated

_TOKEN = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?][\"”’'\)\]]*$")
_SENTENCE = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’']))\s+(?=[\"“‘']?[A-Z0-9])")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--html-dir", type=Path, help="Directory of pages (*.html, *.html.gz).")
    parser.add_argument(
        "--truth", type=Path, help="Ground truth JSON: {id: {articleBody, ...}}, id = file stem."
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        help="Directory tree of .txt articles: title line, then body. Prints body sentences "
        "kept (pieces of 4+ words ending like a sentence; other body lines apart, no target), "
        "boilerplate lines dropped per kind, and what the cross-stream step adds.",
    )
    parser.add_argument("--limit", type=int, default=0, help="Use at most this many articles.")
    parser.add_argument("--seed", type=int, default=7, help="Random seed of the wrapping.")
    parser.add_argument(
        "--show", type=int, default=0, help="Print up to this many plain-text failures."
    )


def main(args: argparse.Namespace) -> int:
    if not args.corpus and not (args.html_dir and args.truth):
        print("give --html-dir and --truth, or --corpus, or both")
        return 2
    if args.html_dir and args.truth:
        evaluate_html(args.html_dir, args.truth)
    if args.corpus:
        evaluate_plain_text(args.corpus, args.limit, args.seed, args.show)
        evaluate_cross_stream(args.corpus, args.limit, args.seed)
    return 0


# --- HTML pages against the benchmark ----------------------------------------------------------


def shingle_counts(true: str, pred: str, n: int = 4) -> tuple[float, float, float]:
    """(tp, fp, fn) of 4-gram shingle multisets, normalised to sum to 1 (the benchmark's)."""

    def shingles(text: str) -> Counter:
        tokens = _TOKEN.findall(text or "")
        return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))

    t, p = shingles(true), shingles(pred)
    t.pop((), None)
    p.pop((), None)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def benchmark_scores(counts: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """(precision, recall, F1): per-page precision and recall averaged, F1 of the averages."""
    precision = statistics.mean(
        1.0 if fp == fn == 0 else tp / (tp + fp) for tp, fp, fn in counts if tp + fp > 0
    )
    recall = statistics.mean(
        1.0 if fp == fn == 0 else tp / (tp + fn) for tp, fp, fn in counts if tp + fn > 0
    )
    return precision, recall, 2 * precision * recall / (precision + recall)


def _read_page(path: Path) -> str:
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return raw.decode("utf-8", errors="replace")


def evaluate_html(html_dir: Path, truth_file: Path) -> dict[str, tuple[float, float, float]]:
    """Print and return (precision, recall, F1) of the pipeline and of trafilatura alone."""
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    pages = {p.name.split(".")[0]: p for p in sorted(html_dir.glob("*.htm*"))}
    missing = sorted(set(truth) - set(pages))
    if missing:
        raise SystemExit(f"{len(missing)} ground-truth pages not in {html_dir}, e.g. {missing[0]}")
    counts: dict[str, list[tuple[float, float, float]]] = {"pipeline": [], "trafilatura": []}
    for page_id, item in truth.items():
        html = _read_page(pages[page_id])
        gold = item.get("articleBody", "")
        counts["pipeline"].append(shingle_counts(gold, clean_html(html)[1]))
        alone = trafilatura.extract(html, include_comments=False) or ""
        counts["trafilatura"].append(shingle_counts(gold, alone))
    scores = {name: benchmark_scores(c) for name, c in counts.items()}
    print(f"HTML main text: {len(truth)} pages from {html_dir}")
    print(f"{'extractor':<34} {'precision':>9} {'recall':>7} {'F1':>7}")
    labels = {
        "pipeline": "pipeline (CleanArticles)",
        "trafilatura": "trafilatura alone (defaults)",
    }
    for name, (p, r, f1) in scores.items():
        print(f"{labels[name]:<34} {p:>9.3f} {r:>7.3f} {f1:>7.3f}")
    return scores


# --- Plain text wrapped in boilerplate ---------------------------------------------------------

# Boilerplate of several kinds, as web pages and feeds put it around a story. {title} and
# {other} are the article's headline and another article's headline.
BOILERPLATE: dict[str, list[str]] = {
    "navigation": [
        "Home | News | Sport | Business | Culture | Weather",
        "Menu » World » Europe » Politics",
        "Skip to main content",
        "Search the site",
    ],
    "headline": ["{title}", "{title} {title}", "{title} - The Daily Ledger"],
    "byline": [
        "By Staff Reporter",
        "Published 14 March 2005, 09:31 GMT",
        "Updated 2 hours ago",
        "Photo: Getty Images",
    ],
    "share": [
        "Share this article",
        "Share on Facebook Share on Twitter Share via Email",
        "Follow us on Twitter and Instagram for the latest updates",
        "Click here to share this story with your friends",
    ],
    "advertisement": [
        "Advertisement",
        "ADVERTISEMENT",
        "Sponsored content",
        "Story continues below",
    ],
    "related": [
        "Read more: {other}",
        "Related: {other}",
        "Also read | {other}",
        "MORE ON THIS STORY",
        "Recommended for you",
    ],
    "newsletter": [
        "Sign up for our morning newsletter and get the top stories delivered to your inbox.",
        "Get the latest headlines straight to your inbox",
        "Subscribe now for unlimited access to all our journalism.",
        "Enter your email address to subscribe to this blog and receive notifications of new "
        "posts by email.",
        "Thank you for subscribing!",
    ],
    "comments": [
        "Comments",
        "Add a comment",
        "Leave a Reply Cancel reply",
        "Your email address will not be published. Required fields are marked *",
        "You must be logged in to post a comment.",
        "Post Comment",
        "Join the conversation",
        "Be the first to comment on this article",
    ],
    "cookies": [
        "We use cookies to give you the best experience on our website. By continuing to browse "
        "you agree to our use of cookies.",
        "Accept all cookies",
        "Manage your privacy settings",
        "This site uses cookies. Find out more in our Cookie Policy.",
    ],
    "footer": [
        "© 2005 The Daily Ledger. All rights reserved.",
        "Copyright 2005 Ledger Media Group",
        "Terms of Use | Privacy Policy | Contact Us | About Us",
        "Topics: Economy, Markets, Politics",
        "Tags: {tag}",
    ],
    "caption": ["{caption}"],
}
HEAD_KINDS = ("navigation", "headline", "byline", "share", "caption")
MIDDLE_KINDS = ("advertisement", "related", "newsletter", "caption")
TAIL_KINDS = ("share", "related", "newsletter", "comments", "cookies", "footer", "advertisement")


@dataclass
class Wrapped:
    """An article wrapped in boilerplate, with what the cleaner must keep and drop."""

    title: str
    text: str
    sentences: list[str]
    other_lines: list[str]  # body pieces that are no sentence: list lines, data, subheadings
    boilerplate: list[tuple[str, str]]  # (kind, line)
    glued: list[str] = field(default_factory=list)  # body paragraphs with a caption glued on


def read_corpus(corpus: Path, limit: int) -> list[tuple[str, list[str]]]:
    """(title, body paragraphs) of each .txt article under ``corpus``, in path order."""
    articles = []
    for path in sorted(corpus.rglob("*.txt")):
        text = normalize_text(path.read_bytes().decode("utf-8", errors="replace"))
        title, _, body = text.partition("\n")
        paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
        if title and paragraphs:
            articles.append((title, paragraphs))
        if limit and len(articles) >= limit:
            break
    return articles


# A name used inside a sentence, as whole words: "FleetBoston" or "Wal-Mart" give no "Fleet"
# or "Wal" (a caption names people by their names, not by part of a word).
_NAME = re.compile(r"(?<=[a-z,] )[A-Z][a-z]+(?: [A-Z][a-z]+)*(?![\w'’\-])")


def _caption(title: str, paragraphs: list[str]) -> str:
    """An image-caption line naming who is pictured: the story's most mentioned names."""
    names = Counter(_NAME.findall(" ".join(paragraphs))).most_common(2)
    if not names:
        return " ".join(title.split()[:2])
    return " and ".join(name for name, _ in names)


def wrap(title: str, paragraphs: list[str], other: str, rng: random.Random) -> Wrapped:
    """The body put into a page of boilerplate lines of random kinds and positions."""
    caption = _caption(title, paragraphs)
    values = {"title": title, "other": other, "caption": caption, "tag": caption}

    def pick(kinds: Iterable[str], count: int) -> list[tuple[str, str]]:
        chosen = rng.sample(list(kinds), count)
        return [(k, rng.choice(BOILERPLATE[k]).format(**values)) for k in chosen]

    head = pick(HEAD_KINDS, rng.randint(1, 3))
    tail = pick(TAIL_KINDS, rng.randint(2, 5))
    body = list(paragraphs)
    glued = []
    middle: list[tuple[str, str]] = []
    if len(body) >= 3:
        middle = pick(MIDDLE_KINDS, rng.randint(1, 2))
        for kind, line in middle:
            body.insert(rng.randint(1, len(body) - 1), f"\x00{kind}\x00{line}")
    if any(k == "caption" for k, _ in head + middle) and len(body) >= 2:
        i = rng.randint(1, len(body) - 1)
        if not body[i].startswith("\x00") and body[i][0].isupper():
            body[i] = f"{caption} {body[i]}"
            glued.append(body[i])
    lines = [line for _, line in head]
    lines += [b.split("\x00")[2] if b.startswith("\x00") else b for b in body]
    lines += [line for _, line in tail]
    pieces = [s for p in paragraphs for s in _SENTENCE.split(p) if s.strip()]
    sentences = [s for s in pieces if is_sentence(s)]
    others = [s for s in pieces if not is_sentence(s)]
    return Wrapped(title, "\n\n".join(lines), sentences, others, head + middle + tail, glued)


def is_sentence(piece: str) -> bool:
    """A piece of body text counted as a sentence: four words or more, ending like one."""
    return len(piece.split()) >= 4 and bool(_SENTENCE_END.search(piece.strip()))


def evaluate_plain_text(corpus: Path, limit: int, seed: int, show: int) -> dict[str, float]:
    """Print and return the share of body sentences kept and boilerplate lines dropped."""
    articles = read_corpus(corpus, limit)
    rng = random.Random(seed)
    kept = total_sentences = perfect = other_kept = other_total = 0
    dropped: Counter = Counter()
    inserted: Counter = Counter()
    failures: list[str] = []
    for i, (title, paragraphs) in enumerate(articles):
        other = articles[(i + 1) % len(articles)][0]
        page = wrap(title, paragraphs, other, rng)
        cleaned = clean_text(page.text, title)
        out_paragraphs = cleaned.split("\n\n")
        out_set = set(out_paragraphs)
        flat = " ".join(cleaned.split())
        lost = [s for s in page.sentences if " ".join(s.split()) not in flat]
        missed = [(k, line) for k, line in page.boilerplate if line in out_set]
        missed += [("glued caption", p) for p in page.glued if p in out_set]
        other_kept += sum(" ".join(s.split()) in flat for s in page.other_lines)
        other_total += len(page.other_lines)
        kept += len(page.sentences) - len(lost)
        total_sentences += len(page.sentences)
        for kind in [k for k, _ in page.boilerplate] + ["glued caption"] * len(page.glued):
            inserted[kind] += 1
            dropped[kind] += 1
        for kind, _ in missed:
            dropped[kind] -= 1
        if not lost and not missed:
            perfect += 1
        elif len(failures) < show:
            failures.append(f"{title!r}: lost {lost[:2]} kept {missed[:3]}")
    sentence_share = kept / total_sentences
    drop_share = sum(dropped.values()) / sum(inserted.values())
    print(f"Plain-text boilerplate: {len(articles)} articles from {corpus}, seed {seed}")
    print(f"body sentences kept      {kept}/{total_sentences} = {sentence_share:.4f}")
    print(
        f"boilerplate lines dropped {sum(dropped.values())}/{sum(inserted.values())}"
        f" = {drop_share:.4f}"
    )
    if other_total:
        print(
            f"other body lines kept    {other_kept}/{other_total} = {other_kept / other_total:.4f}"
        )
    for kind in [*BOILERPLATE, "glued caption"]:
        if inserted[kind]:
            share = dropped[kind] / inserted[kind]
            print(f"  {kind:<14} {dropped[kind]:>5}/{inserted[kind]:<5} = {share:.4f}")
    print(f"articles cleaned perfectly {perfect}/{len(articles)} = {perfect / len(articles):.4f}")
    for line in failures:
        print("  FAIL", line)
    return {"sentences_kept": sentence_share, "boilerplate_dropped": drop_share}


# --- Repetition across the articles of a site ------------------------------------------------

SITES = ("Northern Courier", "Valley Gazette", "Harbour Times", "City Ledger", "Coast Herald")
# Each site's own closing lines: sentences without web-page vocabulary, so that only their
# recurrence across the site's articles gives them away.
SITE_LINES = (
    "{site} has reported on the region since 1887.",
    "This report was prepared by the {site} regional desk.",
    "Additional reporting by the {site} staff in the field.",
)


def evaluate_cross_stream(corpus: Path, limit: int, seed: int) -> dict[str, float]:
    """Print and return the site lines dropped and body sentences kept, by per-article
    cleaning alone and with the cross-stream step after it."""
    articles = read_corpus(corpus, limit)
    rng = random.Random(seed)
    pages = []
    for i, (title, paragraphs) in enumerate(articles):
        site = SITES[i % len(SITES)]
        lines = [line.format(site=site) for line in rng.sample(SITE_LINES, rng.randint(1, 2))]
        cleaned = clean_text("\n\n".join([*paragraphs, *lines]), title)
        sentences = [s for p in paragraphs for s in _SENTENCE.split(p) if is_sentence(s)]
        pages.append((site, cleaned, lines, sentences))
    by_site: dict[str, list[Paragraphs]] = {}
    for site, cleaned, _, _ in pages:
        by_site.setdefault(site, []).append(Paragraphs.of(cleaned))
    repeated = {site: recurring(ps) for site, ps in by_site.items()}
    results = {}
    for step in ("per-article cleaning", "with cross-stream step"):
        kept = total = dropped = inserted = 0
        for site, cleaned, lines, sentences in pages:
            text = (
                strip_repeated(cleaned, repeated[site])
                if step != "per-article cleaning"
                else cleaned
            )
            flat, out = " ".join(text.split()), set(text.split("\n\n"))
            kept += sum(" ".join(s.split()) in flat for s in sentences)
            total += len(sentences)
            dropped += sum(line not in out for line in lines)
            inserted += len(lines)
        results[step] = (kept / total, dropped / inserted)
        print(
            f"{step:<24} site lines dropped {dropped}/{inserted} = {dropped / inserted:.4f}, "
            f"body sentences kept {kept}/{total} = {kept / total:.4f}"
        )
    return {
        "sentences_kept": results["with cross-stream step"][0],
        "site_lines_dropped": results["with cross-stream step"][1],
    }
