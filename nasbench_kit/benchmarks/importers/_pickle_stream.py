"""Stream the items of the one big dict inside a huge pickle, with bounded memory.

The single-file releases (NAS-Bench-201 ``.pth``, the NATS-Bench ``.pickle.pbz2`` file)
are one pickled dict ``{"meta_archs": [...], "arch2infos": {index: results}, ...}``
of several GB; unpickled whole they take tens of GB of RAM (every per-epoch value is a
Python float in a dict keyed by a string). This module reads such a stream once and cuts
it into one small standalone pickle per item of the big dict (one per architecture),
which the fast C unpickler then loads one at a time, so memory stays bounded.

How: a tokenizer walks the opcodes (a regular expression consumes runs of plain
opcodes; Python looks only at marks, memo operations and the few top levels). Each item
becomes ``PROTO + prelude + item bytes + STOP`` where

* memo indices are renumbered so the item's own memo starts near 0 (memo indices in
  the file grow to ~10^8; left as they are, every unpickler would allocate an array of
  that size);
* references to objects memoized *earlier* in the file (shared strings such as
  dictionary keys, numpy dtypes, classes) are supplied by the prelude as persistent ids
  ``("memo", global_index)``, resolved from the strings and globals this reader saw and
  from objects the caller reports back (:meth:`PickleItemStream.add_shared`).

Everything outside the big dict's items (the "skeleton": ``meta_archs`` etc.) is
assembled the same way into one pickle, loaded at the end with the big dict empty.
"""

from __future__ import annotations

import bisect
import pickletools
import re
import struct
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import numpy as np

from ._safe_pickle import GlobalRef, format_error

__all__ = ["GlobalRef", "StreamItem", "PickleItemStream", "UnstreamableLayout"]


class UnstreamableLayout(Exception):
    """The big dict's items cannot be cut apart safely; load the file whole instead.

    Raised before or at the end of the batch of items where the ambiguity shows, so items
    already yielded from that batch must be discarded by the caller.
    """

_CHUNK = 16 << 20  # bytes read from the stream at a time
_MARGIN = 1 << 20  # keep at least this much unread data buffered before tokenizing
_PRECISE_DEPTH = 2  # mark depth up to which every opcode is decoded (top dict, big dict items)
_KEEP_STRING_MAX = 40  # memoized strings this short are remembered for cross-item references
_KEEP_ARCH_MAX = 160  # ... and architecture strings ("|op~0|+...") up to this length


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


# --- opcode tables ----------------------------------------------------------------------------

_OPS = {ord(op.code): op for op in pickletools.opcodes}
_MARK = ord("(")
_STOP = ord(".")
_FRAME = 0x95
_PROTO = 0x80
_MEMOIZE = 0x94
_PUTS = {ord("p"), ord("q"), ord("r"), _MEMOIZE}
_GETS = {ord("g"), ord("h"), ord("j")}
_STRING_OPS = {0x8C, ord("X"), 0x8D, ord("V")}
_GLOBAL = ord("c")
_STACK_GLOBAL = 0x93


def _effect(op: pickletools.OpcodeInfo) -> tuple[bool, int, int]:
    """``(uses_mark, pops_below_mark_or_total, pushes)`` of an opcode."""
    before = op.stack_before
    if pickletools.markobject in before:
        return True, before.index(pickletools.markobject), len(op.stack_after)
    return False, len(before), len(op.stack_after)


_EFFECTS = {code: _effect(op) for code, op in _OPS.items()}
_MARK_USERS = {code for code, (uses, _, _) in _EFFECTS.items() if uses}

