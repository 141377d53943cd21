"""Shared fixtures: a SYNTHETIC NB201 benchmark (made-up numbers, see tests/benchmarks/synthetic.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

from nasbench_kit.benchmarks.schema import write_table
from nasbench_kit.benchmarks.table import TabularBenchmark
from tests.benchmarks.synthetic import synthetic_nb201_table

# Hypothesis' default 200 ms deadline per example is a timing assertion: on a loaded
# 2-core CI machine it fails tests that are correct. Timings belong in bench/.
settings.register_profile("workbench", deadline=None)
settings.load_profile("workbench")


@pytest.fixture(scope="session")
def synth_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All 15,625 NB201 cells, one dataset ``synth-a``, seeds 0 and 1, 12 epochs (synthetic)."""
    table = synthetic_nb201_table(np.random.default_rng(11), datasets=("synth-a",))
    return write_table(table, tmp_path_factory.mktemp("synth") / "synth-a.parquet")


@pytest.fixture(scope="session")
def synth_bench(synth_path: Path) -> TabularBenchmark:
    return TabularBenchmark.from_file(synth_path)


@pytest.fixture(scope="module")
def one_torch_thread():
    """Torch on one thread for a module: its small convolutions only wait on each other with
    more threads (and on a busy machine, a lot)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
