"""Compact bytes for what batch de-duplication shuffles: bucket refs and shingle sets.

Beam moves ``bytes`` with its fast bytes coder; a tuple or NamedTuple holding strings and a
numpy array would go through its generic, much slower encoding.
"""

from __future__ import annotations

import struct

import numpy as np

from pipelines.dedupe.matching import Member

# Order millis, then the UTF-8 lengths of origin and article_id.
_HEAD = struct.Struct(">qII")
Order = tuple[int, str, str]


def _pack_order(order: Order) -> bytes:
    millis, origin, article_id = order
    origin_b, id_b = origin.encode(), article_id.encode()
    return _HEAD.pack(millis, len(origin_b), len(id_b)) + origin_b + id_b


def _unpack_order(packed: bytes) -> tuple[Order, int]:
    """The order and the offset just after it."""
    millis, origin_len, id_len = _HEAD.unpack_from(packed)
    start = _HEAD.size
    middle = start + origin_len
    end = middle + id_len
    return (millis, packed[start:middle].decode(), packed[middle:end].decode()), end


def pack_ref(order: Order, exact: str) -> bytes:
    """An article in an LSH bucket: its order and the hex hash of its normalised text."""
    return _pack_order(order) + bytes.fromhex(exact)


def unpack_ref(packed: bytes) -> tuple[Order, bytes]:
    """(order, text hash) of a packed ref; equal hashes mean equal normalised texts."""
    order, end = _unpack_order(packed)
    return order, packed[end:]


def pack_member(order: Order, shingles: np.ndarray) -> bytes:
    """An article's order and shingles."""
    return _pack_order(order) + shingles.astype(np.uint32, copy=False).tobytes()


def unpack_member(packed: bytes) -> Member:
    order, end = _unpack_order(packed)
    return Member(order, order[2], np.frombuffer(packed, np.uint32, offset=end))
