"""``TabularBenchmark``: free, fast queries over one benchmark table (format v1).

At load the table's architectures are indexed (arch string -> row, canonical -> row);
the first query of a (dataset, schedule) gathers that pair's runs into dense numpy arrays
``(n_archs, n_seeds, n_epochs)``. A scalar query is then a dictionary lookup plus array
slicing, and a vectorized query is one fancy-indexing operation.

What is measured where is always explicit: ``dataset`` (required when the table has more
than one), ``schedule`` (defaults to the longest one and is named in the :class:`Record`),
``epoch`` (defaults to the schedule's last) and ``seed`` (``None``: mean over seeds).
A name the table does not hold raises :class:`~nasbench_kit.errors.QueryError` listing
what it does hold.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from ..errors import BenchmarkFormatError, QueryError, UnknownNameError
from ..objectives import Constraint, Objective
from ..pareto import non_dominated_mask
from ._arrow import to_numpy
from ._group import Group, build_group, describe_missing
from .record import CURVE_METRICS, Curve, Record
from .search_view import SearchView
from .schema import (
    ENERGY_PREFIX,
    LATENCY_PREFIX,
    TableMeta,
    device_columns,
    dictionary_codes,
    read_table,
    validate_table,
)

if TYPE_CHECKING:
    import pandas as pd  # the frame methods import it when called: a query does not need pandas

__all__ = ["TabularBenchmark", "space_for"]

_SPACE_CLASSES = {"nb201": ("nasbench_kit.spaces.nb201", "NB201Space"), "nb101": ("nasbench_kit.spaces.nb101", "NB101Space")}
_OVER = ("space", "table")


def space_for(name: str) -> Any | None:
    """The kit's search space called ``name`` (``"nb201"``, ``"nb101"``, ...), or None.

    Returns None for ``"custom"`` and for spaces this installation does not provide.
    """
    module_name, class_name = _SPACE_CLASSES.get(name, (f"nasbench_kit.spaces.{name}", ""))
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    cls = getattr(module, class_name, None) if class_name else None
    if cls is None:  # find the space class by its `name` attribute
        from ..spaces.base import SearchSpace

        candidates = [
            obj
            for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, SearchSpace) and getattr(obj, "name", None) == name
        ]
        cls = candidates[0] if candidates else None
    return cls() if cls is not None else None


def _list_layout(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(values, offsets) of a list column in Arrow layout, zero-copy where possible."""
    array = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    values = to_numpy(array.values)
    return values, to_numpy(array.offsets)


