"""NAS-Bench-201 / NATS-Bench results of one architecture -> compact per-run arrays.

Both releases store, per architecture and training schedule, the state dict of an
``ArchResults`` object (``arch_index``, ``arch_str``, ``all_results``, ``dataset_seed``)
whose ``all_results[(dataset, seed)]`` is the state dict of a ``ResultsCount``: per-epoch
dicts ``train_acc1es`` / ``train_losses`` / ``train_times`` keyed by epoch (0-based) and
``eval_acc1es`` / ``eval_losses`` / ``eval_times`` keyed by ``"<split>@<epoch>"``, plus
``params`` (millions), ``flop`` (MFLOPs), ``latency`` (list of seconds), ``epochs``.

Splits, as the official ``get_more_info`` reads them:

===============  ============  ===========  ==============================
dataset          valid         test         valtest (extra column)
===============  ============  ===========  ==============================
cifar10-valid    ``x-valid``   ``ori-test`` --
cifar10          --            ``ori-test`` --
cifar100         ``x-valid``   ``x-test``   ``ori-test`` (valid + test)
ImageNet16-120   ``x-valid``   ``x-test``   ``ori-test`` (valid + test)
===============  ============  ===========  ==============================

A split not evaluated at an epoch is NaN (e.g. the 200-epoch runs evaluated ``x-valid``
of CIFAR-100 only after the last epoch). ``params`` / ``flops`` follow the official
``get_compute_costs``: if the seeds of one dataset disagree (a known defect of the
release), the value of seed 888 is used for all of them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._safe_pickle import format_error

__all__ = ["SPLITS", "CURVES", "ArchRuns", "convert_arch"]

#: dataset -> (valid split, test split, valtest split), ``None`` where absent.
SPLITS: dict[str, tuple[str | None, str | None, str | None]] = {
    "cifar10-valid": ("x-valid", "ori-test", None),
    "cifar10": (None, "ori-test", None),
    "cifar100": ("x-valid", "x-test", "ori-test"),
    "ImageNet16-120": ("x-valid", "x-test", "ori-test"),
}
#: Per-epoch float32 columns produced for every run (table columns + extras).
CURVES: tuple[str, ...] = (
    "train_acc", "valid_acc", "test_acc", "train_loss", "valid_loss", "test_loss", "train_seconds",
    "valtest_acc", "valtest_loss", "eval_seconds",
)
_RESULT_KEYS = ("train_acc1es", "train_losses", "epochs", "eval_acc1es", "eval_losses", "params", "flop")
_KEYS_CACHE: dict[tuple[str, int], list[str]] = {}


@dataclass
class ArchRuns:
    """All runs of one architecture with the same schedule, as arrays (one row per run).

    Attributes:
        arch: official architecture string.
        official_index: index in the release's ``meta_archs``.
        schedule_epochs: length of the training schedule.
        datasets, seeds: per run.
        curves: column -> ``(runs, schedule_epochs)`` float32 array.
        params: trainable parameters (count); flops: forward FLOPs (count);
        latency_ms: latency from the release, in ms (NaN if absent).
    """

    arch: str
    official_index: int
    schedule_epochs: int
    datasets: list[str]
    seeds: np.ndarray
    curves: dict[str, np.ndarray]
    params: np.ndarray
    flops: np.ndarray
    latency_ms: np.ndarray


def _keys(split: str, epochs: int) -> list[str]:
    keys = _KEYS_CACHE.get((split, epochs))
    if keys is None:
        keys = _KEYS_CACHE[(split, epochs)] = [f"{split}@{i}" for i in range(epochs)]
    return keys


def _per_epoch(values: Any, epochs: int, what: str, where: str, source: str) -> np.ndarray:
    """Float64 array of ``epochs`` values from a dict keyed 0.. or a list (missing: NaN)."""
    if isinstance(values, Mapping):
        out = np.fromiter((values.get(i, math.nan) for i in range(epochs)), dtype=np.float64, count=epochs)
    elif isinstance(values, (list, tuple)) and len(values) >= epochs:
        out = np.asarray(values[:epochs], dtype=np.float64)
    else:
        raise format_error(source, f"{where}: {what} must be a dict or list of {epochs} numbers, got {type(values).__name__}")
    return out


def _eval(values: Any, split: str | None, epochs: int) -> np.ndarray:
    if split is None or not isinstance(values, Mapping):
        return np.full(epochs, np.nan)
    get = values.get
    return np.fromiter((get(k, math.nan) for k in _keys(split, epochs)), dtype=np.float64, count=epochs)


def _number(value: Any, what: str, where: str, source: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise format_error(source, f"{where}: {what} must be a number, got {type(value).__name__} {value!r:.60}")
    return float(value)


def _results_of(state: Any, where: str, source: str) -> tuple[str, int, Mapping, Mapping]:
    if not isinstance(state, Mapping):
        raise format_error(source, f"{where}: expected an ArchResults state dict, got {type(state).__name__}")
    missing = [k for k in ("arch_str", "all_results", "dataset_seed") if k not in state]
    if missing:
        raise format_error(source, f"{where}: ArchResults lacks key(s) {missing}; it has {sorted(map(str, state))[:12]}")
    arch = state["arch_str"]
    if not isinstance(arch, str):
        raise format_error(source, f"{where}: arch_str must be a str, got {type(arch).__name__}")
    results, dataset_seed = state["all_results"], state["dataset_seed"]
    if not isinstance(results, Mapping) or not isinstance(dataset_seed, Mapping):
        raise format_error(source, f"{where}: all_results and dataset_seed must be dicts")
    index = state.get("arch_index", -1)
    return arch, int(index) if isinstance(index, (int, np.integer)) else -1, results, dataset_seed


def convert_arch(by_schedule: Mapping[Any, Any], official_index: int, *, source: str) -> list[ArchRuns]:
    """Convert one architecture's ``{schedule key: ArchResults state dict}`` to arrays.

    Args:
        by_schedule: e.g. ``{"12": ..., "200": ...}`` (NATS) or ``{"less": ..., "full": ...}``
            (NAS-Bench-201); the schedule length is read from each run's ``epochs``.
        official_index: the architecture's index in the release.
        source: file name for error messages.

    Returns:
        One :class:`ArchRuns` per schedule with at least one run.

    Raises:
        BenchmarkFormatError: wrong keys or types, naming the architecture and run.
    """
    if not isinstance(by_schedule, Mapping) or not by_schedule:
        raise format_error(source, f"architecture {official_index}: expected a dict of training schedules, "
                                   f"got {type(by_schedule).__name__}")
    out: list[ArchRuns] = []
    arch_seen: str | None = None
    for hp, state in by_schedule.items():
        where = f"architecture {official_index}, schedule {hp!r}"
        arch, index, results, dataset_seed = _results_of(state, where, source)
        if index not in (-1, official_index):
            raise format_error(source, f"{where}: holds arch_index {index}, expected {official_index}")
        if arch_seen is not None and arch != arch_seen:
            raise format_error(source, f"{where}: arch_str {arch!r} differs from {arch_seen!r}")
        arch_seen = arch
        runs = _convert_schedule(arch, official_index, results, dataset_seed, where, source)
        out.extend(runs)
    return out


def _convert_schedule(
    arch: str, official_index: int, results: Mapping, dataset_seed: Mapping, where: str, source: str
) -> list[ArchRuns]:
    rows: dict[int, dict[str, list]] = {}
    for dataset, seeds in dataset_seed.items():
        if dataset not in SPLITS:
            raise format_error(source, f"{where}: unknown dataset {dataset!r}; NAS-Bench-201 has {list(SPLITS)}")
        if not isinstance(seeds, (list, tuple)):
            raise format_error(source, f"{where}: dataset_seed[{dataset!r}] must be a list of seeds")
        valid, test, valtest = SPLITS[dataset]
        group: list[tuple[int, dict[str, np.ndarray], float, float, float, int]] = []
        for seed in seeds:
            run_where = f"{where}, {dataset} seed {seed}"
            rc = results.get((dataset, seed))
            if not isinstance(rc, Mapping):
                raise format_error(source, f"{run_where}: missing from all_results")
            missing = [k for k in _RESULT_KEYS if k not in rc]
            if missing:
                raise format_error(source, f"{run_where}: ResultsCount lacks key(s) {missing}")
            epochs = rc["epochs"]
            if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or not 0 < epochs <= 10_000:
                raise format_error(source, f"{run_where}: epochs must be a positive int, got {epochs!r:.40}")
            epochs = int(epochs)
            curves = {
                "train_acc": _per_epoch(rc["train_acc1es"], epochs, "train_acc1es", run_where, source),
                "train_loss": _per_epoch(rc["train_losses"], epochs, "train_losses", run_where, source),
            }
            eval_acc, eval_loss = rc["eval_acc1es"], rc["eval_losses"]
            if not isinstance(eval_acc, Mapping) or not isinstance(eval_loss, Mapping):
                raise format_error(source, f"{run_where}: eval_acc1es and eval_losses must be dicts")
            curves["valid_acc"], curves["valid_loss"] = _eval(eval_acc, valid, epochs), _eval(eval_loss, valid, epochs)
            curves["test_acc"], curves["test_loss"] = _eval(eval_acc, test, epochs), _eval(eval_loss, test, epochs)
            curves["valtest_acc"] = _eval(eval_acc, valtest, epochs)
            curves["valtest_loss"] = _eval(eval_loss, valtest, epochs)
            times = rc.get("train_times")
            curves["train_seconds"] = (
                np.cumsum(_per_epoch(times, epochs, "train_times", run_where, source))
                if times is not None else np.full(epochs, np.nan)
            )
            eval_times = rc.get("eval_times")
            curves["eval_seconds"] = np.cumsum(_eval(eval_times, valid, epochs))
            latency = rc.get("latency")
            latency_ms = math.nan
            if isinstance(latency, (list, tuple)) and latency:
                mean = float(np.mean([_number(x, "latency", run_where, source) for x in latency]))
                latency_ms = mean * 1000.0 if mean > 0 else math.nan
            params = _number(rc["params"], "params", run_where, source)
            flop = _number(rc["flop"], "flop", run_where, source)
            seed_int = int(seed)
            group.append((seed_int, curves, params, flop, latency_ms, epochs))
        _legacy_fix(group)
        for seed_int, curves, params, flop, latency_ms, epochs in group:
            acc = curves["train_acc"]
            if np.nanmax(np.abs(acc), initial=0.0) > 100.0 + 1e-3:
                raise format_error(source, f"{where}, {dataset} seed {seed_int}: train accuracy above 100%")
            slot = rows.setdefault(epochs, {"datasets": [], "seeds": [], "params": [], "flops": [], "latency": [],
                                            **{c: [] for c in CURVES}})
            slot["datasets"].append(dataset)
            slot["seeds"].append(seed_int)
            slot["params"].append(round(params * 1e6))
            slot["flops"].append(flop * 1e6)
            slot["latency"].append(latency_ms)
            for column in CURVES:
                slot[column].append(curves[column])
    return [
        ArchRuns(
            arch=arch,
            official_index=official_index,
            schedule_epochs=epochs,
            datasets=slot["datasets"],
            seeds=np.asarray(slot["seeds"], dtype=np.int64),
            curves={c: np.asarray(slot[c], dtype=np.float32) for c in CURVES},
            params=np.asarray(slot["params"], dtype=np.int64),
            flops=np.asarray(slot["flops"], dtype=np.float64),
            latency_ms=np.asarray(slot["latency"], dtype=np.float64),
        )
        for epochs, slot in sorted(rows.items())
    ]


def _legacy_fix(group: list[tuple[int, dict, float, float, float, int]]) -> None:
    """Official ``get_compute_costs``: seeds that disagree on params/FLOPs take seed 888's value."""
    if len(group) < 2:
        return
    seeds = [g[0] for g in group]
    for slot in (2, 3):
        values = [g[slot] for g in group]
        if len({f"{v:.5f}" for v in values}) > 1 and 888 in seeds:
            fixed = values[seeds.index(888)]
            for i, g in enumerate(group):
                group[i] = g[:slot] + (fixed,) + g[slot + 1 :]
