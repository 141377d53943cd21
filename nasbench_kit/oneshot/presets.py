"""Settings of each one-shot method: ``tiny`` (seconds, tests), ``fast`` (about a minute on
2 cores, notebooks) and ``full`` (at most about 15 minutes).

The optimisers are the papers' (as the NAS-Bench-201 paper ran them, Dong & Yang, ICLR
2020, App. "Configurations of one-shot NAS"): weights by SGD, momentum 0.9, weight decay
3e-4, cosine-annealed to 0.001, gradient norm clipped at 5; architecture parameters by
Adam, betas (0.5, 0.999), weight decay 1e-3 (DARTS, GDAS); GDAS's temperature annealed
linearly from 10 to 0.1; the ENAS controller by Adam at 0.001 with an entropy bonus of
1e-4 and a moving-average reward baseline (decay 0.95). The network is the shipped table's
proxy (C=8, N=2), so every derived cell has a ground truth there.

Two learning rates differ from the papers', because a search here takes a few hundred
steps, not the papers' tens of thousands (50-250 CIFAR-10 epochs of 390 steps):

* weights start at 0.1, the shipped table's own recipe (the papers' 0.025 is for 50+
  epochs; measured on the fast preset, the supernets learned little at 0.025);
* the architecture learning rate is 0.01 (fast, tiny) and 0.003 (full) instead of 3e-4:
  Adam moves each alpha by about its learning rate per step, and at 3e-4 the 256 steps of
  the fast DARTS preset left the distribution uniform to three decimals (entropy 1.609
  of 1.609), so nothing could be watched.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..errors import ArgumentError, UnknownNameError

__all__ = ["PRESETS", "METHOD_NAMES", "resolve_settings"]

_COMMON: dict[str, Any] = {
    "C": 8, "N": 2, "batch_size": 64, "w_lr": 0.1, "w_lr_min": 0.001, "w_momentum": 0.9, "w_wd": 3e-4,
    "grad_clip": 5.0, "max_images": None, "eval_batch": 512,
}
_GRADIENT = {"a_lr": 0.01, "a_wd": 1e-3, "a_beta1": 0.5, "a_beta2": 0.999}
_SINGLE_PATH = {"candidates": 100, "eval_images": 512}

#: method -> the settings every preset of it takes (and their defaults, beside _COMMON)
_METHOD_DEFAULTS: dict[str, dict[str, Any]] = {
    "darts": {**_GRADIENT, "order": 1, "unroll_lr": None},
    "gdas": {**_GRADIENT, "tau_max": 10.0, "tau_min": 0.1},
    "spos": {**_SINGLE_PATH, "population_size": 10, "sample_size": 3},
    "rsps": dict(_SINGLE_PATH),
    "enas": {"c_lr": 0.001, "c_hidden": 32, "entropy_weight": 1e-4, "baseline_decay": 0.95, "c_steps": 20,
             "c_batch": 256, "candidates": 20, "eval_images": 512},
}

#: preset -> per-method overrides of the defaults
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "tiny": {m: {"epochs": 2, "C": 4, "N": 1, "max_images": 256, "candidates": 8, "eval_images": 128,
                 "c_steps": 3, "c_batch": 64} for m in _METHOD_DEFAULTS},
    "fast": {"darts": {"epochs": 8}, "gdas": {"epochs": 20}, "spos": {"epochs": 40}, "rsps": {"epochs": 40},
             "enas": {"epochs": 30}},
    "full": {"darts": {"epochs": 50, "a_lr": 0.003}, "gdas": {"epochs": 100, "a_lr": 0.003},
             "spos": {"epochs": 200, "candidates": 400}, "rsps": {"epochs": 200, "candidates": 400},
             "enas": {"epochs": 150, "c_steps": 50, "candidates": 100}},
}

METHOD_NAMES: tuple[str, ...] = tuple(_METHOD_DEFAULTS)


def resolve_settings(method: str, preset: str, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The settings of ``method`` under ``preset`` with ``overrides`` applied.

    Raises:
        UnknownNameError: an unknown method, preset or setting name.
        ArgumentError: an epoch count, size or batch that is not a positive int.
    """
    if method not in _METHOD_DEFAULTS:
        raise UnknownNameError(f"one-shot method {method!r} is unknown; use one of {list(METHOD_NAMES)}")
    if preset not in PRESETS:
        raise UnknownNameError(f"preset {preset!r} is unknown; use one of {list(PRESETS)}")
    defaults = {**_COMMON, **_METHOD_DEFAULTS[method], "epochs": 1}
    settings = {**defaults, **{k: v for k, v in PRESETS[preset][method].items() if k in defaults}}
    unknown = sorted(set(overrides) - set(defaults))
    if unknown:
        raise UnknownNameError(f"{method} takes no setting(s) {unknown}; its settings: {sorted(defaults)}")
    for name, value in overrides.items():
        default = defaults[name]
        if isinstance(default, float) or (default is None and name == "unroll_lr"):
            if value is None and default is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise ArgumentError(f"{method}: {name} must be a finite number >= 0, got {value!r}")
    settings.update(overrides)
    for name in ("a_beta1", "a_beta2"):
        if name in settings and not 0 <= settings[name] < 1:
            raise ArgumentError(f"{method}: {name} must be in [0, 1), got {settings[name]!r}")
    if settings["max_images"] is not None and (isinstance(settings["max_images"], bool)
                                               or not isinstance(settings["max_images"], int)
                                               or settings["max_images"] < 10):
        raise ArgumentError(f"{method}: max_images must be None or an int >= 10, got {settings['max_images']!r}")
    for name in ("epochs", "C", "N", "batch_size", "eval_batch", "candidates", "eval_images", "c_steps", "c_batch",
                 "c_hidden", "population_size", "sample_size"):
        value = settings.get(name)
        if name in settings and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ArgumentError(f"{method}: {name} must be an int >= 1, got {value!r}")
    if method == "darts" and settings["order"] not in (1, 2):
        raise ArgumentError(f"darts: order must be 1 (first order) or 2 (second order), got {settings['order']!r}")
    if method == "spos" and settings["sample_size"] > settings["population_size"]:
        raise ArgumentError(f"spos: sample_size {settings['sample_size']} exceeds population_size "
                            f"{settings['population_size']}")
    return settings