# Fast mode regex. One match = a run of plain opcodes (no memo, no marks, no strings),
# then either a memoized short string (groups 1, 2) or any other opcode (group 3).
_LENGTHS = b"|".join(re.escape(bytes([n])) + b".{%d}" % n for n in range(64))
_SIMPLE = b"|".join(
    [
        rb"G.{8}",
        rb"K.",
        rb"M..",
        rb"J.{4}",
        rb"[N\x88\x89\}\]\)\x85\x86\x87Rbsa\x81]",
        rb"C(?:" + _LENGTHS + rb")",
        rb"\x8a(?:" + b"|".join(re.escape(bytes([n])) + b".{%d}" % n for n in range(1, 9)) + rb")",
    ]
)
_SHORT_STRING = (
    rb"\x8c(?:" + _LENGTHS + rb")"
    + rb"|X(?:" + b"|".join(re.escape(bytes([n])) + rb"\x00\x00\x00" + b".{%d}" % n for n in range(64)) + rb")"
)
_RUN = re.compile(rb"(?:" + _SIMPLE + rb")*(?:(" + _SHORT_STRING + rb")(\x94|r.{4}|q.)|(.))", re.S)


class _StringTable:
    """Memo index -> short string, for strings later items may refer to (12 bytes each)."""

    def __init__(self) -> None:
        self._index = array("q")
        self._value_id = array("i")
        self._values: list[str] = []
        self._ids: dict[str, int] = {}

    def add(self, index: int, value: str) -> None:
        vid = self._ids.get(value)
        if vid is None:
            vid = self._ids[value] = len(self._values)
            self._values.append(value)
        if self._index and index <= self._index[-1]:
            # Protocol-2 PUT to an index again: rare; keep the table sorted.
            pos = bisect.bisect_left(self._index, index)
            if pos < len(self._index) and self._index[pos] == index:
                self._value_id[pos] = vid
                return
            self._index.insert(pos, index)
            self._value_id.insert(pos, vid)
            return
        self._index.append(index)
        self._value_id.append(vid)

    def get(self, index: int) -> str | None:
        pos = bisect.bisect_left(self._index, index)
        if pos < len(self._index) and self._index[pos] == index:
            return self._values[self._value_id[pos]]
        return None


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


_INT_OPS = {ord("K"), ord("M"), ord("J"), 0x8A}
# Ops that mutate the container below their arguments and leave it on the stack.
_KEEPS_CONTAINER = {ord("u"), ord("e"), 0x90}  # SETITEMS, APPENDS, ADDITEMS (mark users)
_KEEPS_BELOW = {ord("s"): 2, ord("a"): 1, ord("b"): 1}  # SETITEM, APPEND, BUILD: entries popped


