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

Three modules; the first two import neither each other nor this one:

* :mod:`._pickle_tokens`: the opcode tables, the regular expression and the chunked
  reader ``_OpcodeReader`` (which :class:`PickleItemStream` extends);
* :mod:`._pickle_regions`: :class:`StreamItem`, the byte ranges the walk records and
  ``emit_pickle``, which renumbers them into a standalone pickle;
* this module: the walk of the top levels that finds the big dict's items and cuts them.
  Import :class:`PickleItemStream`, :class:`StreamItem` and :class:`UnstreamableLayout`
  from here.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterator
from typing import Any, BinaryIO

from ._pickle_regions import _EDIT_DROP, _EDIT_GET, _EDIT_PUT, StreamItem, _Region, emit_pickle
from ._pickle_tokens import (
    _CHUNK,
    _EFFECTS,
    _FRAME,
    _GETS,
    _GLOBAL,
    _INT_OPS,
    _KEEPS_BELOW,
    _KEEPS_CONTAINER,
    _MARGIN,
    _MARK,
    _MARK_USERS,
    _MEMOIZE,
    _PROTO,
    _PUTS,
    _RUN,
    _STACK_GLOBAL,
    _STOP,
    _STRING_OPS,
    _OpcodeReader,
    _StringTable,
)
from ._safe_pickle import GlobalRef, format_error

__all__ = ["GlobalRef", "StreamItem", "PickleItemStream", "UnstreamableLayout"]


class UnstreamableLayout(Exception):
    """The big dict's items cannot be cut apart safely; load the file whole instead.

    Raised before or at the end of the batch of items where the ambiguity shows, so items
    already yielded from that batch must be discarded by the caller.
    """


_PRECISE_DEPTH = 2  # mark depth up to which every opcode is decoded (top dict, big dict items)
_KEEP_STRING_MAX = 40  # memoized strings this short are remembered for cross-item references
_KEEP_ARCH_MAX = 160  # ... and architecture strings ("|op~0|+...") up to this length


class PickleItemStream(_OpcodeReader):
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
        super().__init__(stream, source)
        self._key = key
        self.strings = _StringTable()
        self.globals: dict[int, GlobalRef] = {}
        self.shared: dict[int, Any] = {}
        self.item_bases = array("q")  # first memo index of each item, in yield order
        self._skeleton: StreamItem | None = None

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

    # --- walking the opcodes ------------------------------------------------------------
    def _slice(self, region: _Region, end: int) -> bytes:
        return self._buf[region.start - self._offset : end - self._offset]

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
                    self._skeleton = emit_pickle([(self._slice(head, end), head)], None, source)
                else:
                    self._skeleton = emit_pickle([(head_bytes, head), (self._slice(tail, end), tail)], None, source)
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
                        yield emit_pickle([(self._slice(item, pos), item)], key, source)
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
                        yield emit_pickle([(self._slice(item, pos), item)], key, source)
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
