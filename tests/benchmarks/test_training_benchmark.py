"""TrainingBenchmark: the Benchmark protocol answered by really training (tiny networks)."""

from __future__ import annotations

import numpy as np
import pytest

from nasbench_kit.benchmarks import Benchmark
from nasbench_kit.benchmarks.build_runs import BuildRecipe
from nasbench_kit.benchmarks.schema import read_table
from nasbench_kit.benchmarks.table import TabularBenchmark
from nasbench_kit.benchmarks.training_benchmark import TrainingBenchmark
from nasbench_kit.errors import BenchmarkFormatError, OutOfSpaceError, QueryError, UnknownNameError
from nasbench_kit.spaces.nb201 import Cell201, NB201Space
from nasbench_kit.training import make_cluttered_digits, train_cell

SPACE = NB201Space()
RECIPE = BuildRecipe(epochs=2, C=4, N=1)
# Cheap cells (no 3x3 convolutions): a class with several members, and two others.
CELL = Cell201(("skip_connect", "nor_conv_1x1", "none", "avg_pool_3x3", "none", "skip_connect"))
OTHER = Cell201(("avg_pool_3x3",) * 6)
THIRD = Cell201(("nor_conv_1x1", "skip_connect", "none", "none", "avg_pool_3x3", "nor_conv_1x1"))


@pytest.fixture(scope="module")
def data():
    return make_cluttered_digits(seed=RECIPE.data_seed)


@pytest.fixture(scope="module")
def bench(data):
    """Shared instance (seeds 0 and 1) that has trained CELL for both seeds."""
    b = TrainingBenchmark(recipe=RECIPE, seeds=(0, 1), data=data)
    b.query(CELL)
    return b


def _isomorphic(cell: Cell201) -> Cell201:
    canonical = SPACE.all_canonical()
    target = SPACE.canonical(cell)
    return next(SPACE.cell_at(i) for i, c in enumerate(canonical) if c == target and SPACE.cell_at(i) != cell)


def test_satisfies_the_benchmark_protocol(bench):
    assert isinstance(bench, Benchmark)
    assert bench.datasets == ("digits-cluttered",) and bench.max_epoch == 2
    assert bench.epochs() == (1, 2) and bench.seeds() == (0, 1)


def test_query_trains_like_train_cell_and_caches(bench, data):
    assert bench.n_trained == 2  # seeds 0 and 1 of CELL (fixture)
    direct = train_cell(CELL, data, seed=1, **RECIPE.train_kwargs())
    record = bench.query(CELL, seed=1)
    np.testing.assert_array_equal(record.curve.valid_acc, direct.valid_acc.astype(np.float32))
    np.testing.assert_array_equal(record.curve.test_loss, direct.test_loss.astype(np.float32))
    mean = bench.query(CELL)
    assert mean.seeds == (0, 1) and mean.seed is None
    np.testing.assert_allclose(mean.curve.valid_acc,
                               (bench.query(CELL, seed=0).curve.valid_acc + record.curve.valid_acc) / 2)
    assert bench.n_trained == 2  # all from the cache
    twin = _isomorphic(CELL)
    via_twin = bench.query(str(twin))
    assert bench.n_trained == 2
    assert via_twin.arch == str(twin) and via_twin.measured_arch == str(CELL)
    assert via_twin.arch_index == SPACE.index(twin) and via_twin.curve == mean.curve
    from nasbench_kit.models import build_model, count_params

    assert mean.params == count_params(build_model(CELL, 10)) and mean.flops > 0


def test_epoch_schedule_and_bad_queries(bench):
    short = bench.query(CELL, epoch=1)
    assert short.epoch == 1 and len(short.curve) == 1
    assert short.curve.valid_acc[0] == bench.query(CELL).curve.valid_acc[0]
    with pytest.raises(QueryError, match="1..2"):
        bench.query(CELL, epoch=3)
    with pytest.raises(QueryError, match="digits-cluttered"):
        bench.query(CELL, dataset="cifar10")
    with pytest.raises(QueryError):
        bench.query(CELL, schedule=0)
    with pytest.raises(OutOfSpaceError):
        bench.query("|conv5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    with pytest.raises(QueryError):
        bench.query_many([CELL], metric="accuracy")
    with pytest.raises(QueryError, match="every architecture"):
        bench.true_front([])
    with pytest.raises(UnknownNameError, match="NB201"):
        TrainingBenchmark("nb101")


def test_other_schedule_is_trained_on_demand(data):
    b = TrainingBenchmark(recipe=RECIPE, data=data)
    r = b.query(OTHER, schedule=1)
    assert r.schedule_epochs == 1 and b.schedules() == (1, 2) and b.n_trained == 1
    b.query(OTHER)
    assert b.n_trained == 2 and b.schedules() == (1, 2)


def test_metric_array_search_view_and_frame(bench):
    values = bench.metric_array("valid_acc")
    members = np.array(SPACE.all_canonical()) == SPACE.canonical(CELL)
    assert np.all(np.isfinite(values[members])) and np.all(np.isnan(values[~members]))
    assert np.all(values[members] == bench.query(CELL).final.valid_acc)
    assert bench.metric_array("params", over="table").tolist() == [bench.query(CELL).params]
    indices = np.flatnonzero(members)[:2]
    np.testing.assert_array_equal(bench.query_many(indices, metric="valid_acc"), values[indices])
    view = bench.search_view(epoch=1)
    assert view.valid_acc(CELL) == bench.query(CELL, epoch=1).final.valid_acc
    with pytest.raises(QueryError, match="report metric"):
        view.metric("test_acc", CELL)
    frame = bench.frame
    assert len(frame) == 2 and set(frame["seed"]) == {0, 1} and "final_valid_acc" in frame


def test_disk_cache_round_trip_and_read_only_tables(tmp_path, data):
    cache = tmp_path / "cache.parquet"
    first = TrainingBenchmark(recipe=RECIPE, cache_path=cache, data=data)
    record = first.query(OTHER)
    table, meta = read_table(cache)  # a valid benchmark table
    assert table.num_rows == 1 and meta.name == "nb201-digits"
    assert TabularBenchmark(table).query(OTHER).curve == record.curve

    reopened = TrainingBenchmark(recipe=RECIPE, cache_path=cache, data=data)
    assert reopened.query(OTHER).curve == record.curve and reopened.n_trained == 0

    before = cache.read_bytes()
    reader = TrainingBenchmark(recipe=RECIPE, tables=[cache], data=data)
    assert reader.query(OTHER).curve == record.curve and reader.n_trained == 0
    reader.query(THIRD)  # trained, but a read-only table is never written
    assert reader.n_trained == 1 and cache.read_bytes() == before

    with pytest.raises(BenchmarkFormatError, match="'C'"):
        TrainingBenchmark(recipe=BuildRecipe(epochs=2, C=8, N=1), cache_path=cache)
    # another schedule length of the same recipe is fine: schedule is part of each run
    assert TrainingBenchmark(recipe=RECIPE.with_epochs(3), cache_path=cache).query(OTHER, schedule=2).curve == record.curve
