"""The one-shot panel draws what the search publishes, runs in the background, stops on demand."""

from __future__ import annotations

import time

import numpy as np
import pytest

pytest.importorskip("torch")

from nasbench_kit.oneshot.base import distribution_columns  # noqa: E402
from widgets.oneshot_panel import OneShotPanel, oneshot_figure  # noqa: E402


def test_the_panel_draws_every_epoch_of_the_search():
    panel = OneShotPanel("darts", preset="tiny", epochs=3, a_lr=0.05, min_interval_seconds=0.0)
    panel.start()
    assert panel.wait(120)
    result = panel.background.result
    assert result.reason == "done" and [r["epoch"] for r in panel.rows] == [1, 2, 3]
    last = result.trajectory.iloc[-1]
    heat = np.asarray(panel.figure.data[0].z)
    assert np.allclose(heat.ravel(), last[distribution_columns()].to_numpy(dtype=float))
    assert list(panel.figure.data[1].y) == list(result.trajectory["table_test_acc"])
    assert str(result.derived) in panel.status.value and "done after 3 epoch(s)" in panel.status.value
    assert panel.start_button.disabled is False and panel.stop_button.disabled is True


def test_stop_ends_a_long_search_within_half_a_second_of_an_epoch():
    panel = OneShotPanel("spos", preset="tiny", epochs=500, min_interval_seconds=0.0)
    panel.start()
    try:
        deadline = time.monotonic() + 60
        while not panel.rows and time.monotonic() < deadline:
            time.sleep(0.05)
        assert panel.rows, "no epoch finished"
    finally:
        assert panel.stop(timeout_seconds=5.0)
    result = panel.background.result
    assert result.reason == "stopped" and len(result.trajectory) < 500 and "stopped" in panel.status.value


def test_a_bad_setting_is_shown_in_the_status_line_not_raised():
    panel = OneShotPanel("darts", preset="tiny", epochs=0)
    panel.start()
    assert panel.background is None and "epochs must be an int &gt;= 1" in panel.status.value


def test_the_figure_of_a_saved_trajectory():
    rows = [{"epoch": e, "table_test_acc": 50.0 + e, "skip_weight": 0.2,
             **dict.fromkeys(distribution_columns(), 0.2)} for e in (1, 2)]
    fig = oneshot_figure(rows)
    assert list(fig.data[1].x) == [1, 2] and list(fig.data[1].y) == [51.0, 52.0]
