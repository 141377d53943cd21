"""What every one-shot search shares: settings, the epoch loop, events, Stop, the trajectory.

A search trains the NAS-Bench-201 supernet (:mod:`.supernet201`) for ``epochs`` epochs on
the weight half of the training data (:mod:`.data`), and after every epoch records its
losses, its distribution over the five ops of each edge, the cell it would derive now,
and that cell's validation and test accuracy in the benchmark table (the ground truth no
search sees). Subclasses implement one method's training step and derivation.

Events (``search.on("epoch_finished", callback)``): :class:`EpochFinished` after every
epoch, with the trajectory row; :class:`SearchFinished` at the end, with the reason
(``"done"`` or ``"stopped"``). Callbacks run in the thread that runs the search.
:meth:`OneShotSearch.stop` may be called from any thread; the search ends after the
current minibatch (well under 0.5 s at the presets' sizes).
"""

from __future__ import annotations

import json
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ArgumentError, QueryError, UnknownNameError
from ..spaces.nb201 import EDGES, OPS, Cell201, NB201Space
from .presets import resolve_settings

__all__ = ["OneShotSearch", "OneShotResult", "EpochFinished", "SearchFinished", "ONESHOT_EVENTS"]


@dataclass(frozen=True)
class EpochFinished:
    """An epoch of supernet training ended; ``row`` is its trajectory row."""

    search: Any
    row: Mapping[str, Any]


@dataclass(frozen=True)
class SearchFinished:
    """The search ended: ``reason`` is ``"done"`` or ``"stopped"``."""

    search: Any
    reason: str


#: event name -> type, for ``search.on(name, callback)``
ONESHOT_EVENTS: dict[str, type] = {"epoch_finished": EpochFinished, "search_finished": SearchFinished}


class _Stopped(Exception):
    """Raised inside a training loop once :meth:`OneShotSearch.stop` was called."""


@dataclass(frozen=True, eq=False)
class OneShotResult:
    """A finished (or stopped) one-shot search.

    Attributes:
        method, preset, seed, settings: what ran.
        trajectory: one row per epoch (see :meth:`OneShotSearch.run`), a DataFrame.
        derived: the final derived cell.
        final: the derived cell's table metrics (``valid_acc``, ``test_acc``, regrets).
        wall_seconds: wall-clock seconds of the whole search.
        reason: ``"done"`` or ``"stopped"``.
        extra: method-specific results (e.g. the sub-network search's candidates).
    """

    method: str
    preset: str
    seed: int
    settings: dict[str, Any]
    trajectory: Any
    derived: Cell201 | None
    final: dict[str, Any]
    wall_seconds: float
    reason: str
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Plain data: what ran, the derived cell and its table accuracy, the cost."""
        return {"method": self.method, "preset": self.preset, "seed": self.seed, "reason": self.reason,
                "epochs_run": int(len(self.trajectory)), "derived": None if self.derived is None else str(self.derived),
                **self.final, "wall_seconds": round(self.wall_seconds, 3), "settings": self.settings,
                **{k: v for k, v in self.extra.items() if not isinstance(v, (list, dict))}}

    def save(self, out: str | Path) -> list[str]:
        """Write ``trajectory.parquet``, ``trajectory.csv`` and ``summary.json`` into folder ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        self.trajectory.to_parquet(out / "trajectory.parquet", index=False)
        self.trajectory.to_csv(out / "trajectory.csv", index=False)
        (out / "summary.json").write_text(json.dumps(self.summary(), indent=2, default=_plain) + "\n")
        return ["trajectory.parquet", "trajectory.csv", "summary.json"]


