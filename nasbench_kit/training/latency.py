"""CPU inference latency, size and FLOPs of networks, and a lookup-table latency predictor.

Protocol (:func:`measure_latencies`): every model is put in eval mode and run under
``torch.inference_mode`` on a fixed random input with a fixed number of threads; each is
warmed up, then the models are timed round-robin (one call of each model per round), so
slow drift of the machine (frequency scaling, other processes) hits all of them alike.
The latency is the median over rounds; the spread is reported as the coefficient of
variation of the rounds (``cv``, std/mean) and its outlier-robust version
(``robust_cv``, 1.4826 * MAD / median).

The lookup-table predictor (:class:`OpLatencyTable`) times every candidate operation at
every stage shape once, plus the fixed skeleton (stem, reduction blocks, head), and
predicts a cell's latency as their sum, as FBNet (Wu et al., CVPR 2019) and other
hardware-aware NAS methods do. It ignores framework overhead between ops, memory and
cache effects, which is what its measured correlation with real latencies shows
(``bench/bench_latency.py``).

>>> import torch
>>> result = measure_latency(torch.nn.Conv2d(3, 8, 3), (1, 3, 16, 16), warmup=2, repeats=5)
>>> result.samples_ms.shape, result.median_ms > 0
((5,), True)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from ..errors import OutOfSpaceError
from ..spaces.nb201 import EDGES, OPS, Cell201

__all__ = [
    "LatencyResult",
    "NetworkCosts",
    "OpLatencyTable",
    "measure_latency",
    "measure_latencies",
    "nb201_costs",
]

#: Additions per cell: node j sums its j in-edges, so 0 + 1 + 2 tensor additions.
_ADDS_PER_CELL = sum(sum(1 for t, _ in EDGES if t == j) - 1 for j in (1, 2, 3))


@dataclass(frozen=True, eq=False)
class LatencyResult:
    """Latency of one model: median over timed rounds and its round-to-round spread.

    Attributes:
        median_ms: median milliseconds per forward call.
        cv: coefficient of variation of the rounds (std / mean).
        robust_cv: 1.4826 * median absolute deviation / median (insensitive to a few
            rounds disturbed by other processes).
        samples_ms: milliseconds of each timed round, in order, ``(repeats,)``.
        ratio: median over rounds of this model's time divided by the reference model's
            time measured just before it (NaN without a reference): insensitive to the
            machine's speed changing from one second to the next.
        reference_median_ms: median time of the reference calls paired with this model.
    """

    median_ms: float
    cv: float
    robust_cv: float
    samples_ms: np.ndarray
    ratio: float = float("nan")
    reference_median_ms: float = float("nan")

    @classmethod
    def from_samples(cls, samples_ms: Sequence[float], reference_ms: Sequence[float] | None = None) -> LatencyResult:
        """Summarise per-round timings (milliseconds); with ``reference_ms`` (the reference
        model timed right before each round's call) also the median per-round ratio."""
        s = np.asarray(samples_ms, dtype=float)
        median = float(np.median(s))
        mean = float(s.mean())
        cv = float(s.std(ddof=1) / mean) if len(s) > 1 and mean > 0 else 0.0
        robust = float(1.4826 * np.median(np.abs(s - median)) / median) if median > 0 else 0.0
        if reference_ms is None:
            return cls(median_ms=median, cv=cv, robust_cv=robust, samples_ms=s)
        ref = np.asarray(reference_ms, dtype=float)
        return cls(median_ms=median, cv=cv, robust_cv=robust, samples_ms=s, ratio=float(np.median(s / ref)),
                   reference_median_ms=float(np.median(ref)))


@dataclass(frozen=True)
class NetworkCosts:
    """Trainable parameters and forward FLOPs (multiply-add = 2) of one network at one input."""

    params: int
    flops: int


@contextmanager
def _threads(threads: int):
    import torch

    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise OutOfSpaceError(f"threads must be an int >= 1, got {threads!r}")
    old = torch.get_num_threads()
    torch.set_num_threads(int(threads))
    try:
        yield torch
    finally:
        torch.set_num_threads(old)


def _check_counts(warmup: object, repeats: object) -> None:
    for name, value, low in (("warmup", warmup, 0), ("repeats", repeats, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise OutOfSpaceError(f"{name} must be an int >= {low}, got {value!r}")


def measure_latencies(
    models: Sequence,
    input_shape: Sequence[int] = (1, 3, 32, 32),
    *,
    warmup: int = 5,
    repeats: int = 21,
    threads: int = 1,
    seed: int = 0,
    reference=None,
) -> list[LatencyResult]:
    """Time many models interleaved (round-robin), so drift affects all of them equally.

    Args:
        models: ``torch.nn.Module`` objects (switched to eval mode, left in eval mode)
            taking one tensor of ``input_shape``.
        input_shape: shape of the input tensor, ``(batch, channels, height, width)``.
        warmup: untimed calls per model before timing (allocator, caches, lazy init).
        repeats: timed rounds; each round calls every model once.
        threads: torch intra-op threads while timing (restored afterwards).
        seed: seed of the random input and of the order of models within each round
            (shuffled per round so no model always follows the same one).
        reference: a model timed right before every timed call of every model, for the
            results' ``ratio``: on a shared machine whose speed jumps between regimes
            from second to second, the ratio of two adjacent calls stays put while the
            milliseconds do not (``bench/RESULTS.md``, "CPU latency").

    Returns:
        One :class:`LatencyResult` per model, in the order given.

    Raises:
        OutOfSpaceError: if ``warmup``, ``repeats`` or ``threads`` is not a valid count.

    Example:
        >>> import torch
        >>> a, b = torch.nn.Conv2d(3, 4, 1), torch.nn.Conv2d(3, 64, 3)
        >>> fast, slow = measure_latencies([a, b], (1, 3, 32, 32), warmup=2, repeats=7)
        >>> fast.median_ms < slow.median_ms
        True
    """
    _check_counts(warmup, repeats)
    models = list(models)
    rng = np.random.default_rng(seed)
    with _threads(threads) as torch:
        x = torch.from_numpy(rng.standard_normal(tuple(input_shape)).astype(np.float32))
        samples = np.zeros((len(models), repeats))
        reference_samples = np.zeros((len(models), repeats))
        with torch.inference_mode():
            for model in models + ([] if reference is None else [reference]):
                model.eval()
                for _ in range(warmup):
                    model(x)
            for r in range(repeats):
                for m in rng.permutation(len(models)):
                    start = time.perf_counter_ns()
                    if reference is not None:
                        reference(x)
                        middle = time.perf_counter_ns()
                        reference_samples[m, r] = (middle - start) / 1e6
                        start = middle
                    models[m](x)
                    samples[m, r] = (time.perf_counter_ns() - start) / 1e6
    if reference is None:
        return [LatencyResult.from_samples(s) for s in samples]
    return [LatencyResult.from_samples(s, ref) for s, ref in zip(samples, reference_samples)]


def measure_latency(
    model,
    input_shape: Sequence[int] = (1, 3, 32, 32),
    *,
    warmup: int = 5,
    repeats: int = 21,
    threads: int = 1,
    seed: int = 0,
) -> LatencyResult:
    """Inference latency of one model (see :func:`measure_latencies` for the protocol).

    Example:
        >>> import torch
        >>> r = measure_latency(torch.nn.Linear(8, 8), (1, 8), warmup=1, repeats=3)
        >>> len(r.samples_ms), r.cv >= 0
        (3, True)
    """
    return measure_latencies([model], input_shape, warmup=warmup, repeats=repeats, threads=threads, seed=seed)[0]


def nb201_costs(cell: Cell201, *, C: int = 16, N: int = 5, input_size: int = 32, num_classes: int = 10) -> NetworkCosts:
    """Parameters and FLOPs of the NB201 network of ``cell`` (official size by default).

    FLOPs count convolutions and the classifier at batch 1 (``models.count_flops``).

    Example:
        >>> nb201_costs(Cell201(("nor_conv_3x3",) * 6)).params
        1531546
    """
    from ..models.measure import count_flops, count_params
    from ..models.nb201 import build_nb201

    model = build_nb201(cell, num_classes, C=C, N=N)
    return NetworkCosts(params=count_params(model), flops=count_flops(model, (1, 3, input_size, input_size)))


class _Add:
    """Stand-in for one node addition ``a + b`` (timed as a model of one input)."""

    def __call__(self, x):
        return x + x

    def eval(self):
        return self


class _Head:
    """BN-ReLU, global average pool, flatten, classifier of a built NB201 network."""

    def __init__(self, net):
        self.net = net

    def __call__(self, x):
        return self.net.classifier(self.net.global_pooling(self.net.lastact(x)).flatten(1))

    def eval(self):
        self.net.eval()
        return self


@dataclass(frozen=True)
class OpLatencyTable:
    """Lookup-table latency predictor for NB201 networks (sum of per-op latencies).

    ``predict(cell) = skeleton_ms + N * sum over stages s of
    (sum over edges of op_ms[op, s] + 3 * add_ms[s])``.

    Attributes:
        op_ms: ``{(op, stage): ms}`` for every op in :data:`OPS` and stage 0, 1, 2.
        add_ms: milliseconds of one node addition at each stage.
        skeleton_ms: stem + two reduction blocks + head.
        C, N, input_size, threads: the network and setting the table was timed for.
    """

    op_ms: dict
    add_ms: tuple[float, float, float]
    skeleton_ms: float
    C: int = 16
    N: int = 5
    input_size: int = 32
    threads: int = 1

    @classmethod
    def build(
        cls, *, C: int = 16, N: int = 5, input_size: int = 32, num_classes: int = 10,
        warmup: int = 20, repeats: int = 101, threads: int = 1, seed: int = 0,
    ) -> OpLatencyTable:
        """Time every op at every stage shape, the additions and the skeleton, at batch 1.

        Each item is timed as its own module on an input of its stage's shape, round-robin
        within a stage (:func:`measure_latencies`), and the median kept.

        Example:
            >>> table = OpLatencyTable.build(C=4, N=1, input_size=8, warmup=1, repeats=3)
            >>> table.predict(Cell201(("nor_conv_3x3",) * 6)) > table.skeleton_ms
            True
        """
        from ..models._ops201 import make_op
        from ..models.nb201 import build_nb201

        net = build_nb201(Cell201(("none",) * 6), num_classes, C=C, N=N)
        op_ms: dict = {}
        add_ms = []
        skeleton = 0.0
        kw = dict(warmup=warmup, repeats=repeats, threads=threads, seed=seed)
        skeleton += measure_latencies([net.stem], (1, 3, input_size, input_size), **kw)[0].median_ms
        for stage in range(3):
            channels, size = C * 2**stage, input_size // 2**stage
            shape = (1, channels, size, size)
            items = [make_op(op, channels) for op in OPS] + [_Add()]
            timed = measure_latencies(items, shape, **kw)
            for op, result in zip(OPS, timed):
                op_ms[(op, stage)] = result.median_ms
            add_ms.append(timed[-1].median_ms)
            if stage > 0:
                block = net.cells[stage * (N + 1) - 1]  # the reduction block before stage
                skeleton += measure_latencies([block], (1, channels // 2, 2 * size, 2 * size), **kw)[0].median_ms
        last = (1, 4 * C, input_size // 4, input_size // 4)
        skeleton += measure_latencies([_Head(net)], last, **kw)[0].median_ms
        return cls(op_ms=op_ms, add_ms=tuple(add_ms), skeleton_ms=skeleton, C=C, N=N,
                   input_size=input_size, threads=threads)

    def predict(self, cell: Cell201) -> float:
        """Predicted milliseconds of one batch-1 forward pass of ``cell``'s network."""
        if not isinstance(cell, Cell201):
            raise OutOfSpaceError(f"expected a Cell201, got {type(cell).__name__} {cell!r}")
        per_cell = sum(
            sum(self.op_ms[(op, stage)] for op in cell.ops) + _ADDS_PER_CELL * self.add_ms[stage]
            for stage in range(3)
        )
        return self.skeleton_ms + self.N * per_cell

    def predict_many(self, cells: Sequence[Cell201]) -> np.ndarray:
        """:meth:`predict` of each cell, ``float`` array ``(len(cells),)``."""
        return np.array([self.predict(c) for c in cells], dtype=float)
