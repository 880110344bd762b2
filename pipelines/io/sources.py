"""The way in: articles from every configured source (files, a Kafka topic), each with its
typed position, plus the read-stage dead letters and, from Kafka, the offsets read."""

from __future__ import annotations

from typing import NamedTuple

import apache_beam as beam

from pipelines.io.files import ReadArticleFiles, file_patterns
from pipelines.io.kafka_clients import KafkaSecurity
from pipelines.io.kafka_source import ReadArticlesFromKafka
from pipelines.io.registry_security import RegistrySecurity
from pipelines.options import NewsPipelineOptions

DEFAULT_INPUT = "seeds/"


class Inputs(NamedTuple):
    articles: beam.PCollection
    dead_letters: tuple[beam.PCollection, ...]  # one per source
    read_offsets: tuple[beam.PCollection, ...]  # the Kafka source's Read marks, if it reads


class ReadInputs(beam.PTransform):
    """Files (``--input``, default seeds/ without ``--input_topic``) and ``--input_topic``."""

    def __init__(self, options: NewsPipelineOptions) -> None:
        super().__init__()
        self._options = options

    def expand(self, pbegin: beam.pvalue.PBegin) -> Inputs:
        opts = self._options
        articles, dead_letters, read_offsets = [], [], []
        if opts.input or not opts.input_topic:
            patterns = file_patterns(opts.input or [DEFAULT_INPUT])
            files = pbegin | "Files" >> ReadArticleFiles(patterns)
            articles.append(files.articles)
            dead_letters.append(files.dead_letters)
        if opts.input_topic:
            kafka = pbegin | "Kafka" >> ReadArticlesFromKafka(
                opts.kafka_bootstrap_servers,
                opts.input_topic,
                opts.consumer_group,
                opts.start_offset,
                opts.kafka_bounded,
                schema_registry_url=opts.schema_registry_url,
                track_offsets=True,
                security=KafkaSecurity.from_options(opts),
                registry_security=RegistrySecurity.from_options(opts),
            )
            articles.append(kafka.articles)
            dead_letters.append(kafka.dead_letters)
            read_offsets.append(kafka.read_offsets)
        if len(articles) > 1:
            articles = [tuple(articles) | "All articles" >> beam.Flatten()]
        return Inputs(articles[0], tuple(dead_letters), tuple(read_offsets))