def _plain(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    return str(value)


def resolve_device(device: str) -> str:
    """``"auto"`` -> ``"cuda"`` when a GPU is present, else ``"cpu"``; else ``device`` itself."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device not in ("cpu", "cuda") and not str(device).startswith("cuda:"):
        raise ArgumentError(f"device must be 'auto', 'cpu' or 'cuda[:N]', got {device!r}")
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise ArgumentError(f"device {device!r} was asked for, but torch sees no GPU; use device='cpu' or 'auto'")
    return device


def distribution_columns() -> list[str]:
    """Names of the 30 per-(edge, op) probability columns of a trajectory row, e.g.
    ``p_1<-0_nor_conv_3x3``."""
    return [f"p_{t}<-{s}_{op}" for t, s in EDGES for op in OPS]


class OneShotSearch(ABC):
    """A one-shot NAS method on the NAS-Bench-201 supernet (see the module docstring).

    Args:
        preset: ``"tiny"``, ``"fast"`` or ``"full"`` (:mod:`.presets`).
        seed: seed of the weights, minibatch order, sampling and the data halves.
        benchmark: the table holding the ground truth of derived cells (default: the
            shipped ``nb201-digits``; ``False``: none, the table columns are NaN).
        data: the digits the supernet trains on (default: the shipped table's data,
            ``make_cluttered_digits()``).
        device: ``"auto"`` (a GPU when present), ``"cpu"`` or ``"cuda"``.
        threads: torch CPU threads (1 keeps results bit for bit reproducible).
        progress: show a progress bar over the epochs.
        **settings: overrides of the preset's settings (``epochs=3``, ``C=4``, ...).

    Raises:
        UnknownNameError: an unknown preset or setting.
        ArgumentError: a setting out of range, a bad device.
    """

    #: the method's name in :data:`~nasbench_kit.oneshot.METHODS`
    method: str = ""

    def __init__(self, *, preset: str = "fast", seed: int = 0, benchmark: Any = None, data: Any = None,
                 device: str = "auto", threads: int = 1, progress: bool = False, **settings: Any):
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ArgumentError(f"seed must be an int >= 0, got {seed!r}")
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ArgumentError(f"threads must be an int >= 1, got {threads!r}")
        self.preset, self.seed, self.threads, self.progress = preset, int(seed), threads, bool(progress)
        self.settings = resolve_settings(self.method, preset, settings)
        self.device = resolve_device(device)
        self.space = NB201Space()
        self._benchmark_arg, self._data = benchmark, data
        self._callbacks: dict[type, list[Callable[[Any], None]]] = {t: [] for t in ONESHOT_EVENTS.values()}
        self._stop = threading.Event()
        self.rows: list[dict[str, Any]] = []
        self.net: Any = None

    # --- events and control -------------------------------------------------------------
    def on(self, event: str | type, callback: Callable[[Any], None]) -> Callable[[], None]:
        """Call ``callback(event)`` on ``"epoch_finished"`` / ``"search_finished"`` (or the
        type); returns a function that unsubscribes it (as ``Run.on`` does)."""
        kind = ONESHOT_EVENTS.get(event) if isinstance(event, str) else event
        if kind not in self._callbacks:
            raise UnknownNameError(f"event {event!r} is unknown; use one of {list(ONESHOT_EVENTS)}")
        self._callbacks[kind].append(callback)

        def unsubscribe() -> None:
            if callback in self._callbacks[kind]:
                self._callbacks[kind].remove(callback)

        return unsubscribe

    def stop(self) -> None:
        """Ask the search to end after the current minibatch (safe from any thread)."""
        self._stop.set()

    def check_stop(self) -> None:
        """Raise inside a training loop once :meth:`stop` was called."""
        if self._stop.is_set():
            raise _Stopped

    def _publish(self, event: Any) -> None:
        for callback in list(self._callbacks[type(event)]):
            callback(event)

    # --- what a method implements ---------------------------------------------------------
    @abstractmethod
    def setup(self, torch: Any, num_classes: int) -> None:
        """Build the supernet and optimisers (called once, inside the torch session)."""

    @abstractmethod
    def train_epoch(self, torch: Any, epoch: int, halves: Any) -> dict[str, float]:
        """One epoch of training; returns the row's loss / accuracy entries."""

    @abstractmethod
    def distribution(self) -> np.ndarray:
        """The method's current probabilities of each op per edge, ``(6, 5)``."""

    def derive(self) -> Cell201:
        """The cell the method would return now (default: the most likely op per edge)."""
        return Cell201.from_indices(self.distribution().argmax(axis=1).tolist())

    def after_training(self, torch: Any, halves: Any) -> dict[str, Any]:
        """Work after the last epoch (a sub-network search); returns ``OneShotResult.extra``."""
        return {}

    # --- the loop -------------------------------------------------------------------------
    def _truth(self, cell: Cell201) -> tuple[float, float]:
        if self.benchmark is None:
            return float("nan"), float("nan")
        try:
            final = self.benchmark.query(cell).final
        except QueryError:
            return float("nan"), float("nan")
        return float(final.valid_acc), float(final.test_acc)

    def _load_benchmark(self) -> Any:
        if self._benchmark_arg is False:
            return None
        from ..benchmarks import load_benchmark

        bench = self._benchmark_arg if hasattr(self._benchmark_arg, "query") else load_benchmark(self._benchmark_arg)
        if bench.meta.space != "nb201":
            raise ArgumentError(f"the one-shot methods search the NAS-Bench-201 space; benchmark {bench.name!r} "
                                f"is a {bench.meta.space!r} table")
        return bench

    def row(self, epoch: int, seconds: float, losses: Mapping[str, float]) -> dict[str, Any]:
        """The trajectory row after ``epoch``: losses, distribution, derived cell, truth."""
        probs = self.distribution()
        derived = self.derive()
        valid, test = self._truth(derived)
        entropy = float(-(probs * np.log(np.clip(probs, 1e-12, None))).sum(axis=1).mean())
        row = {"epoch": epoch + 1, "seconds": seconds, **losses, "entropy": entropy,
               "skip_weight": float(probs[:, OPS.index("skip_connect")].mean()),
               "derived": str(derived), "table_valid_acc": valid, "table_test_acc": test,
               "valid_regret": self.optimum[0] - valid, "test_regret": self.optimum[1] - test}
        row.update(zip(distribution_columns(), probs.ravel().tolist()))
        return row

    def run(self) -> OneShotResult:
        """Train, record every epoch, finish with the method's derivation; returns the result.

        A search can run once; :meth:`stop` ends it early with what it has.
        """
        import pandas as pd

        from ..progress import progress_bar
        from ..training import make_cluttered_digits
        from ..training.trainer import torch_session
        from .data import search_halves

        if self.net is not None:
            raise ArgumentError(f"this {self.method} search already ran; make a new one to search again")
        self.benchmark = self._load_benchmark()
        self.optimum = (float("nan"), float("nan"))
        if self.benchmark is not None:
            self.optimum = (float(np.nanmax(self.benchmark.metric_array("valid_acc", over="table"))),
                            float(np.nanmax(self.benchmark.metric_array("test_acc", over="table"))))
        data = self._data if self._data is not None else make_cluttered_digits()
        start = time.perf_counter()
        reason, extra = "done", {}
        with torch_session(self.threads) as torch:
            if self.device != "cpu":
                torch.use_deterministic_algorithms(True, warn_only=True)
            torch.manual_seed(self.seed)
            halves = search_halves(data, seed=self.seed, max_images=self.settings["max_images"], device=self.device)
            self.halves = halves
            self.setup(torch, halves.num_classes)
            bar = progress_bar(total=self.settings["epochs"], desc=self.method, unit="epoch", enabled=self.progress)
            try:
                for epoch in range(self.settings["epochs"]):
                    losses = self.train_epoch(torch, epoch, halves)
                    self.rows.append(self.row(epoch, time.perf_counter() - start, losses))
                    bar.update()
                    self._publish(EpochFinished(self, dict(self.rows[-1])))
                extra = self.after_training(torch, halves)
            except _Stopped:
                reason = "stopped"
            finally:
                bar.close()
        trajectory = pd.DataFrame(self.rows)
        derived = self.final_cell(extra) if self.rows else None
        final: dict[str, Any] = {}
        if derived is not None:
            valid, test = self._truth(derived)
            final = {"valid_acc": valid, "test_acc": test, "valid_regret": self.optimum[0] - valid,
                     "test_regret": self.optimum[1] - test, "optimum_valid_acc": self.optimum[0],
                     "optimum_test_acc": self.optimum[1]}
        result = OneShotResult(self.method, self.preset, self.seed, dict(self.settings), trajectory, derived, final,
                               time.perf_counter() - start, reason, extra)
        self._publish(SearchFinished(self, reason))
        return result

    def final_cell(self, extra: Mapping[str, Any]) -> Cell201:
        """The search's answer: a sub-network search's winner, else the last derivation."""
        return Cell201.from_string(extra["best"]) if "best" in extra else self.derive()

    def ranking_quality(self, n: int = 200, *, images: int = 1024, seed: int = 0) -> dict[str, Any]:
        """How well the trained supernet ranks sub-networks: rank correlation between the
        inherited-weight accuracy of ``n`` random canonical classes (on ``images`` images
        of the architecture half) and their accuracy in the table.

        Returns:
            ``{"classes", "kendall_valid", "spearman_valid", "kendall_test", "spearman_test",
            "inherited_acc_mean"}``.

        Raises:
            ArgumentError: before :meth:`run`, without a table, or ``n`` < 3.
        """
        from scipy import stats

        from ..training.trainer import torch_session

        if self.net is None or self.benchmark is None:
            raise ArgumentError("ranking_quality needs a search that ran, with a benchmark table")
        if isinstance(n, bool) or not isinstance(n, int) or n < 3:
            raise ArgumentError(f"n must be an int >= 3, got {n!r}")
        rng = np.random.default_rng(seed)
        classes = {}
        while len(classes) < n:
            cell = self.space.sample(rng)
            classes.setdefault(self.space.canonical(cell), cell)
        cells = list(classes.values())
        truth = np.array([self._truth(c) for c in cells])
        _, (xs, ys) = self.halves.rendering(self.settings["epochs"] - 1)
        with torch_session(self.threads) as torch:
            inherited = np.array([self.evaluate_path(torch, c.op_indices, xs[:images], ys[:images]) for c in cells])
        out: dict[str, Any] = {"classes": n, "inherited_acc_mean": float(inherited.mean())}
        for column, name in ((0, "valid"), (1, "test")):
            out[f"kendall_{name}"] = float(stats.kendalltau(inherited, truth[:, column]).statistic)
            out[f"spearman_{name}"] = float(stats.spearmanr(inherited, truth[:, column]).statistic)
        return out

    # --- helpers for the methods ------------------------------------------------------------
    def batches(self, torch: Any, x: Any, y: Any, epoch: int, salt: int = 0):
        """Minibatches of ``(x, y)`` in an order fixed by the seed, ``epoch`` and ``salt``."""
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch * 7919 + salt)
        order = torch.randperm(len(y), generator=generator).to(y.device)
        size = self.settings["batch_size"]
        for start in range(0, len(y), size):
            self.check_stop()
            index = order[start:start + size]
            yield x[index], y[index]

    def weight_optimizer(self, torch: Any, steps: int) -> tuple[Any, Any]:
        """SGD over the supernet's weights and its cosine schedule over ``steps`` steps."""
        s = self.settings
        optimizer = torch.optim.SGD(self.net.parameters(), lr=s["w_lr"], momentum=s["w_momentum"],
                                    weight_decay=s["w_wd"])
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(steps, 1), eta_min=s["w_lr_min"])
        return optimizer, schedule

    def weight_step(self, torch: Any, loss: Any) -> None:
        """Backward ``loss`` and update the weights (gradient norm clipped), one schedule step."""
        self.w_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.net.parameters(), self.settings["grad_clip"])
        self.w_optimizer.step()
        self.w_schedule.step()

    def train_paths(self, torch: Any, x: Any, y: Any, epoch: int, next_path: Callable[[], Any]) -> dict[str, float]:
        """One epoch of weight training, one sub-network ``next_path()`` per minibatch;
        returns the epoch's training loss and accuracy (%). Creates the weight optimiser
        (cosine over every epoch's steps) on the first call."""
        if getattr(self, "w_optimizer", None) is None:
            steps = -(-len(y) // self.settings["batch_size"]) * self.settings["epochs"]
            self.w_optimizer, self.w_schedule = self.weight_optimizer(torch, steps)
        loss_sum = correct = count = 0.0
        for bx, by in self.batches(torch, x, y, epoch):
            logits = self.net(bx, path=tuple(next_path()))
            loss = torch.nn.functional.cross_entropy(logits, by)
            self.weight_step(torch, loss)
            loss_sum += float(loss.detach()) * len(by)
            correct += int((logits.detach().argmax(1) == by).sum())
            count += len(by)
        return {"train_loss": loss_sum / count, "train_acc": 100.0 * correct / count}

    def evaluate_path(self, torch: Any, path: Any, x: Any, y: Any) -> float:
        """Accuracy (%) of the sub-network ``path`` with the supernet's weights on ``(x, y)``."""
        correct = 0
        size = self.settings["eval_batch"]
        with torch.no_grad():
            for start in range(0, len(y), size):
                logits = self.net(x[start:start + size], path=tuple(path))
                correct += int((logits.argmax(1) == y[start:start + size]).sum())
        return 100.0 * correct / max(len(y), 1)

