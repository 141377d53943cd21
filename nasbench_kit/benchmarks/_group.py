"""Dense per-(dataset, schedule) arrays behind :class:`~nasbench_kit.benchmarks.table.TabularBenchmark`.

A :class:`Group` holds, for one dataset and one training schedule, every curve metric as a
read-only float32 array of shape ``(n_archs, n_seeds, n_epochs)`` (NaN where a run or a value
does not exist), so a query is a dictionary lookup plus array slicing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import QueryError
from .record import CURVE_METRICS, _describe_epochs


def _readonly(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


@dataclass
class Group:
    """Arrays of one (dataset, schedule): built once, then only read."""

    dataset: str
    schedule_epochs: int
    seeds: tuple[int, ...]
    epochs: np.ndarray  # (n_epochs,) int64, the recorded epochs
    curves: dict[str, np.ndarray]  # metric -> (n_archs, n_seeds, n_epochs) float32
    present: np.ndarray  # (n_archs, n_seeds) bool: the run exists
    static: dict[str, np.ndarray]  # params / flops / latency_ms_* / energy_mj_* -> (n_archs,) float64
    latency_columns: dict[str, str]  # device -> column
    energy_columns: dict[str, str]
    has_arch: np.ndarray = field(init=False)  # (n_archs,) bool
    epoch_pos: dict[int, int] = field(init=False)
    seed_pos: dict[int, int] = field(init=False)
    _means: dict[str, np.ndarray] = field(init=False, default_factory=dict)
    _seed_code: np.ndarray = field(init=False)
    _seed_sets: dict[int, tuple[int, ...]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.has_arch = _readonly(self.present.any(axis=1))
        self.epoch_pos = {int(e): i for i, e in enumerate(self.epochs)}
        self.seed_pos = {s: i for i, s in enumerate(self.seeds)}
        # Bit pattern of the seeds each arch was run with; patterns are few.
        weights = (1 << np.arange(len(self.seeds), dtype=np.int64)) if len(self.seeds) < 63 else None
        self._seed_code = self.present @ weights if weights is not None else np.zeros(len(self.present), np.int64)

    @property
    def label(self) -> str:
        return f"dataset {self.dataset!r} with the {self.schedule_epochs}-epoch schedule"

    # --- resolution (raise QueryError listing what exists) -------------------------------
    def epoch_position(self, epoch: int | None) -> int:
        if epoch is None:
            return len(self.epochs) - 1
        pos = self.epoch_pos.get(epoch) if not isinstance(epoch, bool) else None
        if pos is None:
            raise QueryError(
                f"epoch {epoch!r} is not recorded for {self.label}; recorded epochs: {_describe_epochs(self.epochs)}"
            )
        return pos

    def seed_position(self, seed: int) -> int:
        pos = self.seed_pos.get(seed) if not isinstance(seed, bool) else None
        if pos is None:
            raise QueryError(
                f"seed {seed!r} was not run on {self.label}; seeds run: {list(self.seeds)} "
                f"(or seed=None for the mean over seeds)"
            )
        return pos

    def seeds_of(self, row: int) -> tuple[int, ...]:
        """The seeds arch ``row`` was run with (cached per seed pattern)."""
        code = int(self._seed_code[row])
        found = self._seed_sets.get(code)
        if found is None:
            found = tuple(self.seeds[i] for i in np.flatnonzero(self.present[row]))
            self._seed_sets[code] = found
        return found

    # --- values ---------------------------------------------------------------------------
    def mean(self, metric: str) -> np.ndarray:
        """Mean over the seeds that have a value: read-only ``(n_archs, n_epochs)`` float64."""
        found = self._means.get(metric)
        if found is None:
            values = self.curves[metric]
            valid = ~np.isnan(values)
            count = valid.sum(axis=1)
            total = np.where(valid, values, 0.0).sum(axis=1, dtype=np.float64)
            with np.errstate(invalid="ignore", divide="ignore"):
                found = _readonly(np.where(count > 0, total / count, np.nan))
            self._means[metric] = found
        return found

    def vector(self, metric: str, pos: int, seed_pos: int | None) -> np.ndarray:
        """``metric`` of every arch row at epoch position ``pos`` (static metrics ignore it)."""
        if metric in self.static:
            return self.static[metric]
        if seed_pos is None:
            return self.mean(metric)[:, pos]
        return self.curves[metric][:, seed_pos, pos]


def build_group(
    *,
    dataset: str,
    schedule_epochs: int,
    rows: np.ndarray,
    arch_rows: np.ndarray,
    n_archs: int,
    seeds: np.ndarray,
    flat: dict[str, tuple[np.ndarray, np.ndarray]],
    static: dict[str, np.ndarray],
    latency_columns: dict[str, str],
    energy_columns: dict[str, str],
) -> Group:
    """Gather the table rows ``rows`` (runs of one dataset and schedule) into dense arrays.

    Args:
        rows: table row numbers of the runs.
        arch_rows: arch row (0..n_archs-1) of each run.
        seeds: seed of each run.
        flat: list column -> (values, offsets) over the whole table (Arrow layout).
        static: per-run scalar column -> (table_rows,) float64 values.
    """
    seed_values, seed_of_run = np.unique(seeds, return_inverse=True)
    n_seeds = len(seed_values)
    epoch_values, epoch_offsets = flat["epochs"]
    starts = epoch_offsets[rows].astype(np.int64)
    lengths = epoch_offsets[rows + 1].astype(np.int64) - starts
    width = int(lengths[0])
    element = starts[:, None] + np.arange(width)  # (runs, width), valid if all lengths equal
    uniform = bool(np.all(lengths == width)) and bool(np.all(epoch_values[element] == epoch_values[element[0]]))
    if uniform:
        grid = epoch_values[element[0]].astype(np.int64)
    else:
        run_of = np.repeat(np.arange(len(rows)), lengths)
        first_out = np.cumsum(lengths) - lengths  # where each run starts in the flat output
        element_flat = starts[run_of] + (np.arange(int(lengths.sum())) - first_out[run_of])
        grid = np.unique(epoch_values[element_flat]).astype(np.int64)
        epoch_of = np.searchsorted(grid, epoch_values[element_flat])
    curves: dict[str, np.ndarray] = {}
    for metric in CURVE_METRICS:
        values, offsets = flat[metric]
        # Curve columns share the epochs' offsets (validated), but may start elsewhere.
        shift = offsets[rows].astype(np.int64) - starts
        dense = np.full((n_archs, n_seeds, len(grid)), np.nan, dtype=np.float32)
        if uniform:
            dense[arch_rows, seed_of_run] = values[element + shift[:, None]]
        else:
            dense[arch_rows[run_of], seed_of_run[run_of], epoch_of] = values[element_flat + shift[run_of]]
        curves[metric] = _readonly(dense)
    present = np.zeros((n_archs, n_seeds), dtype=bool)
    present[arch_rows, seed_of_run] = True
    # Static metrics: per arch, the first run that has the arch (they agree across seeds).
    first_arch, first_run = np.unique(arch_rows, return_index=True)
    per_arch = {}
    for name, values in static.items():
        out = np.full(n_archs, np.nan)
        out[first_arch] = values[rows[first_run]]
        per_arch[name] = _readonly(out)
    return Group(
        dataset=dataset,
        schedule_epochs=int(schedule_epochs),
        seeds=tuple(int(s) for s in seed_values),
        epochs=_readonly(grid),
        curves=curves,
        present=_readonly(present),
        static=per_arch,
        latency_columns=latency_columns,
        energy_columns=energy_columns,
    )


def describe_missing(what: str, name: object, existing: list) -> QueryError:
    """QueryError for an unknown ``what`` (dataset, schedule, metric) listing what exists."""
    return QueryError(f"{what} {name!r} is not in this benchmark; it has: {existing}")
