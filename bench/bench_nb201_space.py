"""Speed of whole-space NB201 operations (canonical strings, encodings, enumeration).

Run: .venv/bin/python bench/bench_nb201_space.py
Prints one markdown table row per operation: median and min over repeats, in ms.
"""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable

from nasbench_kit.models.counts201 import nb201_param_count
from nasbench_kit.spaces import nb201
from nasbench_kit.spaces.nb201 import NB201Space

REPEATS = 15


def timed_ms(fn: Callable[[], object], setup: Callable[[], None] = lambda: None) -> tuple[float, float]:
    samples = []
    for _ in range(REPEATS):
        setup()
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e3)
    return statistics.median(samples), min(samples)


def main() -> None:
    space = NB201Space()
    cells = list(space)
    ops_array = space.all_ops_array()
    rows = [
        ("canonical, all 15,625, cold cache", lambda: space.all_canonical(), nb201._CANONICAL_CACHE.clear),
        ("canonical, all 15,625, warm cache", lambda: space.all_canonical(), lambda: None),
        ("canonical() per cell over 15,625 cells, warm", lambda: [space.canonical(c) for c in cells], lambda: None),
        ("list(space): build all 15,625 Cell201", lambda: list(space), lambda: None),
        ("all_ops_array()", space.all_ops_array, lambda: None),
    ]
    for kind in ("onehot", "adjacency", "path"):
        rows.append((f"encode_many(all cells, {kind!r})", lambda k=kind: space.encode_many(cells, k), lambda: None))
        rows.append((f"encode_ops_array(all_ops_array, {kind!r})",
                     lambda k=kind: space.encode_ops_array(ops_array, k), lambda: None))
    rows.append(("nb201_param_count over all 15,625", lambda: [nb201_param_count(c) for c in cells], lambda: None))

    print(f"python {platform.python_version()}, {platform.machine()}, median/min of {REPEATS} repeats")
    print("| operation | median ms | min ms |")
    print("|---|---|---|")
    for label, fn, setup in rows:
        median, best = timed_ms(fn, setup)
        print(f"| {label} | {median:.2f} | {best:.2f} |")


if __name__ == "__main__":
    main()
