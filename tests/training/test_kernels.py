"""Baseline CPU kernels (``kernels="baseline"``) and the determinism claims around them."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest

from nasbench_kit.build.runs import BuildRecipe
from nasbench_kit.errors import ArgumentError
from nasbench_kit.training.kernels import BASELINE_ENV, check_kernels

pytest.importorskip("torch")

# Trains one tiny NB201 proxy in this process and prints its final metrics and a weight hash.
_TRAIN = """
import hashlib, json, sys
import torch
from nasbench_kit.spaces import Cell201
from nasbench_kit.training import make_cluttered_digits, train_cell
r = train_cell(Cell201(("nor_conv_3x3",) * 6), make_cluttered_digits(seed=0), seed=1, epochs=1, C=4, N=1,
               keep_state=True, kernels=sys.argv[1])
h = hashlib.sha256()
for k, v in sorted(r.state_dict.items()):
    h.update(v.contiguous().numpy().tobytes())
print(json.dumps({"valid": r.valid_acc.tolist(), "loss": r.valid_loss.tolist(), "weights": h.hexdigest(),
                  "capability": torch.backends.cpu.get_cpu_capability(), "kernels": r.hyper["kernels"]}))
"""


def _train_in_fresh_process(kernels: str, env: dict[str, str]) -> dict:
    out = subprocess.run([sys.executable, "-c", _TRAIN, kernels], env={**os.environ, **env},
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_unknown_kernels_are_refused_with_the_allowed_values():
    with pytest.raises(ArgumentError, match="native.*baseline"):
        check_kernels("fast")
    with pytest.raises(ArgumentError, match="kernels"):
        BuildRecipe(kernels="avx2")


def test_recipe_json_names_kernels_only_when_not_native():
    assert "kernels" not in json.loads(BuildRecipe().to_json())  # older tables and work folders stay comparable
    baseline = BuildRecipe(kernels="baseline")
    assert json.loads(baseline.to_json())["kernels"] == "baseline"
    assert BuildRecipe.from_json(baseline.to_json()) == baseline
    assert baseline.train_kwargs()["kernels"] == "baseline" and baseline != BuildRecipe()


@pytest.mark.skipif(os.environ.get("ATEN_CPU_CAPABILITY", "").lower() == "default",
                    reason="this process already runs ATen's baseline kernels")
def test_baseline_kernels_refuse_a_process_started_without_them():
    from nasbench_kit.spaces import Cell201
    from nasbench_kit.training import make_cluttered_digits, train_cell

    with pytest.raises(ArgumentError, match="ATEN_CPU_CAPABILITY=default"):
        train_cell(Cell201(("skip_connect",) * 6), make_cluttered_digits(seed=0), epochs=1, C=4, N=1,
                   kernels="baseline")


@pytest.mark.slow
def test_training_is_bit_identical_in_two_fresh_processes_with_either_kernels():
    native = [_train_in_fresh_process("native", {}) for _ in range(2)]
    assert native[0] == native[1]
    baseline = [_train_in_fresh_process("baseline", BASELINE_ENV) for _ in range(2)]
    assert baseline[0] == baseline[1]
    assert baseline[0]["capability"] == "DEFAULT" and baseline[0]["kernels"] == "baseline"
    assert 0 <= baseline[0]["valid"][0] <= 100


@pytest.mark.slow
def test_local_cluster_workers_start_with_baseline_kernels():
    from nasbench_kit.build.pipeline import dask_client

    def capability() -> tuple[str, str]:
        import os

        import torch

        return torch.backends.cpu.get_cpu_capability(), os.environ.get("MKL_CBWR", "")

    with dask_client(workers=1, kernels="baseline") as client:
        assert set(client.run(capability).values()) == {("DEFAULT", "COMPATIBLE")}


# A table-driven search, in a fresh process: its whole history, hashed.
_SEARCH = """
import hashlib, sys
import pandas as pd
from nasbench_kit.benchmarks import load_benchmark
from nasbench_kit.budget import Budget
from nasbench_kit.run import Run
from nasbench_kit.strategies import make_strategy
bench = load_benchmark(sys.argv[1])
run = Run(make_strategy(sys.argv[2], bench.space, seed=0), bench, budget=Budget(queries=int(sys.argv[3])), seed=0)
run.run()
print(run.n_trials, hashlib.sha256(pd.util.hash_pandas_object(run.history, index=False).values.tobytes()).hexdigest())
"""


@pytest.mark.slow
@pytest.mark.parametrize("strategy, queries", [("rea", 150), ("bananas", 30)])
def test_table_driven_search_repeats_bit_for_bit_in_two_fresh_processes(strategy, queries):
    from nasbench_kit.benchmarks.registry import DEFAULT_BENCHMARK, _resolve

    path = _resolve(DEFAULT_BENCHMARK)  # the shipped table
    runs = [subprocess.run([sys.executable, "-c", _SEARCH, str(path), strategy, str(queries)], capture_output=True,
                           text=True, timeout=300) for _ in range(2)]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr[-2000:]
    first, second = (r.stdout.split() for r in runs)
    assert first[0] == str(queries) and first == second
    assert hashlib.sha256(b"").hexdigest() not in first
