"""One-shot NAS, really trained on a tiny preset: each method's behaviour, not its digits.

Trained floats differ between processors, so these tests check what must hold on any CPU:
the trajectory's shape, that training learns, that the architecture distribution moves,
that the derived cell is a real cell with a table entry, reproducibility within one
process, Stop, and clear errors.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from nasbench_kit.errors import ArgumentError, NasKitError, UnknownNameError
from nasbench_kit.oneshot import METHODS, make_search
from nasbench_kit.oneshot.base import distribution_columns
from nasbench_kit.spaces import Cell201, NB101Space

torch = pytest.importorskip("torch")

# small but learnable: 512 images per half, C=4, N=1 (a few seconds per method)
SMALL = dict(preset="tiny", max_images=512, w_lr=0.1)


def _settings(method: str) -> dict:
    """4 epochs; faster architecture / controller learning, so that 4 epochs move them."""
    extra = {"epochs": 4}
    if method in ("darts", "gdas"):
        extra["a_lr"] = 0.05
    if method == "enas":
        extra.update(c_lr=0.05, c_steps=15)
    return {**SMALL, **extra}


@pytest.fixture(scope="module")
def runs():
    """Each method once on the small setting (seed 0), shared by the tests below."""
    return {method: make_search(method, seed=0, **_settings(method)).run() for method in METHODS}


@pytest.mark.parametrize("method", list(METHODS))
def test_a_search_records_every_epoch_and_derives_a_cell_of_the_table(runs, method):
    result = runs[method]
    frame = result.trajectory
    assert result.reason == "done" and list(frame["epoch"]) == [1, 2, 3, 4]
    assert (np.diff(frame["seconds"]) > 0).all()
    probs = frame[distribution_columns()].to_numpy().reshape(len(frame), 6, 5)
    assert np.allclose(probs.sum(axis=2), 1.0) and (probs >= 0).all()
    for text in frame["derived"]:
        assert isinstance(Cell201.from_string(text), Cell201)
    # every NB201 class is in the shipped table: the truth of each derived cell is known
    assert frame[["table_valid_acc", "table_test_acc"]].notna().all().all()
    assert isinstance(result.derived, Cell201) and np.isfinite(result.final["test_acc"])
    assert result.final["test_regret"] == pytest.approx(result.final["optimum_test_acc"] - result.final["test_acc"])
    assert result.final["test_regret"] >= 0


@pytest.mark.parametrize("method", list(METHODS))
def test_the_supernet_learns(runs, method):
    loss = runs[method].trajectory["train_loss"].to_numpy()
    assert loss[-1] < loss[0] - 0.05, loss  # chance level is ln(10) = 2.30


@pytest.mark.parametrize("method", ["darts", "gdas", "enas"])
def test_the_architecture_distribution_moves_away_from_uniform(runs, method):
    frame = runs[method].trajectory
    probs = frame[distribution_columns()].to_numpy()
    uniform_gap = np.abs(probs - 0.2).max(axis=1)
    assert uniform_gap[-1] > 0.01 and uniform_gap[-1] > uniform_gap[0], uniform_gap


def test_gdas_anneals_its_temperature(runs):
    tau = runs["gdas"].trajectory["tau"].to_numpy()
    assert tau[0] == pytest.approx(10.0) and tau[-1] == pytest.approx(0.1) and (np.diff(tau) < 0).all()


def test_the_enas_controller_becomes_more_certain(runs):
    entropy = runs["enas"].trajectory["controller_entropy"].to_numpy()
    assert entropy[-1] < entropy[0], entropy


@pytest.mark.parametrize("method", ["spos", "rsps", "enas"])
def test_the_final_cell_is_the_sub_network_search_winner(runs, method):
    extra = runs[method].extra
    assert str(runs[method].derived) == extra["best"] and extra["candidates_scored"] >= 8
    assert 0 <= extra["best_inherited_acc"] <= 100


@pytest.mark.parametrize("method", ["darts", "gdas", "spos", "enas"])
def test_the_same_seed_gives_the_same_trajectory(runs, method):
    again = make_search(method, seed=0, **_settings(method)).run()
    first = runs[method].trajectory.drop(columns="seconds")
    assert again.trajectory.drop(columns="seconds").equals(first)
    other = make_search(method, seed=1, **_settings(method)).run().trajectory.drop(columns="seconds")
    assert not other.equals(first)


def test_ranking_quality_compares_inherited_and_table_accuracy(runs):
    search = make_search("rsps", seed=0, preset="tiny", epochs=1)
    with pytest.raises(ArgumentError, match="needs a search that ran"):
        search.ranking_quality(10)
    search.run()
    quality = search.ranking_quality(12, images=128)
    assert quality["classes"] == 12 and -1 <= quality["kendall_test"] <= 1 and -1 <= quality["spearman_valid"] <= 1


def test_second_order_darts_runs_and_differs_from_first_order():
    first = make_search("darts", seed=0, preset="tiny", a_lr=0.05).run().trajectory
    second = make_search("darts", seed=0, preset="tiny", a_lr=0.05, order=2).run().trajectory
    columns = distribution_columns()
    assert not np.allclose(first[columns].to_numpy(), second[columns].to_numpy())
    assert np.isfinite(second[columns].to_numpy()).all()


def test_stop_from_another_thread_ends_the_search_with_what_it_has():
    search = make_search("spos", seed=0, preset="tiny", epochs=50)
    seen = []

    def on_epoch(event):
        seen.append(event.row["epoch"])
        if len(seen) == 2:
            threading.Thread(target=search.stop).start()

    search.on("epoch_finished", on_epoch)
    finished = []
    search.on("search_finished", lambda event: finished.append(event.reason))
    result = search.run()
    assert result.reason == "stopped" and finished == ["stopped"]
    assert 2 <= len(result.trajectory) < 50 and isinstance(result.derived, Cell201)


def test_a_search_runs_once():
    search = make_search("rsps", seed=0, preset="tiny", epochs=1)
    search.run()
    with pytest.raises(ArgumentError, match="already ran"):
        search.run()


def test_without_a_table_the_truth_columns_are_nan():
    result = make_search("rsps", seed=0, preset="tiny", epochs=1, benchmark=False).run()
    assert result.trajectory["table_test_acc"].isna().all() and isinstance(result.derived, Cell201)


@pytest.mark.parametrize("call, error, words", [
    (lambda: make_search("snas"), UnknownNameError, "one-shot method 'snas' is unknown"),
    (lambda: make_search("darts", preset="huge"), UnknownNameError, "preset 'huge' is unknown"),
    (lambda: make_search("darts", epochs=0), ArgumentError, "epochs must be an int >= 1"),
    (lambda: make_search("darts", order=3), ArgumentError, "order must be 1"),
    (lambda: make_search("darts", tau_max=3.0), UnknownNameError, "takes no setting(s) ['tau_max']"),
    (lambda: make_search("gdas", a_lr="fast"), ArgumentError, "a_lr must be a finite number"),
    (lambda: make_search("spos", sample_size=20), ArgumentError, "exceeds population_size"),
    (lambda: make_search("darts", space=NB101Space()), ArgumentError, "no supernet for space 'nb101'"),
    (lambda: make_search("darts", device="tpu"), ArgumentError, "device must be"),
    (lambda: make_search("darts", seed=-1), ArgumentError, "seed must be"),
])
def test_bad_input_is_a_clear_error(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, NasKitError) and words in str(info.value)


def test_the_supernet_refuses_bad_paths_and_weights():
    from nasbench_kit.oneshot.supernet201 import Supernet201

    net = Supernet201(C=4, N=1)
    x = torch.zeros(2, 3, 8, 8)
    with pytest.raises(NasKitError, match="path must be 6 op indices"):
        net(x, path=(0, 1, 2))
    with pytest.raises(NasKitError, match="weights must have shape"):
        net(x, weights=torch.ones(5, 5))
    with pytest.raises(NasKitError, match="needs weights"):
        net(x)


def test_a_single_path_equals_the_standalone_cell_computation():
    """A path computes exactly what DARTS's one-hot weights compute: the same sub-network."""
    from nasbench_kit.oneshot.supernet201 import Supernet201

    torch.manual_seed(0)
    net = Supernet201(C=4, N=1)
    x = torch.randn(4, 3, 8, 8)
    path = (3, 2, 1, 4, 3, 0)
    one_hot = torch.zeros(6, 5).scatter_(1, torch.tensor(path)[:, None], 1.0)
    assert torch.allclose(net(x, path=path), net(x, weights=one_hot), atol=1e-5)


def test_the_command_writes_the_trajectory_and_summary(tmp_path, capsys):
    import json

    import pandas as pd

    from nasbench_kit.cli import main

    assert main(["oneshot", "--method", "gdas", "--preset", "tiny", "--epochs", "2", "--out", str(tmp_path),
                 "--no-progress"]) == 0
    trajectory = pd.read_parquet(tmp_path / "trajectory.parquet")
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert len(trajectory) == 2 and summary["method"] == "gdas" and summary["epochs_run"] == 2
    assert summary["derived"] == trajectory["derived"].iloc[-1] and "results written to" in capsys.readouterr().out
