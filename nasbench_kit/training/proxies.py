"""Proxy networks that ``train_cell`` trains: sizes per search space and the builder.

NB201's proxy is sized by ``C`` and ``N``; NB101's and the macro space's by a
``model_size`` mapping whose missing keys come from :data:`PROXY_SIZES`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import OutOfSpaceError
from ..spaces.macro import MacroArch, MacroSpace
from ..spaces.nb101 import Cell101, NB101Space
from ..spaces.nb201 import Cell201
from .recipe import RECIPE

__all__ = ["PROXY_SIZES", "proxy_size", "resolve_model_size", "build_proxy"]

#: Default proxy sizes of the NB101 and macro networks (``train_cell``'s ``model_size``
#: fills the keys it omits from here), chosen by a measurement on the default cluttered
#: digits (8x8, ``RECIPE`` optimiser, 4 epochs; see ``nasbench_kit/training/README.md``):
#: an epoch takes about as long as the NB201 proxy's (C=8, N=2), and validation accuracy
#: after 4 epochs is in the same range (~40-50 %). NB201's proxy size is ``train_cell``'s
#: ``C`` and ``N`` (``RECIPE``).
#:
#: * NB101: the official network with a 16-channel stem, three stacks of one cell each.
#: * macro: width multiplier 0.25, a 128-channel head (instead of 1280) and stage strides
#:   ``(1, 1, 2, 1, 1)`` (instead of ``(2, 2, 2, 1, 2)``): after the stride-2 stem an 8x8
#:   digit stays 4x4 through the first two stages and 2x2 after, as CIFAR variants of
#:   MobileNetV2 drop early strides. With the official strides and head it collapsed to
#:   1x1 and stayed near chance (~12 % after 4 epochs; ~20 % with strides
#:   ``(1, 2, 2, 1, 1)``). ``strides`` applies to five-stage spaces; a space with another
#:   number of stages keeps its own strides unless ``model_size["strides"]`` gives them.
PROXY_SIZES: dict[str, dict[str, Any]] = {
    "nb101": {"stem_channels": 16, "num_stacks": 3, "num_modules_per_stack": 1},
    "macro": {"width_mult": 0.25, "head_width": 128, "strides": (1, 1, 2, 1, 1)},
}
# Keys ``model_size`` may hold per space. NB101: the builder's size arguments. Macro: the
# builder's width multiplier, layout fields of the proxy's MacroSpace (the architecture's
# space with these replaced; they do not change which architectures are members), and
# ``space``, the architecture's MacroSpace when it is not the default one.
_SIZE_KEYS = {"nb101": ("stem_channels", "num_stacks", "num_modules_per_stack"),
              "macro": ("width_mult", "head_width", "strides", "space")}
# Batch-norm momentum of the NB101 proxy (PyTorch's default, as the NB201 and macro nets).
_NB101_PROXY_BN_MOMENTUM = 0.1


def _space_name(arch) -> str:
    if isinstance(arch, Cell201):
        return "nb201"
    if isinstance(arch, Cell101):
        return "nb101"
    if isinstance(arch, MacroArch):
        return "macro"
    raise OutOfSpaceError(f"train_cell needs a Cell201, Cell101 or MacroArch, got {type(arch).__name__} {arch!r:.200}")


def _positive_int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise OutOfSpaceError(f"{what} must be an int >= 1, got {value!r}")
    return int(value)


def resolve_model_size(space: str, model_size=None, *, macro_space: MacroSpace | None = None) -> dict[str, Any]:
    """:data:`PROXY_SIZES` of ``space`` (``"nb101"`` or ``"macro"``) updated with
    ``model_size``, checked; ``macro_space``: the macro space of the architectures
    (default ``MacroSpace()``), whose number of stages the ``strides`` must match (it is
    returned under ``"space"`` when given). Otherwise plain JSON-able values.

    Raises:
        OutOfSpaceError: an unknown space, an unknown key or a bad value.

    Example:
        >>> resolve_model_size("macro", {"width_mult": 0.5})
        {'width_mult': 0.5, 'head_width': 128, 'strides': (1, 1, 2, 1, 1)}
    """
    from collections.abc import Mapping

    if space not in _SIZE_KEYS:
        raise OutOfSpaceError(f"proxy sizes exist for spaces {list(_SIZE_KEYS)} (NB201's are C and N), got {space!r}")
    if model_size is None:
        model_size = {}
    if not isinstance(model_size, Mapping):
        raise OutOfSpaceError(f"model_size must be a mapping of {space} proxy sizes, got {model_size!r}")
    unknown = sorted(str(k) for k in model_size if k not in _SIZE_KEYS[space])
    if unknown:
        raise OutOfSpaceError(f"model_size keys {unknown} are unknown for the {space} proxy; "
                              f"allowed: {list(_SIZE_KEYS[space])}")
    if space == "nb101":
        size = {**PROXY_SIZES[space], **model_size}
        return {key: _positive_int(size[key], f"model_size[{key!r}]") for key in _SIZE_KEYS[space]}
    given_space = model_size.get("space", macro_space)
    if given_space is not None and not isinstance(given_space, MacroSpace):
        raise OutOfSpaceError(f"model_size['space'] must be a MacroSpace, got {given_space!r:.200}")
    arch_space = MacroSpace() if given_space is None else given_space
    defaults = dict(PROXY_SIZES[space])
    if len(defaults["strides"]) != arch_space.n_stages:
        defaults["strides"] = arch_space.strides
    size = {**defaults, **{k: v for k, v in model_size.items() if k != "space"}}
    width = size["width_mult"]
    if isinstance(width, bool) or not isinstance(width, (int, float, np.floating)) \
            or not math.isfinite(width) or not 0 < width < 1e3:
        raise OutOfSpaceError(f"model_size['width_mult'] must be a positive number below 1000, got {width!r}")
    strides = size["strides"]
    if isinstance(strides, (str, bytes)) or not hasattr(strides, "__len__") or len(strides) != arch_space.n_stages:
        raise OutOfSpaceError(f"model_size['strides'] must hold one stride per stage ({arch_space.n_stages}), "
                              f"got {strides!r}")
    out = {"width_mult": float(width), "head_width": _positive_int(size["head_width"], "model_size['head_width']"),
           "strides": tuple(_positive_int(s, "model_size['strides'] entries") for s in strides)}
    if given_space is not None:
        out["space"] = given_space
    return out


def proxy_size(arch, *, C: int = RECIPE["C"], N: int = RECIPE["N"], model_size=None) -> dict[str, Any]:
    """The resolved size of the proxy network :func:`train_cell` trains for ``arch``
    (same arguments as ``train_cell``).

    NB201: ``{"C": C, "N": N}`` (``model_size`` must be None). NB101 and macro:
    :func:`resolve_model_size`, after checking that ``arch`` is a member of its space;
    ``C`` and ``N`` are ignored.

    Raises:
        OutOfSpaceError: ``arch`` is of no space or not a member of its space, or
            ``model_size`` holds an unknown key or a bad value.

    Example:
        >>> from nasbench_kit.spaces import NB101Space
        >>> proxy_size(NB101Space().parse("0100|input,output"), model_size={"num_stacks": 2})
        {'stem_channels': 16, 'num_stacks': 2, 'num_modules_per_stack': 1}
        >>> proxy_size(Cell201(("skip_connect",) * 6), C=4, N=1)
        {'C': 4, 'N': 1}
    """
    space = _space_name(arch)
    if space == "nb201":
        if model_size is not None:
            raise OutOfSpaceError(f"the NB201 proxy's size is given by C and N; model_size must be None, "
                                  f"got {model_size!r}")
        return {"C": C, "N": N}
    size = resolve_model_size(space, model_size)
    if space == "nb101":
        NB101Space().validate(arch)
    else:
        (size["space"] if "space" in size else MacroSpace()).validate(arch)
    return size


def build_proxy(arch, num_classes: int = 10, *, C: int = RECIPE["C"], N: int = RECIPE["N"], model_size=None):
    """The (freshly initialised) proxy network :func:`train_cell` trains for ``arch``.

    Built by :func:`nasbench_kit.models.build_model` at :func:`proxy_size`: NB201 with
    ``C``, ``N``; NB101 with the size arguments, its batch norms at PyTorch's default
    momentum 0.1 (the official 0.003, TensorFlow's 0.997, barely moves the running
    statistics in a proxy's few hundred steps, so evaluation stayed at chance: measured);
    macro with ``width_mult`` and the architecture's space with ``head_width`` and
    ``strides`` replaced. Takes ``(batch, 3, H, W)`` images of any size.

    Raises:
        OutOfSpaceError: as :func:`proxy_size`.

    Example:
        >>> from nasbench_kit.models import count_params
        >>> from nasbench_kit.spaces import MacroSpace
        >>> arch = MacroSpace().parse("|".join(["d2-e3k3,e3k3"] * 5))
        >>> net = build_proxy(arch, 10)
        >>> count_params(net) < count_params(build_proxy(arch, 10, model_size={"head_width": 1280}))
        True
    """
    from ..models import build_model

    size = proxy_size(arch, C=C, N=N, model_size=model_size)
    if isinstance(arch, MacroArch):
        base = size["space"] if "space" in size else MacroSpace()
        proxy_space = MacroSpace(depths=base.depths, expand_ratios=base.expand_ratios, kernel_sizes=base.kernel_sizes,
                                 widths=base.widths, strides=size["strides"], per_block=base.per_block,
                                 stem_width=base.stem_width, first_width=base.first_width,
                                 head_width=size["head_width"])
        return build_model(arch, num_classes, width_mult=size["width_mult"], space=proxy_space)
    model = build_model(arch, num_classes, **size)
    if isinstance(arch, Cell101):
        import torch

        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.momentum = _NB101_PROXY_BN_MOMENTUM
    return model
