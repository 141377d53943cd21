"""Time and peak memory of the importers on full-size synthetic files in the official formats.

The official files are not in this repository, so this script first writes synthetic files
with the published structure (``tests/benchmarks/importers/fixtures.py``) and the real
sizes: 15,625 architectures, 12- and 200-epoch schedules, every dataset and seed.
Each import runs in a fresh subprocess; peak memory is the largest sum of the resident
memory of that process and its worker processes, sampled every 50 ms.

    python bench/bench_importers.py --dir /tmp/nasbench_bench            # everything
    python bench/bench_importers.py --dir /tmp/nasbench_bench --only nats_folder --repeats 3
    python bench/bench_importers.py --dir /tmp/nasbench_bench --official  # also time the official readers

Files are written once and reused (they take several GB in --dir; keep it out of the repo).
"""

from __future__ import annotations

import argparse
import bz2
import json
import pickle
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.importers import fixtures  # noqa: E402

FULL = 15_625


def _nats_arch_file(args: tuple[str, int, str]) -> None:
    folder, index, arch = args
    rng = np.random.default_rng(index)
    data = fixtures.nats_arch(index, arch, rng)
    with bz2.BZ2File(Path(folder) / f"{index:06d}.pickle.pbz2", "wb") as handle:
        pickle.dump(data, handle, protocol=4)


def make_nats_folder(folder: Path, n: int) -> None:
    """``NATS-tss-v1_0-3ffb9-simple`` with ``n`` architectures (2 processes)."""
    if (folder / "done").exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    meta_archs = fixtures.official_order(FULL)
    with bz2.BZ2File(folder / "meta.pickle.pbz2", "wb") as handle:
        pickle.dump({"meta_archs": meta_archs, "total_archs": FULL, "arch2infos": None, "evaluated_indexes": set()},
                    handle, protocol=4)
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_nats_arch_file, [(str(folder), i, meta_archs[i]) for i in range(n)], chunksize=64))
    (folder / "done").write_text(str(n))


def make_nats_folder_subset(folder: Path, full: Path, n: int) -> None:
    """A folder of links to the first ``n`` architectures of ``full`` (same files, fewer)."""
    make_nats_folder(full, FULL)
    if folder.exists():
        return
    folder.mkdir(parents=True)
    (folder / "meta.pickle.pbz2").symlink_to(full / "meta.pickle.pbz2")
    for i in range(n):
        (folder / f"{i:06d}.pickle.pbz2").symlink_to(full / f"{i:06d}.pickle.pbz2")


def make_nats_file(path: Path, n: int) -> None:
    """The single-file release with ``n`` architectures (bz2, protocol 4)."""
    if path.exists():
        return
    meta_archs = fixtures.official_order(FULL)
    arch2infos = {i: fixtures.nats_arch(i, meta_archs[i], np.random.default_rng(i)) for i in range(n)}
    tmp = path.with_suffix(".tmp")
    with bz2.BZ2File(tmp, "wb", compresslevel=9) as handle:
        pickle.dump({"meta_archs": meta_archs, "total_archs": FULL, "arch2infos": arch2infos,
                     "evaluated_indexes": set(range(n))}, handle, protocol=4)
    tmp.rename(path)


def make_nb201_pth(path: Path, n: int) -> None:
    """NAS-Bench-201 v1.1-format ``.pth`` with ``n`` architectures, legacy torch format."""
    if path.exists():
        return
    import torch

    meta_archs = fixtures.official_order(FULL)
    arch2infos = {}
    for i in range(n):
        rng = np.random.default_rng(i)
        arch2infos[i] = {"less": fixtures.arch_results(i, meta_archs[i], "12", rng),
                         "full": fixtures.arch_results(i, meta_archs[i], "200", rng)}
    tmp = path.with_suffix(".tmp")
    torch.save({"meta_archs": meta_archs, "arch2infos": arch2infos, "evaluated_indexes": list(range(n))}, tmp,
               _use_new_zipfile_serialization=False)
    tmp.rename(path)


def make_nb101(path: Path, n_cells: int, budgets: tuple[int, ...]) -> None:
    """NAS-Bench-101 TFRecord with ``n_cells`` random cells x budgets x 3 repeats (real hashes)."""
    if path.exists():
        return
    from nasbench_kit.spaces.nb101 import NB101Space

    space, rng = NB101Space(), np.random.default_rng(0)
    cells, seen = [], set()
    while len(cells) < n_cells:
        cell = space.sample(rng)
        digest = space.canonical(cell)
        if digest not in seen:
            seen.add(digest)
            cells.append((digest, [list(r) for r in cell.matrix], list(cell.ops), int(rng.integers(2e5, 5e7))))
    tmp = path.with_suffix(".tmp")
    fixtures.write_nb101_tfrecord(tmp, fixtures.nb101_rows(cells, budgets))
    tmp.rename(path)


