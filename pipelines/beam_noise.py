"""Drop Beam's log warnings that concern nothing the user did.

Importing Beam warns that the BigQuery client libraries are missing (this project uses none),
RunInference that it cannot read the memory of the process on every batch, Beam's subprocess
server logs the Prism runner's start and stop as warnings, and Beam's option parser that it
discards unknown arguments, which the project's commands reject at start anyway
(``pipelines.strict_options``). Installed when the ``pipelines`` package is imported, which is
before Beam is.
"""

from __future__ import annotations

import logging

# (logger name, start of the message) of each warning dropped.
IRRELEVANT = (
    ("root", "apitools not found, and bigquery client libraries are not available"),
    ("root", "Resource module is not available for current platform"),
    ("apache_beam.options.pipeline_options", "Discarding unparseable args"),
    ("apache_beam.options.pipeline_options", "Unparseable argument"),
    ("apache_beam.utils.subprocess_server", "Really starting service"),
    ("apache_beam.utils.subprocess_server", "Really destroying service"),
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
