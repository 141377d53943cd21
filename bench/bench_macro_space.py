"""Speed of MacroSpace operations on batches of sampled architectures (default OFA space).

Run: .venv/bin/python bench/bench_macro_space.py
Prints one markdown table row per operation: median and min over repeats, in ms.
"""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable

import numpy as np

from nasbench_kit.models.counts_macro import macro_param_count
from nasbench_kit.spaces import MacroSpace

REPEATS = 15
N_ARCHS = 10_000


def timed_ms(fn: Callable[[], object]) -> tuple[float, float]:
    samples = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e3)
    return statistics.median(samples), min(samples)


def main() -> None:
    space = MacroSpace()
    rng = np.random.default_rng(0)
    archs = [space.sample(rng) for _ in range(N_ARCHS)]
    texts = [str(a) for a in archs]
    n = f"{N_ARCHS:,}"
    rows: list[tuple[str, Callable[[], object]]] = [
        (f"sample {n}", lambda: [space.sample(rng) for _ in range(N_ARCHS)]),
        (f"str + parse {n}", lambda: [space.parse(t) for t in texts]),
        (f"canonical {n}", lambda: [space.canonical(a) for a in archs]),
        (f"mutate {n}", lambda: [space.mutate(a, rng) for a in archs]),
        ("neighbors of 1,000 (~70 each)", lambda: [space.neighbors(a) for a in archs[:1000]]),
        (f"macro_param_count {n}", lambda: [macro_param_count(a) for a in archs]),
    ]
    for kind in ("onehot", "adjacency", "path"):
        rows.append((f"encode_many({n}, {kind!r})", lambda k=kind: space.encode_many(archs, k)))
        rows.append(
            (f"encode() one by one, 1,000, {kind!r}", lambda k=kind: [space.encode(a, k) for a in archs[:1000]])
        )

    print(f"python {platform.python_version()}, {platform.machine()}, median/min of {REPEATS} repeats")
    print("| operation | median ms | min ms |")
    print("|---|---|---|")
    for label, fn in rows:
        median, best = timed_ms(fn)
        print(f"| {label} | {median:.2f} | {best:.2f} |")


if __name__ == "__main__":
    main()
