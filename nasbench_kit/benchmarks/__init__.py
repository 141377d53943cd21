"""Tabular benchmarks: one tidy parquet table per benchmark, queried for free.

>>> from nasbench_kit.benchmarks import load_benchmark   # doctest: +SKIP
>>> bench = load_benchmark("path/to/table.parquet")     # doctest: +SKIP
>>> bench.query(arch, dataset="cifar10-valid").final.valid_acc  # doctest: +SKIP

See ``nasbench_kit/benchmarks/README.md`` for the table format (columns, units).
"""

from .schema import TableMeta, build_table, read_table, validate_table, write_table

__all__ = ["TableMeta", "build_table", "read_table", "validate_table", "write_table"]
