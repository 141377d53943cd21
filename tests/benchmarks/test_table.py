"""TabularBenchmark: queries, vectorized queries, canonical resolution, fronts, errors.

Expected values are recomputed from the raw Arrow columns of the (synthetic) table, not
from the code under test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from nasbench_kit.benchmarks import Benchmark, load_benchmark, register_benchmark
from nasbench_kit.benchmarks import registry
from nasbench_kit.benchmarks.schema import CURVE_COLUMNS, build_table, write_table
from nasbench_kit.benchmarks.table import TabularBenchmark
from nasbench_kit.errors import BenchmarkFormatError, OutOfSpaceError, QueryError, UnknownNameError
from nasbench_kit.objectives import Constraint, Objective
from nasbench_kit.spaces.nb201 import NB201Space
from tests.benchmarks.synthetic import TINY_META, synthetic_nb201_columns, tiny_columns, tiny_table

SPACE = NB201Space()
BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"


@pytest.fixture(scope="module")
def raw(synthetic_table: pa.Table) -> pd.DataFrame:
    """The synthetic table as plain Python lists, the independent reference."""
    return synthetic_table.select(["arch", "arch_index", "dataset", "seed", *CURVE_COLUMNS]).to_pandas()


def _run(raw: pd.DataFrame, arch: str, dataset: str, seed: int) -> pd.Series:
    row = raw[(raw["arch"] == arch) & (raw["dataset"] == dataset) & (raw["seed"] == seed)]
    assert len(row) == 1
    return row.iloc[0]


def test_benchmark_satisfies_the_protocol(bench):
    assert isinstance(bench, Benchmark)
    assert bench.datasets == ("synth-a", "synth-b")
    assert bench.max_epoch == 12 and bench.schedules("synth-a") == (12,)
    assert bench.seeds("synth-b") == (0, 1) and bench.epochs("synth-a") == tuple(range(1, 13))
    assert len(bench) == 15_625
    assert {"valid_acc", "test_acc", "params", "latency_ms_cpu1t", "energy_mj_edgegpu"} <= set(bench.metrics)


def test_seed_query_returns_the_stored_run(bench, raw):
    record = bench.query(BEST, dataset="synth-b", seed=1, epoch=7)
    run = _run(raw, BEST, "synth-b", 1)
    assert (record.arch, record.measured_arch, record.dataset, record.seed, record.epoch) == (BEST, BEST, "synth-b", 1, 7)
    assert record.schedule_epochs == 12 and record.seeds == (1,)
    np.testing.assert_array_equal(record.curve.epochs, np.arange(1, 8))
    for metric in CURVE_COLUMNS:
        np.testing.assert_array_equal(getattr(record.curve, metric), np.asarray(run[metric][:7], dtype=np.float32))
    assert record.final.valid_acc == pytest.approx(float(run["valid_acc"][6]))
    assert record.at(3).train_seconds == pytest.approx(float(run["train_seconds"][2]))
    assert record.arch_index == SPACE.index(SPACE.parse(BEST))
    assert record.canonical == SPACE.canonical(SPACE.parse(BEST))


def test_seed_none_is_the_mean_over_seeds(bench, raw):
    record = bench.query(BEST, dataset="synth-a")
    runs = [_run(raw, BEST, "synth-a", s) for s in (0, 1)]
    assert record.seed is None and record.seeds == (0, 1) and record.epoch == 12
    expected = np.mean([np.asarray(r["valid_acc"], dtype=np.float64) for r in runs], axis=0)
    np.testing.assert_allclose(record.curve.valid_acc, expected, rtol=1e-6)
    assert record.final.valid_acc == pytest.approx(expected[-1])
    assert "mean of [0, 1]" in repr(record)


def test_static_metrics(bench, synthetic_table):
    record = bench.query(BEST, dataset="synth-b", seed=0)
    frame = synthetic_table.select(["arch", "dataset", "params", "flops", "latency_ms_cpu1t", "energy_mj_edgegpu"]).to_pandas()
    row = frame[(frame["arch"] == BEST) & (frame["dataset"] == "synth-b")].iloc[0]
    assert record.params == row["params"] and isinstance(record.params, int)
    assert record.flops == row["flops"]
    assert record.latency_ms == {"cpu1t": row["latency_ms_cpu1t"]}
    assert record.energy_mj == {"edgegpu": row["energy_mj_edgegpu"]}


def test_arch_can_be_a_cell_a_string_or_an_index(bench):
    cell = SPACE.parse(BEST)
    by_cell = bench.query(cell, dataset="synth-a")
    by_index = bench.query(SPACE.index(cell), dataset="synth-a")
    by_numpy_index = bench.query(np.int64(SPACE.index(cell)), dataset="synth-a")
    for other in (by_index, by_numpy_index):
        assert other.arch == by_cell.arch and other.curve == by_cell.curve


def test_curves_are_read_only(bench):
    record = bench.query(BEST, dataset="synth-a", seed=0)
    with pytest.raises(ValueError):
        record.curve.valid_acc[0] = 100.0


def test_query_many_and_metric_array_agree_with_scalar_queries(bench):
    everything = np.arange(15_625)
    many = bench.query_many(everything, metric="valid_acc", dataset="synth-a", epoch=5)
    assert many.shape == (15_625,) and many.dtype == np.float64
    np.testing.assert_array_equal(many, bench.metric_array("valid_acc", dataset="synth-a", epoch=5))
    for i in (0, 1, 777, 15_624):
        assert many[i] == bench.query(int(i), dataset="synth-a", epoch=5).final.valid_acc
    seeded = bench.query_many(np.array([3, 4]), metric="test_acc", dataset="synth-b", seed=1)
    assert seeded[1] == bench.query(4, dataset="synth-b", seed=1).final.test_acc
    latency = bench.query_many([BEST, SPACE.cell_at(5)], metric="latency_ms_cpu1t", dataset="synth-b")
    assert latency[0] == bench.query(BEST, dataset="synth-b").latency_ms["cpu1t"]


def test_metric_array_over_table_follows_archs(bench):
    values = bench.metric_array("params", dataset="synth-a", over="table")
    assert len(values) == len(bench.archs)
    assert values[10] == bench.query(bench.archs[10], dataset="synth-a").params
    with pytest.raises(UnknownNameError, match="over='cells' is unknown"):
        bench.metric_array("params", dataset="synth-a", over="cells")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({}, QueryError, r"several datasets \['synth-a', 'synth-b'\]: pass dataset="),
        ({"dataset": "cifar10"}, QueryError, r"dataset 'cifar10' is not in this benchmark; it has: \['synth-a', 'synth-b'\]"),
        ({"dataset": "synth-a", "epoch": 13}, QueryError, r"epoch 13 is not recorded .*recorded epochs: 1\.\.12"),
        ({"dataset": "synth-a", "epoch": 0}, QueryError, "recorded epochs: 1..12"),
        ({"dataset": "synth-a", "epoch": True}, QueryError, "epoch True is not recorded"),
        ({"dataset": "synth-a", "seed": 7}, QueryError, r"seed 7 was not run .*seeds run: \[0, 1\]"),
        ({"dataset": "synth-a", "schedule": 200}, QueryError, r"schedule 200 .*schedules run: \[12\]"),
    ],
)
def test_bad_queries_list_what_exists(bench, kwargs, error, message):
    with pytest.raises(error, match=message):
        bench.query(BEST, **kwargs)


def test_bad_architectures(bench):
    with pytest.raises(OutOfSpaceError, match="conv5x5"):
        bench.query("|conv5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|", dataset="synth-a")
    with pytest.raises(QueryError, match=r"arch index 15625 is out of range: .*0\.\.15624"):
        bench.query(15_625, dataset="synth-a")
    with pytest.raises(QueryError, match="metric 'accuracy' is not in benchmark .*'valid_acc'"):
        bench.query_many(np.arange(3), metric="accuracy", dataset="synth-a")


def test_query_error_is_a_key_error_with_a_readable_message(bench):
    with pytest.raises(KeyError) as err:
        bench.query(BEST, dataset="nope")
    assert str(err.value).startswith("dataset 'nope'")


def test_frame_has_one_row_per_run_with_final_metrics(bench, raw):
    frame = bench.frame
    assert len(frame) == 4 * 15_625
    assert {"arch", "dataset", "seed", "final_valid_acc", "final_test_acc", "final_train_seconds", "params"} <= set(frame.columns)
    row = frame[(frame["arch"] == BEST) & (frame["dataset"] == "synth-a") & (frame["seed"] == 0)].iloc[0]
    assert row["final_valid_acc"] == pytest.approx(float(_run(raw, BEST, "synth-a", 0)["valid_acc"][-1]))
    curves = bench.curves_frame("synth-b")
    assert len(curves) == 2 * 15_625 * 12 and list(curves.columns[:3]) == ["arch", "seed", "epoch"]


# --- one representative per canonical class -----------------------------------------------


def test_every_cell_resolves_through_its_canonical_class(representative_bench, representative_cells):
    bench = representative_bench
    assert len(bench) == 6_466
    assert bench.space_coverage() == (15_625, 15_625)
    values = bench.metric_array("valid_acc")  # single dataset: no dataset= needed
    assert not np.isnan(values).any()
    canonical = np.array(SPACE.all_canonical(), dtype=object)
    stored = dict(zip(canonical[representative_cells], values[representative_cells]))
    np.testing.assert_array_equal(values, [stored[c] for c in canonical])
    # A cell that is not stored is answered by its class's representative.
    index = next(i for i in range(15_625) if i not in set(representative_cells.tolist()))
    cell = SPACE.cell_at(index)
    record = bench.query(cell)
    assert record.arch == str(cell) and record.measured_arch != str(cell)
    assert SPACE.canonical(SPACE.parse(record.measured_arch)) == SPACE.canonical(cell)
    assert record.arch_index == index
    assert record.final.valid_acc == values[index]
    assert bench.query(index).final.valid_acc == values[index]


def test_partial_table_reports_missing_classes(tmp_path: Path, representative_cells):
    cells = representative_cells[:100]
    cols = synthetic_nb201_columns(np.random.default_rng(1), cells=cells, datasets=("d",), seeds=(0,))
    bench = TabularBenchmark(build_table(cols, TINY_META.__class__("partial", "nb201", "test")))
    values = bench.metric_array("valid_acc")
    assert np.isfinite(values).sum() == sum(1 for c in SPACE.all_canonical() if c in set(bench.canonicals))
    missing = int(np.flatnonzero(np.isnan(values))[0])
    with pytest.raises(QueryError, match="canonical .* is not in benchmark 'partial'"):
        bench.query(SPACE.cell_at(missing))
    with pytest.raises(QueryError, match="have no run in benchmark 'partial'"):
        bench.query_many(np.array([missing]))


# --- missing seeds, several schedules, ragged epochs (tiny custom tables) -------------------


def test_missing_seed_runs():
    cols = tiny_columns()
    keep = [0, 1, 2]  # arch b only ran with seed 0
    cols = {k: (np.asarray(v)[keep] if not isinstance(v, np.ndarray) or v.ndim == 1 else v[keep]) for k, v in cols.items()}
    bench = TabularBenchmark(build_table(cols, TINY_META))
    assert bench.query("b").seeds == (0,)
    assert bench.query("b").final.valid_acc == bench.query("b", seed=0).final.valid_acc
    assert bench.query("a").seeds == (0, 1)
    with pytest.raises(QueryError, match=r"'b' was not run with seed 1 .*its seeds: \[0\]"):
        bench.query("b", seed=1)
    with pytest.raises(QueryError, match="have no run with seed 1"):
        bench.query_many(["a", "b"], seed=1)
    assert np.isnan(bench.metric_array("valid_acc", seed=1, over="table")[1])
    with pytest.raises(QueryError, match="no enumerated space"):
        bench.metric_array("valid_acc")
    with pytest.raises(QueryError, match="arch 'zzz' is not in benchmark 'tiny'"):
        bench.query("zzz")


def test_schedules_default_to_the_longest_and_ragged_epochs_are_aligned():
    long = tiny_columns(n_epochs=4)
    short = tiny_columns(n_epochs=4)
    short["schedule_epochs"] = [2] * 4
    short["epochs"] = [np.array([1, 2]), np.array([2]), np.array([1, 2]), np.array([2])]
    for name in CURVE_COLUMNS:
        short[name] = [np.full(len(e), 7.0) * e for e in short["epochs"]]
    cols = {k: list(long[k]) + list(short[k]) for k in long}
    bench = TabularBenchmark(build_table(cols, TINY_META))
    assert bench.schedules() == (2, 4) and bench.max_epoch == 4
    assert bench.query("a").schedule_epochs == 4 and bench.query("a").epoch == 4
    record = bench.query("a", schedule=2, seed=1)  # this run only recorded epoch 2
    np.testing.assert_array_equal(record.curve.epochs, [1, 2])
    assert np.isnan(record.curve.valid_acc[0]) and record.final.valid_acc == 14.0
    assert bench.query("a", schedule=2).at(1).valid_acc == 7.0  # mean over the seeds that have epoch 1
    with pytest.raises(QueryError, match=r"schedules run: \[2, 4\]"):
        bench.query("a", schedule=3)


# --- true front -------------------------------------------------------------------------------


def _dominates(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a (k, m) vs b (m,) with all objectives minimized."""
    return np.all(a <= b, axis=1) & np.any(a < b, axis=1)


