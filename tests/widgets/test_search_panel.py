"""SearchPanel driven from Python, no browser: sliders, bound boxes, Run, Stop, pace, bad input."""

from __future__ import annotations

import time

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


def assert_refused(panel, message: str) -> None:
    """Run was clicked: a message (no traceback) and nothing started."""
    panel.run_button.click()
    assert message in panel.message, panel.message
    assert "Traceback" not in panel.status.value and panel.status.value.startswith('<span style="color:')
    assert panel.current_run is None and panel.background is None and panel.plot_box.children == ()
    assert not panel.run_button.disabled and panel.stop_button.disabled


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
    assert panel.bounds[LATENCY][1].value == 1.5  # the max box follows the slider
    expected = feasible_count(synth_bench, [Constraint(LATENCY, at_most=1.5)])
    assert 0 < expected < 15_625
    assert panel.n_feasible == expected and panel.feasible_label.value.startswith(f"{expected:,} feasible cells")
    params = panel.sliders["params"]
    params.value = (50_000.0, params.max)
    both = [Constraint(LATENCY, at_most=1.5), Constraint("params", at_least=50_000.0)]
    assert panel.constraints() == both
    assert panel.n_feasible == feasible_count(synth_bench, both) < expected


def test_typed_bounds_move_the_slider_and_set_the_constraint(panel, synth_bench):
    panel.set_limit(LATENCY, at_most=2.0)
    latency = panel.sliders[LATENCY]
    assert latency.value == (latency.min, 2.0)
    assert panel.constraints() == [Constraint(LATENCY, at_most=2.0)]
    assert panel.n_feasible == feasible_count(synth_bench, [Constraint(LATENCY, at_most=2.0)])
    panel.bounds[LATENCY][1].value = latency.max + 10.0  # beyond the range: no upper limit, slider at its end
    assert latency.value == (latency.min, latency.max) and panel.constraints() == []
    with pytest.raises(Exception, match="no constraint on 'flops'"):
        panel.set_limit("flops", at_most=1.0)


def test_run_draws_every_trial_of_the_history(panel):
    panel.sliders[LATENCY].value = (panel.sliders[LATENCY].min, 2.5)
    panel.run_button.click()
    assert panel.background.wait(30)
    history = panel.current_run.history
    assert len(history) == 30 and len(panel.plot.fig.data[TRIALS].x) == len(history)
    assert panel.current_run.constraints == (Constraint(LATENCY, at_most=2.5),)
    assert panel.progress.value == panel.progress.max == 30
    assert panel.count_label.value == f"30 evaluations, {len(history)} trials"
    assert panel.status.value.startswith("budget: 30 evaluations") and panel.message == panel.status.value
    assert not panel.run_button.disabled and panel.stop_button.disabled
    assert panel.plot.fig in panel.plot_box.children


def test_a_multi_objective_strategy_searches_both_axes(panel):
    panel.strategy_input.value = "nsga2"
    panel.run_button.click()
    assert panel.background.wait(60) and panel.background.error is None, panel.status.value
    assert [o.metric for o in panel.current_run.objectives] == ["valid_acc", LATENCY]


def test_stop_button_stops_a_long_run_within_half_a_second(panel):
    panel.budget_input.value = 10**7
    panel.run_button.click()
    assert panel.background.is_running and not panel.stop_button.disabled
    while panel.current_run.n_trials < 100:
        panel.background.wait(0.01)
    start = time.monotonic()
    panel.stop_button.click()
    assert panel.background.wait(0.5) and time.monotonic() - start < 0.5
    assert panel.current_run.finished_reason == "stopped" and panel.status.value.startswith("stopped:")
    assert len(panel.plot.fig.data[TRIALS].x) == panel.current_run.n_trials  # the final state is drawn


def test_pace_slows_the_run_and_stop_interrupts_the_wait(panel):
    panel.pace_input.value = 0.05
    panel.budget_input.value = 1000
    panel.run_button.click()
    time.sleep(0.5)
    n = panel.current_run.n_trials
    assert 2 <= n <= 15, n  # about 10 trials in 0.5 s at 0.05 s / trial, not hundreds
    panel.pace_input.value = 0.5  # the slowest pace: Stop must not wait for the pause to end
    time.sleep(0.1)
    start = time.monotonic()
    panel.stop_button.click()
    assert panel.background.wait(0.5) and time.monotonic() - start < 0.5
    assert panel.current_run.finished_reason == "stopped"


def test_run_while_running_is_refused(panel):
    panel.budget_input.value = 10**7
    panel.run_button.click()
    first = panel.current_run
    panel.run_button.click()
    assert panel.current_run is first and "already going" in panel.status.value


def test_a_budget_of_zero_is_refused(panel):
    panel.budget_input.value = 0
    assert_refused(panel, "the budget must be at least 1 evaluation, got 0")
    panel.budget_input.value = -5
    assert_refused(panel, "the budget must be at least 1 evaluation, got -5")


