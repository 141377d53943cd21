"""Speed of the benchmark table: load + first query, vectorized and scalar queries.

Run from the repository root: .venv/bin/python bench/bench_table.py
Uses SYNTHETIC tables (tests/benchmarks/synthetic.py): all 15,625 NB201 cells, 2 datasets,
2 seeds, 12 epochs (62,500 runs), and a one-representative-per-class table (6,466 cells).
Prints markdown rows: median and min over repeats.
"""

from __future__ import annotations

import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.benchmarks.synthetic

from nasbench_kit.benchmarks import TabularBenchmark  # noqa: E402
from nasbench_kit.objectives import Objective  # noqa: E402
from nasbench_kit.spaces.nb201 import NB201Space  # noqa: E402
from tests.benchmarks.synthetic import write_synthetic_nb201  # noqa: E402

SPACE = NB201Space()
CELL = SPACE.cell_at(12_345)


def timed(fn: Callable[[], object], repeats: int, number: int = 1) -> tuple[float, float]:
    """(median, min) seconds per call over ``repeats`` batches of ``number`` calls."""
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples), min(samples)


def row(name: str, seconds: tuple[float, float], unit: str) -> str:
    scale = {"ms": 1e3, "us": 1e6}[unit]
    return f"| {name} | {seconds[0] * scale:.2f} {unit} | {seconds[1] * scale:.2f} {unit} |"


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    full = write_synthetic_nb201(folder / "full.parquet")
    canonical = np.array(SPACE.all_canonical(), dtype=object)
    reps = np.sort(np.unique(canonical, return_index=True)[1])
    rep = write_synthetic_nb201(folder / "rep.parquet", cells=reps, datasets=("synth-a",))
    print(f"python {platform.python_version()}, {platform.machine()}; "
          f"full table {full.stat().st_size / 1e6:.1f} MB (62,500 runs), representative table 6,466 cells")
    print("| operation | median | min |")
    print("|---|---|---|")

    def load_and_first_query() -> None:
        bench = TabularBenchmark.from_file(full)
        bench.query(CELL, dataset="synth-a")

    print(row("load 15,625-arch table + first query (cold)", timed(load_and_first_query, 7), "ms"))
    print(row("load only (read + validate + index)", timed(lambda: TabularBenchmark.from_file(full), 7), "ms"))
    bench = TabularBenchmark.from_file(full)
    bench.query(CELL, dataset="synth-a")
    all_idx = np.arange(len(SPACE))
    print(row("query_many(all 15,625 indices, valid_acc, seed mean)",
              timed(lambda: bench.query_many(all_idx, dataset="synth-a", epoch=12), 30, 10), "ms"))
    print(row("query_many(all 15,625 indices, test_acc, seed=1, epoch=6)",
              timed(lambda: bench.query_many(all_idx, metric="test_acc", dataset="synth-a", seed=1, epoch=6), 30, 10),
              "ms"))
    print(row("metric_array(latency_ms_cpu1t, over='space')",
              timed(lambda: bench.metric_array("latency_ms_cpu1t", dataset="synth-a"), 30, 10), "ms"))
    text = str(CELL)
    print(row("query(Cell201, dataset) -> Record", timed(lambda: bench.query(CELL, dataset="synth-a"), 15, 2000), "us"))
    print(row("query(str, dataset, seed=0, epoch=6)",
              timed(lambda: bench.query(text, dataset="synth-a", seed=0, epoch=6), 15, 2000), "us"))
    print(row("query(...).final.valid_acc", timed(lambda: bench.query(CELL, dataset="synth-a").final.valid_acc, 15, 2000),
              "us"))
    view = bench.search_view("synth-a", epoch=12)
    print(row("search_view.valid_acc(cell)", timed(lambda: view.valid_acc(CELL), 15, 2000), "us"))
    objectives = [Objective("valid_acc"), Objective("latency_ms_cpu1t", maximize=False)]
    print(row("true_front(valid_acc, latency) over 15,625", timed(lambda: bench.true_front(objectives, dataset="synth-a"), 15),
              "ms"))
    rep_bench = TabularBenchmark.from_file(rep)
    other = SPACE.cell_at(int(np.setdiff1d(all_idx, reps)[0]))  # not stored: resolved via canonical class
    rep_bench.query(other)
    print(row("representative table: query(non-stored cell)", timed(lambda: rep_bench.query(other), 15, 2000), "us"))
    print(row("representative table: metric_array over 15,625 cells (first call builds the map)",
              timed(lambda: TabularBenchmark.from_file(rep).metric_array("valid_acc"), 7), "ms"))


if __name__ == "__main__":
    main()
