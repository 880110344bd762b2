"""spaCy behind Beam's RunInference: a ModelHandler that parses AND extracts in one step.

Each batch of articles goes through ``nlp.pipe``; the Docs are turned into plain Event
records right away, so no spaCy object crosses a transform boundary. An article that makes
spaCy or a rule raise is reported as failed while the rest of its batch is processed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import spacy
from apache_beam.ml.inference.base import ModelHandler, PredictionResult
from spacy.language import Language
from spacy.tokens import Doc

from pipelines.extract.actors import ActorIndex, load_actor_index
from pipelines.extract.article import events_from_docs, model_name, split_text
from pipelines.extract.lexicon import Lexicon, load_lexicon
from pipelines.extract.verb_lemmas import VERB_LEMMAS
from pipelines.geo.gazetteer import DEFAULT_CITY_POPULATION, Gazetteer, load_gazetteer

# Components the rules read: tokens, tags, lemmas, the parse (also sentences) and entities.
USED_COMPONENTS = {"tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner"}


@dataclass
class LoadedModel:
    """What a worker holds: the spaCy pipeline, the trigger lexicon, the actor codes and the
    gazetteer."""

    nlp: Language
    lexicon: Lexicon
    name: str
    actors: ActorIndex
    gazetteer: Gazetteer


@dataclass(frozen=True)
class Extraction:
    """The outcome of one article: its events, or the error that stopped it."""

    events: list[dict[str, Any]]
    error_type: str | None = None
    error_message: str | None = None


def _excluded_components(name: str) -> list[str]:
    info = spacy.info(name)
    names = set(info.get("components", [])) | set(info.get("pipeline", []))
    names |= set(info.get("disabled", []))
    return sorted(names - USED_COMPONENTS)


PARAGRAPH_SENTENCES = "paragraph_sentences"


@Language.component(PARAGRAPH_SENTENCES)
def paragraph_sentences(doc: Doc) -> Doc:
    """A line break starts a sentence: the parser would otherwise join a paragraph to the
    next when the first does not end like a sentence (a quote, a dropped link label)."""
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if previous.is_space and "\n" in previous.text and not token.is_space:
            token.is_sent_start = True
    return doc


def load_spacy(name: str) -> Language:
    """The spaCy pipeline ``name`` with only the components the rules read, paragraph
    breaks as sentence boundaries, and the lemmatizer's short-cut verbs mended."""
    nlp = spacy.load(name, exclude=_excluded_components(name))
    where = {"before": "parser"} if "parser" in nlp.pipe_names else {"first": True}
    nlp.add_pipe(PARAGRAPH_SENTENCES, **where)
    if "lemmatizer" in nlp.pipe_names:
        nlp.add_pipe(VERB_LEMMAS, after="lemmatizer")
    return nlp


class SpacyEventModelHandler(ModelHandler[dict, PredictionResult, LoadedModel]):
    """Loads a spaCy pipeline once per worker and extracts events from batches of articles."""

    def __init__(
        self,
        spacy_model: str,
        lexicon: str | None = None,
        batch_size: int = 32,
        share_across_processes: bool = False,
        gazetteer_cities: int = DEFAULT_CITY_POPULATION,
    ) -> None:
        # Fixed-size batches: Beam's adaptive batching shrinks them to 1-2 articles (spaCy's
        # time grows linearly with the batch), which costs spaCy about 10%. A bundle's last
        # batch is still flushed when the bundle ends, so a stream never waits for a full one.
        super().__init__()
        self._spacy_model = spacy_model
        self._lexicon_path = lexicon
        self._batch_size = batch_size
        self._share = share_across_processes
        self._gazetteer_cities = gazetteer_cities

    def batch_elements_kwargs(self) -> dict[str, int]:
        """Fixed-size batches: Beam's adaptive batching shrinks them to one or two articles,
        and spaCy parses a batch faster than its articles one by one."""
        return {"min_batch_size": self._batch_size, "max_batch_size": self._batch_size}

    def load_model(self) -> LoadedModel:
        nlp = load_spacy(self._spacy_model)
        lexicon = load_lexicon(self._lexicon_path)
        return LoadedModel(
            nlp,
            lexicon,
            model_name(nlp),
            load_actor_index(),
            load_gazetteer(self._gazetteer_cities),
        )

    def share_model_across_processes(self) -> bool:
        return self._share

    def get_metrics_namespace(self) -> str:
        return "ExtractEvents"

    def run_inference(
        self, batch: Sequence[dict], model: LoadedModel, inference_args: dict | None = None
    ) -> Iterable[PredictionResult]:
        return [
            PredictionResult(article, outcome)
            for article, outcome in zip(batch, extract_batch(model, batch), strict=True)
        ]


def _failure(step: str, error: BaseException) -> Extraction:
    """The article failed at ``step`` (spaCy, or the event rules), with this exception."""
    return Extraction([], type(error).__name__, f"{step} failed: {str(error) or repr(error)}")


def _extract_one(model: LoadedModel, article: dict, docs) -> Extraction:
    try:
        events = events_from_docs(
            docs, article, model.lexicon, model.name, model.actors, model.gazetteer
        )
        return Extraction(events)
    except Exception as e:  # a rule failing on one article must not stop the batch
        return _failure("event rules", e)


def extract_batch(model: LoadedModel, articles: Sequence[dict]) -> list[Extraction]:
    """Events of each article; the batch is parsed with one ``nlp.pipe`` call, and when
    that raises, article by article so only the poison one fails."""
    pieces: list[list[tuple[int, str]] | Extraction] = []
    for article in articles:
        text = article.get("text")
        if not isinstance(text, str) or not text.strip():
            pieces.append(Extraction([], "NoText", "article has no text to extract from"))
        else:
            pieces.append(split_text(text, model.nlp.max_length - 1))
    texts = [chunk for p in pieces if isinstance(p, list) for _, chunk in p]
    try:
        docs = iter(list(model.nlp.pipe(texts)))
    except Exception:
        return [_extract_alone(model, a, p) for a, p in zip(articles, pieces, strict=True)]
    out = []
    for article, p in zip(articles, pieces, strict=True):
        if isinstance(p, Extraction):
            out.append(p)
        else:
            out.append(_extract_one(model, article, [(off, next(docs)) for off, _ in p]))
    return out


def _extract_alone(model: LoadedModel, article: dict, p) -> Extraction:
    if isinstance(p, Extraction):
        return p
    try:
        docs = [(off, model.nlp(chunk)) for off, chunk in p]
    except Exception as e:
        return _failure("spaCy", e)
    return _extract_one(model, article, docs)
