"""The builder: plan, crash-safe shard storage, and real small builds through Dask.

Work-folder tests use SYNTHETIC rows (``_fake_row``: made-up curves, no training); the
tests marked slow really train tiny networks on Dask workers, kill the build process and
a worker with SIGKILL, and check the resumed build.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_kit.build.pipeline import build_benchmark
from nasbench_kit.build.plan import BuildPlan, class_order, plan_units
from nasbench_kit.build.runs import BuildRecipe, recipe_of_meta, run_key
from nasbench_kit.build.shards import WorkDir
from nasbench_kit.benchmarks.schema import read_table
from nasbench_kit.benchmarks.table import TabularBenchmark
from nasbench_kit.errors import ArgumentError, BenchmarkFormatError
from nasbench_kit.spaces.nb201 import NB201Space

SPACE = NB201Space()
TINY = BuildRecipe(epochs=2, C=4, N=1)
REPO = Path(__file__).resolve().parents[2]


# --- plan -----------------------------------------------------------------------------------


def test_class_order_holds_each_class_once_through_its_first_cell():
    canonical = SPACE.all_canonical()
    first: dict[str, int] = {}
    for index, c in enumerate(canonical):  # plain loop: independent of the builder's np.unique
        first.setdefault(c, index)
    order = class_order(0)
    assert len(order) == 6466 == len(first)
    assert {c: i for i, c in order} == first
    assert order == class_order(0) and order != class_order(1)
    assert [i for i, _ in order[:50]] != sorted(i for i, _ in order[:50])  # really shuffled


def test_plan_units_seeds_extras_and_limit():
    plan = BuildPlan(seeds=(0,), extra_seeds=(1, 2), extra_cells=3, limit=7, order_seed=5)
    units = plan_units(plan)
    order = class_order(5)
    # the seed-noise subset first, every seed of a class together; then the rest with seed 0
    assert [(u.arch_index, u.seed) for u in units[:9]] == [(i, s) for i, _ in order[:3] for s in (0, 1, 2)]
    assert [(u.arch_index, u.seed) for u in units[9:]] == [(i, 0) for i, _ in order[3:7]]
    assert len(units) == len({(u.canonical, u.seed) for u in units}) == 13
    assert len(plan_units(BuildPlan())) == 6466


@pytest.mark.parametrize(
    "kwargs",
    [dict(extra_seeds=(1,), extra_cells=8, limit=7), dict(extra_cells=3), dict(limit=0), dict(limit=6467),
     dict(seeds=(0, 0)), dict(seeds=(-1,)), dict(extra_seeds=(1,), extra_cells=-1)],
)
def test_plan_refuses_bad_settings(kwargs):
    with pytest.raises(ArgumentError):
        BuildPlan(**kwargs)


def test_cli_errors_are_one_line_usage_exit_2_failures_exit_1(tmp_path, capsys):
    from nasbench_kit.build.commands import main

    assert main(["build", "cifar-x", "--work-dir", str(tmp_path / "w")]) == 2
    assert "invalid choice: 'cifar-x' (choose from 'nb201-digits')" in capsys.readouterr().err
    assert main(["build", "nb201-digits", "--work-dir", str(tmp_path / "w"), "--no-train", "--no-progress",
                 "--out", str(tmp_path / "t.parquet")]) == 1
    assert "no finished runs" in capsys.readouterr().err
    from nasbench_kit.training import RECIPE

    other_epochs = str(RECIPE["epochs"] + 2)  # the folder was opened with the default recipe
    assert main(["build", "nb201-digits", "--work-dir", str(tmp_path / "w"), "--epochs", other_epochs, "--no-train"]) == 1
    assert "another recipe" in capsys.readouterr().err


# --- work folder (synthetic rows) --------------------------------------------------------


def _fake_row(index: int, seed: int, recipe: BuildRecipe = TINY) -> dict:
    """A made-up run in train_run's row layout (no training)."""
    rng = np.random.default_rng(index * 100 + seed)
    cell = SPACE.cell_at(index)
    e = recipe.epochs
    acc = lambda: np.sort(rng.uniform(0, 100, e)).astype(np.float32)  # noqa: E731
    loss = lambda: np.sort(rng.uniform(0, 3, e))[::-1].astype(np.float32)  # noqa: E731
    return {
        "arch": str(cell), "arch_index": index, "canonical": SPACE.canonical(cell), "dataset": recipe.dataset,
        "schedule_epochs": e, "seed": seed, "epochs": np.arange(1, e + 1, dtype=np.int16),
        "train_acc": acc(), "valid_acc": acc(), "test_acc": acc(), "train_loss": loss(), "valid_loss": loss(),
        "test_loss": loss(), "train_seconds": np.cumsum(rng.uniform(0.1, 1, e)).astype(np.float32),
        "params": 1000 + index, "flops": 1e6 + index, "proxy_params": 10 + index, "proxy_flops": 1e3 + index,
        "eval_seconds": 0.5, "train_wall_seconds": np.cumsum(rng.uniform(0.1, 1, e)).astype(np.float32),
    }


