"""Cold start of the shipped benchmark: import + ``load_benchmark()`` + first query, fresh processes.

Run from the repository root: .venv/bin/python bench/bench_cold_start.py [--runs 15]
Every sample is a fresh ``python`` subprocess (so nothing is cached in the interpreter; the
OS file cache is warm after the first run). Each child times its phases with
``time.perf_counter``; the parent times the whole subprocess. Baselines measured in the same
run: a bare ``python -c pass``, ``import numpy, pyarrow.parquet, pyarrow.compute`` (what a
query needs) and ``import numpy, pandas, pyarrow.parquet``, so the kit's own share is visible. Then the median scalar query time in this process. Prints a markdown table
of medians (and mins).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"

CHILD = f"""
import time
t0 = time.perf_counter()
from nasbench_kit.benchmarks import load_benchmark
t1 = time.perf_counter()
bench = load_benchmark()
t2 = time.perf_counter()
bench.query({ARCH!r}).final.valid_acc
t3 = time.perf_counter()
import json, sys
print(json.dumps({{"import": t1 - t0, "load_benchmark()": t2 - t1, "first query": t3 - t2,
                  "in-process total": t3 - t0, "modules": len(sys.modules)}}))
"""


def _wall(code: str) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return time.perf_counter() - start, out


def _stats(values: list[float], scale: float = 1e3) -> str:
    return f"{statistics.median(values) * scale:.1f} | {min(values) * scale:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh processes per row (default 15)")
    args = parser.parse_args()
    _wall(CHILD)  # warm the OS file cache once
    bare = [_wall("pass")[0] for _ in range(args.runs)]
    arrow = [_wall("import numpy, pyarrow, pyarrow.parquet, pyarrow.compute")[0] for _ in range(args.runs)]
    libs = [_wall("import numpy, pandas, pyarrow, pyarrow.parquet")[0] for _ in range(args.runs)]
    phases: dict[str, list[float]] = {}
    walls = []
    modules = []
    for _ in range(args.runs):
        wall, out = _wall(CHILD)
        walls.append(wall)
        sample = json.loads(out.strip().splitlines()[-1])
        modules.append(sample.pop("modules"))
        for key, value in sample.items():
            phases.setdefault(key, []).append(value)

    sys.path.insert(0, str(ROOT))
    from nasbench_kit.benchmarks import load_benchmark

    bench = load_benchmark()
    bench.query(ARCH)
    batches = []
    for _ in range(15):
        start = time.perf_counter()
        for _ in range(2_000):
            bench.query(ARCH)
        batches.append((time.perf_counter() - start) / 2_000)

    print(f"python {platform.python_version()}, {platform.machine()}; {args.runs} fresh processes per row; "
          f"{statistics.median(modules):.0f} modules loaded after the first query")
    print("| phase | median ms | min ms |")
    print("|---|---|---|")
    print(f"| baseline: `python -c pass` (wall) | {_stats(bare)} |")
    print(f"| baseline: `import numpy, pyarrow, pyarrow.parquet, pyarrow.compute` (wall) | {_stats(arrow)} |")
    print(f"| baseline: `import numpy, pandas, pyarrow, pyarrow.parquet` (wall) | {_stats(libs)} |")
    for key, values in phases.items():
        print(f"| {key} | {_stats(values)} |")
    print(f"| subprocess wall (interpreter + all of the above) | {_stats(walls)} |")
    print(f"| kit's own share: wall - bare python | {(statistics.median(walls) - statistics.median(bare)) * 1e3:.1f} | |")
    print(f"| scalar `query(arch)`, in-process (us per call) | {_stats(batches, 1e6)} |")


if __name__ == "__main__":
    main()
