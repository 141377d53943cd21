"""Offline datasets, a deterministic CPU trainer, and latency / size measurement.

Importing this package does not import torch; training and timing functions do.

* :func:`make_cluttered_digits`: the cluttered-digits task (scikit-learn digits, offline).
* :func:`train_cell`: train the proxy network of one NB201, NB101 or macro architecture,
  per-epoch learning curve (:func:`build_proxy`, :data:`PROXY_SIZES`).
* :func:`measure_latency`, :func:`measure_latencies`, :class:`OpLatencyTable`: CPU
  inference latency (robust protocol) and a per-operation lookup-table predictor.
"""

from __future__ import annotations

from .digits import DEFAULT_DATA_SEED, DigitsRecipe, DigitsSplits, make_cluttered_digits
from .latency import (
    LatencyResult,
    NetworkCosts,
    OpLatencyTable,
    measure_latencies,
    measure_latency,
    nb201_costs,
)
from .trainer import PROXY_SIZES, RECIPE, TrainResult, build_proxy, cosine_lr, proxy_size, train_cell

__all__ = [
    "DEFAULT_DATA_SEED",
    "DigitsRecipe",
    "DigitsSplits",
    "make_cluttered_digits",
    "RECIPE",
    "PROXY_SIZES",
    "TrainResult",
    "cosine_lr",
    "train_cell",
    "build_proxy",
    "proxy_size",
    "LatencyResult",
    "NetworkCosts",
    "OpLatencyTable",
    "measure_latency",
    "measure_latencies",
    "nb201_costs",
]