REPS = [i for i, _ in class_order(0)[:12]]


def test_shards_survive_reopening_and_leftover_temp_files_are_removed(tmp_path):
    with WorkDir(tmp_path, TINY) as work:
        work.write_runs([_fake_row(i, 0) for i in REPS[:3]])
        work.write_runs([_fake_row(i, 0) for i in REPS[3:5]])
    leftover = tmp_path / "shards" / ".train-000009-abcdef012345.parquet.x1.tmp"
    leftover.write_bytes(b"PAR1 half written")
    with WorkDir(tmp_path, TINY) as work:
        assert leftover in work.removed_temp_files and not leftover.exists()
        want = {run_key(SPACE.canonical(SPACE.cell_at(i)), 0, TINY.epochs) for i in REPS[:5]}
        assert work.done_keys() == want
        names = sorted(p.name for p in (tmp_path / "shards").iterdir())
        assert [n.split("-")[1] for n in names] == ["000001", "000002"]
        path = work.write_runs([_fake_row(REPS[5], 0)])
        assert path.name.startswith("train-000003-")


def test_each_shard_records_the_invocations_progress(tmp_path):
    """A killed invocation still leaves when its last shard landed and how many runs it wrote."""
    with WorkDir(tmp_path, TINY) as work:
        work.record_invocation("first")
        work.write_runs([_fake_row(i, 0) for i in REPS[:3]])
        work.write_runs([_fake_row(i, 0) for i in REPS[3:5]])
        work.record_invocation("second")
        work.write_runs([_fake_row(REPS[5], 0)])
        first, second = work.manifest()["invocations"]
    assert first["runs_written"] == 5 and second["runs_written"] == 1
    assert first["started_utc"] <= first["last_shard_utc"] <= second["started_utc"] <= second["last_shard_utc"]
    assert "finished_utc" not in first


def test_a_run_is_never_written_twice(tmp_path):
    with WorkDir(tmp_path, TINY) as work:
        work.write_runs([_fake_row(REPS[0], 0)])
        with pytest.raises(BenchmarkFormatError, match="already stored"):
            work.write_runs([_fake_row(REPS[1], 0), _fake_row(REPS[0], 0)])
        with pytest.raises(BenchmarkFormatError, match="already stored"):
            work.write_runs([_fake_row(REPS[1], 1), _fake_row(REPS[1], 1)])
        assert len(work.done_keys()) == 1
        assert len(list((tmp_path / "shards").glob("*.parquet"))) == 1


def test_corrupted_shard_is_set_aside_and_its_runs_redone(tmp_path):
    with WorkDir(tmp_path, TINY) as work:
        work.write_runs([_fake_row(REPS[0], 0)])
        bad = work.write_runs([_fake_row(REPS[1], 0)])
    bad.write_bytes(bad.read_bytes()[:100])  # truncated, e.g. by a broken copy
    with WorkDir(tmp_path, TINY) as work, pytest.warns(RuntimeWarning, match="unreadable"):
        done = work.done_keys()
    assert done == {run_key(SPACE.canonical(SPACE.cell_at(REPS[0])), 0, 2)}
    assert (bad.parent / (bad.name + ".corrupt")).exists()
    with WorkDir(tmp_path, TINY) as work:  # the set-aside name's number is not reused
        assert work.write_runs([_fake_row(REPS[1], 0)]).name.startswith("train-000003-")


