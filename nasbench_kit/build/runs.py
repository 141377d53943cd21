"""One training run of a benchmark on the cluttered digits, as one table row.

:class:`BuildRecipe` fixes everything a run is trained and measured with; :func:`train_run`
trains one architecture with it and returns the row (learning curve, sizes of the proxy
and, for NB201, of the official CIFAR-size network). The recipe's ``space`` is NB201
(the default, the builder's benchmark), NB101 or the macro space. The builder
(``build.py``, through Dask, NB201 only) and
:class:`~nasbench_kit.benchmarks.training_benchmark.TrainingBenchmark` (on demand) both
produce their rows here, so a table built offline and one filled on demand are the same.

>>> recipe = BuildRecipe(epochs=1, C=4, N=1)
>>> recipe.train_kwargs()["epochs"], BuildRecipe.from_json(recipe.to_json()) == recipe
(1, True)
>>> small = BuildRecipe(space="nb101", epochs=1, model_size={"stem_channels": 8})
>>> small.benchmark, small.train_kwargs()["model_size"], BuildRecipe.from_json(small.to_json()) == small
('nb101-digits', {'stem_channels': 8}, True)
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa

from ..errors import ArgumentError, BenchmarkFormatError, OutOfSpaceError, UnknownNameError
from ..training.digits import DEFAULT_DATA_SEED, DigitsRecipe
from ..training.kernels import check_kernels
from ..training.proxies import resolve_model_size
from ..training.recipe import RECIPE
from ..benchmarks.schema import CURVE_COLUMNS, TableMeta, build_table

__all__ = ["BuildRecipe", "RECIPE_SPACES", "EXTRA_COLUMNS", "default_space", "train_run", "train_unit",
           "rows_to_table", "table_to_rows", "run_key"]

#: Columns a built table holds beyond the required ones (latency columns are added by
#: the latency stage): sizes of the trained proxy network, evaluation time and training wall time
#: (``train_seconds`` holds the training thread's CPU seconds).
EXTRA_COLUMNS: tuple[str, ...] = ("proxy_params", "proxy_flops", "eval_seconds", "train_wall_seconds")
_SCALAR_ROW = ("arch", "arch_index", "canonical", "dataset", "schedule_epochs", "seed", "params", "flops")
#: Spaces a :class:`BuildRecipe` trains (``BuildRecipe.space``).
RECIPE_SPACES: tuple[str, ...] = ("nb201", "nb101", "macro")
_DEFAULT_BENCHMARK = "nb201-digits"


@dataclass(frozen=True)
class BuildRecipe:
    """How every run of a benchmark is trained and measured (fixed for a whole build).

    Training follows :func:`nasbench_kit.training.train_cell` (NAS-Bench-201 optimiser,
    cosine schedule; defaults from its ``RECIPE``). For NB201, ``params`` / ``flops``
    columns are those of the official CIFAR-size network (``official_*``); the trained
    proxy's are the extra columns ``proxy_params`` / ``proxy_flops``. NB101 and macro runs
    have no official size at this input size, so their ``params`` / ``flops`` are the
    trained proxy's too (equal to ``proxy_*``; the table metadata says so).

    A recipe of the default NB201 space writes the same JSON as before ``space`` and
    ``model_size`` existed (both are left out at their defaults), so older tables and work
    folders stay comparable.

    Args:
        benchmark: name of the table (``TableMeta.name``).
        dataset: the ``dataset`` column value.
        data_seed: seed of ``make_cluttered_digits`` (fixed: every cell sees the same images).
        epochs: training schedule length (``schedule_epochs``).
        C, N: proxy network width and cells per stage.
        batch_size, lr, momentum, weight_decay, nesterov: SGD settings of ``train_cell``.
        curve_renders: renderings scored at epochs before the last (0: all; see ``train_cell``).
        ema_decay: Polyak averaging of the weights for evaluation (0: off; see ``train_cell``).
        official_C, official_N, official_input_size, official_num_classes: the network
            whose size is reported in ``params`` / ``flops`` (NB201 CIFAR-10: 16, 5, 32, 10);
            unused for the other spaces.
        space: the space of the architectures, one of :data:`RECIPE_SPACES`. With another
            space than NB201 and the default ``benchmark``, the name becomes
            ``"<space>-digits"``.
        model_size: NB101 / macro only: proxy sizes given to ``train_cell``'s
            ``model_size`` (JSON values; missing keys take ``PROXY_SIZES``; see
            :func:`nasbench_kit.training.proxies.resolve_model_size`). Stored as sorted
            ``(key, value)`` pairs, so the recipe stays hashable; ``C`` and ``N`` are NB201's.
        kernels: ``"native"`` or ``"baseline"`` CPU kernels (``train_cell``'s ``kernels``;
            :mod:`nasbench_kit.training.kernels`). Left out of the JSON at ``"native"``.

    Raises:
        ArgumentError: a field with a wrong type or range.
    """

    benchmark: str = "nb201-digits"
    dataset: str = "digits-cluttered"
    data_seed: int = DEFAULT_DATA_SEED
    epochs: int = RECIPE["epochs"]
    C: int = RECIPE["C"]
    N: int = RECIPE["N"]
    batch_size: int = RECIPE["batch_size"]
    lr: float = RECIPE["lr"]
    momentum: float = RECIPE["momentum"]
    weight_decay: float = RECIPE["weight_decay"]
    nesterov: bool = RECIPE["nesterov"]
    curve_renders: int = RECIPE["curve_renders"]
    ema_decay: float = RECIPE["ema_decay"]
    official_C: int = 16
    official_N: int = 5
    official_input_size: int = 32
    official_num_classes: int = 10
    space: str = "nb201"
    model_size: Any = None
    kernels: str = "native"

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "model_size":
                continue
            if f.type == "str":
                if not isinstance(value, str) or not value:
                    raise ArgumentError(f"BuildRecipe.{f.name} must be a non-empty str, got {value!r}")
            elif f.type == "int":
                low = 0 if f.name in ("data_seed", "curve_renders") else 1
                if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                    raise ArgumentError(f"BuildRecipe.{f.name} must be an int >= {low}, got {value!r}")
                object.__setattr__(self, f.name, int(value))
            elif f.type == "float":
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                    raise ArgumentError(f"BuildRecipe.{f.name} must be a finite number >= 0, got {value!r}")
                object.__setattr__(self, f.name, float(value))
            elif not isinstance(value, bool):
                raise ArgumentError(f"BuildRecipe.{f.name} must be a bool, got {value!r}")
        check_kernels(self.kernels)
        if self.space not in RECIPE_SPACES:
            raise ArgumentError(f"BuildRecipe.space must be one of {RECIPE_SPACES}, got {self.space!r}")
        if self.space != "nb201" and self.benchmark == _DEFAULT_BENCHMARK:
            object.__setattr__(self, "benchmark", f"{self.space}-digits")
        object.__setattr__(self, "model_size", _size_pairs(self.space, self.model_size))

    def proxy_model_size(self) -> dict[str, Any] | None:
        """``model_size`` as a dict (None when not given)."""
        return None if self.model_size is None else dict(self.model_size)

    def train_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``train_cell`` (one thread, fast pooling; ``model_size``
        for NB101 and macro)."""
        out = dict(epochs=self.epochs, C=self.C, N=self.N, batch_size=self.batch_size, lr=self.lr,
                   momentum=self.momentum, weight_decay=self.weight_decay, nesterov=self.nesterov,
                   curve_renders=self.curve_renders or None, ema_decay=self.ema_decay, threads=1, fast_pool=True,
                   kernels=self.kernels)
        if self.space != "nb201":
            out["model_size"] = self.proxy_model_size()
        return out

    def _fields(self) -> dict[str, Any]:
        """The fields as JSON values; ``space`` / ``model_size`` only when not at the NB201 defaults."""
        out = asdict(self)
        if self.space == "nb201":
            out.pop("space")
        if self.kernels == "native":
            out.pop("kernels")
        if self.model_size is None:
            out.pop("model_size")
        else:
            out["model_size"] = {k: list(v) if isinstance(v, tuple) else v for k, v in self.model_size}
        return out

    def identity(self, *, with_epochs: bool = True) -> dict[str, Any]:
        """Everything that makes two runs comparable: the fields plus the data rendering recipe."""
        out = self._fields()
        if not with_epochs:
            out.pop("epochs")
        out["digits_recipe"] = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(DigitsRecipe()).items()}
        return out

    def to_json(self) -> str:
        """The recipe as JSON (stored in tables and work folders)."""
        return json.dumps(self._fields(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> BuildRecipe:
        """Inverse of :meth:`to_json`.

        Raises:
            BenchmarkFormatError: malformed JSON or unknown fields.
        """
        try:
            data = json.loads(text)
            return cls(**data)
        except (ValueError, TypeError) as err:
            raise BenchmarkFormatError(f"not a BuildRecipe JSON ({err}): {text!r}") from None

    def with_epochs(self, epochs: int) -> BuildRecipe:
        """The same recipe with another schedule length."""
        return replace(self, epochs=epochs)

    def table_meta(self, *, source: str, description: str = "", extra: Mapping[str, str] | None = None) -> TableMeta:
        """:class:`TableMeta` of a table of this recipe's runs (recipe JSON in ``extra``;
        for NB101 / macro also ``params_flops``, saying whose size those columns hold)."""
        sizes = {} if self.space == "nb201" else {
            "params_flops": "of the trained proxy network (equal to proxy_params / proxy_flops)"}
        return TableMeta(
            name=self.benchmark, space=self.space, source=source, description=description,
            extra={"recipe": self.to_json(), "digits_recipe": json.dumps(self.identity()["digits_recipe"],
                                                                          sort_keys=True), **sizes, **(extra or {})},
        )


def _size_pairs(space: str, model_size: Any) -> tuple[tuple[str, Any], ...] | None:
    """``model_size`` (a mapping or ``(key, value)`` pairs) checked and as sorted pairs."""
    if model_size is None:
        return None
    if space == "nb201":
        raise ArgumentError(f"BuildRecipe.model_size is for the nb101 and macro proxies (NB201's size is C and N), "
                            f"got {model_size!r}")
    try:
        sizes = dict(model_size)
    except (TypeError, ValueError):
        raise ArgumentError(f"BuildRecipe.model_size must be a mapping of proxy sizes, got {model_size!r}") from None
    if "space" in sizes:
        raise ArgumentError("BuildRecipe.model_size cannot hold 'space' (not JSON); TrainingBenchmark gives the "
                            "proxy its space")
    sizes = {k: tuple(v) if isinstance(v, list) else v for k, v in sizes.items()}
    probe = None  # a space with as many stages as the strides, so their count is not checked here
    strides = sizes.get("strides")
    if space == "macro" and isinstance(strides, tuple) and strides:
        from ..spaces.macro import MacroSpace

        probe = MacroSpace(widths=(8,) * len(strides), strides=(1,) * len(strides))
    try:
        resolved = resolve_model_size(space, sizes, macro_space=probe)
    except OutOfSpaceError as err:
        raise ArgumentError(f"BuildRecipe.model_size: {err}") from None
    return tuple(sorted((k, resolved[k]) for k in sizes))  # plain int / float / tuple values


def check_same_recipe(found: BuildRecipe, wanted: BuildRecipe, *, where: str, with_epochs: bool = True) -> None:
    """Raise ``BenchmarkFormatError`` naming the differing fields unless the recipes agree."""
    a, b = found.identity(with_epochs=with_epochs), wanted.identity(with_epochs=with_epochs)
    if a != b:
        diff = {k: (a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}
        raise BenchmarkFormatError(
            f"{where} holds runs of another recipe; differing fields (stored, requested): {diff}"
        )


def recipe_of_meta(meta: TableMeta, *, source: str) -> BuildRecipe:
    """The :class:`BuildRecipe` stored in a table's metadata.

    Raises:
        BenchmarkFormatError: the table has no recipe (it was not built by the kit).
    """
    text = meta.extra.get("recipe")
    if text is None:
        raise BenchmarkFormatError(f"{source}: the table has no 'recipe' in its metadata, so it was not built by "
                                   f"the kit's builder or TrainingBenchmark")
    return BuildRecipe.from_json(text)


def run_key(canonical: str, seed: int, schedule_epochs: int) -> tuple[str, int, int]:
    """Identity of a run within one recipe (``dataset`` is fixed by the recipe)."""
    return (str(canonical), int(seed), int(schedule_epochs))


def default_space(name: str) -> Any:
    """The kit's default space object of a :data:`RECIPE_SPACES` name.

    Raises:
        UnknownNameError: another name, listing the allowed ones.
    """
    from ..spaces import MacroSpace, NB101Space, NB201Space

    spaces = {"nb201": NB201Space, "nb101": NB101Space, "macro": MacroSpace}
    if name not in spaces:
        raise UnknownNameError(f"space {name!r} is unknown; training on demand supports {list(RECIPE_SPACES)}")
    return spaces[name]()


def _check_arch_type(cell: Any, space: str) -> None:
    from ..spaces import Cell101, Cell201, MacroArch

    expected = {"nb201": Cell201, "nb101": Cell101, "macro": MacroArch}[space]
    if not isinstance(cell, expected):
        raise OutOfSpaceError(f"a {space} recipe trains {expected.__name__} architectures, got "
                              f"{type(cell).__name__} {cell!r:.200}")


def train_run(cell: Any, *, seed: int, recipe: BuildRecipe, data: Any, space: Any = None) -> dict[str, Any]:
    """Train ``cell`` once with ``recipe`` and return its table row.

    Args:
        cell: an architecture of ``recipe.space``: a ``Cell201``, ``Cell101`` or ``MacroArch``.
        seed: training seed.
        recipe: the build recipe.
        data: ``make_cluttered_digits(recipe.data_seed)``.
        space: the space object of ``cell`` (default: the kit's space of ``recipe.space``);
            for the macro space, its layout is the proxy's (``MacroSpace`` arguments).

    Returns:
        ``{column: value}``: the table's required columns (per-epoch lists as float32
        arrays) and :data:`EXTRA_COLUMNS`. NB101 and macro rows have ``arch_index`` -1
        (no enumeration) and the trained proxy's ``params`` / ``flops``.

    Raises:
        OutOfSpaceError: ``cell`` is not an architecture of ``recipe.space``.
        ArgumentError: ``space`` is not a space of that name.

    Example:
        >>> from nasbench_kit.spaces import Cell201                                   # doctest: +SKIP
        >>> row = train_run(Cell201(("skip_connect",) * 6), seed=0, recipe=BuildRecipe(epochs=1), data=data)  # doctest: +SKIP
    """
    from ..models import build_model, count_flops
    from ..spaces.nb201 import NB201Space
    from ..training import nb201_costs, train_cell

    _check_arch_type(cell, recipe.space)
    if space is not None and getattr(space, "name", None) != recipe.space:
        raise ArgumentError(f"the recipe trains {recipe.space!r} architectures, but space={space!r} was passed")
    if recipe.space != "nb201":
        return _train_proxy_run(cell, seed=seed, recipe=recipe, data=data,
                                space=default_space(recipe.space) if space is None else space)
    space = NB201Space()
    result = train_cell(cell, data, seed=int(seed), **recipe.train_kwargs())
    official = nb201_costs(cell, C=recipe.official_C, N=recipe.official_N,
                           input_size=recipe.official_input_size, num_classes=recipe.official_num_classes)
    proxy = build_model(cell, data.num_classes, C=recipe.C, N=recipe.N)
    proxy_flops = count_flops(proxy, (1, 3, data.canvas, data.canvas))
    return _row(cell, space.canonical(cell), int(space.index(cell)), seed, recipe, result,
                int(official.params), float(official.flops), float(proxy_flops))


def _train_proxy_run(cell: Any, *, seed: int, recipe: BuildRecipe, data: Any, space: Any) -> dict[str, Any]:
    """:func:`train_run` for NB101 and macro: sizes are the trained proxy's."""
    from ..models import count_flops
    from ..training import train_cell
    from ..training.proxies import build_proxy

    space.validate(cell)
    model_size = recipe.proxy_model_size() or {}
    if recipe.space == "macro":
        model_size["space"] = space
    kwargs = dict(recipe.train_kwargs(), model_size=model_size)
    result = train_cell(cell, data, seed=int(seed), **kwargs)
    proxy = build_proxy(cell, data.num_classes, model_size=model_size)
    proxy_flops = float(count_flops(proxy, (1, 3, data.canvas, data.canvas)))
    return _row(cell, space.canonical(cell), -1, seed, recipe, result, int(result.params), proxy_flops, proxy_flops)


def _row(cell: Any, canonical: str, arch_index: int, seed: int, recipe: BuildRecipe, result: Any,
         params: int, flops: float, proxy_flops: float) -> dict[str, Any]:
    f32 = lambda a: np.asarray(a, dtype=np.float32)  # noqa: E731
    return {
        "arch": str(cell),
        "arch_index": arch_index,
        "canonical": canonical,
        "dataset": recipe.dataset,
        "schedule_epochs": int(recipe.epochs),
        "seed": int(seed),
        "epochs": np.arange(1, recipe.epochs + 1, dtype=np.int16),
        "train_acc": f32(result.train_acc),
        "valid_acc": f32(result.valid_acc),
        "test_acc": f32(result.test_acc),
        "train_loss": f32(result.train_loss),
        "valid_loss": f32(result.valid_loss),
        "test_loss": f32(result.test_loss),
        # The clock charges CPU seconds of the one training thread: unlike wall time they do
        # not grow when other work shares the machine during a long build.
        "train_seconds": f32(result.train_cpu_seconds),
        "params": params,
        "flops": flops,
        "proxy_params": int(result.params),
        "proxy_flops": float(proxy_flops),
        "eval_seconds": float(result.eval_seconds),
        "train_wall_seconds": f32(result.train_seconds),
    }


@lru_cache(maxsize=2)
def _digits(data_seed: int) -> Any:
    from ..training import make_cluttered_digits

    return make_cluttered_digits(seed=data_seed)


@lru_cache(maxsize=1)
def _undo_malloc_trim_threshold() -> bool:
    """Give glibc large mmap / trim thresholds when ``MALLOC_TRIM_THRESHOLD_`` is set.

    Dask's nanny sets ``MALLOC_TRIM_THRESHOLD_=65536`` in worker processes; a fixed trim
    threshold disables glibc's dynamic mmap threshold, so every large torch buffer is
    mmap'ed and unmapped again at each step, and training ran about 2.5x slower (measured,
    bench/RESULTS.md "Builder"). Thresholds of 32 / 64 MiB restore the speed. Linux /
    glibc only; elsewhere nothing is done. Returns whether the thresholds were set.
    """
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # from <malloc.h>
    return bool(libc.mallopt(m_mmap_threshold, 32 << 20)) and bool(libc.mallopt(m_trim_threshold, 64 << 20))


def train_unit(arch_index: int, seed: int, recipe_json: str) -> dict[str, Any]:
    """Dask task: train cell ``arch_index`` with ``seed``; pure function of its arguments.

    Runs on a worker with one torch thread; the rendered data are cached per worker
    process. Retrying it after a lost worker gives the same row (up to timing columns),
    so tasks are idempotent.
    """
    import torch

    from ..spaces.nb201 import NB201Space

    _undo_malloc_trim_threshold()
    torch.set_num_threads(1)
    recipe = BuildRecipe.from_json(recipe_json)
    if recipe.space != "nb201":  # the builder enumerates NB201 only
        raise ArgumentError(f"the table builder trains NB201 cells; this recipe is for {recipe.space!r} "
                            f"(train those on demand with TrainingBenchmark)")
    return train_run(NB201Space().cell_at(int(arch_index)), seed=seed, recipe=recipe, data=_digits(recipe.data_seed))


def rows_to_table(rows: Sequence[Mapping[str, Any]], meta: TableMeta, *, extra: Mapping[str, Any] | None = None) -> pa.Table:
    """Build a format-v1 table from rows of :func:`train_run` (plus optional extra columns).

    Raises:
        BenchmarkFormatError: no rows, or rows that break the format.
    """
    if not rows:
        raise BenchmarkFormatError(f"{meta.name}: no runs to write")
    columns: dict[str, Any] = {name: [r[name] for r in rows] for name in _SCALAR_ROW}
    for name in ("epochs",) + CURVE_COLUMNS:
        columns[name] = [np.asarray(r[name]) for r in rows]
    for name in EXTRA_COLUMNS:
        if name == "train_wall_seconds":
            columns[name] = pa.array([np.asarray(r[name], dtype=np.float32) for r in rows], type=pa.list_(pa.float32()))
        elif name == "proxy_params":
            columns[name] = pa.array([int(r[name]) for r in rows], type=pa.int64())
        else:
            columns[name] = pa.array([float(r[name]) for r in rows], type=pa.float64())
    for name, values in (extra or {}).items():
        columns[name] = values
    return build_table(columns, meta)


def table_to_rows(table: pa.Table) -> list[dict[str, Any]]:
    """Rows (as :func:`train_run` returns them) of a table; extra columns are kept."""
    data = table.to_pydict()
    list_columns = {"epochs", *CURVE_COLUMNS, "train_wall_seconds"}
    out = []
    for i in range(table.num_rows):
        row = {}
        for name, values in data.items():
            value = values[i]
            if name in list_columns and value is not None:
                value = np.asarray(value, dtype=np.int16 if name == "epochs" else np.float32)
            row[name] = value
        out.append(row)
    return out
