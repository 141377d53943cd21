"""Shared driver of the NAS-Bench-201 and NATS-Bench importers.

Turns a stream of per-architecture results (:class:`~._nb201_results.ArchRuns`) into
table chunks, runs the per-architecture work (unpickling, conversion) in worker
processes, and handles progress, caching and the final checks against ``meta_archs``.
"""

from __future__ import annotations

import bz2
import collections
import concurrent.futures as cf
import io
import queue
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa

from ...spaces.nb201 import NB201Space
from ..schema import TableMeta
from ._cache import StreamedTableWriter, cache_extra, is_up_to_date, source_fingerprint
from ._nb201_results import ArchRuns, convert_arch
from ._parallel import executor as _executor
from ._pickle_stream import PickleItemStream, StreamItem, UnstreamableLayout
from ._safe_pickle import RestrictedUnpickler, format_error

__all__ = ["LATENCY_COLUMN", "arch_lookup", "RunAssembler", "import_pickle_stream", "ThreadedReader"]

#: Column of the latency stored in the NAS-Bench-201 / NATS-Bench releases.
LATENCY_COLUMN = "latency_ms_nb201"
_EXTRA_CURVES = ("valtest_acc", "valtest_loss", "eval_seconds")
_TABLE_CURVES = ("train_acc", "valid_acc", "test_acc", "train_loss", "valid_loss", "test_loss", "train_seconds")
CHUNK_ARCHS = 200  # architectures per written chunk (bounded memory)

DESCRIPTION = (
    "NAS-Bench-201 topology space results converted from the official release. valid/test follow the "
    "official get_more_info: cifar10-valid: x-valid / ori-test; cifar10: no validation split / ori-test; "
    "cifar100 and ImageNet16-120: x-valid / x-test, plus valtest_acc/valtest_loss = ori-test (valid+test). "
    "NaN where a split was not evaluated at that epoch. latency_ms_nb201 is the release's latency "
    "(seconds x 1000). eval_seconds: cumulative time spent evaluating the validation split."
)


@lru_cache(maxsize=1)
def arch_lookup() -> dict[str, tuple[int, str]]:
    """Official NB201 string -> (index in :class:`NB201Space` enumeration, canonical string)."""
    space = NB201Space()
    return {str(cell): (index, space.canonical(cell)) for index, cell in enumerate(space)}


def _list_array(matrix: np.ndarray, value_type: pa.DataType) -> pa.Array:
    rows, width = matrix.shape
    offsets = pa.array(np.arange(0, rows * width + 1, max(width, 1), dtype=np.int32))
    return pa.ListArray.from_arrays(offsets, pa.array(matrix.reshape(-1), type=value_type))


class RunAssembler:
    """Collect :class:`ArchRuns` and write them in chunks (one chunk per schedule length).

    Args:
        writer: where chunks go.
        source: file name for error messages.
        meta_archs: official strings by official index, if known now (checked per arch).
    """

    def __init__(self, writer: StreamedTableWriter, *, source: str, meta_archs: Sequence[str] | None = None) -> None:
        self.writer = writer
        self.source = source
        self.meta_archs = meta_archs
        self.lookup = arch_lookup()
        self.pending: dict[int, list[ArchRuns]] = collections.defaultdict(list)
        self.pending_archs = 0
        self.seen: dict[int, str] = {}  # official index -> arch string
        self.runs = 0

    def add(self, runs: Sequence[ArchRuns]) -> None:
        """Add one architecture's runs (all schedules)."""
        if not runs:
            return
        official, arch = runs[0].official_index, runs[0].arch
        if official in self.seen:
            raise format_error(self.source, f"architecture index {official} appears twice")
        if arch not in self.lookup:
            raise format_error(
                self.source,
                f"architecture {official}: {arch!r} is not a NAS-Bench-201 topology string (a size-space or "
                f"foreign file?)",
            )
        if self.meta_archs is not None and (official >= len(self.meta_archs) or self.meta_archs[official] != arch):
            raise format_error(self.source, f"architecture {official}: arch_str {arch!r} does not match meta_archs")
        self.seen[official] = arch
        for run in runs:
            self.pending[run.schedule_epochs].append(run)
        self.pending_archs += 1
        if self.pending_archs >= CHUNK_ARCHS:
            self.flush()

    def flush(self) -> None:
        """Write what was collected."""
        for schedule, group in sorted(self.pending.items()):
            self.writer.write(self._columns(schedule, group))
        self.pending.clear()
        self.pending_archs = 0

    def _columns(self, schedule: int, group: list[ArchRuns]) -> dict[str, Any]:
        counts = [len(r.datasets) for r in group]
        n = sum(counts)
        self.runs += n
        arch = np.repeat(np.array([r.arch for r in group], dtype=object), counts)
        ours = np.array([self.lookup[r.arch][0] for r in group], dtype=np.int32)
        canonical = np.array([self.lookup[r.arch][1] for r in group], dtype=object)
        official = np.array([r.official_index for r in group], dtype=np.int32)
        curves = {c: np.concatenate([r.curves[c] for r in group]) for c in _TABLE_CURVES + _EXTRA_CURVES}
        columns: dict[str, Any] = {
            "arch": arch,
            "arch_index": np.repeat(ours, counts),
            "canonical": np.repeat(canonical, counts),
            "dataset": np.array([d for r in group for d in r.datasets], dtype=object),
            "schedule_epochs": np.full(n, schedule, dtype=np.int16),
            "seed": np.concatenate([r.seeds for r in group]).astype(np.int32),
            "epochs": np.broadcast_to(np.arange(1, schedule + 1, dtype=np.int16), (n, schedule)),
            **{c: curves[c] for c in _TABLE_CURVES},
            "params": np.concatenate([r.params for r in group]),
            "flops": np.concatenate([r.flops for r in group]),
            LATENCY_COLUMN: np.concatenate([r.latency_ms for r in group]),
            "official_index": pa.array(np.repeat(official, counts), type=pa.int32()),
        }
        for c in _EXTRA_CURVES:
            columns[c] = _list_array(curves[c], pa.float32())
        return columns

    def check_meta(self, meta_archs: Any) -> None:
        """Check the collected architectures against the release's ``meta_archs`` list."""
        if not isinstance(meta_archs, list) or not all(isinstance(a, str) for a in meta_archs[:100]):
            raise format_error(self.source, "meta_archs must be a list of architecture strings")
        for official, arch in self.seen.items():
            if official >= len(meta_archs) or meta_archs[official] != arch:
                raise format_error(self.source, f"architecture {official}: arch_str {arch!r} does not match meta_archs")