class PickleItemStream:
    """Cut a pickled ``{..., key: {int: value, ...}, ...}`` into one standalone pickle per item.

    Args:
        stream: binary stream positioned at the pickle (read sequentially, once).
        source: file name for error messages.
        key: key of the big dict in the top-level dict (e.g. ``"arch2infos"``); its keys
            must be integers.

    Iterating yields a :class:`StreamItem` per item of the big dict, in file order; after
    the iteration :meth:`skeleton` returns the rest of the file as one pickle (with the big
    dict empty). Build each pickle's persistent objects with :meth:`lookup`.

    Raises:
        BenchmarkFormatError: a truncated stream, an unknown opcode, a memo layout this
            reader cannot renumber.
    """

    def __init__(self, stream: BinaryIO, *, source: str, key: str) -> None:
        self._stream = stream
        self._source = source
        self._key = key
        self._buf = b""
        self._offset = 0  # absolute position of _buf[0]
        self._eof = False
        self.strings = _StringTable()
        self.globals: dict[int, GlobalRef] = {}
        self.shared: dict[int, Any] = {}
        self.item_bases = array("q")  # first memo index of each item, in yield order
        self._skeleton: StreamItem | None = None

    # --- buffer -------------------------------------------------------------------------
    def _fill(self, need_end: int, keep_from: int) -> None:
        """Make absolute positions ``< need_end`` available; drop bytes before ``keep_from``."""
        while self._offset + len(self._buf) < need_end and not self._eof:
            drop = max(0, keep_from - self._offset)
            want = max(_CHUNK, need_end - self._offset - len(self._buf))
            try:
                chunk = self._stream.read(want)
            except (OSError, EOFError, ValueError) as err:  # bz2 / zip decompression errors
                raise format_error(self._source, f"the compressed data is corrupted or truncated ({err})") from None
            if not chunk:
                self._eof = True
            self._buf = self._buf[drop:] + chunk
            self._offset += drop

    def _truncated(self) -> Exception:
        return format_error(self._source, "the file ends in the middle of the pickle: it is truncated")

    # --- cross references ---------------------------------------------------------------
    def lookup(self, index: int) -> tuple[bool, Any]:
        """The object at global memo ``index`` if known: a ``str``, a :class:`GlobalRef` or a shared object."""
        value = self.strings.get(index)
        if value is not None:
            return True, value
        if index in self.globals:
            return True, self.globals[index]
        if index in self.shared:
            return True, self.shared[index]
        return False, None

    def add_shared(self, objects: dict[int, Any]) -> None:
        """Record objects (by global memo index) an item's unpickler found worth sharing."""
        self.shared.update(objects)

    def defining_item(self, index: int) -> int:
        """Yield position of the item that defined global memo ``index`` (-1: none)."""
        return bisect.bisect_right(self.item_bases, index) - 1

    def skeleton(self) -> StreamItem:
        """Everything but the big dict's items, as one pickle (after the iteration ended)."""
        if self._skeleton is None:
            raise RuntimeError("iterate the stream to its end before asking for the skeleton")
        return self._skeleton

    # --- output -------------------------------------------------------------------------
    def _emit(self, parts: list[tuple[bytes, _Region]], key: Any) -> StreamItem:
        """One standalone pickle from byte ranges and their memo edits."""
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
                new = np.full_like(old, -1)
                shift = p
                for _start, base, count in segments:
                    inside = (old >= base) & (old < base + count)
                    new[inside] = old[inside] - base + shift
                    shift += count
                if (new < 0).any():
                    raise format_error(self._source, "a memo index outside its item: unsupported pickle layout")
                for k in range(4):
                    body[pos + k] = (new >> (8 * k)) & 0xFF
            if region.long_gets:
                pos = np.asarray(region.long_gets, dtype=np.int64) - region.start
                old = np.asarray(region.long_get_targets, dtype=np.int64)
                new = np.full_like(old, -1)
                shift = p
                for _start, base, count in segments:
                    inside = (old >= base) & (old < base + count)
                    new[inside] = old[inside] - base + shift
                    shift += count
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
                        raise format_error(self._source, "a memo index outside its item: unsupported pickle layout")
                    pieces.append(b"r" + struct.pack("<I", target + p))
                last = rel + length
            pieces.append(raw[last:])
        if pieces[-1][-1:] != b".":
            pieces.append(b".")
        first = segments[0][1] if segments else 0
        count = sum(c for _s, _b, c in segments)
        return StreamItem(key, b"".join(pieces), cross, first, p, count)

    def _slice(self, region: _Region, end: int) -> bytes:
        return self._buf[region.start - self._offset : end - self._offset]

    # --- tokenizer ----------------------------------------------------------------------
    def _arg_end(self, pos: int, op: int, keep_from: int) -> int:
        """Absolute end of the opcode at ``pos`` (generic, any opcode)."""
        info = _OPS.get(op)
        if info is None:
            raise format_error(
                self._source, f"corrupted pickle: unknown opcode 0x{op:02x} at byte {pos} (not a benchmark file?)"
            )
        arg = info.arg
        start = pos + 1
        if arg is None:
            return start
        n = arg.n
        if n > 0:
            end = start + n
        elif n == pickletools.UP_TO_NEWLINE:
            end = start
            for _ in range(2 if arg.name == "stringnl_noescape_pair" else 1):
                while True:
                    nl = self._buf.find(b"\n", end - self._offset)
                    if nl >= 0:
                        end = self._offset + nl + 1
                        break
                    if self._eof:
                        raise self._truncated()
                    self._fill(self._offset + len(self._buf) + 1, keep_from)
        else:
            width = {
                pickletools.TAKEN_FROM_ARGUMENT1: 1,
                pickletools.TAKEN_FROM_ARGUMENT4: 4,
                pickletools.TAKEN_FROM_ARGUMENT4U: 4,
                pickletools.TAKEN_FROM_ARGUMENT8U: 8,
            }[n]
            self._fill(start + width, keep_from)
            raw = self._buf[start - self._offset : start - self._offset + width]
            if len(raw) < width:
                raise self._truncated()
            length = int.from_bytes(raw, "little", signed=(n == pickletools.TAKEN_FROM_ARGUMENT4))
            if length < 0:
                raise format_error(self._source, f"corrupted pickle: negative length at byte {pos}")
            end = start + width + length
        self._fill(end, keep_from)
        if end > self._offset + len(self._buf):
            raise self._truncated()
        return end

    def _text(self, op: int, start: int, end: int, limit: int | None) -> str | None:
        """Value of a string opcode at ``[start, end)`` (``None`` if longer than ``limit``)."""
        if limit is not None and end - start > limit + 9:
            return None
        raw = self._buf[start - self._offset : end - self._offset]
        try:
            if op == 0x8C:
                return raw[2:].decode("utf-8")
            if op == ord("X"):
                return raw[5:].decode("utf-8")
            if op == 0x8D:
                return raw[9:].decode("utf-8")
            return raw[1:-1].decode("raw-unicode-escape")
        except UnicodeDecodeError:
            return None

    def __iter__(self) -> Iterator[StreamItem]:  # noqa: C901 - one tokenizer loop, kept together for speed
        source = self._source
        run = _RUN.match
        strings_add = self.strings.add
        memo_count = 0
        depth = 0
        stack: list[tuple] = []  # abstract stack for levels <= _PRECISE_DEPTH
        marks: list[int] = []  # indices in `stack` of its marks
        # The last two string pushes (a memoized string or a GET): (start, end, str | memo index | None);
        # STACK_GLOBAL takes its module and name from them when they end right where it starts.
        pushed: list[tuple[int, int, Any]] = [(-1, -1, None), (-1, -1, None)]
        last_op, last_s, last_e = -1, 0, 0  # previous opcode and its absolute span
        pos = 0
        head = _Region(start=0, segments=[[0, 0, 0]])
        head_bytes: bytes | None = None
        region: _Region | None = head  # where the current bytes go (None: dropped)
        seg = head.segments[-1]
        item_found = False
        state = 0  # 0: expecting a key, 1: key seen, 2: inside a value
        item: _Region | None = None
        key: Any = None
        batch_items = 0
        tail: _Region | None = None
        batch_keys: list[tuple] = []  # the key entries the current batch's items were cut at

        def remember(g: int, op_: int, s_: int, e_: int) -> str | None:
            """Record what memo entry ``g`` holds, if a later item may need it; a short string's value."""
            if op_ in _STRING_OPS:
                if e_ - s_ > _KEEP_ARCH_MAX + 9:
                    return None
                raw = self._buf[s_ - self._offset : e_ - self._offset]
                if b"@" in raw:
                    return None
                value = self._text(op_, s_, e_, None)
                if value is not None and (len(value) <= _KEEP_STRING_MAX or value.startswith("|")):
                    strings_add(g, value)  # keys, names and architecture strings recur across items
                return value
            if op_ == _STACK_GLOBAL:
                older, newer = pushed
                if newer[1] == s_ and older[1] == newer[0]:
                    names = [self.strings.get(v) if isinstance(v, int) else v for _s, _e, v in (older, newer)]
                    if all(isinstance(v, str) for v in names):
                        self.globals[g] = GlobalRef(names[0], names[1])
            elif op_ == _GLOBAL:
                text = self._buf[s_ + 1 - self._offset : e_ - self._offset]
                module, _, name = text.decode("utf-8", "replace").rstrip("\n").partition("\n")
                self.globals[g] = GlobalRef(module, name)
            return None

        while True:
            if head_bytes is None:
                keep_from = 0
            else:
                keep_from = pos if region is None else region.start
            if self._offset + len(self._buf) - pos <= _MARGIN and not self._eof:
                self._fill(pos + _MARGIN + _CHUNK, keep_from)
            buf = self._buf
            off = self._offset
            if pos - off >= len(buf):
                raise self._truncated()

            # --- fast mode: deeper than the tracked levels; only memo ops and marks matter ---
            if depth > _PRECISE_DEPTH:
                limit = off + len(buf) - (0 if self._eof else _MARGIN)
                while pos < limit:
                    m = run(buf, pos - off)
                    r = m.start(3)
                    if r < 0:  # a memoized short string
                        s1, e1 = m.span(1)
                        mop = buf[e1]
                        last_op, last_s, last_e = buf[s1], s1 + off, e1 + off
                        if mop == 0x94:
                            g = memo_count
                            pos = e1 + 1 + off
                        else:
                            width = 4 if mop == 0x72 else 1
                            g = int.from_bytes(buf[e1 + 1 : e1 + 1 + width], "little")
                            if g != memo_count:
                                raise format_error(source, f"memo index {g} out of order (expected {memo_count}): unsupported pickle layout")
                            if seg is not None:
                                if mop == 0x72:
                                    region.long_puts.append(e1 + 1 + off)
                                else:
                                    region.edits.append((e1 + off, 2, _EDIT_PUT, g))
                            pos = e1 + 1 + width + off
                        value = remember(g, last_op, last_s, last_e) if buf.find(b"@", s1, e1) < 0 else None
                        pushed[0], pushed[1] = pushed[1], (last_s, pos, value)
                        memo_count += 1
                        if seg is not None:
                            seg[2] += 1
                        continue
                    if r > m.start():
                        last_op = -1  # plain opcodes came first
                    op = buf[r]
                    pos = r + off
                    if op == 0x94 or op == 0x72 or op == 0x71:  # MEMOIZE, LONG_BINPUT, BINPUT
                        width = 0 if op == 0x94 else (4 if op == 0x72 else 1)
                        g = int.from_bytes(buf[r + 1 : r + 1 + width], "little") if width else memo_count
                        if g != memo_count:
                            raise format_error(source, f"memo index {g} out of order (expected {memo_count}): unsupported pickle layout")
                        if last_op == _STACK_GLOBAL or last_op == _GLOBAL:
                            remember(g, last_op, last_s, last_e)
                        memo_count += 1
                        if seg is not None:
                            seg[2] += 1
                            if op == 0x72:
                                region.long_puts.append(pos + 1)
                            elif op == 0x71:
                                region.edits.append((pos, 2, _EDIT_PUT, g))
                        last_op = -1
                        pos += 1 + width
                        continue
                    if op == 0x6A or op == 0x68:  # LONG_BINGET, BINGET
                        width = 4 if op == 0x6A else 1
                        g = int.from_bytes(buf[r + 1 : r + 1 + width], "little")
                        if g >= memo_count:
                            raise format_error(source, f"corrupted pickle: memo index {g} used before it is defined (byte {pos})")
                        if region is not None:
                            if width == 4:
                                region.long_gets.append(pos + 1)
                                region.long_get_targets.append(g)
                            else:
                                region.edits.append((pos, 2, _EDIT_GET, g))
                        pushed[0], pushed[1] = pushed[1], (pos, pos + 1 + width, g)
                        last_op, last_s, last_e = op, pos, pos + 1 + width
                        pos += 1 + width
                        continue
                    if op == _MARK:
                        depth += 1
                        last_op = op
                        pos += 1
                        continue
                    if op == _FRAME:
                        if region is not None:
                            region.edits.append((pos, 9, _EDIT_DROP, 0))
                        pos += 9
                        continue
                    if op in _MARK_USERS and op != 0x69:
                        depth -= 1
                        last_op = op
                        pos += 1
                        if depth == _PRECISE_DEPTH:
                            # back at a tracked level: the mark and what was above it go
                            del stack[marks.pop() :]
                            _uses, below, pushes = _EFFECTS[op]
                            if op not in _KEEPS_CONTAINER:
                                del stack[len(stack) - below :]
                                stack.extend([("done",)] * pushes)
                            elif stack and stack[-1][0] != "target":
                                stack[-1] = ("done",)
                            break
                        continue
                    break  # anything else: the general path below
                else:
                    continue  # refill the buffer
                if op in _MARK_USERS and op != 0x69:
                    continue  # handled: back at a tracked level

            # --- general path: any opcode, decoded fully -------------------------------------
            op = buf[pos - off]
            end = self._arg_end(pos, op, keep_from)
            buf = self._buf
            off = self._offset
            precise = depth <= _PRECISE_DEPTH
            if op in _PUTS:
                if op == _MEMOIZE:
                    g = memo_count
                else:
                    raw = buf[pos + 1 - off : end - off]
                    g = int(raw[:-1]) if op == 0x70 else int.from_bytes(raw, "little")
                if g != memo_count:
                    raise format_error(source, f"memo index {g} out of order (expected {memo_count}): unsupported pickle layout")
                value = remember(g, last_op, last_s, last_e)
                if last_op in _STRING_OPS:
                    pushed[0], pushed[1] = pushed[1], (last_s, end, value)
                memo_count += 1
                if seg is not None:
                    seg[2] += 1
                    if op == 0x72:
                        region.long_puts.append(pos + 1)
                    elif op != _MEMOIZE:
                        region.edits.append((pos, end - pos, _EDIT_PUT, g))
                pos = end
                continue
            if op == _FRAME or op == _PROTO:
                if region is not None:
                    region.edits.append((pos, end - pos, _EDIT_DROP, 0))
                pos = end
                continue
            if op == _STOP:
                if depth != 0 or region is None:
                    raise format_error(source, f"corrupted pickle: STOP inside an open structure at byte {pos}")
                if tail is None or head_bytes is None:
                    # no big dict: the whole (small) pickle is the skeleton
                    self._skeleton = self._emit([(self._slice(head, end), head)], None)
                else:
                    self._skeleton = self._emit([(head_bytes, head), (self._slice(tail, end), tail)], None)
                return
            entry: tuple = ("obj",)
            get_edit = None
            if op in _GETS:
                raw = buf[pos + 1 - off : end - off]
                g = int(raw[:-1]) if op == 0x67 else int.from_bytes(raw, "little")
                if g >= memo_count:
                    raise format_error(source, f"corrupted pickle: memo index {g} used before it is defined (byte {pos})")
                get_edit = (pos, end - pos, _EDIT_GET, g)
                pushed[0], pushed[1] = pushed[1], (pos, end, g)
                if precise:
                    value = self.strings.get(g)
                    if value is not None:
                        entry = ("str", value)
            if not precise:
                # an opcode the fast loop does not handle, deeper than the tracked levels
                if get_edit is not None and region is not None:
                    region.edits.append(get_edit)
                if op == _MARK:
                    depth += 1
                elif op in _MARK_USERS:
                    depth -= 1
                    if depth == _PRECISE_DEPTH:
                        del stack[marks.pop() :]
                        _uses, below, pushes = _EFFECTS[op]
                        if op not in _KEEPS_CONTAINER:
                            del stack[len(stack) - below :]
                            stack.extend([("done",)] * pushes)
                        elif stack and stack[-1][0] != "target":
                            stack[-1] = ("done",)
                last_op, last_s, last_e = op, pos, end
                pos = end
                continue

            # --- precise mode: the top levels -------------------------------------------------
            if op in _STRING_OPS:
                entry = ("str", self._text(op, pos, end, None))
            elif op in _INT_OPS:
                raw = buf[pos + 1 - off : end - off]
                if op == 0x8A:
                    raw = raw[1:]
                entry = ("int", int.from_bytes(raw, "little", signed=op in (0x4A, 0x8A)), pos)  # unique per push
            uses_mark, below, pushes = _EFFECTS[op]
            if marks and stack[marks[-1]][0] == "batch":  # at the level of the big dict's items
                level_size = len(stack) - marks[-1] - 1
                is_push = op != _MARK and not uses_mark and pushes > below and op not in _KEEPS_BELOW
                if is_push and entry[0] == "int" and level_size % 2 == 0 and state != 1:
                    if state == 2:
                        if stack[-1][0] != "done":
                            raise UnstreamableLayout(f"{source}: an item value that is not a filled container")
                        yield self._emit([(self._slice(item, pos), item)], key)
                        batch_items += 1
                    key, state, item, region, seg = entry[1], 1, None, None, None
                    batch_keys.append(entry)
                elif is_push and state == 1:
                    item = region = _Region(start=pos, segments=[[pos, memo_count, 0]])
                    seg = item.segments[-1]
                    self.item_bases.append(memo_count)
                    state = 2
            if get_edit is not None and region is not None:
                region.edits.append(get_edit)
            if op == _MARK:
                is_batch = bool(stack) and stack[-1][0] == "target"
                if not is_batch and not item_found and len(stack) >= 2 and stack[-2] == ("str", self._key) and stack[-1][0] == "obj":
                    if depth + 1 > _PRECISE_DEPTH:
                        raise format_error(source, f"the {self._key!r} dict is nested too deeply: unsupported layout")
                    stack[-1] = ("target",)
                    is_batch = item_found = True
                if is_batch:
                    if head_bytes is None:
                        head_bytes = self._slice(head, end)
                    region, seg, tail, state, batch_items = None, None, None, 0, 0
                    batch_keys = []
                depth += 1
                marks.append(len(stack))
                stack.append(("batch",) if is_batch else ("mark",))
            elif uses_mark:
                if not marks:
                    raise format_error(source, f"corrupted pickle: unbalanced mark at byte {pos}")
                closing_items = stack[marks[-1]][0] == "batch"
                size = len(stack) - marks[-1] - 1
                keys_left = stack[marks[-1] + 1 :: 2] if closing_items else []
                del stack[marks.pop() :]
                depth -= 1
                if op not in _KEEPS_CONTAINER:
                    del stack[len(stack) - below :]
                    stack.extend([("done",)] * pushes)
                elif stack and stack[-1][0] not in ("target",):
                    stack[-1] = ("done",)
                if closing_items:
                    if op != 0x75 or size % 2:
                        raise format_error(source, f"corrupted pickle: the {self._key!r} dict is not a dict of pairs")
                    if state == 2:
                        yield self._emit([(self._slice(item, pos), item)], key)
                        batch_items += 1
                    elif state == 1:
                        raise UnstreamableLayout(f"{source}: a key without a value in the {self._key!r} dict")
                    # The keys the dict really got must be exactly the ones the items were cut at.
                    if len(keys_left) != len(batch_keys) or any(a is not b for a, b in zip(keys_left, batch_keys)):
                        raise UnstreamableLayout(f"{source}: the items of a batch were cut at the wrong places")
                    if batch_items != size // 2:
                        raise UnstreamableLayout(
                            f"{source}: found {batch_items} of {size // 2} items in a batch of the {self._key!r} dict"
                        )
                    state, item = 0, None
                    # Tentatively the tail; another batch of items (MARK) drops it again.
                    tail = region = _Region(start=pos, segments=[[pos, memo_count, 0]])
                    seg = tail.segments[-1]
            elif op in _KEEPS_BELOW:
                del stack[len(stack) - _KEEPS_BELOW[op] :]
                if stack and stack[-1][0] not in ("target", "mark", "batch"):
                    stack[-1] = ("done",)
            else:
                if below:
                    del stack[len(stack) - below :]
                if pushes == 1:
                    stack.append(entry)
                elif pushes:
                    stack.extend([("obj",)] * pushes)
            last_op, last_s, last_e = op, pos, end
            pos = end