def test_duplicated_shard_makes_assemble_fail_naming_both(tmp_path):
    with WorkDir(tmp_path, TINY) as work:
        path = work.write_runs([_fake_row(REPS[0], 0)])
    copy = path.with_name("train-000002-0123456789ab.parquet")
    shutil.copy(path, copy)
    with WorkDir(tmp_path, TINY) as work, pytest.raises(BenchmarkFormatError) as err:
        work.assemble(tmp_path / "out.parquet", source="test")
    assert path.name in str(err.value) and copy.name in str(err.value)
    assert not (tmp_path / "out.parquet").exists()


def test_work_dir_refuses_another_recipe_and_a_second_user(tmp_path):
    with WorkDir(tmp_path, TINY):
        with pytest.raises(ArgumentError, match="in use"):
            WorkDir(tmp_path, TINY)
    with pytest.raises(BenchmarkFormatError, match="'C'"):
        WorkDir(tmp_path, BuildRecipe(epochs=2, C=8, N=1))


@settings(max_examples=10, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=5), st.sets(st.integers(0, 11), max_size=4))
def test_assemble_keeps_every_run_once_whatever_the_sharding(tmp_path_factory, sizes, measured):
    tmp = tmp_path_factory.mktemp("assemble")
    rows = [_fake_row(i, s) for s in (0, 1) for i in REPS[:6]]
    with WorkDir(tmp, TINY) as work:
        start = 0
        for size in sizes:
            if start < len(rows):
                work.write_runs(rows[start : start + size])
            start += size
        stored = rows[: min(start, len(rows))]
        if measured:
            work.write_latencies([{"canonical": SPACE.canonical(SPACE.cell_at(REPS[m])), "arch": "x",
                                   "arch_index": REPS[m], "latency_ms": 1.0 + m, "cv": 0.01} for m in measured], {})
        path, n = work.assemble(tmp / "t.parquet", source="test")
    table, meta = read_table(path)
    assert n == table.num_rows == len(stored)
    got = sorted(zip(table.column("arch_index").to_pylist(), table.column("seed").to_pylist()))
    assert got == sorted((r["arch_index"], r["seed"]) for r in stored)
    want_acc = {(r["arch_index"], r["seed"]): r["valid_acc"].tolist() for r in stored}
    for i, s, acc in zip(table.column("arch_index").to_pylist(), table.column("seed").to_pylist(),
                         table.column("valid_acc").to_pylist()):
        assert acc == want_acc[(i, s)]
    assert ("latency_ms_cpu1t" in table.column_names) == bool(measured)
    if measured:
        lat = dict(zip(table.column("arch_index").to_pylist(), table.column("latency_ms_cpu1t").to_pylist()))
        for i, value in lat.items():
            m = REPS.index(i)
            assert value == 1.0 + m if m in measured else np.isnan(value)
    assert recipe_of_meta(meta, source="t") == TINY


def _latency_row(m: int, ms: float, p: int = 0, ratio: float = np.nan, reference_ms: float = np.nan) -> dict:
    return {"canonical": SPACE.canonical(SPACE.cell_at(REPS[m])), "arch": "x", "arch_index": REPS[m],
            "pass": p, "latency_ms": ms, "cv": 0.25 * (p + 1), "robust_cv": 0.125 * (p + 1), "ratio": ratio,
            "reference_ms": reference_ms}


