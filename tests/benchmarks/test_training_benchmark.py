"""TrainingBenchmark: the Benchmark protocol answered by really training (tiny networks)."""

from __future__ import annotations

import numpy as np
import pytest

from nasbench_kit.benchmarks import Benchmark
from nasbench_kit.build.runs import BuildRecipe
from nasbench_kit.benchmarks.record import Record
from nasbench_kit.benchmarks.schema import read_table
from nasbench_kit.benchmarks.table import TabularBenchmark
from nasbench_kit.benchmarks.training_benchmark import TrainingBenchmark
from nasbench_kit.budget import Budget
from nasbench_kit.errors import ArgumentError, BenchmarkFormatError, OutOfSpaceError, QueryError, UnknownNameError
from nasbench_kit.models import count_params
from nasbench_kit.run import Run
from nasbench_kit.spaces import Cell101, MacroSpace, NB101Space
from nasbench_kit.spaces.nb201 import Cell201, NB201Space
from nasbench_kit.strategies import make_strategy
from nasbench_kit.training import make_cluttered_digits, train_cell
from nasbench_kit.training.trainer import build_proxy

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
    with pytest.raises(UnknownNameError, match="'nb101', 'macro'"):
        TrainingBenchmark("nb301")


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


# --- NB101 and macro ----------------------------------------------------------------------

TINY_SIZES = {"nb101": {"stem_channels": 4, "num_stacks": 2, "num_modules_per_stack": 1},
              "macro": {"width_mult": 0.1, "head_width": 16}}
_OPS = ["input", "conv3x3-bn-relu", "maxpool3x3", "output"]
_BRANCHES = [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]]
NB101_CELL = Cell101(_BRANCHES, _OPS)
NB101_TWIN = Cell101(_BRANCHES, ["input", "maxpool3x3", "conv3x3-bn-relu", "output"])  # branches swapped
MACRO_SPACE = MacroSpace()
MACRO_ARCH = MACRO_SPACE.parse("d2-e3k3,e4k5|d2-e3k3,e3k3|d2-e3k3,e3k3|d2-e3k3,e3k3|d2-e3k3,e3k3")
MACRO_TWIN = MACRO_SPACE.parse("d2-e3k3,e4k5,e6k7|d2-e3k3,e3k3|d2-e3k3,e3k3|d2-e3k3,e3k3|d2-e3k3,e3k3")  # inactive slot
SPACE_CASES = [("nb101", NB101_CELL, NB101_TWIN), ("macro", MACRO_ARCH, MACRO_TWIN)]


@pytest.fixture(scope="module")
def small_data():
    return make_cluttered_digits(seed=0, renders_train=1, renders_eval=1, source="sklearn")


def _recipe(space: str, **kwargs) -> BuildRecipe:
    return BuildRecipe(space=space, epochs=1, batch_size=256, model_size=TINY_SIZES[space], **kwargs)


@pytest.mark.parametrize("space, arch, twin", SPACE_CASES)
def test_trains_nb101_and_macro_on_demand_with_cache_and_determinism(small_data, space, arch, twin):
    bench = TrainingBenchmark(space, recipe=_recipe(space), data=small_data)
    assert isinstance(bench, Benchmark) and bench.space.name == space and bench.name == f"{space}-digits-live"
    assert bench.space.canonical(arch) == bench.space.canonical(twin) and arch != twin
    record = bench.query(arch)
    assert isinstance(record, Record) and bench.n_trained == 1
    assert len(record.curve) == 1 and record.curve.epochs.tolist() == [1] and record.arch_index == -1
    assert record.canonical == bench.space.canonical(arch) and 0 <= record.final.valid_acc <= 100
    proxy = build_proxy(arch, 10, model_size=bench.recipe.proxy_model_size())
    assert record.params == count_params(proxy) and record.flops > 0
    assert set(bench.recipe.proxy_model_size()) >= set(TINY_SIZES[space])  # defaults filled in
    # the same class is answered from the cache
    again = bench.query(twin)
    assert bench.n_trained == 1 and again.measured_arch == str(arch) and again.arch == str(twin)
    assert again.curve == record.curve
    assert bench.query(str(arch)).curve == record.curve and bench.n_trained == 1
    # determinism: a fresh benchmark trains the same curve
    fresh = TrainingBenchmark(space, recipe=_recipe(space), data=small_data).query(arch)
    for name in ("train_acc", "valid_acc", "test_acc", "train_loss", "valid_loss", "test_loss"):
        np.testing.assert_array_equal(getattr(fresh.curve, name), getattr(record.curve, name))
    np.testing.assert_array_equal(bench.metric_array("valid_acc", over="table"), [record.final.valid_acc])
    with pytest.raises(QueryError, match="over='table'"):
        bench.metric_array("valid_acc")
    with pytest.raises(QueryError, match="every architecture"):
        bench.true_front([])
    assert len(bench.frame) == 1


