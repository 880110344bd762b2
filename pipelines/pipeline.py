"""The pipeline graph: read -> clean -> dedupe -> stories -> extract -> out, with dead letters."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.options.pipeline_options import StandardOptions

from pipelines.clean import CleanArticles
from pipelines.dedupe import DedupeArticles
from pipelines.extract import ExtractEvents
from pipelines.io.sinks import PipelineOutputs, WriteOutputs
from pipelines.io.sources import ReadInputs
from pipelines.options import NewsPipelineOptions
from pipelines.stories import AssignStories, GroupEvents


def build(p: beam.Pipeline, options: beam.options.pipeline_options.PipelineOptions) -> None:
    """Build the whole graph on ``p`` from ``options``."""
    opts = options.view_as(NewsPipelineOptions)
    streaming = options.view_as(StandardOptions).streaming
    read = p | "Read" >> ReadInputs(opts)
    cleaned = read.articles | "Clean" >> CleanArticles(
        opts.min_words, opts.non_english, opts.max_article_chars, streaming=streaming
    )
    deduped = cleaned.articles | "Dedupe" >> DedupeArticles(
        opts.dedupe_threshold, streaming=streaming, horizon_seconds=opts.dedupe_horizon_seconds()
    )
    stories = deduped.unique | "Stories" >> AssignStories(
        opts.story_window_seconds(), opts.story_threshold, streaming=streaming
    )
    extracted = stories | "Extract" >> ExtractEvents(
        opts.spacy_model,
        opts.lexicon,
        opts.inference_batch_size,
        gazetteer_cities=opts.gazetteer_cities,
    )
    dead_letters = (*read.dead_letters, cleaned.dead_letters, extracted.dead_letters)
    groups = extracted.events | "Event groups" >> GroupEvents(
        opts.story_window_seconds(), streaming=streaming
    )
    outputs = PipelineOutputs(
        extracted.results, deduped.duplicates, dead_letters, read.read_offsets, groups
    )
    outputs | "Write" >> WriteOutputs(opts)
