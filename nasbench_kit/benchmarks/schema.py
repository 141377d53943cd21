"""Benchmark table format v1: one parquet file, one row per training run.

A *run* is one architecture trained once: ``(arch, dataset, schedule_epochs, seed)``.
Per-epoch values are list columns aligned with ``epochs``. The full description, with
units, is in ``nasbench_kit/benchmarks/README.md``; in short:

==================  ==============  =====================================================
column              arrow type      meaning (unit)
==================  ==============  =====================================================
arch                string          official string of the architecture
arch_index          int32           index in the kit's enumeration of the space (-1: none)
canonical           string          ``space.canonical(arch)`` (equal for isomorphic cells)
dataset             string          e.g. ``"cifar10-valid"``
schedule_epochs     int16           length of the training schedule of this run (epochs)
seed                int32           training seed of this run
epochs              list<int16>     1-based epochs the curve entries were recorded at
train_acc ...       list<float32>   ``train/valid/test_acc``: accuracy in percent (0-100)
train_loss ...      list<float32>   ``train/valid/test_loss``: mean cross-entropy (nats)
train_seconds       list<float32>   cumulative training wall time at that epoch (s)
params              int64           trainable parameters (a count)
flops               float64         forward FLOPs of one input (a count)
latency_ms_<dev>    float64         inference latency on device ``<dev>`` (ms)
energy_mj_<dev>     float64         inference energy on device ``<dev>`` (mJ)
==================  ==============  =====================================================

NaN marks a value that does not exist (e.g. a split the benchmark has no data for).
Other columns are allowed and kept. File metadata (key ``nasbench_kit``) is a JSON
:class:`TableMeta`.

Example:
    >>> import numpy as np, tempfile, pathlib
    >>> meta = TableMeta(name="tiny", space="custom", source="doctest")
    >>> curves = np.array([[50.0, 60.0]], dtype=np.float32)
    >>> table = build_table({
    ...     "arch": ["a"], "arch_index": [-1], "canonical": ["a"], "dataset": ["toy"],
    ...     "schedule_epochs": [2], "seed": [0], "epochs": np.array([[1, 2]]),
    ...     "train_acc": curves, "valid_acc": curves, "test_acc": curves,
    ...     "train_loss": curves * 0, "valid_loss": curves * 0, "test_loss": curves * 0,
    ...     "train_seconds": np.array([[1.5, 3.0]]), "params": [1000], "flops": [2e6],
    ... }, meta)
    >>> path = write_table(table, pathlib.Path(tempfile.mkdtemp()) / "tiny.parquet")
    >>> read_table(path)[1].name
    'tiny'
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..errors import BenchmarkFormatError
from ._arrow import to_numpy

__all__ = [
    "SCHEMA_VERSION",
    "META_KEY",
    "SPACES",
    "CURVE_COLUMNS",
    "ACCURACY_COLUMNS",
    "LOSS_COLUMNS",
    "REQUIRED_COLUMNS",
    "LATENCY_PREFIX",
    "ENERGY_PREFIX",
    "TableMeta",
    "build_table",
    "validate_table",
    "write_table",
    "read_table",
    "device_columns",
    "dictionary_codes",
]

SCHEMA_VERSION = 1
#: Key of the JSON :class:`TableMeta` in the parquet schema metadata.
META_KEY = b"nasbench_kit"
#: Values allowed for ``TableMeta.space``.
SPACES: tuple[str, ...] = ("nb201", "nb101", "macro", "custom")

ACCURACY_COLUMNS: tuple[str, ...] = ("train_acc", "valid_acc", "test_acc")
LOSS_COLUMNS: tuple[str, ...] = ("train_loss", "valid_loss", "test_loss")
#: Per-epoch float columns, each a list aligned with ``epochs``.
CURVE_COLUMNS: tuple[str, ...] = ACCURACY_COLUMNS + LOSS_COLUMNS + ("train_seconds",)
LATENCY_PREFIX = "latency_ms_"
ENERGY_PREFIX = "energy_mj_"

_STRING, _INT, _FLOAT, _INT_LIST, _FLOAT_LIST = "string", "integer", "float", "list<int>", "list<float>"
# Column -> (kind, arrow type written by build_table).
_COLUMNS: dict[str, tuple[str, pa.DataType]] = {
    "arch": (_STRING, pa.string()),
    "arch_index": (_INT, pa.int32()),
    "canonical": (_STRING, pa.string()),
    "dataset": (_STRING, pa.string()),
    "schedule_epochs": (_INT, pa.int16()),
    "seed": (_INT, pa.int32()),
    "epochs": (_INT_LIST, pa.list_(pa.int16())),
    **{name: (_FLOAT_LIST, pa.list_(pa.float32())) for name in CURVE_COLUMNS},
    "params": (_INT, pa.int64()),
    "flops": (_FLOAT, pa.float64()),
}
#: Every column a table must have, in the order ``build_table`` writes them.
REQUIRED_COLUMNS: tuple[str, ...] = tuple(_COLUMNS)
# Low-cardinality strings are dictionary-encoded (smaller files, faster grouping).
_DICTIONARY_COLUMNS = ("canonical", "dataset")
_DEVICE_RE = re.compile(r"^[A-Za-z0-9_]+$")
# Accuracy may exceed 100 by float32 rounding only.
_ACC_MAX = 100.0 + 1e-3


@dataclass(frozen=True)
class TableMeta:
    """What a table is: stored as JSON in the parquet file's schema metadata.

    Args:
        name: short name, e.g. ``"nb201-cifar"``.
        space: the search space the ``arch`` strings belong to, one of :data:`SPACES`.
        source: the file(s) or command the table came from.
        description: free text (what was trained, how, by whom).
        extra: further string key/value pairs (e.g. ``{"flops_unit": "count"}``).

    Raises:
        BenchmarkFormatError: if a field has the wrong type or ``space`` is unknown.

    Example:
        >>> TableMeta("demo", "nb201", "synthetic").space
        'nb201'
    """

    name: str
    space: str
    source: str
    description: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for attr in ("name", "space", "source", "description"):
            value = getattr(self, attr)
            if not isinstance(value, str):
                raise BenchmarkFormatError(f"TableMeta.{attr} must be a str, got {type(value).__name__} {value!r}")
        if not self.name:
            raise BenchmarkFormatError("TableMeta.name must not be empty")
        if self.space not in SPACES:
            raise BenchmarkFormatError(f"TableMeta.space {self.space!r} is not one of {SPACES}")
        if not isinstance(self.extra, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.extra.items()
        ):
            raise BenchmarkFormatError(f"TableMeta.extra must map str to str, got {self.extra!r}")
        object.__setattr__(self, "extra", dict(self.extra))

    def to_json(self) -> str:
        """The JSON stored under :data:`META_KEY` (with ``schema_version``)."""
        return json.dumps(
            {
                "schema_version": SCHEMA_VERSION,
                "name": self.name,
                "space": self.space,
                "source": self.source,
                "description": self.description,
                "extra": dict(self.extra),
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str | bytes, *, source: str) -> TableMeta:
        """Parse :meth:`to_json` output; ``source`` names the file in error messages.

        Raises:
            BenchmarkFormatError: if the JSON is malformed, from a newer schema version,
                or lacks a required field.
        """
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError) as err:
            raise BenchmarkFormatError(f"{source}: nasbench_kit metadata is not valid JSON ({err})") from None
        if not isinstance(data, dict):
            raise BenchmarkFormatError(f"{source}: nasbench_kit metadata must be a JSON object, got {data!r}")
        version = data.get("schema_version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise BenchmarkFormatError(f"{source}: metadata has no integer 'schema_version' (got {version!r})")
        if version > SCHEMA_VERSION:
            raise BenchmarkFormatError(
                f"{source}: table format version {version} is newer than this kit understands "
                f"(version {SCHEMA_VERSION}); upgrade nasbench_kit"
            )
        if version < 1:
            raise BenchmarkFormatError(f"{source}: unknown table format version {version}")
        missing = [key for key in ("name", "space", "source") if key not in data]
        if missing:
            raise BenchmarkFormatError(f"{source}: metadata lacks {missing}; it has {sorted(data)}")
        try:
            return cls(
                name=data["name"],
                space=data["space"],
                source=data["source"],
                description=data.get("description", ""),
                extra=data.get("extra", {}),
            )
        except BenchmarkFormatError as err:
            raise BenchmarkFormatError(f"{source}: {err}") from None


def device_columns(names: Sequence[str], prefix: str) -> dict[str, str]:
    """Map device name -> column for the columns starting with ``prefix``.

    Example:
        >>> device_columns(["arch", "latency_ms_cpu1t"], LATENCY_PREFIX)
        {'cpu1t': 'latency_ms_cpu1t'}
    """
    return {name[len(prefix) :]: name for name in names if name.startswith(prefix)}


# --- building ---------------------------------------------------------------------------


def build_table(columns: Mapping[str, Any], meta: TableMeta) -> pa.Table:
    """Build a validated table in format v1 from plain columns.

    Args:
        columns: column name -> values. Scalar columns: a 1-D sequence or array. List
            columns (``epochs`` and :data:`CURVE_COLUMNS`): a 2-D array ``(rows, n_epochs)``
            when every row has the same epochs, or a sequence of 1-D arrays (one per row).
            ``latency_ms_<device>`` / ``energy_mj_<device>`` and any extra columns are kept.
            ``params`` may be given as floats if they are whole numbers (NaN = unknown).
        meta: what the table is (stored in the file).

    Returns:
        A ``pyarrow.Table`` with the exact column types of the format and ``meta`` attached.

    Raises:
        BenchmarkFormatError: naming the column and what is wrong (missing, wrong length,
            wrong type, values out of range, duplicate runs, ...).
    """
    if not isinstance(meta, TableMeta):
        raise BenchmarkFormatError(f"meta must be a TableMeta, got {type(meta).__name__}")
    if not isinstance(columns, Mapping):
        raise BenchmarkFormatError(f"columns must be a mapping name -> values, got {type(columns).__name__}")
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise BenchmarkFormatError(
            f"build_table: missing column(s) {missing}; required columns are {list(REQUIRED_COLUMNS)}"
        )
    n_rows = _length("arch", columns["arch"])
    arrays: dict[str, pa.Array] = {}
    for name in REQUIRED_COLUMNS:
        kind, arrow_type = _COLUMNS[name]
        if kind in (_INT_LIST, _FLOAT_LIST):
            arrays[name] = _list_array(name, columns[name], n_rows, arrow_type)
        else:
            arrays[name] = _scalar_array(name, columns[name], n_rows, kind, arrow_type)
    for name in columns:
        if name in arrays:
            continue
        if not isinstance(name, str) or not name:
            raise BenchmarkFormatError(f"column names must be non-empty str, got {name!r}")
        if name.startswith((LATENCY_PREFIX, ENERGY_PREFIX)):
            arrays[name] = _scalar_array(name, columns[name], n_rows, _FLOAT, pa.float64())
        else:
            arrays[name] = _extra_array(name, columns[name], n_rows)
    schema = pa.schema([pa.field(name, array.type) for name, array in arrays.items()])
    table = pa.Table.from_arrays(list(arrays.values()), schema=schema.with_metadata({META_KEY: meta.to_json()}))
    validate_table(table, source=f"build_table({meta.name!r})")
    return table


def _length(name: str, values: Any) -> int:
    try:
        return len(values)
    except TypeError:
        raise BenchmarkFormatError(f"column {name!r} must be a sequence, got {type(values).__name__}") from None


def _check_rows(name: str, got: int, n_rows: int) -> None:
    if got != n_rows:
        raise BenchmarkFormatError(f"column {name!r} has {got} rows, but 'arch' has {n_rows}")


def _scalar_array(name: str, values: Any, n_rows: int, kind: str, arrow_type: pa.DataType) -> pa.Array:
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        values = values.to_numpy(zero_copy_only=False)
    if kind == _STRING:
        arr = np.asarray(values, dtype=object)
        if arr.ndim != 1:
            raise BenchmarkFormatError(f"column {name!r} must be 1-D, got shape {arr.shape}")
        _check_rows(name, len(arr), n_rows)
        try:
            out = pa.array(arr, type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            out = None
        if out is None or out.null_count or pc.any(pc.equal(out, "")).as_py():
            example = next(v for v in arr if not isinstance(v, str) or not v)
            raise BenchmarkFormatError(f"column {name!r} must hold non-empty strings, found {example!r}")
        return out.dictionary_encode() if name in _DICTIONARY_COLUMNS else out
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise BenchmarkFormatError(f"column {name!r} must be 1-D, got shape {arr.shape}")
    _check_rows(name, len(arr), n_rows)
    if kind == _FLOAT:
        if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
            raise BenchmarkFormatError(f"column {name!r} must be numeric, got dtype {arr.dtype}")
        return pa.array(arr.astype(np.float64), type=arrow_type)
    # integer column
    mask = None
    if np.issubdtype(arr.dtype, np.floating):
        mask = np.isnan(arr)
        if name != "params" and mask.any():
            raise BenchmarkFormatError(f"column {name!r} must not contain NaN")
        finite = arr[~mask]
        if not np.all(finite == np.round(finite)):
            example = finite[finite != np.round(finite)][0]
            hint = " (a count, not millions: NB201 reports params in M, multiply by 1e6 and round)" if name == "params" else ""
            raise BenchmarkFormatError(f"column {name!r} must hold whole numbers{hint}, found {example!r}")
        arr = np.where(mask, 0, arr)
    elif not np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_:
        raise BenchmarkFormatError(f"column {name!r} must hold integers, got dtype {arr.dtype}")
    info = np.iinfo(arrow_type.to_pandas_dtype())
    if len(arr) and (arr.min() < info.min or arr.max() > info.max):
        raise BenchmarkFormatError(
            f"column {name!r} has values {arr.min()}..{arr.max()} outside the range of {arrow_type} "
            f"({info.min}..{info.max})"
        )
    return pa.array(arr.astype(info.dtype), type=arrow_type, mask=mask)


def _list_array(name: str, values: Any, n_rows: int, arrow_type: pa.DataType) -> pa.Array:
    value_type = arrow_type.value_type
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        values = values.to_pylist()
    if isinstance(values, np.ndarray) and values.ndim == 2:
        _check_rows(name, values.shape[0], n_rows)
        flat = values.reshape(-1)
        offsets = np.arange(0, flat.size + 1, max(values.shape[1], 1), dtype=np.int32)
        if values.shape[1] == 0:
            offsets = np.zeros(n_rows + 1, dtype=np.int32)
    else:
        rows = list(values) if not isinstance(values, np.ndarray) or values.ndim == 1 else None
        if rows is None:
            raise BenchmarkFormatError(
                f"column {name!r} must be a 2-D array (rows, n_epochs) or a sequence of 1-D arrays, "
                f"got an array of shape {values.shape}"
            )
        _check_rows(name, len(rows), n_rows)
        parts = []
        for i, row in enumerate(rows):
            part = np.asarray(row)
            if part.ndim != 1:
                raise BenchmarkFormatError(f"column {name!r} row {i} must be 1-D, got shape {part.shape}")
            parts.append(part)
        lengths = np.fromiter((len(p) for p in parts), dtype=np.int64, count=len(parts))
        offsets = np.zeros(len(parts) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        flat = np.concatenate(parts) if parts else np.zeros(0)
    if flat.size and not (np.issubdtype(flat.dtype, np.integer) or np.issubdtype(flat.dtype, np.floating)):
        raise BenchmarkFormatError(f"column {name!r} must hold numbers, got dtype {flat.dtype}")
    if pa.types.is_integer(value_type):
        if flat.size and np.issubdtype(flat.dtype, np.floating):
            if not np.all(np.isfinite(flat)) or not np.all(flat == np.round(flat)):
                raise BenchmarkFormatError(f"column {name!r} must hold whole numbers")
        info = np.iinfo(value_type.to_pandas_dtype())
        if flat.size and (flat.min() < info.min or flat.max() > info.max):
            raise BenchmarkFormatError(f"column {name!r} has values outside the range of {value_type}")
        flat = flat.astype(info.dtype)
    else:
        flat = flat.astype(np.float32)
    offsets = offsets.astype(np.int32) if offsets[-1] < 2**31 else offsets
    list_type = pa.list_(value_type) if offsets.dtype == np.int32 else pa.large_list(value_type)
    array = pa.ListArray if offsets.dtype == np.int32 else pa.LargeListArray
    return array.from_arrays(pa.array(offsets), pa.array(flat, type=value_type), type=list_type)


def _extra_array(name: str, values: Any, n_rows: int) -> pa.Array:
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        out = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
        _check_rows(name, len(out), n_rows)
        return out
    try:
        out = pa.array(np.asarray(values) if isinstance(values, np.ndarray) else list(values))
    except (pa.ArrowException, TypeError) as err:
        raise BenchmarkFormatError(f"extra column {name!r} cannot be stored: {err}") from None
    _check_rows(name, len(out), n_rows)
    return out


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
