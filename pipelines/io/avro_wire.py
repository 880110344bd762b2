"""Avro message framings used on Kafka, as pure functions.

- Avro single-object encoding (Avro specification): ``C3 01``, the 8-byte little-endian
  CRC-64-AVRO fingerprint of the writer schema's parsing canonical form, then the Avro body.
- Confluent wire format: byte ``00``, the 4-byte big-endian schema id given by a schema
  registry, then the Avro body.

Plus a minimal client for a Confluent-compatible schema registry (register a schema under a
subject, fetch a schema by id), on the standard library only.
"""

from __future__ import annotations

import functools
import io
import json
import struct
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

import fastavro
from fastavro.schema import fingerprint as _fingerprint
from fastavro.schema import to_parsing_canonical_form

from pipelines.io.registry_security import RegistrySecurity

SINGLE_OBJECT_MAGIC = b"\xc3\x01"
CONFLUENT_MAGIC = b"\x00"
_SINGLE_OBJECT_HEADER = len(SINGLE_OBJECT_MAGIC) + 8
_CONFLUENT_HEADER = len(CONFLUENT_MAGIC) + 4


class WireFormatError(ValueError):
    """A message that is not a well-formed Avro message of a known schema."""


def fingerprint(schema: Any) -> bytes:
    """The CRC-64-AVRO fingerprint of ``schema`` as the 8 little-endian bytes of the spec."""
    return bytes.fromhex(_fingerprint(to_parsing_canonical_form(schema), "CRC-64-AVRO"))


def encode_body(record: Mapping[str, Any], schema: Any) -> bytes:
    """The Avro binary encoding of ``record`` (no header)."""
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, schema, record)
    return buf.getvalue()


def decode_body(body: bytes, writer_schema: Any, reader_schema: Any | None = None) -> dict:
    """Decode an Avro body written with ``writer_schema`` (resolved to ``reader_schema``).

    Raises WireFormatError when the bytes are not a complete record of that schema.
    """
    buf = io.BytesIO(body)
    try:
        record = fastavro.schemaless_reader(buf, writer_schema, reader_schema)
    except Exception as e:  # fastavro raises many types on garbage input
        raise WireFormatError(f"not an Avro record of the schema: {type(e).__name__}: {e}") from e
    if buf.tell() != len(body):
        raise WireFormatError(
            f"Avro body has {len(body) - buf.tell()} trailing bytes after the record"
        )
    return record


def encode_single_object(
    record: Mapping[str, Any], schema: Any, schema_fingerprint: bytes | None = None
) -> bytes:
    """Avro single-object encoding of ``record``; ``schema_fingerprint`` is ``schema``'s
    (``fingerprint``), for callers that compute it once instead of per record."""
    header = schema_fingerprint if schema_fingerprint is not None else fingerprint(schema)
    return SINGLE_OBJECT_MAGIC + header + encode_body(record, schema)


def decode_single_object(
    data: bytes, writers: Mapping[bytes, Any], reader_schema: Any | None = None
) -> dict:
    """Decode a single-object-encoded message whose fingerprint is a key of ``writers``."""
    if not data.startswith(SINGLE_OBJECT_MAGIC) or len(data) < _SINGLE_OBJECT_HEADER:
        raise WireFormatError("not Avro single-object encoding (no C3 01 header)")
    fp = data[len(SINGLE_OBJECT_MAGIC) : _SINGLE_OBJECT_HEADER]
    if fp not in writers:
        raise WireFormatError(f"unknown Avro schema fingerprint {fp.hex()}")
    return decode_body(data[_SINGLE_OBJECT_HEADER:], writers[fp], reader_schema)


def encode_confluent(record: Mapping[str, Any], schema: Any, schema_id: int) -> bytes:
    """Confluent wire format of ``record`` written with the registered ``schema_id``."""
    return CONFLUENT_MAGIC + struct.pack(">i", schema_id) + encode_body(record, schema)


def confluent_schema_id(data: bytes) -> int:
    """The schema id of a Confluent-framed message."""
    if not data.startswith(CONFLUENT_MAGIC) or len(data) < _CONFLUENT_HEADER:
        raise WireFormatError("not the Confluent wire format (no 00 magic byte and schema id)")
    return struct.unpack(">i", data[1:_CONFLUENT_HEADER])[0]


def decode_confluent(
    data: bytes, writer_lookup: Callable[[int], Any], reader_schema: Any | None = None
) -> dict:
    """Decode a Confluent-framed message; ``writer_lookup`` maps its schema id to a schema."""
    schema_id = confluent_schema_id(data)
    try:
        writer = writer_lookup(schema_id)
    except (OSError, ValueError, KeyError) as e:
        raise WireFormatError(f"schema id {schema_id} could not be resolved: {e}") from e
    return decode_body(data[_CONFLUENT_HEADER:], writer, reader_schema)


def framing(data: bytes) -> str | None:
    """``"single_object"``, ``"confluent"`` or None, from the message's first bytes."""
    if data.startswith(SINGLE_OBJECT_MAGIC):
        return "single_object"
    if data.startswith(CONFLUENT_MAGIC):
        return "confluent"
    return None


class SchemaRegistry:
    """A Confluent-compatible schema registry (Confluent, Apicurio, Karapace) over HTTP(S),
    with basic auth and TLS files as ``security`` says."""

    _CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"

    def __init__(
        self, url: str, timeout: float = 10.0, security: RegistrySecurity | None = None
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.security = security or RegistrySecurity()
        self._context = self.security.ssl_context()

    def _call(self, method: str, path: str, body: dict | None = None) -> Any:
        data = json.dumps(body).encode("utf-8") if body is not None else None
        req = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={
                "Content-Type": self._CONTENT_TYPE,
                "Accept": self._CONTENT_TYPE,
                **self.security.headers(),
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout, context=self._context) as resp:
                return json.load(resp)
        except urllib.error.HTTPError as e:
            detail = e.read().decode("utf-8", errors="replace")[:300]
            raise OSError(f"schema registry {method} {path}: HTTP {e.code}: {detail}") from e

    @functools.cache  # noqa: B019 (one registry object per process; schemas never change)
    def register(self, subject: str, schema_json: str) -> int:
        """Register ``schema_json`` (Avro schema text) under ``subject``; returns its id."""
        answer = self._call(
            "POST", f"/subjects/{subject}/versions", {"schema": schema_json, "schemaType": "AVRO"}
        )
        return int(answer["id"])

    @functools.cache  # noqa: B019
    def schema(self, schema_id: int) -> Any:
        """The parsed Avro schema registered with ``schema_id``."""
        answer = self._call("GET", f"/schemas/ids/{schema_id}")
        return fastavro.parse_schema(json.loads(answer["schema"]))