# --- single-file releases, streamed ------------------------------------------------------------


class ThreadedReader(io.RawIOBase):
    """Read (and decompress) a file in a background thread; bz2 releases the GIL meanwhile."""

    def __init__(self, raw: BinaryIO, *, chunk: int = 8 << 20) -> None:
        super().__init__()
        self._queue: queue.Queue = queue.Queue(maxsize=4)
        self._rest = b""
        self._done = False
        self._error: BaseException | None = None

        def pump() -> None:
            try:
                while True:
                    data = raw.read(chunk)
                    self._queue.put(data)
                    if not data:
                        return
            except BaseException as err:  # noqa: BLE001 - handed to the reading thread
                self._queue.put(err)

        self._thread = threading.Thread(target=pump, daemon=True)
        self._thread.start()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        parts = [self._rest]
        have = len(self._rest)
        while not self._done and (size < 0 or have < size):
            item = self._queue.get()
            if isinstance(item, BaseException):
                raise item
            if not item:
                self._done = True
                break
            parts.append(item)
            have += len(item)
        data = b"".join(parts)
        if size < 0:
            self._rest = b""
            return data
        self._rest = data[size:]
        return data[:size]


def _unpickle_item(task: tuple[bytes, dict, int, int, int, Any, str, str]) -> tuple[list[ArchRuns], dict[int, Any]]:
    """Worker: one item of a streamed release -> (runs, shareable memo objects by global index)."""
    payload, objects, base, local_base, count, key, source, tensors = task
    unpickler = RestrictedUnpickler(io.BytesIO(payload), source=f"{source} (architecture {key})", tensors=tensors,
                                    objects=objects)
    value = unpickler.load()
    shared = {}
    for local, obj in unpickler.memo.copy().items():
        if isinstance(obj, np.dtype) and local >= local_base:
            shared[base + local - local_base] = obj
    if not isinstance(key, int) or isinstance(key, bool):
        raise format_error(source, f"arch2infos key {key!r} is not an architecture index")
    return convert_arch(value, key, source=source), shared


def _unpickle_batch(tasks: list) -> list:
    return [_unpickle_item(task) for task in tasks]


def import_pickle_stream(
    opener: Callable[[], tuple[BinaryIO, Callable[[], None]]],
    writer: StreamedTableWriter,
    *,
    source: str,
    workers: int,
    progress: bool,
    expected: int | None = None,
) -> dict[str, Any]:
    """Import a single-file release (top dict with ``meta_archs`` and ``arch2infos``) in a stream.

    Args:
        opener: returns ``(stream, close)``, the stream positioned at the pickle; called
            again for a whole-file load if the file's layout cannot be streamed.

    Returns:
        The top-level dict without ``arch2infos`` (``meta_archs``, ...).

    Raises:
        BenchmarkFormatError: a foreign, truncated or corrupted file.
    """
    pool = _executor(workers) if workers > 1 else None
    try:
        stream, close = opener()
        try:
            return _stream_items(stream, writer, pool, source=source, workers=workers, progress=progress,
                                 expected=expected)
        except UnstreamableLayout as err:
            # a layout the streaming reader cannot cut safely (not seen in official files)
            warnings.warn(f"{err}; loading the whole file instead (needs memory for all of it)", stacklevel=2)
        finally:
            close()
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    writer.reset()
    stream, close = opener()
    try:
        top = RestrictedUnpickler(stream, source=source).load()
    finally:
        close()
    assembler = RunAssembler(writer, source=source)
    _check_top(top, source)
    for index, value in top["arch2infos"].items():
        if not isinstance(index, int):
            raise format_error(source, f"arch2infos key {index!r} is not an architecture index")
        assembler.add(convert_arch(value, index, source=source))
    assembler.check_meta(top["meta_archs"])
    assembler.flush()
    return {k: v for k, v in top.items() if k != "arch2infos"}


