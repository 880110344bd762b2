"""De-duplication of articles: exact and near-duplicates (MinHash + LSH, verified).

Batch and streaming (stateful, with a horizon) behind one transform, ``DedupeArticles``.
"""

from pipelines.dedupe.batch import DUPLICATES, UNIQUE, DedupeArticles, DedupeResult

__all__ = ["DUPLICATES", "UNIQUE", "DedupeArticles", "DedupeResult"]
