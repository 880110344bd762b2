"""De-duplication of articles: exact and near-duplicates (MinHash + LSH, verified)."""

from pipelines.dedupe.batch import DUPLICATES, UNIQUE, DedupeArticles

__all__ = ["DUPLICATES", "UNIQUE", "DedupeArticles"]
