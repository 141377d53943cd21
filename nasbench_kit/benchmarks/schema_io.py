"""Check a format-v1 benchmark table and move it to and from parquet files.

:func:`validate_table` checks types, values and keys; :func:`write_table` and
:func:`read_table` validate on every way in and out, and :func:`write_parquet_atomic`
writes any arrow table without ever leaving a half-written file. Layering (see
:mod:`~nasbench_kit.benchmarks.schema_format`): imports only ``schema_format`` of the
``schema*`` modules; re-exported by :mod:`nasbench_kit.benchmarks.schema`, where callers
import these names from.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..errors import BenchmarkFormatError
from ._arrow import to_numpy
from .schema_format import (
    _COLUMNS,
    _FLOAT,
    _FLOAT_LIST,
    _INT,
    _INT_LIST,
    _STRING,
    ACCURACY_COLUMNS,
    CURVE_COLUMNS,
    ENERGY_PREFIX,
    LATENCY_PREFIX,
    META_KEY,
    REQUIRED_COLUMNS,
    TableMeta,
)

_DEVICE_RE = re.compile(r"^[A-Za-z0-9_]+$")
# Accuracy may exceed 100 by float32 rounding only.
_ACC_MAX = 100.0 + 1e-3


# --- validation -------------------------------------------------------------------------


def _kind_of(arrow_type: pa.DataType) -> str | None:
    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return _STRING
    if pa.types.is_integer(arrow_type):
        return _INT
    if pa.types.is_floating(arrow_type):
        return _FLOAT
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        inner = _kind_of(arrow_type.value_type)
        return {_INT: _INT_LIST, _FLOAT: _FLOAT_LIST}.get(inner or "")
    return None


def validate_table(table: pa.Table, *, source: str) -> TableMeta:
    """Check that ``table`` is a format-v1 benchmark table and return its metadata.

    Checks the metadata, every required column's presence and type, list lengths,
    value ranges (accuracy 0-100, losses and seconds >= 0, epochs increasing and within
    the schedule, cumulative seconds not decreasing), that no run appears twice, and
    that each ``arch`` has one ``canonical`` and one ``arch_index``.

    Args:
        table: the table (e.g. from ``pyarrow.parquet.read_table``).
        source: what to call it in error messages (usually the file name).

    Returns:
        The table's :class:`TableMeta`.

    Raises:
        BenchmarkFormatError: naming ``source``, the column and what is wrong.
    """
    if not isinstance(table, pa.Table):
        raise BenchmarkFormatError(f"{source}: expected a pyarrow.Table, got {type(table).__name__}")
    raw = (table.schema.metadata or {}).get(META_KEY)
    if raw is None:
        raise BenchmarkFormatError(
            f"{source}: no 'nasbench_kit' metadata, so this is not a nasbench_kit benchmark table; "
            f"convert other tables with `python -m nasbench_kit import csv PATH -o OUT.parquet`"
        )
    meta = TableMeta.from_json(raw, source=source)
    names = table.column_names
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise BenchmarkFormatError(
            f"{source}: missing column(s) {missing}; required columns are {list(REQUIRED_COLUMNS)}, "
            f"the table has {names}"
        )
    if len(set(names)) != len(names):
        raise BenchmarkFormatError(f"{source}: duplicate column names in {names}")
    expected = dict(_COLUMNS)
    for name in names:
        if name.startswith((LATENCY_PREFIX, ENERGY_PREFIX)):
            device = name.split("_", 2)[2]
            if not _DEVICE_RE.match(device):
                raise BenchmarkFormatError(f"{source}: column {name!r}: device name {device!r} must match [A-Za-z0-9_]+")
            expected[name] = (_FLOAT, pa.float64())
    for name, (kind, arrow_type) in expected.items():
        got = table.schema.field(name).type
        if _kind_of(got) != kind and not (kind == _FLOAT and _kind_of(got) == _INT):
            raise BenchmarkFormatError(f"{source}: column {name!r} has type {got}, expected {arrow_type}")
    _validate_values(table, source)
    return meta


def _numpy(column: pa.ChunkedArray) -> np.ndarray:
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    return to_numpy(column)


def _flat(column: pa.ChunkedArray, source: str, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Flattened values and per-row lengths of a list column (nulls refused)."""
    if column.null_count:
        raise BenchmarkFormatError(f"{source}: column {name!r} has {column.null_count} null row(s); use NaN inside lists")
    array = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    lengths = to_numpy(pc.list_value_length(array))
    values = to_numpy(array.flatten())
    return values, lengths


