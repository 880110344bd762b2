"""The news-event pipeline: articles in, cleaned, de-duplicated, PLOVER events out."""

from pipelines import beam_noise

beam_noise.install()
