"""Command line of the evaluation harnesses."""

from __future__ import annotations

import importlib
import sys

from pipelines.strict_options import StrictArgumentParser

HARNESSES = {
    "events": "event extraction against gold PLOVER sentences",
    "clean": "cleaning against an article-extraction benchmark, and plain-text boilerplate",
    "dedupe": "near-duplicate detection on labeled pairs built from a corpus",
    "sections": "events per 1,000 sentences by section of a corpus (BBC: sport vs politics)",
    "stories": "stories across outlets: B-cubed against hand-grouped articles, and a baseline",
    "geo": "geocoding: gold event locations found, ambiguous place names resolved",
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = StrictArgumentParser(
        prog="python -m pipelines.evaluate", description="Evaluation harnesses."
    )
    sub = parser.add_subparsers(
        dest="harness", required=True, metavar="{" + ",".join(HARNESSES) + "}"
    )
    chosen = argv[0] if argv and argv[0] in HARNESSES else None
    for name, help_text in HARNESSES.items():
        harness = sub.add_parser(name, help=help_text)
        if name == chosen:
            module = importlib.import_module(f"pipelines.evaluate.{name}")
            harness.description = module.__doc__
            module.add_arguments(harness)
    args = parser.parse_args(argv)
    return importlib.import_module(f"pipelines.evaluate.{args.harness}").main(args)


if __name__ == "__main__":
    sys.exit(main())