def test_assemble_keeps_the_median_of_latency_passes_and_each_pass(tmp_path):
    with WorkDir(tmp_path, TINY) as work:
        work.write_runs([_fake_row(i, 0) for i in REPS[:3]])
        for p, values in enumerate(([2.0, 5.0], [4.0, 1.0], [3.0, 9.0])):
            work.write_latencies([_latency_row(m, v, p) for m, v in enumerate(values)], {"k": 1})
        stored = work.latency_passes()[SPACE.canonical(SPACE.cell_at(REPS[0]))]
        assert sorted(stored) == [0, 1, 2] and stored[1]["ms"] == 4.0 and stored[2]["robust_cv"] == 0.375
        assert np.isnan(work.latencies()[1])  # no reference network: no scale
        path, _ = work.assemble(tmp_path / "t.parquet", source="test")
    table, _ = read_table(path)
    rows = {r["arch_index"]: r for r in table.to_pylist()}
    assert rows[REPS[0]]["latency_ms_cpu1t"] == 3.0 and rows[REPS[1]]["latency_ms_cpu1t"] == 5.0
    assert [rows[REPS[1]][f"latency_pass{p}_ms_cpu1t"] for p in range(3)] == [5.0, 1.0, 9.0]
    assert [rows[REPS[1]][f"latency_raw_pass{p}_ms_cpu1t"] for p in range(3)] == [5.0, 1.0, 9.0]
    assert rows[REPS[0]]["latency_cv_cpu1t"] == 0.5 and rows[REPS[0]]["latency_robust_cv_cpu1t"] == 0.25
    assert np.isnan(rows[REPS[2]]["latency_ms_cpu1t"])  # not measured in any pass


def test_latency_relative_to_the_reference_network_is_scaled_by_its_median_time(tmp_path):
    with WorkDir(tmp_path, TINY) as work:
        work.write_runs([_fake_row(i, 0) for i in REPS[:2]])
        # the machine was twice as slow in sweep 1: milliseconds double, ratios do not
        work.write_latencies([_latency_row(0, 4.0, 0, ratio=0.5, reference_ms=8.0),
                              _latency_row(1, 12.0, 0, ratio=1.5, reference_ms=8.0)], {})
        work.write_latencies([_latency_row(0, 8.0, 1, ratio=0.5, reference_ms=16.0),
                              _latency_row(1, 24.0, 1, ratio=1.5, reference_ms=16.0)], {})
        latency, scale = work.latencies()
        path, _ = work.assemble(tmp_path / "t.parquet", source="test")
    assert scale == 12.0  # median of every reference time
    rows = {r["arch_index"]: r for r in read_table(path)[0].to_pylist()}
    assert [rows[REPS[m]]["latency_ms_cpu1t"] for m in (0, 1)] == [6.0, 18.0]
    assert rows[REPS[0]]["latency_pass0_ms_cpu1t"] == rows[REPS[0]]["latency_pass1_ms_cpu1t"] == 6.0
    assert (rows[REPS[0]]["latency_raw_pass0_ms_cpu1t"], rows[REPS[0]]["latency_raw_pass1_ms_cpu1t"]) == (4.0, 8.0)


def test_latency_shards_of_different_protocols_are_refused(tmp_path):
    with WorkDir(tmp_path, TINY) as work:
        work.write_latencies([_latency_row(0, 1.0)], {"repeats": 11})
        work.write_latencies([_latency_row(1, 1.0)], {"repeats": 21})
        with pytest.raises(BenchmarkFormatError, match="different protocols.*delete the latency folder"):
            work.latencies()


def test_a_reference_that_is_not_a_cell_is_refused():
    from nasbench_kit.build.latency import LatencyProtocol
    from nasbench_kit.errors import NasKitError

    with pytest.raises(NasKitError, match="conv_3x3"):
        LatencyProtocol(reference="|conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|")


def test_a_single_pass_adds_no_pass_columns(tmp_path):
    with WorkDir(tmp_path, TINY) as work:
        work.write_runs([_fake_row(REPS[0], 0)])
        work.write_latencies([_latency_row(0, 1.5)], {})
        path, _ = work.assemble(tmp_path / "t.parquet", source="test")
    names = read_table(path)[0].column_names
    assert "latency_ms_cpu1t" in names and not [n for n in names if n.startswith("latency_pass")]