def _validate_values(table: pa.Table, source: str) -> None:
    n_rows = table.num_rows
    if n_rows == 0:
        raise BenchmarkFormatError(f"{source}: the table has no runs")
    for name in ("arch", "canonical", "dataset", "arch_index", "schedule_epochs", "seed"):
        if table.column(name).null_count:
            raise BenchmarkFormatError(f"{source}: column {name!r} has {table.column(name).null_count} missing value(s)")
    schedule = _numpy(table.column("schedule_epochs")).astype(np.int64)
    if schedule.min() < 1:
        raise BenchmarkFormatError(f"{source}: column 'schedule_epochs' must be >= 1, found {schedule.min()}")
    epochs, lengths = _flat(table.column("epochs"), source, "epochs")
    if lengths.min() < 1:
        row = int(np.argmin(lengths))
        raise BenchmarkFormatError(f"{source}: row {row} has an empty 'epochs' list; every run needs >= 1 epoch")
    row_of = np.repeat(np.arange(n_rows), lengths)
    same_row = row_of[1:] == row_of[:-1]
    epochs = epochs.astype(np.int64)
    if epochs.size and epochs.min() < 1:
        raise BenchmarkFormatError(f"{source}: column 'epochs' holds {epochs.min()}; epochs are 1-based")
    if np.any(same_row & (np.diff(epochs) <= 0)):
        row = int(row_of[1:][same_row & (np.diff(epochs) <= 0)][0])
        raise BenchmarkFormatError(f"{source}: row {row}: 'epochs' must be strictly increasing")
    ends = np.cumsum(lengths) - 1
    if np.any(epochs[ends] > schedule):
        row = int(np.flatnonzero(epochs[ends] > schedule)[0])
        raise BenchmarkFormatError(
            f"{source}: row {row} records epoch {epochs[ends][row]} beyond its schedule_epochs={schedule[row]}"
        )
    for name in CURVE_COLUMNS:
        values, got = _flat(table.column(name), source, name)
        if not np.array_equal(got, lengths):
            row = int(np.flatnonzero(got != lengths)[0])
            raise BenchmarkFormatError(
                f"{source}: row {row}: column {name!r} has {got[row]} value(s) but 'epochs' has {lengths[row]}"
            )
        with np.errstate(invalid="ignore"):
            if name in ACCURACY_COLUMNS:
                bad = (values < 0) | (values > _ACC_MAX)
                rule = "accuracy in percent, 0..100 (fractions must be multiplied by 100)"
            else:
                bad = values < 0
                rule = "values >= 0"
        if bad.any():
            at = int(np.flatnonzero(bad)[0])
            raise BenchmarkFormatError(
                f"{source}: row {row_of[at]}: column {name!r} holds {values[at]!r}; expected {rule} or NaN"
            )
        if name == "train_seconds":
            with np.errstate(invalid="ignore"):
                falling = same_row & (np.diff(values) < 0)
            if falling.any():
                raise BenchmarkFormatError(
                    f"{source}: row {int(row_of[1:][falling][0])}: 'train_seconds' must be cumulative "
                    f"(not decreasing from epoch to epoch)"
                )
    _validate_keys(table, source)


