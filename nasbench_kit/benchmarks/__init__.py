"""Tabular benchmarks: one tidy parquet table per benchmark, queried for free.

>>> from nasbench_kit.benchmarks import load_benchmark            # doctest: +SKIP
>>> bench = load_benchmark("path/to/table.parquet")              # doctest: +SKIP
>>> bench.query(cell, dataset="cifar10-valid").final.valid_acc   # doctest: +SKIP

The table format (columns, units) is documented in ``nasbench_kit/benchmarks/README.md``
and :mod:`nasbench_kit.benchmarks.schema`.
"""

from .base import Benchmark
from .record import Curve, EpochMetrics, Record
from .registry import DEFAULT_BENCHMARK, benchmark_names, load_benchmark, register_benchmark
from .schema import TableMeta, build_table, read_table, validate_table, write_table
from .search_view import SearchCurve, SearchView
from .table import TabularBenchmark

__all__ = [
    "Benchmark",
    "TabularBenchmark",
    "Record",
    "Curve",
    "EpochMetrics",
    "SearchView",
    "SearchCurve",
    "load_benchmark",
    "register_benchmark",
    "benchmark_names",
    "DEFAULT_BENCHMARK",
    "TableMeta",
    "build_table",
    "read_table",
    "validate_table",
    "write_table",
]
