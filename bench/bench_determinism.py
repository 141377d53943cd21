"""How far training is bit-identical when the CPU kernels change, and what baseline kernels cost.

PyTorch and its libraries pick arithmetic kernels by the processor's instruction set. One
machine can stand in for others by forcing the kernels another processor would get:
``ATEN_CPU_CAPABILITY`` (ATen's AVX-512 / AVX2 / default kernels), ``DNNL_MAX_CPU_ISA``
(oneDNN's convolutions), ``MKL_ENABLE_INSTRUCTIONS`` (MKL's BLAS), oneDNN turned off, and
``kernels="baseline"`` (``nasbench_kit.training.kernels``). Each configuration runs in a
fresh process, renders the shipped data (hashed), and trains three NB201 cells: cell 9521
with notebook 08's tiny recipe (1 epoch, C=4, N=1), cells 14798 and 5000 with the shipped
table's recipe (3 epochs, C=8, N=2), seed 0. It prints each run's final validation accuracy,
a hash of the final weights, and the training CPU seconds.

    python bench/bench_determinism.py                      # every configuration (about 5 min)
    python bench/bench_determinism.py --configs native,baseline
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys

CONFIGS = {
    "native": {},
    "aten-avx2": {"ATEN_CPU_CAPABILITY": "avx2"},
    "aten-default": {"ATEN_CPU_CAPABILITY": "default"},
    "onednn-avx2": {"DNNL_MAX_CPU_ISA": "AVX2"},
    "onednn-sse41": {"DNNL_MAX_CPU_ISA": "SSE41"},
    "no-onednn": {"BENCH_ONEDNN": "0"},
    "no-onednn+mkl-avx2": {"BENCH_ONEDNN": "0", "MKL_ENABLE_INSTRUCTIONS": "AVX2"},
    "no-onednn+aten-default": {"BENCH_ONEDNN": "0", "ATEN_CPU_CAPABILITY": "default"},
    "baseline": {"BENCH_KERNELS": "baseline", "ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE"},
    "baseline+mkl-avx2": {"BENCH_KERNELS": "baseline", "ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE",
                          "MKL_ENABLE_INSTRUCTIONS": "AVX2"},
}
RUNS = (("tiny", dict(epochs=1, C=4, N=1), 9521), ("course", {}, 14798), ("course2", {}, 5000))


def child() -> None:
    import numpy as np
    import torch

    from nasbench_kit.build.runs import BuildRecipe, _digits
    from nasbench_kit.spaces import NB201Space
    from nasbench_kit.training import train_cell

    if os.environ.get("BENCH_ONEDNN") == "0":
        torch.backends.mkldnn.enabled = False
    torch.set_num_threads(1)
    space = NB201Space()
    data = _digits(0)
    digest = hashlib.sha256()
    for a in (data.valid_x, data.test_x, data.train_rendering(0)[0]):
        digest.update(np.ascontiguousarray(a).tobytes())
    out = {"capability": torch.backends.cpu.get_cpu_capability(), "data": digest.hexdigest()[:12]}
    for name, fields, index in RUNS:
        recipe = BuildRecipe(kernels=os.environ.get("BENCH_KERNELS", "native"), **fields)
        r = train_cell(space.cell_at(index), data, seed=0, keep_state=True, **recipe.train_kwargs())
        digest = hashlib.sha256()
        for _, v in sorted(r.state_dict.items()):
            digest.update(v.detach().contiguous().numpy().tobytes())
        out[name] = {"valid": float(r.valid_acc[-1]), "weights": digest.hexdigest()[:12],
                     "cpu_s": float(r.train_cpu_seconds[-1])}
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default=",".join(CONFIGS), help=f"comma-separated, of {list(CONFIGS)}")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child()
    names = args.configs.split(",")
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        parser.error(f"unknown configurations {unknown}; known: {list(CONFIGS)}")
    results = {}
    for name in names:
        env = {k: v for k, v in os.environ.items() if k not in ("ATEN_CPU_CAPABILITY", "MKL_CBWR")}
        proc = subprocess.run([sys.executable, __file__, "--child"], env={**env, **CONFIGS[name]},
                              capture_output=True, text=True, check=True)
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        r = results[name]
        print(f"{name:24s} {r['capability']:8s} data {r['data']}  " + "  ".join(
            f"{run}: {r[run]['valid']:.2f} % w {r[run]['weights']} {r[run]['cpu_s']:.1f} s" for run, _, _ in RUNS),
            flush=True)
    ref = results[names[0]]
    print(f"\nsame weights as {names[0]!r} (tiny / course / course2):")
    for name, r in results.items():
        print(f"  {name:24s} " + " / ".join(str(r[run]["weights"] == ref[run]["weights"]) for run, _, _ in RUNS))
    if "native" in results and "baseline" in results:
        cost = sum(results["baseline"][run]["cpu_s"] for run, _, _ in RUNS) / sum(
            results["native"][run]["cpu_s"] for run, _, _ in RUNS)
        print(f"\nbaseline kernels: {cost:.2f}x the training CPU seconds of native ones")


if __name__ == "__main__":
    main()
