"""The output side of :mod:`._pickle_stream`: regions of a pickle stream made standalone.

While :class:`~._pickle_stream.PickleItemStream` walks the stream, it records for each
output pickle the byte ranges that belong to it (a ``_Region``) and the memo operations in
them that must change (``edits``, ``long_puts``, ``long_gets``). :func:`emit_pickle` then
writes ``PROTO + prelude + bytes + STOP``: memo indices renumbered from near 0, references
to earlier objects turned into persistent ids ``("memo", global_index)`` set up by the
prelude, frames and protocol opcodes dropped. It knows nothing of opcodes beyond these;
the tokenizing is in :mod:`._pickle_tokens`. Imported by ``_pickle_stream`` only (which
re-exports :class:`StreamItem`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._safe_pickle import format_error

__all__ = ["StreamItem", "emit_pickle"]


@dataclass
class StreamItem:
    """One standalone pickle cut from the stream.

    Attributes:
        key: the item's key in the big dict (``None`` for the skeleton).
        payload: the standalone pickle bytes.
        cross: global memo indices the prelude asks for, as persistent ids ``("memo", g)``.
        base: global memo index of the item's first own memo entry.
        local_base: local index of that entry (``len(cross)``).
        count: number of memo entries the item defines.
    """

    key: Any
    payload: bytes
    cross: list[int]
    base: int
    local_base: int
    count: int


@dataclass
class _Region:
    """Bytes of the stream that go into one output pickle, with the memo edits they need."""

    start: int  # absolute stream position of the first byte
    segments: list[list[int]] = field(default_factory=list)  # [abs start, global base, count]
    long_puts: list[int] = field(default_factory=list)  # abs positions of LONG_BINPUT arguments
    long_gets: list[int] = field(default_factory=list)  # abs positions of LONG_BINGET arguments
    long_get_targets: list[int] = field(default_factory=list)  # their global memo indices
    edits: list[tuple[int, int, int, int]] = field(default_factory=list)  # (abs pos, length, kind, global)


_EDIT_GET, _EDIT_PUT, _EDIT_DROP = 0, 1, 2


def emit_pickle(parts: list[tuple[bytes, _Region]], key: Any, source: str) -> StreamItem:
    """One standalone pickle from byte ranges of the stream and their memo edits.

    Args:
        parts: ``(bytes, region)`` pairs, in output order; ``bytes`` are the stream's bytes
            from ``region.start`` on.
        key: the item's key (``None`` for the skeleton).
        source: file name for error messages.

    Raises:
        BenchmarkFormatError: a memo index that lies outside the item's own entries.
    """
    segments = [seg for _data, region in parts for seg in region.segments]

    def local(g: int) -> int | None:
        shift = 0
        for _start, base, count in segments:
            if base <= g < base + count:
                return g - base + shift
            shift += count
        return None

    segments = [tuple(seg) for seg in segments]

    cross: list[int] = []
    slot_of: dict[int, int] = {}
    for _data, region in parts:
        for _pos, _length, kind, g in region.edits:
            if kind == _EDIT_GET and g not in slot_of and local(g) is None:
                slot_of[g] = len(cross)
                cross.append(g)
        if region.long_get_targets:
            targets = np.asarray(region.long_get_targets, dtype=np.int64)
            outside = np.ones(len(targets), dtype=bool)
            for _start, base, count in segments:
                outside &= ~((targets >= base) & (targets < base + count))
            for g in np.unique(targets[outside]).tolist():
                if g not in slot_of:
                    slot_of[g] = len(cross)
                    cross.append(g)
    p = len(cross)
    pieces = [b"\x80\x04"]
    for slot, g in enumerate(cross):
        pieces.append(b"\x8c\x04memoJ" + struct.pack("<i", g) + b"\x86Qr" + struct.pack("<I", slot) + b"0")
    for data, region in parts:
        body = np.frombuffer(data, dtype=np.uint8).copy()
        if region.long_puts:
            pos = np.asarray(region.long_puts, dtype=np.int64) - region.start
            old = body[pos].astype(np.int64)
            for k in range(1, 4):
                old |= body[pos + k].astype(np.int64) << (8 * k)
            new = _renumber(old, segments, p)
            if (new < 0).any():
                raise format_error(source, "a memo index outside its item: unsupported pickle layout")
            for k in range(4):
                body[pos + k] = (new >> (8 * k)) & 0xFF
        if region.long_gets:
            pos = np.asarray(region.long_gets, dtype=np.int64) - region.start
            old = np.asarray(region.long_get_targets, dtype=np.int64)
            new = _renumber(old, segments, p)
            for g, slot in slot_of.items():
                new[old == g] = slot
            for k in range(4):
                body[pos + k] = (new >> (8 * k)) & 0xFF
        raw = body.tobytes()
        last = 0
        for pos, length, kind, g in sorted(region.edits):
            rel = pos - region.start
            pieces.append(raw[last:rel])
            if kind == _EDIT_GET:
                target = local(g)
                pieces.append(b"j" + struct.pack("<I", slot_of[g] if target is None else target + p))
            elif kind == _EDIT_PUT:
                target = local(g)
                if target is None:
                    raise format_error(source, "a memo index outside its item: unsupported pickle layout")
                pieces.append(b"r" + struct.pack("<I", target + p))
            last = rel + length
        pieces.append(raw[last:])
    if pieces[-1][-1:] != b".":
        pieces.append(b".")
    first = segments[0][1] if segments else 0
    count = sum(c for _s, _b, c in segments)
    return StreamItem(key, b"".join(pieces), cross, first, p, count)


def _renumber(old: np.ndarray, segments: list[tuple[int, int, int]], first_local: int) -> np.ndarray:
    """The global memo indices ``old`` made local (-1 where an index lies in no segment).

    The segments' entries are numbered in order from ``first_local`` on.
    """
    new = np.full_like(old, -1)
    shift = first_local
    for _start, base, count in segments:
        inside = (old >= base) & (old < base + count)
        new[inside] = old[inside] - base + shift
        shift += count
    return new