class TabularBenchmark:
    """A tabular benchmark loaded from a format-v1 table (see ``load_benchmark``).

    Args:
        table: a validated table (``schema.read_table`` / ``schema.build_table``).
        space: search space used to canonicalize architectures that are not stored
            verbatim (tables with one representative per isomorphism class) and to
            enumerate the space (``over="space"``). Default: the kit's space named by
            the table's metadata, if any.
        source: what to call the table in messages (usually its file).
        meta: the table's metadata when the table was already validated (as by
            ``read_table``); None validates it here.

    Raises:
        BenchmarkFormatError: if ``table`` is not a valid benchmark table.

    Example:
        >>> from nasbench_kit.benchmarks import load_benchmark     # doctest: +SKIP
        >>> bench = load_benchmark("tests-table.parquet")          # doctest: +SKIP
        >>> bench.query("|nor_conv_3x3~0|+...", dataset="cifar10").final.valid_acc  # doctest: +SKIP
    """

    def __init__(
        self, table: pa.Table, *, space: Any | None = None, source: str = "<table>", meta: TableMeta | None = None
    ) -> None:
        # `meta` is passed by from_file after read_table validated the table: skip a second pass.
        self.meta: TableMeta = validate_table(table, source=source) if meta is None else meta
        self.source = source
        if space is None:
            space = space_for(self.meta.space)
        elif self.meta.space != "custom" and getattr(space, "name", self.meta.space) != self.meta.space:
            raise BenchmarkFormatError(
                f"{source}: the table holds {self.meta.space!r} architectures, but space={space!r} "
                f"(name {getattr(space, 'name', None)!r}) was passed"
            )
        self.space = space
        self._table = table
        arch_codes, archs = dictionary_codes(table.column("arch"))
        self._run_arch = arch_codes  # arch row of each table row (run)
        self._archs: np.ndarray = np.asarray(archs, dtype=object)
        first = np.unique(arch_codes, return_index=True)[1]
        canonical_codes, canonicals = dictionary_codes(table.column("canonical"))
        self._canonical = np.asarray(canonicals, dtype=object)[canonical_codes[first]]
        self._arch_index = to_numpy(table.column("arch_index"))[first].astype(np.int64)
        self._row_of_arch = {a: i for i, a in enumerate(self._archs)}
        self._row_of_canonical: dict[str, int] = {}
        for i, c in enumerate(self._canonical):
            self._row_of_canonical.setdefault(c, i)  # first arch of each class represents it
        dataset_codes, datasets = dictionary_codes(table.column("dataset"))
        self._run_dataset = dataset_codes
        self._dataset_code = {d: i for i, d in enumerate(datasets)}
        self._run_schedule = to_numpy(table.column("schedule_epochs")).astype(np.int64)
        self._run_seed = to_numpy(table.column("seed")).astype(np.int64)
        #: Datasets in the table, in order of first appearance.
        self.datasets: tuple[str, ...] = tuple(datasets)
        self._schedules = {
            d: tuple(int(s) for s in np.unique(self._run_schedule[dataset_codes == i])) for i, d in enumerate(datasets)
        }
        names = table.column_names
        self.latency_columns = device_columns(names, LATENCY_PREFIX)
        self.energy_columns = device_columns(names, ENERGY_PREFIX)
        self._static_names = ("params", "flops", *self.latency_columns.values(), *self.energy_columns.values())
        #: Every metric ``query_many`` / ``metric_array`` understand.
        self.metrics: tuple[str, ...] = CURVE_METRICS + self._static_names
        self._groups: dict[tuple[str, int], Group] = {}
        self._flat: dict[str, tuple[np.ndarray, np.ndarray]] | None = None

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, space: Any | None = None) -> TabularBenchmark:
        """Read and validate a table file (see ``schema.read_table``) and index it."""
        table, meta = read_table(path)
        return cls(table, space=space, source=str(path), meta=meta)

    # --- what the table holds --------------------------------------------------------------
    @property
    def name(self) -> str:
        """The table's name (from its metadata)."""
        return self.meta.name

    @property
    def table(self) -> pa.Table:
        """The underlying Arrow table (one row per run)."""
        return self._table

    @property
    def archs(self) -> tuple[str, ...]:
        """Distinct architecture strings in table order (the rows of ``over="table"``)."""
        return tuple(self._archs)

    @property
    def canonicals(self) -> tuple[str, ...]:
        """Canonical string of each of :attr:`archs`."""
        return tuple(self._canonical)

    @property
    def arch_indices(self) -> np.ndarray:
        """Index in the kit's enumeration of each of :attr:`archs` (-1: none)."""
        out = self._arch_index.copy()
        out.flags.writeable = False
        return out

    def __len__(self) -> int:
        """Number of distinct architectures stored."""
        return len(self._archs)

    @property
    def max_epoch(self) -> int:
        """The longest training schedule in the table, in epochs."""
        return int(self._run_schedule.max())

    def schedules(self, dataset: str | None = None) -> tuple[int, ...]:
        """Training schedules (epochs) run on ``dataset``, shortest first."""
        return self._schedules[self._dataset(dataset)]

    def epochs(self, dataset: str | None = None, *, schedule: int | None = None) -> tuple[int, ...]:
        """Epochs recorded for ``dataset`` under ``schedule`` (default: the longest)."""
        return tuple(int(e) for e in self._group(dataset, schedule).epochs)

    def seeds(self, dataset: str | None = None, *, schedule: int | None = None) -> tuple[int, ...]:
        """Seeds run for ``dataset`` under ``schedule`` (default: the longest)."""
        return self._group(dataset, schedule).seeds

    def __repr__(self) -> str:
        return (
            f"TabularBenchmark(name={self.meta.name!r}, space={self.meta.space!r}, archs={len(self)}, "
            f"datasets={list(self.datasets)}, source={self.source!r})"
        )

    # --- resolution ----------------------------------------------------------------------
    def _dataset(self, dataset: str | None) -> str:
        if dataset is None:
            if len(self.datasets) == 1:
                return self.datasets[0]
            raise QueryError(f"this benchmark holds several datasets {list(self.datasets)}: pass dataset=...")
        if dataset not in self._schedules:
            raise describe_missing("dataset", dataset, list(self.datasets))
        return dataset

    def _group(self, dataset: str | None, schedule: int | None) -> Group:
        dataset = self._dataset(dataset)
        schedules = self._schedules[dataset]
        if schedule is None:
            schedule = schedules[-1]
        found = self._groups.get((dataset, schedule))
        if found is None:
            if schedule not in schedules or isinstance(schedule, bool):
                raise QueryError(
                    f"schedule {schedule!r} (epochs) was not run on dataset {dataset!r}; schedules run: {list(schedules)}"
                )
            found = self._build_group(dataset, int(schedule))
            self._groups[(dataset, schedule)] = found
        return found

    def _build_group(self, dataset: str, schedule: int) -> Group:
        if self._flat is None:
            self._flat = {name: _list_layout(self._table.column(name)) for name in ("epochs",) + CURVE_METRICS}
            static = {}
            for name in self._static_names:
                column = self._table.column(name)
                static[name] = to_numpy(column).astype(np.float64)  # nulls -> NaN
            self._static_runs = static
        rows = np.flatnonzero((self._run_dataset == self._dataset_code[dataset]) & (self._run_schedule == schedule))
        return build_group(
            dataset=dataset,
            schedule_epochs=schedule,
            rows=rows,
            arch_rows=self._run_arch[rows],
            n_archs=len(self._archs),
            seeds=self._run_seed[rows],
            flat=self._flat,
            static=self._static_runs,
            latency_columns=self.latency_columns,
            energy_columns=self.energy_columns,
        )

    def _resolve(self, arch: Any) -> tuple[int, str, int]:
        """(arch row, official string of the queried arch, its arch_index)."""
        if isinstance(arch, (int, np.integer)) and not isinstance(arch, bool):
            index = int(arch)
            row = int(self._check_index_rows(np.array([index]))[0])
            text = self._archs[row]
            if self._arch_index[row] != index:
                text = str(self.space.cell_at(index))
            return row, text, index
        text = arch if isinstance(arch, str) else str(arch)
        row = self._row_of_arch.get(text)
        if row is not None:
            return row, text, int(self._arch_index[row])
        if self.space is None:
            raise QueryError(
                f"arch {text!r} is not in benchmark {self.name!r} ({len(self)} archs, e.g. {self._archs[0]!r}); "
                f"the table's space is {self.meta.space!r}, so no isomorphic cell can be looked up"
            )
        cell = self.space.parse(arch) if isinstance(arch, str) else arch  # OutOfSpaceError if malformed
        exact = self._row_of_arch.get(str(cell))  # e.g. the string had extra whitespace
        if exact is not None:
            return exact, str(cell), int(self._arch_index[exact])
        canonical = self.space.canonical(cell)
        row = self._row_of_canonical.get(canonical)
        if row is None:
            raise QueryError(
                f"arch {text!r} (canonical {canonical!r}) is not in benchmark {self.name!r}: it holds "
                f"{len(self)} archs of {len(self._row_of_canonical)} canonical classes"
            )
        index = int(self.space.index(cell)) if hasattr(self.space, "index") else -1
        return row, str(cell), index

    @cached_property
    def _space_rows(self) -> np.ndarray:
        """Arch row of every cell of the space in enumeration order (-1: class not stored)."""
        space = self.space
        if space is None or not getattr(space, "is_finite", False) or not hasattr(space, "index"):
            raise QueryError(
                f"benchmark {self.name!r} (space {self.meta.space!r}) has no enumerated space; use over='table' "
                f"or arch strings instead of indices"
            )
        n = len(space)
        rows = np.full(n, -1, dtype=np.int64)
        ok = (self._arch_index >= 0) & (self._arch_index < n)
        rows[self._arch_index[ok]] = np.flatnonzero(ok)
        missing = np.flatnonzero(rows < 0)
        if missing.size:
            if hasattr(space, "all_canonical"):
                canon = space.all_canonical()
                rows[missing] = [self._row_of_canonical.get(canon[i], -1) for i in missing]
            else:
                rows[missing] = [self._row_of_canonical.get(space.canonical(space.cell_at(int(i))), -1) for i in missing]
        rows.flags.writeable = False
        return rows

    def space_coverage(self) -> tuple[int, int] | None:
        """``(cells that resolve to a stored run, cells in the space)``, or None when the
        table's space cannot be enumerated."""
        try:
            rows = self._space_rows
        except QueryError:
            return None
        return int((rows >= 0).sum()), len(rows)

    def _check_index_rows(self, indices: np.ndarray) -> np.ndarray:
        space_rows = self._space_rows
        if indices.size and (indices.min() < 0 or indices.max() >= len(space_rows)):
            bad = indices[(indices < 0) | (indices >= len(space_rows))][0]
            raise QueryError(f"arch index {int(bad)} is out of range: the space has indices 0..{len(space_rows) - 1}")
        rows = space_rows[indices]
        if (rows < 0).any():
            bad = indices[rows < 0]
            raise QueryError(
                f"{bad.size} arch index(es) (e.g. {int(bad[0])}) have no run in benchmark {self.name!r}: "
                f"their canonical class is not stored"
            )
        return rows

    def arch_rows(self, archs: Iterable[Any] | np.ndarray) -> np.ndarray:
        """Rows (into :attr:`archs`) of many architectures: an int array of arch indices
        (vectorized) or any iterable of architectures / official strings.

        Raises:
            QueryError: naming an architecture or index the table does not hold.
        """
        if isinstance(archs, np.ndarray) and np.issubdtype(archs.dtype, np.integer):
            return self._check_index_rows(archs.astype(np.int64, copy=False).reshape(-1))
        return np.fromiter((self._resolve(a)[0] for a in archs), dtype=np.int64)

    def _metric(self, metric: str) -> str:
        if metric not in self.metrics:
            raise QueryError(f"metric {metric!r} is not in benchmark {self.name!r}; metrics: {list(self.metrics)}")
        return metric

    # --- queries ----------------------------------------------------------------------------
    def query(
        self,
        arch: Any,
        *,
        dataset: str | None = None,
        epoch: int | None = None,
        seed: int | None = None,
        schedule: int | None = None,
    ) -> Record:
        """Everything the benchmark knows about ``arch``, free of any budget.

        Args:
            arch: an architecture of the table's space (e.g. ``Cell201``), its official
                string, or its index in the kit's enumeration. A cell not stored verbatim
                is found through its canonical (isomorphism) class.
            dataset: required when the table holds more than one dataset.
            epoch: recorded epoch to stop the curve at (default: the schedule's last).
            seed: training seed; ``None`` averages over the seeds the arch was run with.
            schedule: training schedule length in epochs (default: the longest).

        Returns:
            A :class:`Record` (``record.final.valid_acc``, ``record.curve``, ...).

        Raises:
            QueryError: unknown arch, dataset, schedule, epoch or seed, listing what exists.
            OutOfSpaceError: a malformed architecture string.
        """
        row, text, index = self._resolve(arch)
        group = self._group(dataset, schedule)
        pos = group.epoch_position(epoch)
        if not group.has_arch[row]:
            raise QueryError(f"arch {text!r} has no run on {group.label}")
        if seed is None:
            seeds = group.seeds_of(row)
            arrays = [group.mean(m)[row, : pos + 1] for m in CURVE_METRICS]
        else:
            s = group.seed_position(seed)
            if not group.present[row, s]:
                raise QueryError(f"arch {text!r} was not run with seed {seed!r} on {group.label}; its seeds: "
                                 f"{list(group.seeds_of(row))}")
            seeds = (int(seed),)
            arrays = [group.curves[m][row, s, : pos + 1] for m in CURVE_METRICS]
        static = group.static
        params = static["params"][row]
        return Record(
            arch=text,
            measured_arch=self._archs[row],
            canonical=self._canonical[row],
            arch_index=index,
            dataset=group.dataset,
            schedule_epochs=group.schedule_epochs,
            seed=None if seed is None else int(seed),
            seeds=seeds,
            epoch=int(group.epochs[pos]),
            curve=Curve(group.epochs[: pos + 1], *arrays),
            params=None if params != params else int(params),
            flops=float(static["flops"][row]),
            latency_ms={d: float(static[c][row]) for d, c in group.latency_columns.items()},
            energy_mj={d: float(static[c][row]) for d, c in group.energy_columns.items()},
        )

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
        """One metric of many architectures at once: a float64 array aligned with ``archs``.

        Args:
            archs: an int array of arch indices (fully vectorized) or an iterable of
                architectures / official strings.
            metric: one of :attr:`metrics` (curve metrics are read at ``epoch``).
            dataset, epoch, seed, schedule: as in :meth:`query`.

        Raises:
            QueryError: as in :meth:`query`, or if some arch has no run with ``seed``.

        Example:
            >>> bench.query_many(np.arange(15625), metric="valid_acc", dataset="cifar10")  # doctest: +SKIP
        """
        metric = self._metric(metric)
        rows = self.arch_rows(archs)
        group = self._group(dataset, schedule)
        pos = group.epoch_position(epoch)
        seed_pos = None if seed is None else group.seed_position(seed)
        ok = group.has_arch[rows] if seed_pos is None else group.present[rows, seed_pos]
        if not ok.all():
            bad = self._archs[rows[~ok][0]]
            with_seed = "" if seed is None else f" with seed {seed}"
            raise QueryError(f"{int((~ok).sum())} arch(s) (e.g. {bad!r}) have no run{with_seed} on {group.label}")
        return np.asarray(group.vector(metric, pos, seed_pos)[rows], dtype=np.float64)

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
        """``metric`` of every architecture, NaN where the table has no run.

        Args:
            over: ``"space"``: every cell of the space in enumeration order (cells of a
                stored canonical class get the class's values); ``"table"``: the table's
                :attr:`archs` in order.

        Returns:
            A new float64 array.
        """
        metric = self._metric(metric)
        if over not in _OVER:
            raise UnknownNameError(f"over={over!r} is unknown; use one of {_OVER}")
        group = self._group(dataset, schedule)
        pos = group.epoch_position(epoch)
        values = group.vector(metric, pos, None if seed is None else group.seed_position(seed))
        if over == "table":
            return np.array(values, dtype=np.float64)
        rows = self._space_rows
        out = np.full(len(rows), np.nan)
        stored = rows >= 0
        out[stored] = values[rows[stored]]
        return out

    def true_front(
        self,
        objectives: Sequence[Objective],
        *,
        dataset: str | None = None,
        epoch: int | None = None,
        seed: int | None = None,
        schedule: int | None = None,
        constraints: Sequence[Constraint] = (),
    ) -> pd.DataFrame:
        """The exact Pareto front over every stored architecture (the table is exhaustive).

        Args:
            objectives: what to optimize, e.g. ``[Objective("valid_acc"),
                Objective("latency_ms_cpu1t", maximize=False)]``.
            constraints: only architectures satisfying all of them are considered.
            dataset, epoch, seed, schedule: as in :meth:`query`.

        Returns:
            DataFrame with ``arch``, ``arch_index``, ``canonical`` and one column per
            objective metric, best first by the first objective. Architectures without a
            value for some objective are left out.
        """
        objectives = list(objectives)
        if not objectives or not all(isinstance(o, Objective) for o in objectives):
            raise TypeError(f"objectives must be a non-empty sequence of Objective, got {objectives!r}")
        if not all(isinstance(c, Constraint) for c in constraints):
            raise TypeError(f"constraints must be Constraint objects, got {list(constraints)!r}")
        group = self._group(dataset, schedule)
        pos = group.epoch_position(epoch)
        seed_pos = None if seed is None else group.seed_position(seed)
        points = np.stack(
            [group.vector(self._metric(o.metric), pos, seed_pos) for o in objectives], axis=1
        ).astype(np.float64)
        keep = group.has_arch & np.isfinite(points).all(axis=1)
        for c in constraints:
            keep &= c.satisfied_many(group.vector(self._metric(c.metric), pos, seed_pos))
        rows = np.flatnonzero(keep)
        front = rows[non_dominated_mask(points[rows], maximize=[o.maximize for o in objectives])]
        import pandas as pd

        frame = pd.DataFrame(
            {"arch": self._archs[front], "arch_index": self._arch_index[front], "canonical": self._canonical[front]}
        )
        for k, o in enumerate(objectives):
            frame[o.metric] = points[front, k]
        first = objectives[0]
        return frame.sort_values(first.metric, ascending=not first.maximize, kind="stable").reset_index(drop=True)

    def search_view(
        self, dataset: str | None = None, *, epoch: int | None = None, schedule: int | None = None
    ) -> SearchView:
        """What a search strategy may see: validation metrics and free costs, no test split.

        Args:
            dataset, schedule: as in :meth:`query`.
            epoch: the search epoch (fidelity) read by default (default: the schedule's last).
        """
        group = self._group(dataset, schedule)
        return SearchView(self, dataset=group.dataset, schedule_epochs=group.schedule_epochs,
                          epoch=int(group.epochs[group.epoch_position(epoch)]))

    # --- frames for analysis ---------------------------------------------------------------
    @cached_property
    def frame(self) -> pd.DataFrame:
        """One row per run: identity, ``final_*`` metrics at the run's last recorded epoch
        (``final_epoch``), ``params``, ``flops``, latency / energy and extra columns."""
        table = self._table
        data: dict[str, Any] = {}
        for name in ("arch", "arch_index", "canonical", "dataset", "schedule_epochs", "seed"):
            data[name] = table.column(name).to_pandas()
        epoch_values, offsets = _list_layout(table.column("epochs"))
        last = offsets[1:].astype(np.int64) - 1
        data["final_epoch"] = epoch_values[last].astype(np.int64)
        for name in CURVE_METRICS:
            values, offs = _list_layout(table.column(name))
            data[f"final_{name}"] = values[offs[1:].astype(np.int64) - 1].astype(np.float64)
        skip = {"epochs", *CURVE_METRICS, *data}
        for name in table.column_names:
            if name not in skip:
                data[name] = table.column(name).to_pandas()
        import pandas as pd

        return pd.DataFrame(data)

    def curves_frame(self, dataset: str | None = None, *, schedule: int | None = None) -> pd.DataFrame:
        """Long learning-curve table of one dataset and schedule: one row per run and epoch,
        columns ``arch, seed, epoch`` and the curve metrics."""
        group = self._group(dataset, schedule)
        archs, seeds = np.nonzero(group.present)
        n_epochs = len(group.epochs)
        data: dict[str, Any] = {
            "arch": np.repeat(self._archs[archs], n_epochs),
            "seed": np.repeat(np.asarray(group.seeds, dtype=np.int64)[seeds], n_epochs),
            "epoch": np.tile(group.epochs, len(archs)),
        }
        for m in CURVE_METRICS:
            data[m] = group.curves[m][archs, seeds].reshape(-1).astype(np.float64)
        import pandas as pd

        return pd.DataFrame(data)
