"""Avro file sinks: each kind of output record written with Beam's Avro IO."""

from __future__ import annotations

import glob
import logging
import os

import apache_beam as beam
from apache_beam.io.avroio import WriteToAvro

from pipelines.options import ConfigurationError
from pipelines.records import schema

# Output files: <output>/<kind>-SSSSS-of-NNNNN.avro
OUTPUT_KINDS = {
    "events": "event",
    "articles": "article",
    "duplicates": "duplicate",
    "dead_letters": "dead_letter",
    "event_groups": "event_group",
}
# prepare_output_dir writes this much to prove the output folder takes data.
PROBE_BYTES = 1 << 20

log = logging.getLogger(__name__)


def output_prefix(output: str, kind: str) -> str:
    return os.path.join(output, kind)


def prepare_output_dir(output: str) -> None:
    """Create the output folder and check that a megabyte can be written to it, so a run on a
    read-only or full disk fails at start, not at the end; remove this pipeline's Avro files
    of an earlier run, so readers never mix runs."""
    probe = os.path.join(output, ".write-check")
    try:
        os.makedirs(output, exist_ok=True)
        try:
            with open(probe, "wb") as f:
                f.write(bytes(PROBE_BYTES))
                f.flush()
                os.fsync(f.fileno())
        finally:
            if os.path.exists(probe):
                os.remove(probe)
    except OSError as e:
        raise ConfigurationError(f"output folder {output!r} is not writable: {e}") from e
    stale = [p for kind in OUTPUT_KINDS for p in glob.glob(output_prefix(output, kind) + "-*.avro")]
    for path in stale:
        os.remove(path)
    if stale:
        log.info("removed %d Avro files of an earlier run from %s", len(stale), output)


class WriteAvroFiles(beam.PTransform):
    """Write records of schema ``schema_name`` to ``<output>/<kind>-*.avro``."""

    def __init__(self, output: str, kind: str):
        super().__init__()
        self._prefix = output_prefix(output, kind)
        self._schema = schema(OUTPUT_KINDS[kind])

    def expand(self, records):
        return records | WriteToAvro(
            self._prefix, schema=self._schema, file_name_suffix=".avro", codec="deflate"
        )
