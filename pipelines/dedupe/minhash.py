"""Text fingerprints for de-duplication: normalised-text hash, word shingles, MinHash, LSH bands.

Pure functions over numpy, stable across processes and machines (no Python ``hash()``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from dataclasses import dataclass

import numpy as np

SHINGLE_WORDS = 5
NUM_PERM = 128
BANDS = 32  # 4 rows a band: candidates from about Jaccard 0.4 up, then verified exactly.
_SEED = 20251028
_WORD = re.compile(r"\w+", re.UNICODE)

_rng = np.random.default_rng(_SEED)
# Multiply-shift hashing: h(x) = ((a*x + b) mod 2**64) >> 32, a odd.
_A = _rng.integers(1, 2**63, size=NUM_PERM, dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, 2**63, size=NUM_PERM, dtype=np.uint64)


@dataclass(frozen=True)
class Fingerprint:
    """What de-duplication needs of one article."""

    exact: str  # hash of the normalised text
    shingles: np.ndarray  # sorted unique uint32 hashes of word shingles
    bands: tuple[str, ...]  # LSH band keys of the MinHash signature


def words(text: str) -> list[str]:
    """Lower-cased words of NFKC-normalised text."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingle_hashes(tokens: list[str], size: int = SHINGLE_WORDS) -> np.ndarray:
    """Sorted unique CRC-32 hashes of the word ``size``-grams (the whole text if shorter)."""
    if len(tokens) <= size:
        grams = [" ".join(tokens)]
    else:
        grams = [" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)]
    return np.unique(np.fromiter((zlib.crc32(g.encode()) for g in grams), dtype=np.uint32))


def signature(shingles: np.ndarray) -> np.ndarray:
    """MinHash signature (NUM_PERM uint32 values) of a non-empty shingle set."""
    x = shingles.astype(np.uint64)[:, None]
    with np.errstate(over="ignore"):
        hashed = (_A[None, :] * x + _B[None, :]) >> np.uint64(32)
    return hashed.min(axis=0).astype(np.uint32)


def band_keys(sig: np.ndarray, bands: int = BANDS) -> tuple[str, ...]:
    """One key a band: the band's index and a digest of its rows."""
    rows = len(sig) // bands
    digests = (
        hashlib.blake2b(sig[b * rows : (b + 1) * rows].tobytes(), digest_size=8).hexdigest()
        for b in range(bands)
    )
    return tuple(f"{b}:{d}" for b, d in enumerate(digests))


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
