"""Boilerplate removal for plain text, in the manner of jusText.

The text is cut into blocks (paragraphs; a hard-wrapped paragraph is joined back first). Each
block is described by its length, stopword density, link density, how much of it is web-page
vocabulary, whether it addresses the reader and whether it ends like a sentence, and by
repetition: against the title and against the other blocks of the same article (repetition
across articles of one source is :mod:`pipelines.clean.repetition`'s job). Blocks with a clear
boilerplate cue are dropped anywhere. The story is the run from the first good block (long,
stopword-rich prose) to the last one and on until the next cue; a run of cues does not end it
when a sentence follows, or a line of the same form as the list line before it (an advert in
a team sheet). Outside that run only sentences and prose-like lines stay.
Short standalone lines that only name the story's people are captions, unless a neighbour of
the same form names too (a list of nominees). A caption glued to the start of a paragraph is
cut off only with evidence: the same line stands alone in the article and is dropped there
(or is the title), and the word after it does not continue a name.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from pipelines.clean.wordlists import READER_ADDRESS, STRONG_UI, WEAK_UI, stoplist_for

_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*|©")
_LINK = re.compile(
    # Addresses and domains are matched from the start of a token only: unanchored, "\S+"
    # retried at every position of a long token takes quadratic time.
    r"https?://\S+|www\.\S+|(?<!\S)[^\s@]+@\S+\.\w+|(?<!\w)[@#]\w+|(?<!\S)\S+\.(?:com|org|net)\b"
)
_SEPARATOR = re.compile(r"(?<!\w)[|•»›·>](?!\w)")
_SENTENCE_END = re.compile(r"[.!?:;…。！？][\"”’'\)\]」]*$")
_KEY_JUNK = re.compile(r"[\W_]+")
# A capitalised word after a word or comma: a name, not a sentence start.
_INNER_CAPITAL = re.compile(r"(?<=[^\s.!?:;\"“”‘’'] )[^\W\d_a-z][\w'’\-]*")
# "... stability.” ( Source )": the label of an inline link (or a credit) left after the last
# sentence of a paragraph, one to three words in parentheses.
_LINK_TAIL = re.compile(r"(?<=[.!?…\"”’])\s*\(\s*[^\W\d_][\w'’\-]*(?:\s+[\w'’\-]+){0,2}\s*\)$")
# "Related: ...", "Read more | ...": a short label, then a separator, then the rest.
_LABEL = re.compile(r"^(\w+(?: \w+){0,2}) ?[:|»›]\s+\S")

# jusText's thresholds, as fractions of a block's words and characters.
STOPWORDS_GOOD = 0.30
LENGTH_GOOD = 150
# Web-page vocabulary share above which a non-sentence or reader-addressing block is boilerplate,
# and the share above which any block is.
UI_SHARE = 0.10
UI_SHARE_ALWAYS = 0.30
LINK_SHARE = 0.20
# A line without final punctuation but with this many words may still be prose.
PROSE_WORDS = 12
# A standalone line of at most this many words that is no sentence may be a caption.
CAPTION_WORDS = 12


@dataclass(frozen=True)
class Block:
    """One paragraph of the text and the cues the classifier reads from it."""

    text: str
    words: tuple[str, ...]
    stop_share: float
    ui_share: float
    link_share: float
    reader: bool
    sentence: bool

    @property
    def good(self) -> bool:
        """Long, stopword-rich prose: the kind of block a story is made of."""
        long_enough = len(self.text) >= LENGTH_GOOD or (self.sentence and len(self.text) >= 50)
        return long_enough and self.stop_share >= STOPWORDS_GOOD

    @property
    def near_good(self) -> bool:
        """A sentence, or a line of prose as long as one: kept even outside the story's core,
        unlike the headline-like fragments (bylines, dates, slogans) pages put around it."""
        prose = len(self.words) >= PROSE_WORDS and self.stop_share >= 0.2
        return (self.sentence and (len(self.words) >= 4 or len(self.text) >= 20)) or prose


@dataclass(frozen=True)
class Verdict:
    """What happened to one block: kept or not, and why."""

    text: str
    keep: bool
    reason: str


def key(text: str) -> str:
    """A block's identity for repetition: lower case, words only."""
    return _KEY_JUNK.sub(" ", text.lower()).strip()


def describe(text: str, stoplist: frozenset[str] | None) -> Block:
    """The cues of one block of text; ``stoplist`` None means the language has none."""
    words = tuple(w.lower() for w in _WORD.findall(text))
    n = max(len(words), 1)
    ui = sum(w in STRONG_UI for w in words) + 0.5 * sum(w in WEAK_UI for w in words)
    links = len(_LINK.findall(text)) + len(_SEPARATOR.findall(text))
    return Block(
        text=text,
        words=words,
        stop_share=1.0 if stoplist is None else sum(w in stoplist for w in words) / n,
        ui_share=ui / n,
        link_share=links / n,
        reader=any(w in READER_ADDRESS for w in words),
        sentence=bool(_SENTENCE_END.search(text)),
    )


