"""Architecture view: the cell drawing, curve, metrics, class and clickable neighbours."""

from __future__ import annotations

import numpy as np
import pytest
from plotly.callbacks import Points

from nasbench_kit.analysis import isomorphs
from nasbench_kit.budget import Budget
from nasbench_kit.run import Run
from nasbench_kit.spaces.nb201 import NB201Space
from nasbench_kit.strategies import make_strategy
from widgets.arch_view import CURVE_TRACES, ArchitectureView, cell_figure
from widgets.live import CLOUD, TRIALS, LiveParetoPlot

CELL = "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|none~1|avg_pool_3x3~2|"
SHORT = {"none": "none", "skip_connect": "skip", "nor_conv_1x1": "conv 1x1", "nor_conv_3x3": "conv 3x3",
         "avg_pool_3x3": "avg pool 3x3"}


def edge_shapes(layout):
    return {s.name.removeprefix("edge "): s for s in layout.shapes if s.name.startswith("edge ")}


def edge_labels(layout):
    return {a.name.removeprefix("edge "): a.text for a in layout.annotations if (a.name or "").startswith("edge ")}


def test_cell_figure_draws_four_nodes_and_six_labelled_edges(tmp_path):
    fig = cell_figure(NB201Space(), CELL)
    ops = NB201Space().parse(CELL).ops
    labels = ["1<-0", "2<-0", "2<-1", "3<-0", "3<-1", "3<-2"]
    assert [s.name for s in fig.layout.shapes if s.type == "circle"] == ["node 0", "node 1", "node 2", "node 3"]
    assert edge_labels(fig.layout) == {label: SHORT[op] for label, op in zip(labels, ops)}
    shapes = edge_shapes(fig.layout)
    assert list(shapes) == labels
    for label, op in zip(labels, ops):
        assert shapes[label].line.dash == ("dash" if op == "none" else "solid")
        source, target = int(label[-1]), int(label[0])
        path = shapes[label].path
        assert path.startswith(f"M {float(source)},0.0") and path.endswith(f"{float(target)},0.0")
    fig.write_html(tmp_path / "cell.html")


def test_view_shows_curve_metrics_class_and_neighbours(synth_bench):
    view = ArchitectureView(synth_bench, CELL)
    space, record = synth_bench.space, synth_bench.query(CELL)
    assert view.arch == CELL and view.status.value.startswith("showing cell")
    for trace, metric in zip(view.curve_fig.data, CURVE_TRACES):
        assert np.allclose(trace.y, getattr(record.curve, metric)) and list(trace.x) == list(record.curve.epochs)
    assert edge_labels(view.cell_fig.layout)["1<-0"] == "conv 3x3"
    assert f"{record.params:,}" in view.metrics_label.value and "latency_ms_cpu1t" in view.metrics_label.value
    size = sum(c == record.canonical for c in space.all_canonical())
    assert f"{size:,} cell(s)" in view.class_label.value and len(isomorphs(space, CELL)) == size
    ops = space.parse(CELL).ops
    brute = {str(c) for c in space if sum(a != b for a, b in zip(c.ops, ops)) == 1}
    assert len(view.neighbor_buttons) == 24 and {b.tooltip for b in view.neighbor_buttons} == brute
    valid = synth_bench.metric_array("valid_acc")
    first = view.neighbors.iloc[0]
    assert f"{valid[first['arch_index']]:.4g}" in view.neighbor_buttons[0].description


def test_clicking_a_neighbour_navigates_in_place_and_back_returns(synth_bench):
    view = ArchitectureView(synth_bench, CELL)
    curve_traces, buttons = list(view.curve_fig.data), list(view.neighbor_buttons)
    target = view.neighbor_buttons[7].tooltip
    view.neighbor_buttons[7].click()
    assert view.arch == target and not view.back_button.disabled
    assert all(a is b for a, b in zip(curve_traces, view.curve_fig.data))  # redrawn in place
    assert view.neighbor_buttons == buttons  # the same 24 buttons, relabelled
    assert np.allclose(view.curve_fig.data[1].y, synth_bench.query(target).curve.valid_acc)
    new_ops = NB201Space().parse(target).ops
    assert edge_labels(view.cell_fig.layout) == dict(zip(edge_shapes(view.cell_fig.layout), map(SHORT.get, new_ops)))
    assert CELL in {b.tooltip for b in view.neighbor_buttons}  # one edit back
    view.back_button.click()
    assert view.arch == CELL and view.back_button.disabled


def test_a_click_on_the_pareto_plot_opens_the_architecture(synth_bench):
    run = Run(make_strategy("random", synth_bench.space), synth_bench, budget=Budget(queries=20), seed=0)
    plot = LiveParetoPlot(run)
    run.run()
    view = ArchitectureView(synth_bench)
    view.follow(plot)
    plot.fig.data[TRIALS]._dispatch_on_click(Points(point_inds=[4]), None)
    assert view.arch == run.history["arch"].iloc[4]
    plot.fig.data[CLOUD]._dispatch_on_click(Points(point_inds=[15624]), None)
    assert view.arch == str(synth_bench.space.cell_at(15624))


@pytest.mark.parametrize("arch, kwargs, message", [
    (CELL.replace("avg_pool_3x3", "conv5x5"), {}, "conv5x5"),
    (15625, {}, "NB201 index must be an int in 0..15624"),
    (CELL, {"metric": "acc"}, "metric &#x27;acc&#x27; is not available"),
    (CELL, {"dataset": "imagenet"}, "imagenet"),
])
def test_bad_input_is_a_message_and_keeps_the_view(synth_bench, arch, kwargs, message):
    view = ArchitectureView(synth_bench, arch, **kwargs)
    assert message in view.status.value and "Traceback" not in view.status.value and view.arch is None
    if not kwargs:
        view.show(CELL)
        view.show(arch)
        assert view.arch == CELL and message in view.status.value
