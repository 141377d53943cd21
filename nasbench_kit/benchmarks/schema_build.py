"""Build a format-v1 benchmark table from plain columns: :func:`build_table`.

Turns sequences and numpy arrays into arrow arrays of the format's exact types, with
messages naming the column and what is wrong, then validates the whole table. Layering
(see :mod:`~nasbench_kit.benchmarks.schema_format`): imports ``schema_format`` for the
definitions and ``schema_io`` for ``validate_table``; re-exported by
:mod:`nasbench_kit.benchmarks.schema`, where callers import it from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import BenchmarkFormatError
from .schema_format import (
    _COLUMNS,
    _FLOAT,
    _FLOAT_LIST,
    _INT_LIST,
    _STRING,
    ENERGY_PREFIX,
    LATENCY_PREFIX,
    META_KEY,
    REQUIRED_COLUMNS,
    TableMeta,
)
from .schema_io import validate_table

# Low-cardinality strings are dictionary-encoded (smaller files, faster grouping).
_DICTIONARY_COLUMNS = ("canonical", "dataset")


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
