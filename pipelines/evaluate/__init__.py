"""Evaluation harnesses: ``python -m pipelines.evaluate {events,clean,dedupe}``.

Each harness is a module of this package with ``add_arguments(parser)`` and
``main(args) -> int``; it runs the pipeline's own code on labeled data and prints figures.
"""
