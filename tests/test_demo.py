"""`python -m nasbench_kit demo` (what `make demo` runs) writes real results."""

import json
import subprocess
import sys

import pandas as pd

from nasbench_kit.models.counts201 import nb201_param_count
from nasbench_kit.spaces import NB201Space


def test_demo_writes_census_and_summary(tmp_path):
    out = tmp_path / "demo"
    proc = subprocess.run(
        [sys.executable, "-m", "nasbench_kit", "demo", "--out", str(out)],
        capture_output=True, text=True, check=True,
    )
    assert str(out.resolve()) in proc.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["nb201"]["cells"] == 15625
    assert summary["nb201"]["unique_classes"] == 6466
    census = pd.read_parquet(out / "nb201_census.parquet")
    assert len(census) == 15625
    # class sizes add up to the number of cells in each class
    assert census.groupby("canonical")["class_size"].first().sum() == 15625
    space = NB201Space()
    row = census.iloc[4321]
    cell = space.parse(row["arch"])
    assert space.index(cell) == 4321
    assert row["canonical"] == space.canonical(cell)
    assert row["params"] == nb201_param_count(cell)


def test_demo_compares_strategies_on_a_given_table(tmp_path, synth_path):
    from nasbench_kit.demo import run_demo

    summary = run_demo(tmp_path / "demo", benchmark=str(synth_path), compare_seeds=3)
    regret = summary["compare"]["mean_final_regret"]
    assert set(regret) == {"random", "rea", "reinforce", "local-search"} and min(regret.values()) >= 0
    final = pd.read_csv(tmp_path / "demo" / "compare" / "final_regret.csv")
    assert final["runs"].tolist() == [3, 3, 3, 3]


def test_cli_reports_bad_input_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "nasbench_kit", "info", str(tmp_path / "missing.parquet")],
        capture_output=True, text=True,
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "missing.parquet" in proc.stderr
