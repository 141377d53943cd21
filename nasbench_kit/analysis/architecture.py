"""One architecture's view: the edges of its cell, its learning curve, its final metrics,
its isomorphism class and its neighbours (one edit away) with a metric."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import ArgumentError
from ._common import _arch_of, _arch_strings, _check_metric, _enumerable_space

__all__ = ["cell_edges", "learning_curve", "arch_metrics", "isomorphs", "neighbor_table"]


def cell_edges(space: Any, arch: Any) -> pd.DataFrame:
    """The edges of a cell (one op per edge, as in NB201), for drawing it as a graph.

    Args:
        space: a cell space with ``edges`` (``(target, source)`` pairs) and cells with
            ``ops`` (one per edge), e.g. :class:`~nasbench_kit.spaces.NB201Space`.
        arch: a cell, its official string or its enumeration index.

    Returns:
        One row per edge in string order: ``position, source, target, label``
        (``"1<-0"``), ``op``.

    Raises:
        ArgumentError: the space has no edge list. OutOfSpaceError: a malformed cell.

    Example:
        >>> from nasbench_kit.spaces import NB201Space
        >>> cell_edges(NB201Space(), 0)["op"].unique().tolist()
        ['none']
    """
    if not hasattr(space, "edges"):
        raise ArgumentError(f"space {getattr(space, 'name', space)!r} has no edge list: only cell spaces "
                            f"with one op per edge (NB201) can be drawn this way")
    cell = _arch_of(space, arch)
    targets, sources = zip(*space.edges)
    return pd.DataFrame({"position": np.arange(len(space.edges)), "source": sources, "target": targets,
                         "label": [f"{t}<-{s}" for t, s in space.edges], "op": list(cell.ops)})


def learning_curve(benchmark: Any, arch: Any, *, dataset: str | None = None, schedule: int | None = None,
                   seed: int | None = None) -> pd.DataFrame:
    """Per-epoch accuracies of one architecture (``benchmark.query(arch).curve``).

    Returns:
        Columns ``epoch, train_acc, valid_acc, test_acc`` (percent), ``train_seconds``
        (cumulative); seed means when ``seed`` is None.

    Raises:
        QueryError: an architecture, dataset or seed the table does not hold.

    Example:
        >>> from nasbench_kit.benchmarks import load_benchmark        # doctest: +SKIP
        >>> learning_curve(load_benchmark(), 0).columns.tolist()     # doctest: +SKIP
        ['epoch', 'train_acc', 'valid_acc', 'test_acc', 'train_seconds']
    """
    arch = _arch_of(benchmark.space, arch) if getattr(benchmark, "space", None) is not None else arch
    curve = benchmark.query(arch, dataset=dataset, schedule=schedule, seed=seed).curve
    return pd.DataFrame({"epoch": np.asarray(curve.epochs, dtype=np.int64),
                         **{m: np.asarray(getattr(curve, m), dtype=np.float64)
                            for m in ("train_acc", "valid_acc", "test_acc", "train_seconds")}})


def arch_metrics(benchmark: Any, arch: Any, *, dataset: str | None = None,
                 schedule: int | None = None) -> pd.DataFrame:
    """Final accuracies, training time and every free cost metric of one architecture.

    Returns:
        Columns ``metric, value``: ``train_acc``, ``valid_acc``, ``test_acc``,
        ``train_seconds`` at the schedule's last epoch (seed means), then the free
        metrics in the benchmark's order (``params``, ``flops``, ``latency_ms_<device>``, ...).

    Example:
        >>> from nasbench_kit.benchmarks import load_benchmark             # doctest: +SKIP
        >>> arch_metrics(load_benchmark(), 0).set_index("metric")["value"]["params"]  # doctest: +SKIP
    """
    from ..benchmarks.record import CURVE_METRICS

    arch = _arch_of(benchmark.space, arch) if getattr(benchmark, "space", None) is not None else arch
    final = benchmark.query(arch, dataset=dataset, schedule=schedule).final
    rows = [(m, float(getattr(final, m))) for m in ("train_acc", "valid_acc", "test_acc", "train_seconds")]
    for m in benchmark.metrics:
        if m not in CURVE_METRICS:
            rows.append((m, float(benchmark.query_many([arch], metric=m, dataset=dataset, schedule=schedule)[0])))
    return pd.DataFrame(rows, columns=["metric", "value"])


_CANONICALS: dict[Any, list[str]] = {}


def _all_canonical(space: Any) -> list[str]:
    key = (type(space).__name__, getattr(space, "name", None), len(space))
    if key not in _CANONICALS:
        canon = space.all_canonical() if hasattr(space, "all_canonical") else [space.canonical(a) for a in space]
        _CANONICALS[key] = list(canon)
    return _CANONICALS[key]


def isomorphs(space: Any, arch: Any) -> pd.DataFrame:
    """Every cell of an enumerable space in the isomorphism class of ``arch``.

    Returns:
        Columns ``arch_index, arch, canonical``, in enumeration order (``arch`` itself
        included; ``len`` is the size of its class).

    Raises:
        ArgumentError: the space cannot be enumerated.

    Example:
        >>> from nasbench_kit.spaces import NB201Space
        >>> len(isomorphs(NB201Space(), 0))      # all-none: every cell whose output reads zero
        225
        >>> len(isomorphs(NB201Space(), 15624))  # all avg_pool: no other cell computes the same
        1
    """
    if not getattr(space, "is_finite", False) or not hasattr(space, "cell_at"):
        raise ArgumentError(f"space {getattr(space, 'name', space)!r} cannot be enumerated; isomorphism classes "
                            f"are listed for finite spaces such as NB201")
    canonical = space.canonical(_arch_of(space, arch))
    index = np.flatnonzero(np.asarray(_all_canonical(space), dtype=object) == canonical)
    strings = _arch_strings(space)
    return pd.DataFrame({"arch_index": index.astype(np.int64), "arch": [strings[i] for i in index],
                         "canonical": canonical})


def neighbor_table(benchmark: Any, arch: Any, metric: str = "valid_acc", *, dataset: str | None = None,
                   schedule: int | None = None, epoch: int | None = None) -> pd.DataFrame:
    """The neighbours of ``arch`` (``space.neighbors``: one edit away) with a metric.

    Args:
        benchmark: a tabular benchmark of an enumerable space (NB201).
        arch: a cell, its official string or its enumeration index.
        metric: the value shown for each neighbour; ``delta`` is neighbour minus ``arch``.

    Returns:
        One row per neighbour, in ``space.neighbors`` order: ``arch_index, arch,
        position`` (the edge changed; -1 if not one edge), ``edge`` (``"1<-0"``),
        ``from_op, to_op``, ``metric`` (named after it; NaN without a run), ``delta``.

    Raises:
        UnknownNameError: an unknown metric. ArgumentError: a space that cannot be enumerated.

    Example:
        >>> from nasbench_kit.benchmarks import load_benchmark   # doctest: +SKIP
        >>> len(neighbor_table(load_benchmark(), 0))            # doctest: +SKIP
        24
    """
    space = _enumerable_space(benchmark)
    _check_metric(benchmark, metric)
    cell = _arch_of(space, arch)
    values = benchmark.metric_array(metric, dataset=dataset, schedule=schedule, epoch=epoch, over="space")
    found = space.neighbors(cell)
    edges = getattr(space, "edges", None)
    rows = []
    for other in found:
        changed = [k for k, (a, b) in enumerate(zip(getattr(cell, "ops", ()), getattr(other, "ops", ()))) if a != b]
        k = changed[0] if len(changed) == 1 else -1
        rows.append({"arch_index": int(space.index(other)), "arch": str(other), "position": k,
                     "edge": f"{edges[k][0]}<-{edges[k][1]}" if edges is not None and k >= 0 else "",
                     "from_op": cell.ops[k] if k >= 0 else "", "to_op": other.ops[k] if k >= 0 else ""})
    out = pd.DataFrame(rows, columns=["arch_index", "arch", "position", "edge", "from_op", "to_op"])
    out[metric] = values[out["arch_index"].to_numpy(np.int64)] if len(out) else np.empty(0)
    out["delta"] = out[metric] - values[space.index(cell)]
    return out
