"""Command line of the evaluation harnesses."""

from __future__ import annotations

import argparse
import importlib
import sys

HARNESSES = {
    "events": "event extraction against gold PLOVER sentences",
    "clean": "cleaning against an article-extraction benchmark, and plain-text boilerplate",
    "dedupe": "near-duplicate detection on labeled pairs built from a corpus",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.evaluate", description=__doc__)
    sub = parser.add_subparsers(dest="harness", required=True)
    for name, help_text in HARNESSES.items():
        module = importlib.import_module(f"pipelines.evaluate.{name}")
        module.add_arguments(sub.add_parser(name, help=help_text, description=module.__doc__))
    args = parser.parse_args(argv)
    return importlib.import_module(f"pipelines.evaluate.{args.harness}").main(args)


if __name__ == "__main__":
    sys.exit(main())
