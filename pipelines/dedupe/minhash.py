"""Text fingerprints for de-duplication: normalised-text hash, word shingles, MinHash, LSH bands.

Pure functions over numpy, stable across processes and machines (no Python ``hash()``).

LSH uses 42 bands of 3 rows: a pair becomes a candidate with probability
``1 - (1 - J**3)**42``, which is 0.94 at Jaccard 0.4, 0.996 at 0.5 and 0.04 at 0.1, so
truncated copies (whose Jaccard is about the kept share) still meet their original, while
unrelated articles (Jaccard near 0) almost never do. Every candidate is then verified with
:func:`similarity` on the actual shingle sets.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from dataclasses import dataclass

import numpy as np

SHINGLE_WORDS = 5
BANDS = 42
ROWS = 3
NUM_PERM = BANDS * ROWS
# Containment counts only for a shorter text of at least this many shingles (about three
# sentences) that is at least this share of the longer one: a one-line brief quoted in a
# long article, or a short item inside a round-up, is not a copy of it.
MIN_CONTAINED_SHINGLES = 50
MIN_CONTAINED_SHARE = 0.4

_SEED = 20251028
_WORD = re.compile(r"\w+", re.UNICODE)
# In ASCII text the word characters are letters, digits and "_": every other character
# becomes a space, and splitting on spaces gives what _WORD finds, about twice as fast.
_ASCII_NON_WORD = str.maketrans(
    {c: " " for c in map(chr, range(128)) if not (c.isalnum() or c == "_")}
)
_U64 = np.uint64

_rng = np.random.default_rng(_SEED)
# Multiply-shift hashing: h(x) = ((a*x + b) mod 2**64) >> 32, a odd.
_A = _rng.integers(1, 2**63, size=NUM_PERM, dtype=np.uint64) | _U64(1)
_B = _rng.integers(0, 2**63, size=NUM_PERM, dtype=np.uint64)
# Odd multipliers combining word hashes into a shingle hash, and rows into a band hash.
_SHINGLE_MUL = _rng.integers(1, 2**63, size=SHINGLE_WORDS, dtype=np.uint64) | _U64(1)
_ROW_MUL = _rng.integers(1, 2**63, size=ROWS, dtype=np.uint64) | _U64(1)

_word_hashes: dict[str, int] = {}
_WORD_CACHE_SIZE = 200_000


@dataclass(frozen=True)
class Fingerprint:
    """What de-duplication needs of one article."""

    exact: str  # hash of the normalised text
    shingles: np.ndarray  # sorted unique uint32 hashes of word shingles
    bands: tuple[str, ...]  # LSH band keys of the MinHash signature


def words(text: str) -> list[str]:
    """Lower-cased words of NFKC-normalised text."""
    if text.isascii():
        return text.lower().translate(_ASCII_NON_WORD).split()
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def _word_hash_list(tokens: list[str]) -> list[int]:
    """The cached hash of every token (a dict lookup each; only new words are hashed)."""
    hashes = list(map(_word_hashes.get, tokens))
    if None in hashes:
        if len(_word_hashes) >= _WORD_CACHE_SIZE:
            _word_hashes.clear()
        for i, h in enumerate(hashes):
            if h is None:
                word = tokens[i]
                h = _word_hashes.get(word)
                if h is None:
                    h = _word_hashes[word] = zlib.crc32(word.encode()) + 1
                hashes[i] = h
    return hashes


def shingle_hashes(tokens: list[str], size: int = SHINGLE_WORDS) -> np.ndarray:
    """Sorted unique uint32 hashes of the word ``size``-grams (the whole text if shorter)."""
    hashes = np.array(_word_hash_list(tokens), dtype=np.uint64)
    n = max(len(tokens) - size + 1, 1)
    combined = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(min(size, len(tokens))):
            combined += hashes[k : k + n] * _SHINGLE_MUL[k]
    return np.unique((combined >> _U64(32)).astype(np.uint32))


def signature(shingles: np.ndarray) -> np.ndarray:
    """MinHash signature (NUM_PERM uint32 values) of a non-empty shingle set."""
    hashed = np.multiply.outer(_A, shingles.astype(np.uint64))
    hashed += _B[:, None]
    # The shift keeps order, so it is applied to the minima only.
    return (hashed.min(axis=1) >> _U64(32)).astype(np.uint32)


def band_keys(sig: np.ndarray) -> tuple[str, ...]:
    """One key a band: the band's index and a 64-bit hash of its rows."""
    rows = sig.astype(np.uint64).reshape(BANDS, ROWS)
    with np.errstate(over="ignore"):
        mixed = (rows * _ROW_MUL[None, :]).sum(axis=1, dtype=np.uint64)
        mixed ^= mixed >> _U64(29)
    return tuple(f"{b}:{h:x}" for b, h in enumerate(mixed.tolist()))


def text_shingles(text: str) -> np.ndarray:
    """The shingles of a text, as :func:`fingerprint` computes them."""
    return shingle_hashes(words(text))


def fingerprint(text: str) -> Fingerprint:
    tokens = words(text)
    exact = hashlib.sha256(" ".join(tokens).encode()).hexdigest()
    shingles = shingle_hashes(tokens)
    return Fingerprint(exact, shingles, band_keys(signature(shingles)))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted unique hash arrays."""
    if not len(a) and not len(b):
        return 1.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """How much of a copy two shingle sets are: Jaccard, or containment for a truncated copy.

    Containment (shared shingles over the smaller set) is used when the smaller set is long
    enough and not a small part of the larger (MIN_CONTAINED_SHINGLES, MIN_CONTAINED_SHARE);
    the result is the larger of the two measures.
    """
    if not len(a) or not len(b):
        return 1.0 if len(a) == len(b) else 0.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    small, large = sorted((len(a), len(b)))
    score = common / (small + large - common)
    if small >= MIN_CONTAINED_SHINGLES and small >= MIN_CONTAINED_SHARE * large:
        score = max(score, common / small)
    return score
