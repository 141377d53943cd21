"""Which CPU arithmetic kernels training runs on: the processor's own, or baseline ones.

PyTorch picks its CPU kernels for the processor it runs on: ATen's vectorised kernels for
AVX-512, AVX2 or plain SSE (``torch.backends.cpu.get_cpu_capability()``), and oneDNN
(``torch.backends.mkldnn``), which runs convolutions, its own per-ISA code. Each kernel
adds the same numbers in another order, so the last bits differ, and SGD amplifies them:
measured on one machine by forcing each kernel family in turn, the course recipe's
validation accuracy of one cell moved by up to 2.8 points (``bench/bench_determinism.py``,
``bench/RESULTS.md`` "Cross-CPU determinism"). That is why a table trained on one processor
is not reproduced digit for digit on another.

``kernels="native"`` (the default) uses the processor's fastest kernels. ``"baseline"``
turns oneDNN off for the run and requires a process started with ATen's dispatch at its
``default`` (SSE) level and MKL's conditional numerical reproducibility in its
``COMPATIBLE`` mode, so that no kernel is chosen by the processor's instruction set. Both
settings are read when torch loads, so they must be in the environment before Python
starts (:data:`BASELINE_ENV`); the table builder's local cluster puts them there for its
workers. Baseline kernels cost several times the CPU time (measured in the same section).

>>> sorted(BASELINE_ENV)
['ATEN_CPU_CAPABILITY', 'MKL_CBWR']
>>> KERNELS
('native', 'baseline')
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Iterator

from ..errors import ArgumentError

__all__ = ["KERNELS", "BASELINE_ENV", "check_kernels", "baseline_env_missing", "kernel_session"]

#: The values of ``kernels`` that ``train_cell`` and ``BuildRecipe`` accept.
KERNELS = ("native", "baseline")

#: Environment a process needs, before torch loads, to train with ``kernels="baseline"``.
BASELINE_ENV = {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE"}


def check_kernels(kernels: Any) -> str:
    """Return ``kernels`` if it is one of :data:`KERNELS`, else raise ``ArgumentError``."""
    if not isinstance(kernels, str) or kernels not in KERNELS:
        raise ArgumentError(f"kernels must be one of {KERNELS}, got {kernels!r}")
    return kernels


def baseline_env_missing() -> list[str]:
    """The settings of :data:`BASELINE_ENV` this process lacks (empty when it has all).

    ATen's level is read from torch itself (it is fixed when torch loads); MKL's from the
    environment, which MKL reads at its first call.
    """
    import torch

    missing = []
    if torch.backends.cpu.get_cpu_capability() != "DEFAULT":
        missing.append("ATEN_CPU_CAPABILITY=default")
    if os.environ.get("MKL_CBWR", "").upper() != BASELINE_ENV["MKL_CBWR"]:
        missing.append("MKL_CBWR=COMPATIBLE")
    return missing


@contextmanager
def kernel_session(torch: Any, kernels: str) -> Iterator[None]:
    """Run the body with ``kernels``: nothing changes for ``"native"``; ``"baseline"``
    checks the process (see :func:`baseline_env_missing`) and turns oneDNN off.

    Raises:
        ArgumentError: ``kernels`` is unknown, or ``"baseline"`` in a process started
            without :data:`BASELINE_ENV`.
    """
    check_kernels(kernels)
    if kernels == "native":
        yield
        return
    missing = baseline_env_missing()
    if missing:
        prefix = " ".join(f"{k}={v}" for k, v in BASELINE_ENV.items())
        raise ArgumentError(
            f"kernels='baseline' needs a process started with {prefix} (read when torch loads); this one "
            f"lacks {', '.join(missing)}: run `env {prefix} python ...`, or build with the kit's local "
            f"cluster, which starts its workers so"
        )
    with torch.backends.mkldnn.flags(enabled=False):
        yield