def make_hwnas(path: Path) -> None:
    if not path.exists():
        fixtures.write_hwnas(path, fixtures.official_order(FULL))


# --- measuring --------------------------------------------------------------------------------


def measure(code: str) -> tuple[float, float]:
    """(seconds, peak MB of the process tree) of ``python -c code``."""
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    peak = 0.0
    parent = psutil.Process(proc.pid)
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            try:
                total = parent.memory_info().rss + sum(c.memory_info().rss for c in parent.children(recursive=True))
                peak = max(peak, total)
            except psutil.Error:
                pass
            time.sleep(0.05)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    code_ = proc.wait()
    stop.set()
    thread.join()
    if code_ != 0:
        raise SystemExit(f"benchmark command failed ({code_}): {code}")
    return time.perf_counter() - start, peak / 1e6


def run(name: str, code: str, repeats: int, results: dict) -> None:
    times, peaks = [], []
    for _ in range(repeats):
        seconds, peak = measure(code)
        times.append(seconds)
        peaks.append(peak)
    results[name] = {"seconds_median": statistics.median(times), "peak_mb_median": statistics.median(peaks),
                     "repeats": repeats, "seconds_all": [round(t, 1) for t in times]}
    print(f"{name:<42} {statistics.median(times):8.1f} s   peak {statistics.median(peaks):8.0f} MB   "
          f"(median of {repeats})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/nasbench_bench"))
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--official", action="store_true", help="also time the official readers (slow, GBs)")
    args = parser.parse_args()
    d = args.dir
    d.mkdir(parents=True, exist_ok=True)
    tenth = FULL // 10
    w = args.workers
    imp = "from nasbench_kit.benchmarks.importers import *; "
    jobs = {
        "nats_folder": (lambda: make_nats_folder(d / "NATS-tss-v1_0-3ffb9-simple", FULL),
                        imp + f"import_nats('{d}/NATS-tss-v1_0-3ffb9-simple', '{d}/out_nats.parquet', "
                              f"progress=False, workers={w}, force=True)"),
        "nats_folder_tenth": (lambda: make_nats_folder_subset(d / "nats_folder_tenth", d / "NATS-tss-v1_0-3ffb9-simple",
                                                              tenth),
                              imp + f"import_nats('{d}/nats_folder_tenth', '{d}/out_nats10.parquet', "
                                    f"progress=False, workers={w}, force=True)"),
        "nats_file_tenth": (lambda: make_nats_file(d / "nats_tenth.pickle.pbz2", tenth),
                            imp + f"import_nats('{d}/nats_tenth.pickle.pbz2', '{d}/out_natsfile.parquet', "
                                  f"progress=False, workers={w}, force=True)"),
        "nb201_pth_tenth": (lambda: make_nb201_pth(d / "nb201_tenth.pth", tenth),
                            imp + f"import_nb201('{d}/nb201_tenth.pth', '{d}/out_nb201.parquet', progress=False, "
                                  f"workers={w}, force=True)"),
        "nb201_pth_fifth": (lambda: make_nb201_pth(d / "nb201_fifth.pth", 2 * tenth),
                            imp + f"import_nb201('{d}/nb201_fifth.pth', '{d}/out_nb201b.parquet', progress=False, "
                                  f"workers={w}, force=True)"),
        "nb101_only108_tenth": (lambda: make_nb101(d / "nb101_tenth.tfrecord", 42_362, (108,)),
                                imp + f"import_nb101('{d}/nb101_tenth.tfrecord', '{d}/out_nb101.parquet', "
                                      f"progress=False, workers={w}, force=True)"),
        "hwnas_onto_nats_folder": (lambda: make_hwnas(d / "HW-NAS-Bench-v1_0.pickle"),
                                   imp + f"import_hwnas('{d}/HW-NAS-Bench-v1_0.pickle', '{d}/out_hw.parquet', "
                                         f"nb201='{d}/out_nats.parquet', progress=False, force=True)"),
    }
    if args.official:
        jobs["official_nats_file_tenth"] = (
            lambda: make_nats_file(d / "nats_tenth.pickle.pbz2", tenth),
            f"from nats_bench.api_topology import NATStopology; NATStopology('{d}/nats_tenth.pickle.pbz2', "
            f"fast_mode=False, verbose=False)")
        jobs["official_nb201_pth_tenth"] = (
            lambda: make_nb201_pth(d / "nb201_tenth.pth", tenth),
            "import torch, functools; torch.load = functools.partial(torch.load, weights_only=False); "
            f"from nas_201_api import NASBench201API; NASBench201API('{d}/nb201_tenth.pth', verbose=False)")
    results: dict = {}
    for name, (make, code) in jobs.items():
        if args.only and name not in args.only:
            continue
        t0 = time.perf_counter()
        make()
        print(f"[{name}: input ready in {time.perf_counter() - t0:.0f} s]", flush=True)
        run(name, code, args.repeats, results)
    (d / "results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