def _check_top(top: Any, source: str) -> None:
    if not isinstance(top, Mapping) or "meta_archs" not in top or not isinstance(top.get("arch2infos"), Mapping):
        keys = sorted(map(str, top))[:8] if isinstance(top, Mapping) else type(top).__name__
        raise format_error(source, f"not a NAS-Bench-201 / NATS-Bench file: expected a dict with 'meta_archs' and "
                                   f"'arch2infos', found {keys}")


def _stream_items(
    stream: BinaryIO,
    writer: StreamedTableWriter,
    pool: cf.ProcessPoolExecutor | None,
    *,
    source: str,
    workers: int,
    progress: bool,
    expected: int | None,
) -> dict[str, Any]:
    from ...progress import progress_bar

    reader = PickleItemStream(stream, source=source, key="arch2infos")
    assembler = RunAssembler(writer, source=source)
    bar = progress_bar(total=expected, unit="arch", enabled=progress, desc="importing")
    batch_size = 8
    in_flight = 3 * max(workers, 1)
    pending: collections.deque[tuple[int, Any]] = collections.deque()  # (last item id, future or result)
    done_items = -1

    def drain_one() -> None:
        nonlocal done_items
        last, future = pending.popleft()
        for runs, shared in future.result() if isinstance(future, cf.Future) else future:
            reader.add_shared(shared)
            assembler.add(runs)
            bar.update(1)
        done_items = last

    batch: list = []
    item_id = -1

    def objects_for(item: StreamItem) -> dict[int, Any]:
        nonlocal batch
        objects = {}
        for g in item.cross:
            found, obj = reader.lookup(g)
            if not found and batch and reader.defining_item(g) > done_items:
                submit(batch, item_id - 1)  # the object comes from an item not sent yet
                batch = []
            while not found and pending and done_items < reader.defining_item(g):
                drain_one()  # the object comes from an item still being unpickled
                found, obj = reader.lookup(g)
            if not found:
                raise UnstreamableLayout(f"{source}: architecture {item.key} refers to an earlier object (memo {g})")
            objects[g] = obj
        return objects

    def submit(batch: list, last: int) -> None:
        pending.append((last, pool.submit(_unpickle_batch, batch) if pool is not None else _unpickle_batch(batch)))

    try:
        for item in reader:
            item_id += 1
            objects = objects_for(item)  # may send the pending batch first
            batch.append((item.payload, objects, item.base, item.local_base, item.count, item.key, source, "skip"))
            if len(batch) >= batch_size or pool is None:
                submit(batch, item_id)
                batch = []
                while len(pending) >= in_flight or (pool is None and pending):
                    drain_one()
        if batch:
            submit(batch, item_id)
        while pending:
            drain_one()
        skeleton = reader.skeleton()
        top = RestrictedUnpickler(
            io.BytesIO(skeleton.payload), source=source, objects={g: reader.lookup(g)[1] for g in skeleton.cross}
        ).load()
    finally:
        bar.close()
    _check_top(top, source)
    for index, value in top["arch2infos"].items():  # a big dict too small to be batched (tiny files)
        if not isinstance(index, int):
            raise format_error(source, f"arch2infos key {index!r} is not an architecture index")
        assembler.add(convert_arch(value, index, source=source))
    assembler.check_meta(top["meta_archs"])
    assembler.flush()
    return {k: v for k, v in top.items() if k != "arch2infos"}


def open_cached(out: Path, path: Path, importer: str, options: Mapping[str, Any], *, pattern: str = "*",
                force: bool) -> tuple[bool, dict[str, str]]:
    """``(skip, extra)``: whether ``out`` is already an up-to-date import of ``path``."""
    extra = cache_extra(importer, source_fingerprint(path, pattern=pattern), options)
    return (not force and is_up_to_date(out, extra)), extra


def table_meta(name: str | None, out: Path, source: Path, extra: Mapping[str, str], *, what: str) -> TableMeta:
    """Metadata of an imported NAS-Bench-201-space table."""
    return TableMeta(
        name=name or out.stem,
        space="nb201",
        source=str(source),
        description=f"{what}. {DESCRIPTION}",
        extra={**extra, "latency_column": LATENCY_COLUMN, "official_index": "index in the release's meta_archs"},
    )


def open_stream(path: Path) -> tuple[BinaryIO, Callable[[], None]]:
    """A readable stream of ``path`` (bz2-decompressed in a thread for .pbz2 / .bz2)."""
    handle = open(path, "rb")
    head = handle.read(3)
    handle.seek(0)
    if head == b"BZh":
        compressed = bz2.BZ2File(handle)
        reader = ThreadedReader(compressed)

        def close() -> None:
            compressed.close()
            handle.close()

        return reader, close
    return handle, handle.close