def test_true_front_is_exactly_the_non_dominated_set(bench):
    objectives = [Objective("valid_acc"), Objective("latency_ms_cpu1t", maximize=False)]
    front = bench.true_front(objectives, dataset="synth-a")
    acc = bench.metric_array("valid_acc", dataset="synth-a", over="table")
    lat = bench.metric_array("latency_ms_cpu1t", dataset="synth-a", over="table")
    points = np.stack([-acc, lat], axis=1)
    on_front = np.isin(np.asarray(bench.archs, dtype=object), front["arch"].to_numpy())
    assert on_front.sum() == len(front) > 1
    for p in points[on_front]:  # nobody dominates a front member
        assert not _dominates(points, p).any()
    off = points[~on_front]
    covered = np.zeros(len(off), dtype=bool)
    for p in points[on_front]:  # every other point is dominated by a front member
        covered |= np.all(p <= off, axis=1) & np.any(p < off, axis=1)
    assert covered.all()
    assert front["valid_acc"].is_monotonic_decreasing  # best first by the first objective
    assert list(front.columns) == ["arch", "arch_index", "canonical", "valid_acc", "latency_ms_cpu1t"]


def test_true_front_with_constraints_and_report_metrics(bench):
    limit = Constraint("latency_ms_cpu1t", at_most=2.0)
    front = bench.true_front([Objective("test_acc"), Objective("params", maximize=False)], dataset="synth-b",
                             constraints=[limit])
    lat = bench.query_many(front["arch"].tolist(), metric="latency_ms_cpu1t", dataset="synth-b")
    assert (lat <= 2.0).all()
    best_feasible = np.nanmax(np.where(bench.metric_array("latency_ms_cpu1t", dataset="synth-b", over="table") <= 2.0,
                                       bench.metric_array("test_acc", dataset="synth-b", over="table"), np.nan))
    assert front["test_acc"].iloc[0] == best_feasible
    with pytest.raises(TypeError, match="Objective"):
        bench.true_front(["valid_acc"], dataset="synth-a")