def test_latency_stage_measures_each_pass_and_resumes_per_pass(tmp_path):
    from nasbench_kit.build.latency import LatencyProtocol, latency_stage

    protocol = LatencyProtocol(warmup=0, repeats=1, group_size=2, passes=2)
    assert LatencyProtocol().describe(TINY)["reference"] == LatencyProtocol().reference
    with WorkDir(tmp_path, TINY) as work:
        work.write_runs([_fake_row(i, 0) for i in REPS[:3]])
        work.write_latencies([{**_latency_row(0, 1.0), "arch": str(SPACE.cell_at(REPS[0]))}],
                             protocol.describe(TINY))  # pass 0 of one class already measured
        summary = latency_stage(work, protocol=protocol, progress=False)
        passes = work.latency_passes()
    assert summary.already_done == 1 and summary.measured == 5 and summary.passes == 2
    assert sorted(map(sorted, passes.values())) == [[0, 1]] * 3
    assert passes[SPACE.canonical(SPACE.cell_at(REPS[0]))][0]["ms"] == 1.0  # kept, not re-measured
    fresh = passes[SPACE.canonical(SPACE.cell_at(REPS[1]))][1]
    assert fresh["ratio"] > 0 and fresh["reference_ms"] > 0 and fresh["ms"] > 0


@pytest.mark.parametrize("field", ["passes", "repeats", "group_size"])
def test_latency_protocol_rejects_bad_counts(field):
    from nasbench_kit.build.latency import LatencyProtocol

    with pytest.raises(ArgumentError, match=f"LatencyProtocol.{field} must be an int >= 1, got 0"):
        LatencyProtocol(**{field: 0})


# --- real builds (Dask, training) ----------------------------------------------------------


def _assert_consistent(table, recipe: BuildRecipe, plan: BuildPlan) -> None:
    """Schema, coverage and internal consistency of a built table."""
    from nasbench_kit.models import build_model, count_flops, count_params

    wanted = {(u.canonical, u.seed) for u in plan_units(plan)}
    got = list(zip(table.column("canonical").to_pylist(), table.column("seed").to_pylist()))
    assert len(got) == len(set(got)) and set(got) == wanted  # every planned run exactly once
    first = {c: i for i, c in reversed(list(enumerate(SPACE.all_canonical())))}
    for row in table.to_pylist():
        cell = SPACE.parse(row["arch"])
        assert row["arch_index"] == SPACE.index(cell) == first[row["canonical"]]  # the representative
        assert row["epochs"] == list(range(1, recipe.epochs + 1)) and row["schedule_epochs"] == recipe.epochs
        assert np.all(np.diff(row["train_seconds"]) >= 0) and row["train_seconds"][0] > 0
        assert all(0 <= a <= 100 for m in ("train_acc", "valid_acc", "test_acc") for a in row[m])
        assert row["params"] == count_params(build_model(cell, 10))
        assert row["flops"] == count_flops(build_model(cell, 10), (1, 3, 32, 32))
        assert row["proxy_params"] == count_params(build_model(cell, 10, C=recipe.C, N=recipe.N))


@pytest.mark.slow
def test_small_build_end_to_end(tmp_path):
    plan = BuildPlan(seeds=(0,), extra_seeds=(1,), extra_cells=2, limit=4)
    out = tmp_path / "tiny.parquet"
    report = build_benchmark(TINY, plan, tmp_path / "work", out=out, workers=1, latency=True, progress=False,
                             shard_size=2, command="tiny build")
    assert report.complete and report.train.trained == 6 and report.train.failed == 0
    assert report.latency.measured == 4 * report.latency.passes and report.latency.passes == 2
    table, meta = read_table(out)
    assert float(meta.extra["latency_reference_ms"]) > 0
    _assert_consistent(table, TINY, plan)
    assert meta.source == "tiny build" and recipe_of_meta(meta, source="t") == TINY
    assert "tiny build" in meta.extra["build_invocations"]
    lat = np.array(table.column("latency_ms_cpu1t").to_pylist())
    assert np.all(lat > 0) and np.all(np.array(table.column("latency_cv_cpu1t").to_pylist()) >= 0)
    # every cell of a trained class answers through its representative
    bench = TabularBenchmark(table)
    canonical = SPACE.all_canonical()
    rep = table.column("arch_index").to_pylist()[0]
    others = [i for i, c in enumerate(canonical) if c == canonical[rep] and i != rep]
    if others:
        assert bench.query(others[0], seed=0).measured_arch == str(SPACE.cell_at(rep))
    # resuming a finished build trains nothing and writes the same runs
    again = build_benchmark(TINY, plan, tmp_path / "work", out=tmp_path / "again.parquet", workers=1,
                            progress=False)
    assert again.train.trained == 0 and again.train.already_done == 6
    assert read_table(tmp_path / "again.parquet")[0].select(["arch", "seed", "valid_acc"]).equals(
        table.select(["arch", "seed", "valid_acc"]))


