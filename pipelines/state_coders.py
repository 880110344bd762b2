"""Coders of the streaming steps' user state: a value as the tuple of its fields, each field
by one of Beam's coders of plain values (ints, floats, strings, bytes and their lists).

State outlives the job that wrote it (a Flink savepoint, Prism's state): pickled state names
the classes by module and qualified name, so a class renamed or moved in an upgrade left the
restarted job unable to read it. These bytes name no class; the coder says which class the
fields make.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from apache_beam.coders import Coder, TupleCoder

T = TypeVar("T")


class FieldsCoder(Coder, Generic[T]):
    """A value as ``TupleCoder(fields)`` of ``to_fields(value)``, decoded by
    ``from_fields(*fields)``. For a NamedTuple whose fields decode as they were, ``to_fields``
    is ``tuple`` (the default) and ``from_fields`` the class."""

    def __init__(
        self,
        fields: Sequence[Coder],
        from_fields: Callable[..., T],
        to_fields: Callable[[T], tuple] = tuple,
    ) -> None:
        self._fields = TupleCoder(fields)
        self._from_fields = from_fields
        self._to_fields = to_fields

    def encode(self, value: T) -> bytes:
        return self._fields.encode(self._to_fields(value))

    def decode(self, encoded: bytes) -> T:
        return self._from_fields(*self._fields.decode(encoded))