def test_nb101_disk_cache_round_trip(tmp_path, small_data):
    cache = tmp_path / "nb101.parquet"
    first = TrainingBenchmark("nb101", recipe=_recipe("nb101"), cache_path=cache, data=small_data)
    record = first.query(NB101_CELL)
    table, meta = read_table(cache)
    assert meta.space == "nb101" and meta.name == "nb101-digits" and "params_flops" in meta.extra
    assert table.column("arch_index").to_pylist() == [-1]
    assert table.column("params").to_pylist() == table.column("proxy_params").to_pylist()
    assert TabularBenchmark(table).query(NB101_TWIN).curve == record.curve
    reopened = TrainingBenchmark(recipe=_recipe("nb101"), cache_path=cache, data=small_data)  # space from recipe
    assert reopened.query(NB101_TWIN).curve == record.curve and reopened.n_trained == 0
    with pytest.raises(BenchmarkFormatError, match="model_size"):
        TrainingBenchmark("nb101", recipe=BuildRecipe(space="nb101", epochs=1, batch_size=256), cache_path=cache)


def test_macro_cache_remembers_its_space_layout(tmp_path, small_data):
    cache = tmp_path / "macro.parquet"
    TrainingBenchmark("macro", recipe=_recipe("macro"), cache_path=cache, data=small_data).query(MACRO_ARCH)
    assert TrainingBenchmark(MacroSpace(), recipe=_recipe("macro"), cache_path=cache).n_trained == 0
    wider = MacroSpace(widths=(32, 40, 80, 112, 160))
    with pytest.raises(BenchmarkFormatError, match="macro space"):
        TrainingBenchmark(wider, recipe=_recipe("macro"), cache_path=cache)


def test_space_and_architecture_errors(small_data):
    with pytest.raises(UnknownNameError, match="'nb201', 'nb101', 'macro'"):
        TrainingBenchmark("darts")
    with pytest.raises(UnknownNameError):
        TrainingBenchmark(42)
    with pytest.raises(ArgumentError, match="space='nb101'"):
        TrainingBenchmark("nb101", recipe=BuildRecipe(epochs=1))
    with pytest.raises(ArgumentError, match="model_size"):
        BuildRecipe(space="nb101", model_size={"stem_channels": 0})
    with pytest.raises(ArgumentError, match="C and N"):
        BuildRecipe(model_size={"C": 4})
    with pytest.raises(ArgumentError, match="space must be one of"):
        BuildRecipe(space="darts")
    bench = TrainingBenchmark("nb101", recipe=_recipe("nb101"), data=small_data)
    with pytest.raises(OutOfSpaceError, match="Cell101"):
        bench.query(CELL)  # an NB201 cell
    with pytest.raises(OutOfSpaceError):
        bench.query(str(CELL))
    with pytest.raises(QueryError, match="index"):
        bench.query(3)
    macro = TrainingBenchmark("macro", recipe=_recipe("macro"), data=small_data)
    with pytest.raises(OutOfSpaceError, match="MacroArch"):
        macro.query(NB101_CELL)
    assert bench.n_trained == macro.n_trained == 0


def test_random_search_run_on_nb101_training_benchmark(small_data):
    bench = TrainingBenchmark("nb101", recipe=_recipe("nb101"), data=small_data)
    run = Run(make_strategy("random", NB101Space(), seed=0), bench, budget=Budget(queries=3), seed=0).run()
    history = run.history
    assert run.finished_reason == "budget" and run.n_evaluations == 3 and len(history) == 3
    assert 1 <= bench.n_trained <= 3 and np.all(np.isfinite(history["valid_acc"]))
    assert np.all(np.isfinite(history["test_acc"])) and history["train_seconds"].gt(0).all()