def _build_cmd(work: Path, out: Path | None, limit: int) -> list[str]:
    cmd = [sys.executable, "-m", "nasbench_kit.build.commands", "build", "nb201-digits",
           "--work-dir", str(work), "--limit", str(limit), "--epochs", "2", "--C", "8", "--N", "1",
           "--workers", "1", "--shard-size", "1", "--no-progress"]
    return cmd + (["--out", str(out)] if out else [])


@pytest.mark.slow
def test_build_killed_with_sigkill_resumes_without_loss_or_duplicates(tmp_path):
    work, limit = tmp_path / "work", 5
    proc = subprocess.Popen(_build_cmd(work, None, limit), cwd=REPO, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while not list((work / "shards").glob("train-*.parquet")):
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.monotonic() < deadline, "no shard appeared"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # worker processes we started, if any survived
        except ProcessLookupError:
            pass
        proc.stdout.close()
    first_shards = {p.name: p.read_bytes() for p in (work / "shards").glob("train-*.parquet")}
    assert 1 <= len(first_shards) < limit, "the kill should land mid-build"
    for name in first_shards:
        read_table(work / "shards" / name)  # complete, valid tables: nothing half-written
    (work / "shards" / ".train-000099-000000000000.parquet.abc.tmp").write_bytes(b"PAR1")  # interrupted write

    out = tmp_path / "t.parquet"
    done = subprocess.run(_build_cmd(work, out, limit), cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{limit - len(first_shards)} runs trained, {len(first_shards)} already done" in done.stdout
    assert not list((work / "shards").glob(".*.tmp"))
    for name, data in first_shards.items():  # shards of the killed run kept as they were
        assert (work / "shards" / name).read_bytes() == data
    table, _ = read_table(out)
    _assert_consistent(table, BuildRecipe(epochs=2, C=8, N=1), BuildPlan(limit=limit))


@pytest.mark.slow
def test_worker_killed_mid_task_is_retried_and_every_run_lands_once(tmp_path):
    import logging

    from distributed import Client, LocalCluster

    recipe, plan = BuildRecipe(epochs=2, C=8, N=1), BuildPlan(limit=4)
    killed: list[str] = []

    def executing(dask_worker):
        return [str(ts.key) for ts in dask_worker.state.executing]

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:

        def kill_worker_during_next_task(row: dict) -> None:
            if killed:
                return
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                for address, keys in client.run(executing).items():
                    if keys:
                        pid = client.run(os.getpid, workers=[address])[address]
                        os.kill(pid, signal.SIGKILL)
                        killed.append(keys[0])
                        return
                time.sleep(0.01)

        report = build_benchmark(recipe, plan, tmp_path / "work", out=tmp_path / "t.parquet", client=client,
                                 progress=False, on_result=kill_worker_during_next_task)
        story = cluster.scheduler.story(killed[0])
    assert killed, "no task was running to kill"
    # the killed task went back from processing after the worker was lost, and ran again
    assert sum(1 for t in story if t.finish == "processing") >= 2, story
    assert report.complete and report.train.failed == 0 and report.train.trained == 4
    table, _ = read_table(tmp_path / "t.parquet")
    _assert_consistent(table, recipe, plan)
