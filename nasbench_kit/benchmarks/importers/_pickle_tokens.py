"""Tokenize a pickle byte stream: opcode tables, a fast regex tokenizer, a chunked reader.

The reading side of :mod:`._pickle_stream`, which walks the items of a huge pickled
dict and imports this module; nothing here knows about dicts or items:

* the opcode tables: codes by name, each opcode's stack effect (``_EFFECTS``), the
  opcodes that use a mark, push ints or strings, put or get memo entries;
* ``_RUN``, a regular expression that consumes a run of plain opcodes (no marks, no
  memo operations, no strings) and stops at the next interesting one;
* ``_OpcodeReader``, the stream read forward in chunks, with the end of any opcode
  (``_arg_end``) and the value of a string opcode (``_text``);
* ``_StringTable``: memo index -> short string, for strings later items refer to.
"""

from __future__ import annotations

import bisect
import pickletools
import re
from array import array
from typing import BinaryIO

from ._safe_pickle import format_error

_CHUNK = 16 << 20  # bytes read from the stream at a time
_MARGIN = 1 << 20  # keep at least this much unread data buffered before tokenizing


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
_INT_OPS = {ord("K"), ord("M"), ord("J"), 0x8A}
# Ops that mutate the container below their arguments and leave it on the stack.
_KEEPS_CONTAINER = {ord("u"), ord("e"), 0x90}  # SETITEMS, APPENDS, ADDITEMS (mark users)
_KEEPS_BELOW = {ord("s"): 2, ord("a"): 1, ord("b"): 1}  # SETITEM, APPEND, BUILD: entries popped

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


class _OpcodeReader:
    """A pickle byte stream read forward in chunks, and where each opcode in it ends.

    Positions are absolute (bytes from the start of the stream); ``_buf`` holds the bytes
    from position ``_offset`` on. Subclasses walk the opcodes; this class buffers, measures
    opcodes and decodes strings.

    Args:
        stream: binary stream positioned at the pickle (read sequentially, once).
        source: file name for error messages.
    """

    def __init__(self, stream: BinaryIO, source: str) -> None:
        self._stream = stream
        self._source = source
        self._buf = b""
        self._offset = 0  # absolute position of _buf[0]
        self._eof = False

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