def test_a_bad_seed_is_refused(panel):
    panel.seed_input.value = -3
    assert_refused(panel, "seed")


def test_min_above_max_is_refused(panel):
    low_box, high_box = panel.bounds[LATENCY]
    low_box.value = 3.0
    slider_before = panel.sliders[LATENCY].value
    assert slider_before[0] == 3.0
    high_box.value = 1.0
    assert panel.n_feasible is None
    assert "latency_ms_cpu1t: min 3 is above max 1" in panel.feasible_label.value
    assert panel.sliders[LATENCY].value == slider_before  # the slider keeps its last valid range
    assert_refused(panel, "cannot start: latency_ms_cpu1t: min 3 is above max 1; set min at most max")
    high_box.value = 4.0  # fixed: counted and runnable again
    assert panel.n_feasible == feasible_count(panel.benchmark, panel.constraints()) and panel.n_feasible > 0


def test_the_slider_itself_cannot_take_min_above_max(panel):
    latency = panel.sliders[LATENCY]
    with pytest.raises(traitlets.TraitError, match="lower > upper"):
        latency.value = (3.0, 1.0)
    assert panel.constraints() == [] and panel.n_feasible == 15_625


def test_a_limit_below_every_cell_names_the_tightest_feasible_limit(panel, synth_bench):
    fastest = float(np.nanmin(synth_bench.metric_array(LATENCY)))
    panel.set_limit(LATENCY, at_most=fastest / 2)
    assert panel.n_feasible == 0
    text = panel.feasible_label.value
    assert "0 feasible cells of 15,625: no cell of the space satisfies" in text
    assert "tightest feasible limit: latency_ms_cpu1t &lt;= " in text
    assert_refused(panel, "tightest feasible limit: latency_ms_cpu1t <= ")
    # the value shown is the fastest cell's latency rounded up: typing it in admits a cell
    shown = float(panel.message.rsplit("<= ", 1)[1])
    assert fastest <= shown <= fastest * 1.001
    panel.set_limit(LATENCY, at_most=shown)
    assert panel.n_feasible == feasible_count(synth_bench, [Constraint(LATENCY, at_most=shown)]) >= 1
    panel.run_button.click()
    assert panel.background.wait(30) and panel.background.error is None, panel.message
    history = panel.current_run.history
    evaluated = history[history["feasible"]]
    assert len(evaluated) >= 1 and evaluated[LATENCY].max() <= shown  # infeasible proposals are not trained


def test_limits_that_only_conflict_together_name_the_tightest_limit_keeping_the_others(panel, synth_bench):
    latency = synth_bench.metric_array(LATENCY)
    params = synth_bench.metric_array("params")
    limit = float(np.quantile(latency, 0.3))
    most_params = float(params[latency <= limit].max())
    panel.set_limit(LATENCY, at_most=limit)
    panel.set_limit("params", at_least=most_params * 1.01)
    assert panel.n_feasible == 0 and "keeping the other limits" in panel.feasible_label.value
    assert_refused(panel, "no cell of the space satisfies")
    hint = panel.message.split("keeping the other limits): ")[1]
    latency_hint, params_hint = hint.split("; ")
    assert latency_hint.startswith(f"{LATENCY} <= ") and params_hint.startswith("params >= ")
    panel.set_limit("params", at_least=float(params_hint.split(">= ")[1]))  # the params hint alone fixes it
    assert panel.n_feasible >= 1


def test_an_interval_in_a_gap_names_the_nearest_cells_on_both_sides(panel):
    low, high = empty_range(panel)
    panel.sliders[LATENCY].value = (low, high)
    assert panel.n_feasible == 0
    assert_refused(panel, "no cell of the space satisfies")
    below, above = panel.message.split("tightest feasible limit: ")[1].split(" or ")
    assert below.startswith(f"{LATENCY} >= ") and above.startswith(f"{LATENCY} <= ")
    panel.set_limit(LATENCY, at_least=float(below.split(">= ")[1]))
    assert panel.n_feasible >= 1


def test_browser_hooks_and_a_short_repr(panel, synth_bench):
    assert "nbk-search-panel" in panel._dom_classes
    assert "nbk-run" in panel.run_button._dom_classes and "nbk-stop" in panel.stop_button._dom_classes
    assert "nbk-status" in panel.status._dom_classes and "nbk-plot" in panel.plot_box._dom_classes
    assert "nbk-count" in panel.count_label._dom_classes and "nbk-budget" in panel.budget_input._dom_classes
    assert f"nbk-max-{LATENCY}" in panel.bounds[LATENCY][1]._dom_classes
    assert repr(panel) == f"SearchPanel(benchmark='{synth_bench.name}', strategy='random', x='{LATENCY}', y='valid_acc')"
