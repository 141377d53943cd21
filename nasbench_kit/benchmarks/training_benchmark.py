"""``TrainingBenchmark``: the :class:`~nasbench_kit.benchmarks.base.Benchmark` protocol answered
by really training, on demand, with a cache.

A query of an architecture that was not trained yet trains it (``train_cell`` on the
cluttered digits, the recipe of the builder: ``nasbench_kit.build.runs.BuildRecipe``), so a search can
run with real training instead of a table; queries of a run already trained, or of any
architecture of the same class (``space.canonical``: isomorphic NB201 or NB101 cells,
macro architectures differing in inactive slots only), are answered from the cache. The
cache lives in memory and, with ``cache_path``, on disk as a table in the kit's format
(the table written by ``python -m nasbench_kit build`` with the same recipe is a valid
cache, too).

Every space of the kit is supported: NB201 (``"nb201"``), NB101 (``"nb101"``) and the
macro space (``"macro"``, or any ``MacroSpace``). NB201 trains the recipe's ``C`` / ``N``
proxy and reports the official CIFAR-size ``params`` / ``flops``; NB101 and macro train
the proxy of the recipe's ``model_size`` (:func:`nasbench_kit.training.proxies.build_proxy`)
and report that proxy's ``params`` / ``flops`` (their rows have ``arch_index`` -1).

Training is slow (seconds per run), so ``metric_array`` reports only what was trained
(NaN elsewhere; ``over="space"`` only for NB201, whose 15,625 cells can be listed) and
``true_front`` is refused: both need every architecture, which a built table
(``load_benchmark``) provides.

>>> from nasbench_kit.spaces import Cell201
>>> bench = TrainingBenchmark(recipe=BuildRecipe(epochs=1, C=4, N=1))   # doctest: +SKIP
>>> bench.query(Cell201(("nor_conv_3x3",) * 6)).final.valid_acc        # doctest: +SKIP
>>> nb101 = TrainingBenchmark("nb101", recipe=BuildRecipe(space="nb101", epochs=1))  # doctest: +SKIP
>>> nb101.query("0110000100010000|input,conv3x3-bn-relu,maxpool3x3,output")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ArgumentError, BenchmarkFormatError, OutOfSpaceError, QueryError, UnknownNameError
from ..build.runs import (
    RECIPE_SPACES,
    BuildRecipe,
    check_same_recipe,
    default_space,
    recipe_of_meta,
    rows_to_table,
    run_key,
    table_to_rows,
    train_run,
)
from .record import CURVE_METRICS, Curve, Record
from .schema import LATENCY_PREFIX, device_columns, read_table, write_table
from .search_view import SearchView

__all__ = ["TrainingBenchmark"]

_STATIC = ("params", "flops")
_OVER = ("space", "table")
_SPACE_CONFIG = "space_config"  # table metadata key: repr of the macro space (its layout is the proxy's)


def _space_object(space: Any) -> Any:
    """The space object of a name or space; UnknownNameError for anything else."""
    from ..spaces import MacroSpace, NB101Space, NB201Space

    if isinstance(space, (NB201Space, NB101Space, MacroSpace)):
        return space
    if isinstance(space, str) and space in RECIPE_SPACES:
        return default_space(space)
    raise UnknownNameError(
        f"TrainingBenchmark space {space!r} is unknown; use one of {list(RECIPE_SPACES)} "
        f"or an NB201Space, NB101Space or MacroSpace"
    )


class TrainingBenchmark:
    """A benchmark that trains architectures when they are first queried.

    Args:
        space: the search space: ``"nb201"``, ``"nb101"``, ``"macro"`` or a space object
            (``NB201Space``, ``NB101Space``, ``MacroSpace``; a macro space's layout, e.g. its
            widths, is the proxy's). Default: the recipe's space, else NB201.
        recipe: how to train (default: ``BuildRecipe(space=...)``, i.e. ``train_cell``'s
            ``RECIPE`` and, for NB101 / macro, ``PROXY_SIZES``); its ``epochs`` is the
            default schedule and its ``space`` must be this benchmark's. For NB101 / macro
            the missing ``model_size`` keys are filled in (:attr:`recipe` holds them all),
            so the cache records the full proxy size.
        seeds: the seeds ``seed=None`` averages over (each is trained when needed).
        cache_path: a ``.parquet`` table to read cached runs from (if it exists) and to
            write this cache's runs to (atomically) after every training. It must hold
            runs of the same recipe (any schedule).
        tables: further tables of the same recipe to answer from, read only (e.g. the
            table built by ``python -m nasbench_kit build``); they are never written.
        data: the rendered data (default: ``make_cluttered_digits(recipe.data_seed)``,
            rendered at the first training).

    Raises:
        UnknownNameError: an unknown space (the message lists the allowed ones).
        BenchmarkFormatError: ``cache_path`` is not a table of this recipe (or, macro, of
            another ``MacroSpace`` layout).
        ArgumentError: invalid ``seeds``, or a recipe of another space.

    Example:
        >>> bench = TrainingBenchmark(recipe=BuildRecipe(epochs=2, C=4, N=1), cache_path="runs.parquet")  # doctest: +SKIP
        >>> r = bench.query("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|")  # doctest: +SKIP
        >>> r.curve.valid_acc, bench.n_trained                                                              # doctest: +SKIP
    """

    #: Every query that trains is timed, so a search on it always has a time axis (even
    #: before the first training, when the cache holds no ``train_seconds`` yet).
    records_training_time = True

    def __init__(
        self,
        space: Any = None,
        *,
        recipe: BuildRecipe | None = None,
        seeds: Sequence[int] = (0,),
        cache_path: str | os.PathLike[str] | None = None,
        tables: Sequence[str | os.PathLike[str]] = (),
        data: Any | None = None,
    ) -> None:
        if space is None:
            space = recipe.space if isinstance(recipe, BuildRecipe) else "nb201"
        self.space = _space_object(space)
        recipe = recipe if recipe is not None else BuildRecipe(space=self.space.name)
        if not isinstance(recipe, BuildRecipe):
            raise ArgumentError(f"recipe must be a BuildRecipe, got {recipe!r}")
        if recipe.space != self.space.name:
            raise ArgumentError(
                f"the recipe trains {recipe.space!r} architectures but the benchmark's space is {self.space.name!r}; "
                f"pass BuildRecipe(space={self.space.name!r}, ...)"
            )
        if recipe.space != "nb201":  # record the full proxy size, defaults included
            from ..training.proxies import resolve_model_size

            size = resolve_model_size(recipe.space, recipe.proxy_model_size(),
                                      macro_space=self.space if recipe.space == "macro" else None)
            size.pop("space", None)
            recipe = replace(recipe, model_size=size)
        self.recipe = recipe
        seeds = tuple(seeds)
        if not seeds or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 0 for s in seeds):
            raise ArgumentError(f"seeds must be a non-empty sequence of ints >= 0, got {seeds!r}")
        #: Seeds that ``seed=None`` averages over.
        self.seed_set: tuple[int, ...] = tuple(sorted({int(s) for s in seeds}))
        self.name = f"{self.recipe.benchmark}-live"
        self.datasets: tuple[str, ...] = (self.recipe.dataset,)
        self._data = data
        self._runs: dict[tuple[str, int, int], dict[str, Any]] = {}  # run_key -> row
        self._own: set[tuple[str, int, int]] = set()  # runs written to cache_path
        self._latency_devices: tuple[str, ...] = ()
        self._all_canonical: list[str] | None = None
        #: Runs trained by this object (cache hits do not count).
        self.n_trained = 0
        self.cache_path = None if cache_path is None else Path(cache_path)
        if self.cache_path is not None and self.cache_path.exists():
            self._load(self.cache_path, own=True)
        for path in tables:
            self._load(Path(path), own=False)

    # --- cache --------------------------------------------------------------------------
    def _load(self, path: Path, *, own: bool) -> None:
        table, meta = read_table(path)
        stored = recipe_of_meta(meta, source=str(path))
        check_same_recipe(stored, self.recipe, where=str(path), with_epochs=False)
        if self.recipe.space == "macro":
            from ..spaces.macro import MacroSpace

            config = meta.extra.get(_SPACE_CONFIG, repr(MacroSpace()))
            if config != repr(self.space):
                raise BenchmarkFormatError(f"{path} holds runs of the macro space {config}, not of {self.space!r}")
        devices = set(self._latency_devices) | set(device_columns(table.column_names, LATENCY_PREFIX))
        self._latency_devices = tuple(sorted(devices))
        for row in table_to_rows(table):
            key = run_key(row["canonical"], row["seed"], row["schedule_epochs"])
            if key not in self._runs:
                self._runs[key] = row
                if own:
                    self._own.add(key)

    def to_table(self, *, own_only: bool = False):
        """Every cached run (or only those of ``cache_path``) as a format-v1 ``pyarrow.Table``.

        Raises:
            BenchmarkFormatError: no run to write.
        """
        runs = [r for k, r in self._runs.items() if k in self._own] if own_only else list(self._runs.values())
        # arch_index is -1 for every NB101 / macro run: canonical orders those
        rows = sorted(runs, key=lambda r: (r["schedule_epochs"], r["arch_index"], r["canonical"], r["seed"]))
        extra = {f"{LATENCY_PREFIX}{d}": np.array([r.get(f"{LATENCY_PREFIX}{d}", np.nan) for r in rows], dtype=float)
                 for d in self._latency_devices}
        meta = self.recipe.table_meta(source="TrainingBenchmark cache",
                                      description="runs trained on demand by nasbench_kit TrainingBenchmark",
                                      extra={_SPACE_CONFIG: repr(self.space)} if self.recipe.space == "macro" else None)
        return rows_to_table(rows, meta, extra=extra)

    def save(self, path: str | os.PathLike[str], *, own_only: bool = False) -> Path:
        """Write every cached run (or only this cache's own) to ``path`` as a table (atomically)."""
        return write_table(self.to_table(own_only=own_only), path)

    def _ensure(self, cell: Any, seeds: Iterable[int], schedule: int) -> None:
        canonical = self.space.canonical(cell)
        missing = [s for s in seeds if run_key(canonical, s, schedule) not in self._runs]
        if not missing:
            return
        if self._data is None:
            from ..training import make_cluttered_digits

            self._data = make_cluttered_digits(seed=self.recipe.data_seed)
        recipe = self.recipe.with_epochs(schedule)
        for seed in missing:
            row = train_run(cell, seed=seed, recipe=recipe, data=self._data, space=self.space)
            key = run_key(canonical, seed, schedule)
            self._runs[key] = row
            self._own.add(key)
            self.n_trained += 1
            if self.cache_path is not None:  # after each run: an interrupted query keeps what it trained
                self.save(self.cache_path, own_only=True)

    # --- what it holds ------------------------------------------------------------------
    @property
    def metrics(self) -> tuple[str, ...]:
        """Metric names ``query_many`` / ``metric_array`` accept."""
        return CURVE_METRICS + _STATIC + tuple(f"{LATENCY_PREFIX}{d}" for d in self._latency_devices)

    @property
    def max_epoch(self) -> int:
        """The longest schedule: the recipe's or a longer one trained on demand."""
        return max(self.schedules())

    def schedules(self, dataset: str | None = None) -> tuple[int, ...]:
        """The recipe's schedule and every schedule trained so far, shortest first."""
        self._dataset(dataset)
        return tuple(sorted({self.recipe.epochs} | {k[2] for k in self._runs}))

    def epochs(self, dataset: str | None = None, *, schedule: int | None = None) -> tuple[int, ...]:
        """Every epoch of the schedule is recorded: ``1..schedule``."""
        self._dataset(dataset)
        return tuple(range(1, self._schedule(schedule) + 1))

    def seeds(self, dataset: str | None = None, *, schedule: int | None = None) -> tuple[int, ...]:
        """The seeds ``seed=None`` averages over (any other seed is trained on request)."""
        self._dataset(dataset)
        self._schedule(schedule)
        return self.seed_set

    def __len__(self) -> int:
        """Number of distinct classes trained so far (any schedule)."""
        return len({k[0] for k in self._runs})

    def __repr__(self) -> str:
        size = (f"C={self.recipe.C}, N={self.recipe.N}" if self.recipe.space == "nb201"
                else f"model_size={self.recipe.proxy_model_size()}")
        return (f"TrainingBenchmark(space={self.space.name!r}, recipe epochs={self.recipe.epochs}, {size}, "
                f"seeds={list(self.seed_set)}, runs cached={len(self._runs)}, cache_path={self.cache_path})")

    # --- resolution ---------------------------------------------------------------------
    def _dataset(self, dataset: str | None) -> str:
        if dataset is not None and dataset != self.recipe.dataset:
            raise QueryError(f"dataset {dataset!r} is not in this benchmark; it has: {list(self.datasets)}")
        return self.recipe.dataset

    def _schedule(self, schedule: int | None) -> int:
        if schedule is None:
            return self.recipe.epochs
        if isinstance(schedule, bool) or not isinstance(schedule, (int, np.integer)) or schedule < 1:
            raise QueryError(f"schedule must be a number of epochs >= 1 (trained on demand), got {schedule!r}")
        return int(schedule)

    def _cell(self, arch: Any) -> Any:
        if isinstance(arch, (int, np.integer)) and not isinstance(arch, bool):
            if not hasattr(self.space, "cell_at"):
                raise QueryError(f"the {self.space.name} space has no enumeration index here; "
                                 f"query an architecture or its string, got {arch!r}")
            return self.space.cell_at(int(arch))
        if isinstance(arch, str):
            return self.space.parse(arch)
        from ..spaces import Cell101, Cell201, MacroArch

        expected = {"nb201": Cell201, "nb101": Cell101, "macro": MacroArch}[self.space.name]
        if not isinstance(arch, expected):
            raise OutOfSpaceError(f"this benchmark trains {self.space.name} architectures ({expected.__name__}), "
                                  f"got {type(arch).__name__} {arch!r:.200}")
        return self.space.validate(arch)

    def _index(self, cell: Any) -> int:
        """Index of ``cell`` in the space's enumeration (NB201), else -1."""
        return int(self.space.index(cell)) if hasattr(self.space, "index") else -1

    # --- queries ------------------------------------------------------------------------
    def query(
        self,
        arch: Any,
        *,
        dataset: str | None = None,
        epoch: int | None = None,
        seed: int | None = None,
        schedule: int | None = None,
    ) -> Record:
        """Everything about ``arch``; trains the run(s) first if they are not cached.

        Args:
            arch: an architecture of the space (``Cell201``, ``Cell101``, ``MacroArch``), its
                string, or (NB201) its index in the enumeration.
            dataset: the recipe's dataset (or None).
            epoch: epoch to stop the curve at, ``1..schedule`` (default: the last).
            seed: a training seed (trained if needed); ``None``: mean over :attr:`seed_set`.
            schedule: training length in epochs (default: the recipe's); another length
                is trained on demand (its own cosine schedule).

        Returns:
            A :class:`Record`; ``measured_arch`` is the cell actually trained for the class.

        Raises:
            QueryError: unknown dataset, invalid schedule or epoch; an index outside NB201.
            OutOfSpaceError: a malformed architecture, or one of another space.
        """
        cell = self._cell(arch)
        dataset = self._dataset(dataset)
        schedule = self._schedule(schedule)
        if epoch is not None and (isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer))
                                  or not 1 <= epoch <= schedule):
            raise QueryError(f"epoch {epoch!r} is not recorded for the {schedule}-epoch schedule; "
                             f"recorded epochs: 1..{schedule}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise QueryError(f"seed must be an int >= 0 or None (mean over {list(self.seed_set)}), got {seed!r}")
        seeds = self.seed_set if seed is None else (int(seed),)
        self._ensure(cell, seeds, schedule)
        canonical = self.space.canonical(cell)
        rows = [self._runs[run_key(canonical, s, schedule)] for s in seeds]
        stop = schedule if epoch is None else int(epoch)
        arrays = [np.mean([np.asarray(r[m], dtype=np.float64)[:stop] for r in rows], axis=0) for m in CURVE_METRICS]
        first = rows[0]
        return Record(
            arch=str(cell),
            measured_arch=first["arch"],
            canonical=canonical,
            arch_index=self._index(cell),
            dataset=dataset,
            schedule_epochs=schedule,
            seed=None if seed is None else int(seed),
            seeds=tuple(seeds),
            epoch=stop,
            curve=Curve(np.arange(1, stop + 1), *arrays),
            params=int(first["params"]),
            flops=float(first["flops"]),
            latency_ms={d: float(first.get(f"{LATENCY_PREFIX}{d}", np.nan)) for d in self._latency_devices},
            energy_mj={},
        )

    def _value(self, record: Record, metric: str) -> float:
        if metric in CURVE_METRICS:
            return float(getattr(record.final, metric))
        if metric in _STATIC:
            return float(getattr(record, metric))
        return record.latency_ms[metric[len(LATENCY_PREFIX):]]

    def _metric(self, metric: str) -> str:
        if metric not in self.metrics:
            raise QueryError(f"metric {metric!r} is not in benchmark {self.name!r}; metrics: {list(self.metrics)}")
        return metric

    def query_many(
        self,
        archs: Iterable[Any] | np.ndarray,
        *,
        metric: str = "valid_acc",
        dataset: str | None = None,
        epoch: int | None = None,
        seed: int | None = None,
        schedule: int | None = None,
    ) -> np.ndarray:
        """One metric of many architectures (each trained first if needed), float64 array."""
        metric = self._metric(metric)
        if isinstance(archs, np.ndarray):
            archs = archs.reshape(-1).tolist() if np.issubdtype(archs.dtype, np.integer) else list(archs)
        return np.array([self._value(self.query(a, dataset=dataset, epoch=epoch, seed=seed, schedule=schedule), metric)
                         for a in archs], dtype=np.float64)

    def _trained_cells(self, schedule: int, seed: int | None) -> list[tuple[str, str]]:
        """(canonical, trained arch) of every class with the needed runs cached."""
        seeds = self.seed_set if seed is None else (int(seed),)
        out = {}
        for (canonical, _, sched), row in self._runs.items():
            if sched == schedule and all(run_key(canonical, s, schedule) in self._runs for s in seeds):
                out.setdefault(canonical, row["arch"])
        return sorted(out.items())

    def metric_array(
        self,
        metric: str,
        *,
        dataset: str | None = None,
        epoch: int | None = None,
        seed: int | None = None,
        schedule: int | None = None,
        over: str = "space",
    ) -> np.ndarray:
        """``metric`` of every cell of the space (``over="space"``, enumeration order; NB201
        only) or of every trained class (``over="table"``), NaN where not trained. Trains nothing.

        Raises:
            QueryError: an unknown metric, or ``over="space"`` for NB101 / macro (their
                spaces are too large to list).
        """
        metric = self._metric(metric)
        if over not in _OVER:
            raise UnknownNameError(f"over={over!r} is unknown; use one of {_OVER}")
        if over == "space" and not hasattr(self.space, "all_canonical"):
            raise QueryError(f"over='space' needs every architecture of the {self.space.name} space listed, which "
                             f"only NB201 (15,625 cells) allows here; use over='table' (the trained ones)")
        schedule = self._schedule(schedule)
        trained = self._trained_cells(schedule, seed)
        values = {c: self._value(self.query(a, dataset=dataset, epoch=epoch, seed=seed, schedule=schedule), metric)
                  for c, a in trained}
        if over == "table":
            return np.array([values[c] for c, _ in trained], dtype=np.float64)
        if self._all_canonical is None:
            self._all_canonical = self.space.all_canonical()
        return np.array([values.get(c, np.nan) for c in self._all_canonical], dtype=np.float64)

    def true_front(self, objectives: Sequence[Any], **kwargs: Any) -> pd.DataFrame:
        """Not available: the exact front needs every architecture trained.

        Raises:
            QueryError: always; build a table (``python -m nasbench_kit build``) and use
                ``load_benchmark`` for exact fronts.
        """
        raise QueryError(
            "TrainingBenchmark cannot give the true Pareto front: it would have to train every architecture; "
            "build a table with `python -m nasbench_kit build` and open it with load_benchmark()"
        )

    def search_view(self, dataset: str | None = None, *, epoch: int | None = None,
                    schedule: int | None = None) -> SearchView:
        """What a search strategy may see (no test metrics); queries through it train on demand."""
        schedule = self._schedule(schedule)
        epoch = schedule if epoch is None else epoch
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or not 1 <= epoch <= schedule:
            raise QueryError(f"epoch {epoch!r} is not recorded for the {schedule}-epoch schedule; recorded: 1..{schedule}")
        return SearchView(self, dataset=self._dataset(dataset), schedule_epochs=schedule, epoch=int(epoch))

    @property
    def frame(self) -> pd.DataFrame:
        """One row per cached run: identity, ``final_*`` metrics, sizes (empty before any training)."""
        if not self._runs:
            return pd.DataFrame(columns=["arch", "arch_index", "canonical", "dataset", "schedule_epochs", "seed",
                                         "final_epoch", *(f"final_{m}" for m in CURVE_METRICS), *_STATIC])
        from .table import TabularBenchmark

        return TabularBenchmark(self.to_table(), space=self.space, source="TrainingBenchmark cache").frame