def split_blocks(text: str) -> list[str]:
    """Paragraphs of normalised text: one per line, with hard-wrapped lines joined back.

    A line is a continuation of the one before when that one ends mid-sentence and the line
    starts in lower case, inside the same blank-line-separated chunk.
    """
    blocks: list[str] = []
    for chunk in text.split("\n\n"):
        lines = [line for line in chunk.split("\n") if line]
        for i, line in enumerate(lines):
            continues = i > 0 and line[0].islower() and not _SENTENCE_END.search(lines[i - 1])
            if continues:
                blocks[-1] = f"{blocks[-1]} {line}"
            else:
                blocks.append(line)
    return blocks


def _is_title_repeat(block_key: str, title_key: str) -> bool:
    """The block is the title, once or several times over."""
    if not title_key or not block_key:
        return False
    copies, rest = divmod(len(block_key) + 1, len(title_key) + 1)
    return rest == 0 and block_key == " ".join([title_key] * copies)


def proper_nouns(texts: list[str]) -> Counter:
    """Capitalised words the text uses inside sentences (not after a full stop): names, and
    how often they appear so."""
    return Counter(m.group() for t in texts for m in _INNER_CAPITAL.finditer(t))


def _is_names(block: Block, names: Counter, stoplist: frozenset[str]) -> bool:
    """The block only names people, places or bodies the rest of the story names too, like a
    photo caption."""
    used = names - proper_nouns([block.text])
    tokens = _WORD.findall(block.text)
    return any(t in used for t in tokens) and all(
        t in used or t.lower() in stoplist for t in tokens
    )


def _is_short_line(block: Block) -> bool:
    """A short line that is no sentence and starts like a name or a number: a caption, a
    subheading, a list line or a headline."""
    return (
        not block.sentence
        and 0 < len(block.words) <= CAPTION_WORDS
        and (block.text[0].isupper() or block.text[0].isdigit())
    )


def _form(block: Block) -> tuple[str, bool, bool]:
    """The outward form of a line, alike for the lines of one list: how it starts (marker,
    digit, capital, lower case), whether it ends like a sentence and whether it has brackets."""
    first = block.text[:1]
    start = (
        "9" if first.isdigit() else "A" if first.isupper() else "a" if first.isalpha() else first
    )
    return start, block.sentence, "(" in block.text


def _in_list_of_names(
    blocks: list[Block], i: int, names: Counter, stoplist: frozenset[str], extracted: bool
) -> bool:
    """Block ``i`` has a neighbour of the same form that also only names (and is no page
    furniture): it is a line of a list of names, like nominees or a squad."""
    neighbours = [blocks[j] for j in (i - 1, i + 1) if 0 <= j < len(blocks)]
    return any(
        _form(b) == _form(blocks[i])
        and _cue(b, extracted) is None
        and _is_names(b, names, stoplist)
        for b in neighbours
    )


def _captions(
    blocks: list[Block], title_key: str, names: Counter, stoplist: frozenset[str], extracted: bool
) -> set[str]:
    """Keys of short standalone lines that repeat in the article, sit in the title or only
    name the story's people and places (unless they are lines of a list)."""
    counts = Counter(key(b.text) for b in blocks)
    return {
        key(b.text)
        for i, b in enumerate(blocks)
        if _is_short_line(b)
        and (
            counts[key(b.text)] > 1
            or (title_key and f" {key(b.text)} " in f" {title_key} ")
            or (
                _is_names(b, names, stoplist)
                and not _in_list_of_names(blocks, i, names, stoplist, extracted)
            )
        )
    }


def _occurrences(phrase: str, text: str) -> int:
    """How often ``phrase`` occurs in ``text`` as whole words."""
    return len(re.findall(rf"(?<!\w){re.escape(phrase)}(?!\w)", text))


def _strip_glued_prefix(text: str, prefixes: list[str], title_key: str, article: str) -> str:
    """Cut a caption or the title off the start of a paragraph it was glued to.

    A caption counts as glued when a capitalised word follows it and that word is no part of a
    name going on: the two words at the seam occur together nowhere else in the ``article``
    ("Trump Both" in "Takaichi and Trump Both leaders paid ..."), or the word after the seam is
    also used on its own ("Arsene Wenger has ..." after the caption "Arsenal and Arsene", with
    "Wenger" alone elsewhere; not "Donald Trump Jr", "Jr" only ever following "Trump").
    After the title, any capitalised start counts.
    """
    words = text.split(" ")
    for prefix in prefixes:
        size = len(prefix.split(" "))
        if len(words) <= size or key(" ".join(words[:size])) != prefix:
            continue
        rest = " ".join(words[size:])
        first = _WORD.match(rest)
        if not first or not rest[0].isupper():
            continue
        together = _occurrences(f"{words[size - 1]} {first.group()}", article)
        if prefix == title_key or together <= 1 or _occurrences(first.group(), article) > together:
            return rest
    return text


