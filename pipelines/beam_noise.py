"""Drop Beam's log warnings that concern nothing the user did.

Importing Beam warns that the BigQuery client libraries are missing (this project uses none),
RunInference that it cannot read the memory of the process on every batch, and Beam's option
parser that it discards unknown arguments: the project's commands reject those at start
(``pipelines.strict_options``), so the warning never concerns a real option. Installed when the
``pipelines`` package is imported, which is before Beam is.
"""

from __future__ import annotations

import logging

# (logger name, start of the message) of each warning dropped.
IRRELEVANT = (
    ("root", "apitools not found, and bigquery client libraries are not available"),
    ("root", "Resource module is not available for current platform"),
    ("apache_beam.options.pipeline_options", "Discarding unparseable args"),
    ("apache_beam.options.pipeline_options", "Unparseable argument"),
)


class _DropIrrelevant(logging.Filter):
    def __init__(self, prefixes: tuple[str, ...]) -> None:
        super().__init__()
        self._prefixes = prefixes

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self._prefixes)


def install() -> None:
    """Attach the filters (once) to the loggers the warnings are logged on."""
    by_logger: dict[str, list[str]] = {}
    for name, prefix in IRRELEVANT:
        by_logger.setdefault(name, []).append(prefix)
    for name, prefixes in by_logger.items():
        logger = logging.getLogger(None if name == "root" else name)
        if not any(isinstance(f, _DropIrrelevant) for f in logger.filters):
            logger.addFilter(_DropIrrelevant(tuple(prefixes)))