# --- search view --------------------------------------------------------------------------------


def test_search_view_hides_the_test_split(bench):
    view = bench.search_view("synth-a", epoch=6)
    assert (view.dataset, view.schedule_epochs, view.epoch) == ("synth-a", 12, 6)
    assert view.valid_acc(BEST) == bench.query(BEST, dataset="synth-a", epoch=6).final.valid_acc
    assert view.valid_acc(BEST, epoch=12) == bench.query(BEST, dataset="synth-a").final.valid_acc
    assert view.train_seconds(BEST) == bench.query(BEST, dataset="synth-a", epoch=6).final.train_seconds
    np.testing.assert_array_equal(view.valid_acc_many(np.arange(5)), bench.query_many(np.arange(5), dataset="synth-a", epoch=6))
    assert view.metric("latency_ms_cpu1t", BEST) == bench.query(BEST, dataset="synth-a").latency_ms["cpu1t"]
    curve = view.curve(BEST)
    assert len(curve.epochs) == 6 and not hasattr(curve, "test_acc")
    assert not any(m.startswith("test") for m in view.metrics)
    for metric in ("test_acc", "test_loss"):
        with pytest.raises(QueryError, match=f"'{metric}' is a report metric and is not visible to a search"):
            view.metric(metric, BEST)
    with pytest.raises(QueryError, match="recorded epochs"):
        bench.search_view("synth-a", epoch=99)


