"""Event extraction: spaCy through RunInference, PLOVER trigger rules, lexicon as data."""

from pipelines.extract.article import EXTRACTOR_VERSION
from pipelines.extract.transform import ExtractEvents

__all__ = ["EXTRACTOR_VERSION", "ExtractEvents"]
