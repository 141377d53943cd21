"""Fixtures: small SYNTHETIC tables in the kit's format (see tests/benchmarks/synthetic.py).

None of these numbers are measurements; they only exercise the table code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from nasbench_kit.benchmarks.schema import write_table
from nasbench_kit.benchmarks.table import TabularBenchmark
from nasbench_kit.spaces.nb201 import NB201Space
from tests.benchmarks.synthetic import synthetic_nb201_table


@pytest.fixture(scope="session")
def synthetic_table() -> pa.Table:
    """All 15,625 NB201 cells, datasets synth-a / synth-b, seeds 0 / 1, 12 epochs (synthetic)."""
    return synthetic_nb201_table(np.random.default_rng(2024))


@pytest.fixture(scope="session")
def synthetic_path(synthetic_table: pa.Table, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_table(synthetic_table, tmp_path_factory.mktemp("synthetic") / "synthetic-nb201.parquet")


@pytest.fixture(scope="session")
def bench(synthetic_path: Path) -> TabularBenchmark:
    return TabularBenchmark.from_file(synthetic_path)


@pytest.fixture(scope="session")
def representative_cells() -> np.ndarray:
    """Index of the first cell (in our enumeration) of each of the 6,466 canonical classes."""
    canonical = np.array(NB201Space().all_canonical(), dtype=object)
    return np.sort(np.unique(canonical, return_index=True)[1])


@pytest.fixture(scope="session")
def representative_bench(representative_cells: np.ndarray, tmp_path_factory: pytest.TempPathFactory) -> TabularBenchmark:
    """One stored cell per canonical class (as the project's trained benchmark stores them)."""
    table = synthetic_nb201_table(np.random.default_rng(7), cells=representative_cells, datasets=("synth-a",))
    path = write_table(table, tmp_path_factory.mktemp("representative") / "rep.parquet")
    return TabularBenchmark.from_file(path)