# --- loading by name or path ------------------------------------------------------------------


def test_load_benchmark_by_path_and_errors(synthetic_path, tmp_path, monkeypatch):
    assert load_benchmark(synthetic_path).name == "synthetic-nb201"
    assert load_benchmark(str(synthetic_path)).name == "synthetic-nb201"
    with pytest.raises(UnknownNameError, match=r"no benchmark named 'nb999'; known names: \['nb201-digits'"):
        load_benchmark("nb999")
    monkeypatch.setattr(registry, "data_dirs", lambda: [tmp_path])
    with pytest.raises(BenchmarkFormatError, match="'nb201-digits' was not found .*data/README.md.*pass the path"):
        load_benchmark()
    (tmp_path / "nb201-digits.parquet").write_bytes(synthetic_path.read_bytes())
    assert load_benchmark().name == "synthetic-nb201"  # found in the data folder


def test_data_folder_from_environment_and_registered_names(synthetic_path, tmp_path, monkeypatch):
    monkeypatch.setenv("NASBENCH_KIT_DATA", str(synthetic_path.parent))
    assert registry.data_dirs()[0] == synthetic_path.parent
    monkeypatch.setitem(registry._NAMED, "course-bench", synthetic_path.name)
    assert load_benchmark("course-bench").name == "synthetic-nb201"
    monkeypatch.setattr(registry, "_NAMED", dict(registry._NAMED))
    register_benchmark("mine", synthetic_path)
    assert load_benchmark("mine").name == "synthetic-nb201"
    with pytest.raises(UnknownNameError, match="plain name"):
        register_benchmark("a/b.parquet", synthetic_path)


def test_space_mismatch_is_refused(synthetic_table):
    from nasbench_kit.benchmarks.table import space_for

    class OtherSpace:
        name = "nb101"

    with pytest.raises(BenchmarkFormatError, match="holds 'nb201' architectures, but space="):
        TabularBenchmark(synthetic_table, space=OtherSpace())
    assert space_for("custom") is None and type(space_for("nb201")).__name__ == "NB201Space"


def test_tiny_table_without_space(tmp_path):
    bench = load_benchmark(write_table(tiny_table(), tmp_path / "tiny.parquet"))
    assert bench.space is None and bench.query("b", seed=1).final.valid_acc == pytest.approx(72.0)
    assert bench.space_coverage() is None


def test_strings_are_normalized_before_the_canonical_fallback(bench):
    canonical = SPACE.all_canonical()
    # A cell whose class has an earlier member: the canonical fallback would answer with that one.
    index = next(i for i, c in enumerate(canonical) if canonical.index(c) != i)
    text = str(SPACE.cell_at(index))
    record = bench.query(f"  {text}\n", dataset="synth-a", seed=0)
    assert record.arch == record.measured_arch == text and record.arch_index == index
