"""SearchPanel driven from Python, no browser: sliders, Run, Stop, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import traitlets

from nasbench_kit.analysis import feasible_count
from nasbench_kit.objectives import Constraint
from widgets.live import TRIALS
from widgets.search_panel import SearchPanel

LATENCY = "latency_ms_cpu1t"


def empty_range(panel) -> tuple[float, float]:
    """A latency interval inside the slider's range that holds no cell (in the widest gap)."""
    values = np.unique(panel.benchmark.metric_array(LATENCY))
    i = int(np.argmax(np.diff(values)))
    middle, half = (values[i] + values[i + 1]) / 2, (values[i + 1] - values[i]) / 4
    return float(middle - half), float(middle + half)


@pytest.fixture
def panel(synth_bench):
    panel = SearchPanel(synth_bench, budget=30)
    yield panel
    if panel.background is not None:
        panel.background.stop(timeout_seconds=5.0)


def test_sliders_update_the_feasible_count(panel, synth_bench):
    assert panel.n_feasible == 15_625 and panel.feasible_label.value == "15,625 feasible cells of 15,625"
    assert panel.constraints() == []  # sliders at their full range constrain nothing
    latency = panel.sliders[LATENCY]
    latency.value = (latency.min, 1.5)
    expected = feasible_count(synth_bench, [Constraint(LATENCY, at_most=1.5)])
    assert 0 < expected < 15_625
    assert panel.n_feasible == expected and panel.feasible_label.value.startswith(f"{expected:,} feasible cells")
    params = panel.sliders["params"]
    params.value = (50_000.0, params.max)
    both = [Constraint(LATENCY, at_most=1.5), Constraint("params", at_least=50_000.0)]
    assert panel.constraints() == both
    assert panel.n_feasible == feasible_count(synth_bench, both) < expected


def test_run_draws_every_trial_of_the_history(panel):
    panel.sliders[LATENCY].value = (panel.sliders[LATENCY].min, 2.5)
    panel.run_button.click()
    assert panel.background.wait(30)
    history = panel.current_run.history
    assert len(history) == 30 and len(panel.plot.fig.data[TRIALS].x) == len(history)
    assert panel.current_run.constraints == (Constraint(LATENCY, at_most=2.5),)
    assert panel.progress.value == panel.progress.max == 30
    assert panel.status.value.startswith("budget: 30 evaluations")
    assert not panel.run_button.disabled and panel.stop_button.disabled
    assert panel.plot.fig in panel.plot_box.children


def test_a_multi_objective_strategy_searches_both_axes(panel):
    panel.strategy_input.value = "nsga2"
    panel.run_button.click()
    assert panel.background.wait(60) and panel.background.error is None, panel.status.value
    assert [o.metric for o in panel.current_run.objectives] == ["valid_acc", LATENCY]


def test_stop_button_stops_a_long_run(panel):
    panel.budget_input.value = 10**7
    panel.run_button.click()
    assert panel.background.is_running and not panel.stop_button.disabled
    while panel.current_run.n_trials < 100:
        panel.background.wait(0.01)
    panel.stop_button.click()
    assert panel.background.wait(0.5)
    assert panel.current_run.finished_reason == "stopped" and panel.status.value.startswith("stopped:")
    assert len(panel.plot.fig.data[TRIALS].x) == panel.current_run.n_trials  # the final state is drawn


def test_run_while_running_is_refused(panel):
    panel.budget_input.value = 10**7
    panel.run_button.click()
    first = panel.current_run
    panel.run_button.click()
    assert panel.current_run is first and "already going" in panel.status.value


@pytest.mark.parametrize("setup, message", [
    (lambda p: setattr(p.budget_input, "value", 0), "Budget queries must be an int &gt;= 1, got 0"),
    (lambda p: setattr(p.sliders[LATENCY], "value", empty_range(p)), "no cell of the space satisfies"),
    (lambda p: setattr(p.seed_input, "value", -3), "seed"),
])
def test_bad_input_shows_a_message_and_starts_nothing(panel, setup, message):
    setup(panel)
    panel.run_button.click()
    assert message in panel.status.value and "Traceback" not in panel.status.value
    assert panel.current_run is None and panel.background is None and panel.plot_box.children == ()


def test_impossible_constraint_says_so_before_running(panel):
    panel.sliders[LATENCY].value = empty_range(panel)
    assert panel.n_feasible == 0 and "0 feasible cells" in panel.feasible_label.value
    assert "loosen a constraint" in panel.feasible_label.value


def test_a_lower_bound_above_the_upper_one_cannot_be_entered(panel):
    latency = panel.sliders[LATENCY]
    with pytest.raises(traitlets.TraitError, match="lower > upper"):
        latency.value = (3.0, 1.0)
    assert panel.constraints() == [] and panel.n_feasible == 15_625