def dictionary_codes(column: pa.ChunkedArray) -> tuple[np.ndarray, list]:
    """``(codes, uniques)`` of a column: ``uniques[codes[i]]`` is row ``i``'s value (Arrow-fast)."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    array = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    encoded = pc.dictionary_encode(array)
    return to_numpy(encoded.indices).astype(np.int64), encoded.dictionary.to_pylist()


def _validate_keys(table: pa.Table, source: str) -> None:
    arch_codes, archs = dictionary_codes(table.column("arch"))
    dataset_codes, datasets = dictionary_codes(table.column("dataset"))
    schedule = _numpy(table.column("schedule_epochs")).astype(np.int64)
    seed = _numpy(table.column("seed")).astype(np.int64)
    # One int64 key per run; sizes are bounded (archs * datasets * schedules * seeds).
    _, schedule_codes = np.unique(schedule, return_inverse=True)
    seed_values, seed_codes = np.unique(seed, return_inverse=True)
    key = ((arch_codes * len(datasets) + dataset_codes) * (schedule_codes.max(initial=0) + 1) + schedule_codes)
    key = key * len(seed_values) + seed_codes
    order = np.argsort(key, kind="stable")
    repeated = np.flatnonzero(key[order][1:] == key[order][:-1])
    if repeated.size:
        row = int(order[repeated[0] + 1])
        raise BenchmarkFormatError(
            f"{source}: run (arch={archs[arch_codes[row]]!r}, dataset={datasets[dataset_codes[row]]!r}, "
            f"schedule_epochs={schedule[row]}, seed={seed[row]}) appears more than once (row {row})"
        )
    first = np.unique(arch_codes, return_index=True)[1]
    for name in ("canonical", "arch_index"):
        codes = dictionary_codes(table.column(name))[0]
        if not np.array_equal(codes, codes[first][arch_codes]):
            row = int(np.flatnonzero(codes != codes[first][arch_codes])[0])
            raise BenchmarkFormatError(f"{source}: arch {archs[arch_codes[row]]!r} has more than one value of {name!r}")

# --- files ------------------------------------------------------------------------------


def write_table(table: pa.Table, path: str | os.PathLike[str]) -> Path:
    """Validate ``table`` and write it to ``path`` atomically (zstd-compressed parquet).

    The file is first written to a temporary file in the same folder and then renamed,
    so ``path`` never holds a half-written table, even if the process dies.

    Returns:
        The path written.

    Raises:
        BenchmarkFormatError: if the table is not valid (nothing is written).
    """
    path = Path(path)
    validate_table(table, source=str(path))
    write_parquet_atomic(table, path)
    return path


def write_parquet_atomic(table: pa.Table, path: str | os.PathLike[str]) -> None:
    """Write any arrow table as zstd parquet via a temporary file and a rename (no validation)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    os.chmod(tmp_name, 0o666 & ~_current_umask())  # mkstemp makes 0600; a table is for sharing
    try:
        pq.write_table(table, tmp_name, compression="zstd")
        with open(tmp_name, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


_MAGIC = b"PAR1"


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_table(path: str | os.PathLike[str]) -> tuple[pa.Table, TableMeta]:
    """Read and validate a benchmark table file.

    Returns:
        ``(table, meta)``.

    Raises:
        BenchmarkFormatError: naming the file and the problem: it does not exist, is
            empty, truncated or corrupted, is not parquet, was not written by the kit,
            or breaks the format (see :func:`validate_table`).
    """
    path = Path(path)
    if not path.exists():
        raise BenchmarkFormatError(f"{path}: no such file")
    if not path.is_file():
        raise BenchmarkFormatError(f"{path}: not a file")
    size = path.stat().st_size
    if size == 0:
        raise BenchmarkFormatError(f"{path}: the file is empty")
    with open(path, "rb") as handle:
        head = handle.read(4)
        handle.seek(max(size - 4, 0))
        tail = handle.read(4)
    if head != _MAGIC:
        raise BenchmarkFormatError(f"{path}: not a parquet file (it does not start with {_MAGIC!r})")
    if tail != _MAGIC or size < 12:
        raise BenchmarkFormatError(
            f"{path}: the parquet footer is missing: the file is truncated (incomplete download or copy?)"
        )
    try:
        # ParquetFile, not pq.read_table: the same table, without importing pyarrow.dataset
        # (which imports pandas: a quarter of a second of a cold load).
        with pq.ParquetFile(path) as parquet:
            table = parquet.read()
    except (pa.ArrowException, OSError, ValueError) as err:
        raise BenchmarkFormatError(f"{path}: the parquet file is corrupted and cannot be read ({err})") from None
    return table, validate_table(table, source=str(path))
