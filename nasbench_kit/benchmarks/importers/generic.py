"""Bring your own table: a CSV or parquet file with an architecture column and metrics.

Two layouts are understood:

* **wide** (no ``epoch`` column): one row per run (architecture, dataset, seed) holding
  final metrics; the run's ``epochs`` list is ``[schedule_epochs]``.
* **long** (an ``epoch`` column): one row per run and epoch; rows of a run are gathered,
  in epoch order, into its curves.

Recognized metric columns (rename others with ``columns={"yours": "ours"}``):
``train_acc, valid_acc, test_acc`` (percent, or pass ``accuracy_unit="fraction"``),
``train_loss, valid_loss, test_loss`` (nats), ``train_seconds`` (cumulative seconds),
``params`` (count), ``flops`` (count), ``latency_ms_<device>``, ``energy_mj_<device>``.
Missing curve metrics become NaN. Other columns are kept (in the long layout only those
constant within each run).

Example:
    >>> import pandas as pd, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"arch": ["|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"],
    ...               "valid_acc": [71.5], "params": [20000]}).to_csv(folder / "mine.csv", index=False)
    >>> out = import_generic(folder / "mine.csv", folder / "mine.parquet", dataset="cifar10",
    ...                      schedule_epochs=200, progress=False)
    >>> out.name
    'mine.parquet'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...errors import BenchmarkFormatError, NasKitError, UnknownNameError
from ..schema import (
    ACCURACY_COLUMNS,
    CURVE_COLUMNS,
    ENERGY_PREFIX,
    LATENCY_PREFIX,
    META_KEY,
    SPACES,
    TableMeta,
    build_table,
    read_table,
    write_table,
)

__all__ = ["import_generic", "read_any_table"]

_CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_ACCURACY_UNITS = ("percent", "fraction")
_IDENTITY = ("arch", "arch_index", "canonical", "dataset", "schedule_epochs", "seed", "epochs")


def read_any_table(path: Path) -> pd.DataFrame:
    """Read a CSV / TSV (optionally gzipped) or parquet file into a DataFrame.

    Raises:
        BenchmarkFormatError: naming the file: missing, unknown suffix, empty or unreadable.
    """
    name = path.name.lower()
    if not path.is_file():
        raise BenchmarkFormatError(f"{path}: no such file")
    try:
        if name.endswith(_PARQUET_SUFFIXES):
            return pd.read_parquet(path)
        if name.endswith(_CSV_SUFFIXES):
            return pd.read_csv(path, sep="\t" if ".tsv" in name else ",")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError, ValueError) as err:
        raise BenchmarkFormatError(f"{path}: cannot be read as a table ({type(err).__name__}: {err})") from None
    raise BenchmarkFormatError(f"{path}: unknown file type; use one of {_CSV_SUFFIXES + _PARQUET_SUFFIXES}")


def _is_kit_table(path: Path) -> bool:
    if not path.name.lower().endswith(_PARQUET_SUFFIXES):
        return False
    import pyarrow.parquet as pq

    import pyarrow as pa

    try:
        return META_KEY in (pq.read_schema(path).metadata or {})
    except (pa.ArrowException, OSError):  # unreadable: read_any_table reports it properly
        return False


def _parse_archs(values: np.ndarray, space_name: str, source: str, progress: bool) -> tuple[list, list, list]:
    """Official string, canonical and arch_index of each distinct value of ``values``."""
    from ..table import space_for

    unique = pd.unique(values)
    if space_name == "custom":
        return list(unique), list(unique), [-1] * len(unique)
    space = space_for(space_name)
    if space is None:
        raise BenchmarkFormatError(f"{source}: space {space_name!r} is not available in this installation")
    has_index = getattr(space, "is_finite", False) and hasattr(space, "index")
    from ...progress import progress_bar

    strings, canonicals, indices = [], [], []
    for text in progress_bar(unique, desc="parsing architectures", unit="arch", enabled=progress, leave=False):
        if not isinstance(text, str):
            raise BenchmarkFormatError(f"{source}: arch {text!r} is not a string")
        try:
            arch = space.parse(text)
        except NasKitError as err:
            row = int(np.flatnonzero(values == text)[0])
            raise BenchmarkFormatError(f"{source}: row {row}: arch {text!r} is not a {space_name} architecture: {err}") from None
        strings.append(str(arch))
        canonicals.append(space.canonical(arch))
        indices.append(int(space.index(arch)) if has_index else -1)
    return strings, canonicals, indices


def import_generic(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    space: str = "nb201",
    arch_column: str = "arch",
    dataset: str | None = None,
    schedule_epochs: int | None = None,
    columns: Mapping[str, str] | None = None,
    accuracy_unit: str = "percent",
    name: str | None = None,
    description: str = "",
    progress: bool = True,
) -> Path:
    """Convert a CSV / parquet table of architectures and metrics into a benchmark table.

    Args:
        path: the input file (``.csv``, ``.tsv``, optionally ``.gz``; ``.parquet``).
        out: the ``.parquet`` file to write (atomically: nothing is half-written).
        space: the space of the architecture strings, one of ``nb201, nb101, macro, custom``
            (``custom``: strings are kept as they are and are their own canonical form).
        arch_column: the column holding the architecture strings.
        dataset: dataset name for every row when the file has no ``dataset`` column.
        schedule_epochs: training schedule length when the file has no ``schedule_epochs``
            column (required in the wide layout; in the long layout it defaults to the
            last epoch recorded for the dataset).
        columns: renames applied first, ``{"your_name": "our_name"}``.
        accuracy_unit: ``"percent"`` (0-100) or ``"fraction"`` (0-1, multiplied by 100).
        name: the benchmark's name (default: the output file's stem).
        description: free text stored in the table.
        progress: show a progress bar while parsing architectures.

    Returns:
        The path written.

    Raises:
        BenchmarkFormatError: naming the file and what is wrong (missing columns, a row
            whose architecture does not parse, accuracies that look like fractions, ...).
        UnknownNameError: an unknown ``space`` or ``accuracy_unit``.
    """
    path, out = Path(path), Path(out)
    source = str(path)
    if space not in SPACES:
        raise UnknownNameError(f"space {space!r} is unknown; use one of {SPACES}")
    if accuracy_unit not in _ACCURACY_UNITS:
        raise UnknownNameError(f"accuracy_unit {accuracy_unit!r} is unknown; use one of {_ACCURACY_UNITS}")
    if _is_kit_table(path):  # already in our format: validate and copy
        table, _ = read_table(path)
        return write_table(table, out)
    frame = read_any_table(path)
    if columns:
        unknown = [c for c in columns if c not in frame.columns]
        if unknown:
            raise BenchmarkFormatError(f"{source}: columns {unknown} (to rename) do not exist; it has {list(frame.columns)}")
        frame = frame.rename(columns=dict(columns))
    if arch_column not in frame.columns:
        raise BenchmarkFormatError(
            f"{source}: no architecture column {arch_column!r}; it has {list(frame.columns)} (pass arch_column=...)"
        )
    if len(frame) == 0:
        raise BenchmarkFormatError(f"{source}: the table has no rows")
    frame = frame.rename(columns={arch_column: "arch"}) if arch_column != "arch" else frame.copy()
    notes: dict[str, str] = {"imported_with": "nasbench_kit.benchmarks.importers.generic"}
    _fill_identity(frame, dataset, schedule_epochs, source, notes)
    _check_accuracy(frame, accuracy_unit, source)
    strings, canonicals, indices = _parse_archs(frame["arch"].to_numpy(dtype=object), space, source, progress)
    codes = pd.Index(pd.unique(frame["arch"].to_numpy(dtype=object))).get_indexer(frame["arch"].to_numpy(dtype=object))
    frame["arch"] = np.asarray(strings, dtype=object)[codes]
    frame["canonical"] = np.asarray(canonicals, dtype=object)[codes]
    frame["arch_index"] = np.asarray(indices, dtype=np.int64)[codes]
    data = _long_columns(frame, source, notes) if "epoch" in frame.columns else _wide_columns(frame)
    meta = TableMeta(
        name=name or out.stem,
        space=space,
        source=f"import csv {path.name}",
        description=description,
        extra=notes,
    )
    try:
        table = build_table(data, meta)
    except BenchmarkFormatError as err:
        raise BenchmarkFormatError(f"{source}: {err}") from None
    return write_table(table, out)


def _fill_identity(
    frame: pd.DataFrame, dataset: str | None, schedule_epochs: int | None, source: str, notes: dict[str, str]
) -> None:
    if dataset is not None:
        if "dataset" in frame.columns:
            raise BenchmarkFormatError(f"{source}: has a 'dataset' column, so dataset={dataset!r} is ambiguous; drop one")
        frame["dataset"] = dataset
    elif "dataset" not in frame.columns:
        raise BenchmarkFormatError(f"{source}: no 'dataset' column; pass dataset=... (e.g. 'cifar10')")
    for column in ("arch", "dataset", "seed", "schedule_epochs", "epoch"):
        if column in frame.columns and frame[column].isna().any():
            row = int(np.flatnonzero(frame[column].isna().to_numpy())[0])
            raise BenchmarkFormatError(f"{source}: row {row}: column {column!r} is empty")
    frame["dataset"] = frame["dataset"].astype(str)
    if "seed" not in frame.columns:
        frame["seed"] = 0
        notes["seed"] = "the file has no seed column: every run has seed 0"
    if schedule_epochs is not None:
        if "schedule_epochs" in frame.columns:
            raise BenchmarkFormatError(f"{source}: has a 'schedule_epochs' column, so schedule_epochs= is ambiguous")
        frame["schedule_epochs"] = int(schedule_epochs)
    elif "schedule_epochs" not in frame.columns:
        if "epoch" not in frame.columns:
            raise BenchmarkFormatError(
                f"{source}: neither an 'epoch' nor a 'schedule_epochs' column; pass schedule_epochs=N "
                f"(the number of epochs the metrics were trained for)"
            )
        last = frame.groupby("dataset")["epoch"].transform("max")
        frame["schedule_epochs"] = last
        notes["schedule_epochs"] = "not given: the last epoch recorded for each dataset"


def _check_accuracy(frame: pd.DataFrame, unit: str, source: str) -> None:
    present = [c for c in ACCURACY_COLUMNS if c in frame.columns]
    for column in present:
        frame[column] = pd.to_numeric(frame[column], errors="raise").astype(np.float64)
    if not present:
        return
    values = frame[present].to_numpy(dtype=np.float64)
    if unit == "fraction":
        frame[present] = values * 100.0
    elif np.nanmax(values, initial=0.0) <= 1.0:
        raise BenchmarkFormatError(
            f"{source}: accuracy columns {present} are all <= 1.0: they look like fractions; "
            f"pass accuracy_unit='fraction' (or use percent 0-100)"
        )


def _static_and_extra(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in _IDENTITY and c not in CURVE_COLUMNS and c != "epoch"]


def _wide_columns(frame: pd.DataFrame) -> dict[str, Any]:
    n = len(frame)
    data: dict[str, Any] = {c: frame[c].to_numpy() for c in ("arch", "arch_index", "canonical", "dataset", "seed")}
    data["schedule_epochs"] = frame["schedule_epochs"].to_numpy()
    data["epochs"] = data["schedule_epochs"].reshape(n, 1)
    for column in CURVE_COLUMNS:
        values = frame[column].to_numpy(dtype=np.float64) if column in frame.columns else np.full(n, np.nan)
        data[column] = values.reshape(n, 1)
    _add_static(data, frame, np.arange(n))
    return data


def _add_static(data: dict[str, Any], frame: pd.DataFrame, rows: np.ndarray) -> None:
    n = len(rows)
    data["params"] = frame["params"].to_numpy(dtype=np.float64)[rows] if "params" in frame.columns else np.full(n, np.nan)
    data["flops"] = frame["flops"].to_numpy(dtype=np.float64)[rows] if "flops" in frame.columns else np.full(n, np.nan)
    for column in _static_and_extra(frame):
        if column in ("params", "flops"):
            continue
        values = frame[column].to_numpy()[rows]
        if column.startswith((LATENCY_PREFIX, ENERGY_PREFIX)):
            values = values.astype(np.float64)
        data[column] = values


def _long_columns(frame: pd.DataFrame, source: str, notes: dict[str, str]) -> dict[str, Any]:
    keys = ["arch", "dataset", "schedule_epochs", "seed"]
    frame = frame.sort_values(keys + ["epoch"], kind="stable").reset_index(drop=True)
    repeated = frame.duplicated(keys + ["epoch"])
    if repeated.any():
        row = frame[repeated].iloc[0]
        raise BenchmarkFormatError(
            f"{source}: arch {row['arch']!r} on {row['dataset']!r} seed {row['seed']} has epoch {row['epoch']} twice"
        )
    run = frame.groupby(keys, sort=False).ngroup().to_numpy()
    starts = np.flatnonzero(np.r_[True, run[1:] != run[:-1]])
    bounds = np.r_[starts, len(frame)]
    lengths = np.diff(bounds)
    uniform = bool(np.all(lengths == lengths[0]))

    def curves(values: np.ndarray) -> Any:
        if uniform:
            return values.reshape(len(starts), int(lengths[0]))
        return [values[a:b] for a, b in zip(bounds[:-1], bounds[1:])]

    data: dict[str, Any] = {c: frame[c].to_numpy()[starts] for c in ("arch", "arch_index", "canonical", "dataset")}
    data["seed"] = frame["seed"].to_numpy()[starts]
    data["schedule_epochs"] = frame["schedule_epochs"].to_numpy()[starts]
    data["epochs"] = curves(pd.to_numeric(frame["epoch"]).to_numpy())
    for column in CURVE_COLUMNS:
        values = frame[column].to_numpy(dtype=np.float64) if column in frame.columns else np.full(len(frame), np.nan)
        data[column] = curves(values)
    dropped = []
    for column in _static_and_extra(frame):
        varies = frame.groupby(run)[column].nunique(dropna=False).to_numpy() > 1
        if varies.any() and column not in ("params", "flops") and not column.startswith((LATENCY_PREFIX, ENERGY_PREFIX)):
            dropped.append(column)
            frame = frame.drop(columns=column)
        elif varies.any():
            raise BenchmarkFormatError(f"{source}: {column!r} changes from epoch to epoch within a run; it must be constant")
    if dropped:
        notes["dropped_columns"] = f"{dropped}: they vary within a run (only per-run values are kept)"
    _add_static(data, frame, starts)
    return data
