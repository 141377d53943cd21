"""DATASHEET.md numbers are computed from the table (checked against direct computations)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from nasbench_kit.build.datasheet import datasheet_markdown, datasheet_stats
from nasbench_kit.cli import main


def test_stats_match_direct_computations(synth_bench):
    s = datasheet_stats(synth_bench)
    frame = synth_bench.frame
    seed0 = frame[frame["seed"] == 0]
    assert s["runs"] == len(frame) and s["classes"] == 6466 and s["space_coverage"] == (15625, 15625)
    assert s["test_acc"]["p50"] == np.median(seed0["final_test_acc"])
    best = seed0.loc[seed0["final_valid_acc"].idxmax()]
    assert s["best_by_valid"]["arch"] == best["arch"]
    both = frame[frame["canonical"].str.contains("0")].pivot_table(index="canonical", columns="seed",
                                                                     values="final_valid_acc")
    assert s["seed_agreement_valid"]["seed 0 vs 1"]["spearman"] == stats.spearmanr(both[0], both[1]).statistic
    assert s["landmarks"]["all none"]["valid_acc"] < s["landmarks"]["all nor_conv_3x3"]["valid_acc"]


def test_cli_writes_markdown(synth_path, tmp_path):
    out = tmp_path / "DATASHEET.md"
    assert main(["datasheet", str(synth_path), "-o", str(out)]) == 0
    text = out.read_text()
    assert "## Seed noise" in text and "python -m nasbench_kit datasheet" in text
    assert f"{datasheet_stats.__name__}" not in text  # prose, not code
    assert text == datasheet_markdown(__import__("nasbench_kit.benchmarks", fromlist=["load_benchmark"])
                                      .load_benchmark(synth_path),
                                      command=text.split("This datasheet: `")[1].split("`")[0])


def test_acceptance_verdict_follows_the_bar(synth_bench):
    from nasbench_kit.build import datasheet as ds

    s = datasheet_stats(synth_bench)
    checks = s["acceptance"]["checks"]
    pair = s["seed_agreement_valid"]["seed 0 vs 1"]
    assert checks["seed_spearman_valid"][0] == pair["spearman"]
    assert checks["classes_with_two_seeds"][0] == pair["classes"]
    expected = (pair["classes"] >= ds.ACCEPT_CLASSES and pair["spearman"] >= ds.ACCEPT_SPEARMAN
                and s["test_acc_iqr_nondegenerate"] >= ds.ACCEPT_IQR)
    assert s["acceptance"]["passed"] == expected
    # a bar the table cannot meet flips the verdict
    bar = ds.ACCEPT_SPEARMAN
    try:
        ds.ACCEPT_SPEARMAN = 1.01
        assert datasheet_stats(synth_bench)["acceptance"]["passed"] is False
        assert "NOT passed" in datasheet_markdown(synth_bench)
    finally:
        ds.ACCEPT_SPEARMAN = bar


def test_wall_time_counts_finished_and_interrupted_invocations():
    import pandas as pd

    from nasbench_kit.build.datasheet import _wall_time

    frame = pd.DataFrame({"seed": [0, 0, 1], "eval_seconds": [1.0, 1.0, 2.0],
                          "train_wall_seconds": [np.array([2.0, 5.0]), np.array([1.0, 3.0]), np.array([4.0])]})
    invocations = [
        {"command": "python -m nasbench_kit build x --workers 2", "started_utc": "2026-12-01T00:00:00Z",
         "last_shard_utc": "2026-12-01T01:30:00Z", "runs_written": 40},  # killed: ends at its last shard
        {"command": "python -m nasbench_kit build x --workers 2", "started_utc": "2026-12-01T02:00:00Z",
         "finished_utc": "2026-12-01T03:00:00Z"},
    ]
    w = _wall_time(frame, invocations)
    assert w["invocation_hours"] == 2.5 and w["workers"] == 2
    assert [v["interrupted"] for v in w["invocations"]] == [True, False]
    # final training wall (last epoch) + evaluation, per seed, divided by the 2 workers
    assert w["per_seed"][0]["worker_hours"] == (5 + 1 + 3 + 1) / 3600
    assert w["per_seed"][0]["wall_hours_on_workers"] == 10 / 3600 / 2
    assert w["per_seed"][1]["runs"] == 1 and w["median_run_wall_seconds"] == 6.0
    # an interrupted invocation that recorded nothing makes the total unknown, not smaller
    unknown = _wall_time(frame, [{"command": "build", "started_utc": "2026-12-01T00:00:00Z"}])
    assert unknown["invocation_hours"] is None and unknown["workers"] == 1


def test_latency_retest_compares_the_sweeps():
    import pandas as pd

    from nasbench_kit.build.datasheet import _pass_agreement

    rng = np.random.default_rng(0)
    true = rng.uniform(3, 8, 200)
    frame = pd.DataFrame({f"latency_pass{p}_ms_cpu1t": true * rng.normal(1.0, 0.02, 200) * (1 + 0.1 * p)
                          for p in range(3)})
    r = _pass_agreement(frame, "cpu1t")
    assert r["passes"] == 3 and r["classes"] == 200 and set(r["pairs"]) == {"0 vs 1", "0 vs 2", "1 vs 2"}
    a, b = frame["latency_pass0_ms_cpu1t"], frame["latency_pass1_ms_cpu1t"]
    assert r["pairs"]["0 vs 1"]["spearman"] == stats.spearmanr(a, b).statistic > 0.95
    assert abs(r["pairs"]["0 vs 2"]["ratio_of_medians"] - 1.2) < 0.02  # a sweep 20 % slower shows
    assert len(r["spearman_pass_vs_median_of_others"]) == 3
    # pure noise between sweeps: no agreement
    noisy = pd.DataFrame({f"latency_pass{p}_ms_cpu1t": rng.uniform(3, 8, 200) for p in range(2)})
    assert abs(_pass_agreement(noisy, "cpu1t")["pairs"]["0 vs 1"]["spearman"]) < 0.2
    assert _pass_agreement(frame[["latency_pass0_ms_cpu1t"]], "cpu1t") == {}  # one sweep: no retest


def _commands(text: str) -> list[str]:
    """Every ``python -m nasbench_kit ...`` command of a Markdown text (code spans and blocks)."""
    import re

    return [m.group(0).rstrip("`| ") for m in re.finditer(r"python -m nasbench_kit[^`\n|]*", text)]


@pytest.mark.parametrize("name", ["DATASHEET.md", "README.md"])
def test_data_docs_print_commands_runnable_from_the_repository_root(name):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "data" / name).read_text()
    commands = _commands(text)
    assert commands, f"data/{name} prints no command"
    for command in commands:
        absolute = [t for t in command.split() if t.startswith("/") or "=/" in t]
        assert not absolute, f"data/{name}: {command!r} has absolute path(s) {absolute}"


def test_datasheet_rewrites_recorded_absolute_paths_inside_the_repository(tmp_path):
    from nasbench_kit.build.datasheet import repo_relative_command

    (tmp_path / "data" / "work").mkdir(parents=True)
    command = "python -m nasbench_kit build nb201-digits --work-dir /build/machine/repo/data/work --out=/x/y.parquet"
    assert repo_relative_command(command, tmp_path) == (
        "python -m nasbench_kit build nb201-digits --work-dir data/work --out=/x/y.parquet")
    inside = f"python -m nasbench_kit datasheet {tmp_path / 'data' / 'work'} -o data/DATASHEET.md"
    assert repo_relative_command(inside, tmp_path) == "python -m nasbench_kit datasheet data/work -o data/DATASHEET.md"
