"""``python -m nasbench_kit search`` / ``compare``: files written, clear errors, parsers."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from nasbench_kit.cli import main
from nasbench_kit.errors import ArgumentError
from nasbench_kit.search_commands import parse_budget, parse_constraint, parse_objective, parse_seeds

METRICS = ("valid_acc", "test_acc", "params", "latency_ms_cpu1t", "latency_ms_pixel3", "energy_mj_edgegpu")


def test_search_writes_history_checkpoint_and_plot(synth_path, tmp_path):
    code = main(["search", "--benchmark", str(synth_path), "--strategy", "rea", "--budget", "40",
                 "--constraint", "latency_ms<=2.5", "--seed", "3", "--out", str(tmp_path), "--no-progress"])
    assert code == 0
    history = pd.read_csv(tmp_path / "history.csv")
    # the CLI dedupes isomorphs: 40 evaluations, plus free rows for the isomorphs it skipped
    assert (~history["skipped"]).sum() == 40 and (history["latency_ms_cpu1t"] <= 2.5).all()
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["incumbent_search"] == pytest.approx(history["valid_acc"].max())
    assert json.loads((tmp_path / "run.json").read_text())["strategy"]["seed"] == 3
    assert "plotly" in (tmp_path / "search.html").read_text()[:5000].lower()


def test_compare_writes_tables(synth_path, tmp_path, capsys):
    code = main(["compare", "--benchmark", str(synth_path), "--strategies", "random,rea", "--seeds", "3",
                 "--budget", "20", "--out", str(tmp_path), "--no-progress"])
    assert code == 0
    trials = pd.read_parquet(tmp_path / "trials.parquet")
    assert set(trials["strategy"]) == {"random", "rea"} and trials["seed"].nunique() == 3
    final = pd.read_csv(tmp_path / "final_regret.csv")
    assert final["runs"].tolist() == [3, 3]
    assert (tmp_path / "regret.html").exists() and "results written to" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--strategy", "nope"], "strategy 'nope' is unknown"),
    (["--budget", "0"], "Budget queries must be an int >= 1"),
    (["--budget", "lots"], "not understood"),
    (["--constraint", "latency_ms<=0.0001"], "no architecture"),
    (["--constraint", "latency<3"], "METRIC<=VALUE"),
    (["--objective", "test_acc"], "report metric"),
    (["--hp", "population_size=0"], "population_size"),
])
def test_bad_input_is_one_clear_line(synth_path, tmp_path, capsys, argv, message):
    code = main(["search", "--benchmark", str(synth_path), "--out", str(tmp_path), "--no-progress", *argv])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_parsers():
    assert parse_budget("150")["budget"].queries == 150
    assert parse_budget("2.5e4s")["budget"].seconds == 25000.0
    c = parse_constraint("params >= 1e5", METRICS)
    assert (c.metric, c.at_least, c.at_most) == ("params", 1e5, None)
    with pytest.raises(ArgumentError, match="could mean any of"):
        parse_constraint("latency_ms<=3", METRICS)
    o = parse_objective("latency_ms_pixel3:min", METRICS)
    assert (o.metric, o.maximize) == ("latency_ms_pixel3", False)
    assert parse_seeds("3") == [0, 1, 2] and parse_seeds("5-7") == [5, 6, 7] and parse_seeds("1,4") == [1, 4]
    with pytest.raises(ArgumentError):
        parse_seeds("0")


def test_cli_dedupes_isomorphs_by_default(synth_path, tmp_path, capsys):
    base = ["search", "--benchmark", str(synth_path), "--strategy", "rea", "--budget", "60", "--seed", "0",
            "--constraint", "latency_ms<=0.7", "--no-progress"]
    assert main([*base, "--out", str(tmp_path / "on")]) == 0
    on = json.loads((tmp_path / "on" / "summary.json").read_text())
    assert on["seconds_on_isomorphs"] == 0.0 and json.loads((tmp_path / "on" / "run.json").read_text())["run"]["dedupe"]
    assert "warning:" not in capsys.readouterr().err
    assert main([*base, "--no-dedupe", "--out", str(tmp_path / "off")]) == 0
    off = json.loads((tmp_path / "off" / "summary.json").read_text())
    assert off["isomorph_share"] > 0.5 and off["warnings"], off
    err = capsys.readouterr().err
    assert err.count("warning:") == 1 and "isomorphic" in err