def _cue(block: Block, extracted: bool) -> str | None:
    """The boilerplate cue a block carries on its own, if any.

    Link density is left to the extractor for ``extracted`` text: it saw the page's real links,
    and the link-like lines that survive it (quoted posts, handles) belong to the story.
    """
    if not block.words:
        return "no words"
    if block.link_share >= LINK_SHARE and not extracted:
        return "links"
    if block.ui_share >= UI_SHARE_ALWAYS:
        return "page furniture"
    if block.ui_share >= UI_SHARE and (block.reader or not block.sentence):
        return "page furniture"
    label = _LABEL.match(block.text)
    # A label then a headline ("Read more: What now for tennis?"), not a label then prose.
    if label and (not block.sentence or len(block.words) <= CAPTION_WORDS):
        label_words = label.group(1).lower().split()
        if any(w in STRONG_UI or w in WEAK_UI for w in label_words):
            return "link label"
    return None


def classify(text: str, title: str | None = None, extracted: bool = False) -> list[Verdict]:
    """Decide, block by block, what of normalised ``text`` is story and what is boilerplate.

    For plain text, blocks before the first and after the last good block are dropped unless
    they are sentences. For ``extracted`` text (main text an extractor already chose from a
    page), only blocks with a boilerplate cue of their own are dropped.
    """
    title_key = key(title) if title else ""
    texts = split_blocks(text)
    stoplist = stoplist_for([w.lower() for t in texts for w in _WORD.findall(t)])
    raw = [describe(t, stoplist) for t in texts]
    names = proper_nouns(texts)
    captions = _captions(raw, title_key, names, stoplist or frozenset(), extracted)
    # First pass on the blocks as they are: the short lines it drops are what may be glued.
    dropped = {
        key(b.text)
        for b, v in zip(raw, _verdicts(raw, raw, title_key, captions, extracted), strict=True)
        if not v.keep and _is_short_line(b)
    }
    prefixes = sorted(
        (captions | dropped | ({title_key} if title_key else set())) - {""}, key=len, reverse=True
    )
    blocks = [
        describe(_strip_glued_prefix(b.text, prefixes, title_key, text), stoplist) for b in raw
    ]
    return _verdicts(raw, blocks, title_key, captions, extracted)


def _verdicts(
    raw: list[Block], blocks: list[Block], title_key: str, captions: set[str], extracted: bool
) -> list[Verdict]:
    """Verdicts on ``blocks`` (``raw`` with glued prefixes cut off): cues, then the story's
    extent."""

    reasons: list[str | None] = []
    seen: set[str] = set()
    for raw_block, block in zip(raw, blocks, strict=True):
        block_key = key(raw_block.text)
        if _is_title_repeat(block_key, title_key):
            reasons.append("title")
        elif block_key in captions:
            reasons.append("caption")
        elif key(block.text) in seen and len(block.text) >= LENGTH_GOOD:
            reasons.append("repeated")
        else:
            reasons.append(_cue(block, extracted))
        seen.add(key(block.text))

    good = [i for i, (b, r) in enumerate(zip(blocks, reasons, strict=True)) if r is None and b.good]
    if extracted:
        first, last = 0, len(blocks)
    elif good:
        # The story runs from its first good block on, and after its last good block until
        # the first block with a cue: lists and tables often close a story, bylines open it.
        first, last = good[0], _story_end(blocks, reasons, good[-1])
    else:
        first, last = len(blocks), -1
    verdicts = []
    for i, (block, reason) in enumerate(zip(blocks, reasons, strict=True)):
        if reason is None and not (first <= i <= last or block.near_good):
            reason = "outside the story"
        verdicts.append(Verdict(block.text, reason is None, reason or "story"))
    return verdicts


def _story_end(blocks: list[Block], reasons: list[str | None], last_good: int) -> int:
    """Index of the story's last block: on from its last good block until the first block with
    a cue, unless that cue only interrupts the story: the block after the run of cues is a
    sentence, or has the form of the list line before the cues (an advert in a team sheet or
    a list of awards)."""
    end, i = last_good, last_good + 1
    while i < len(blocks):
        if reasons[i] is None:
            end, i = i, i + 1
            continue
        after = i
        while after < len(blocks) and reasons[after] is not None:
            after += 1
        if after == len(blocks):
            break
        in_list = end > last_good and not blocks[end].good
        same_list = in_list and _form(blocks[after]) == _form(blocks[end])
        if not (blocks[after].near_good or same_list):
            break
        i = after
    return end


def remove_boilerplate(text: str, title: str | None = None, extracted: bool = False) -> str:
    """The story paragraphs of normalised ``text``, separated by blank lines, without the link
    labels left after their last sentence."""
    return "\n\n".join(
        _LINK_TAIL.sub("", v.text) for v in classify(text, title, extracted) if v.keep
    )
