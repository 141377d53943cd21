"""``load_benchmark``: open a benchmark by name (``"nb201-digits"``) or by path.

Named benchmarks are files looked up in the data folders: the folders listed in the
environment variable ``NASBENCH_KIT_DATA`` (separated by ``os.pathsep``), then the
repository's ``data/`` folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import BenchmarkFormatError, UnknownNameError
from .table import TabularBenchmark

__all__ = ["load_benchmark", "register_benchmark", "benchmark_names", "data_dirs", "DEFAULT_BENCHMARK", "looks_like_path"]

#: Benchmark loaded by ``load_benchmark()`` with no argument.
DEFAULT_BENCHMARK = "nb201-digits"
#: name -> file name (in a data folder) or absolute path.
_NAMED: dict[str, str] = {"nb201-digits": "nb201-digits.parquet"}
_SUFFIXES = (".parquet", ".pq")


def data_dirs() -> list[Path]:
    """Folders searched for named benchmarks, in order."""
    env = os.environ.get("NASBENCH_KIT_DATA", "")
    dirs = [Path(p) for p in env.split(os.pathsep) if p]
    dirs.append(Path(__file__).resolve().parents[2] / "data")  # the repository's data/
    return dirs


def benchmark_names() -> tuple[str, ...]:
    """Names ``load_benchmark`` knows."""
    return tuple(_NAMED)


def register_benchmark(name: str, path: str | os.PathLike[str]) -> None:
    """Make ``load_benchmark(name)`` open the table at ``path`` (e.g. a course's own table).

    Raises:
        UnknownNameError: if ``name`` is empty or looks like a path.
    """
    if not isinstance(name, str) or not name or os.sep in name or name.endswith(_SUFFIXES):
        raise UnknownNameError(f"benchmark name must be a plain name like 'my-bench', got {name!r}")
    _NAMED[name] = os.fspath(path)


def looks_like_path(text: str) -> bool:
    """Whether ``text`` names a file (has a folder separator or a table suffix, or exists)
    rather than a registered benchmark name."""
    return os.sep in text or "/" in text or text.endswith(_SUFFIXES) or Path(text).exists()


def _resolve(name_or_path: str | os.PathLike[str]) -> Path:
    if not isinstance(name_or_path, str):
        return Path(name_or_path)
    if looks_like_path(name_or_path):
        return Path(name_or_path)
    if name_or_path not in _NAMED:
        raise UnknownNameError(
            f"no benchmark named {name_or_path!r}; known names: {list(_NAMED)}, or pass the path of a "
            f".parquet table (convert other files with `python -m nasbench_kit import ...`)"
        )
    target = Path(_NAMED[name_or_path])
    candidates = [target] if target.is_absolute() else [d / target for d in data_dirs()]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    if name_or_path == DEFAULT_BENCHMARK:
        raise BenchmarkFormatError(
            f"the default benchmark {DEFAULT_BENCHMARK!r} was not found (looked for "
            f"{[str(c) for c in candidates]}); it ships in the repository's data/ folder (a checkout, or "
            f"NASBENCH_KIT_DATA pointing at a folder holding it; data/README.md says how to rebuild it); "
            f"or pass the path of a table instead, e.g. "
            f"load_benchmark('path/to/table.parquet'), or build / import one (`python -m nasbench_kit import ...`)"
        )
    raise BenchmarkFormatError(
        f"benchmark {name_or_path!r} has no file; looked for {[str(c) for c in candidates]}"
    )


def load_benchmark(name_or_path: str | os.PathLike[str] | None = None, *, space: Any | None = None) -> TabularBenchmark:
    """Open a benchmark table by name or path.

    Args:
        name_or_path: a known name (see :func:`benchmark_names`; default
            :data:`DEFAULT_BENCHMARK`) or the path of a format-v1 ``.parquet`` table.
        space: search space for canonical look-ups (default: the one the table names).

    Returns:
        A :class:`~nasbench_kit.benchmarks.table.TabularBenchmark`.

    Raises:
        UnknownNameError: an unknown name (the message lists the known ones).
        BenchmarkFormatError: a missing, truncated, corrupted or foreign file.

    Example:
        >>> bench = load_benchmark("data/nb201-digits.parquet")   # doctest: +SKIP
        >>> bench.datasets                                          # doctest: +SKIP
    """
    path = _resolve(DEFAULT_BENCHMARK if name_or_path is None else name_or_path)
    return TabularBenchmark.from_file(path, space=space)
