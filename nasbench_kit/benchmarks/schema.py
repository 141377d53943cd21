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

The format is defined in three modules, layered so that none imports this one:
:mod:`~nasbench_kit.benchmarks.schema_format` (constants, column types,
:class:`TableMeta`), :mod:`~nasbench_kit.benchmarks.schema_io` (validation, parquet
files; imports ``schema_format``) and :mod:`~nasbench_kit.benchmarks.schema_build`
(:func:`build_table`; imports both). This module re-exports their public names: import
them from here.
"""

from __future__ import annotations

from .schema_build import build_table
from .schema_format import (
    ACCURACY_COLUMNS,
    CURVE_COLUMNS,
    ENERGY_PREFIX,
    LATENCY_PREFIX,
    LOSS_COLUMNS,
    META_KEY,
    REQUIRED_COLUMNS,
    SCHEMA_VERSION,
    SPACES,
    TableMeta,
    device_columns,
)
from .schema_io import dictionary_codes, read_table, validate_table, write_parquet_atomic, write_table

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
    "write_parquet_atomic",
]
