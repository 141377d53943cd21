"""Train one architecture on cluttered digits, on one CPU thread, deterministically.

Any architecture of the kit's spaces is trained: a NAS-Bench-201 ``Cell201``, a
NAS-Bench-101 ``Cell101`` or a macro-space ``MacroArch``. The network is the space's
official skeleton (:func:`nasbench_kit.models.build_model`) scaled down for a CPU: for
NB201 ``C`` channels and ``N`` cells per stage; for NB101 and the macro space the sizes in
``model_size`` (defaults :data:`PROXY_SIZES`; see :func:`build_proxy`). Inputs are the
data's canvas (8x8 by default; any size works). The optimisation follows NAS-Bench-201
(Dong & Yang, ICLR 2020, Sec. 3 / App. "training hyper-parameters") for every space: SGD
with Nesterov momentum 0.9, weight decay 5e-4, learning rate 0.1 annealed to 0 by a
cosine schedule updated every step, cross-entropy loss. Epochs, width, depth and batch
size of the NB201 proxy were chosen by measurement (``bench/recipe_digits.py``,
``bench/RESULTS.md`` "Digits recipe").

Grayscale digits are repeated to 3 channels, since the official stem takes RGB.

>>> from nasbench_kit.spaces import Cell201
>>> from nasbench_kit.training import make_cluttered_digits
>>> data = make_cluttered_digits(seed=0)
>>> cell = Cell201(("nor_conv_3x3",) * 6)
>>> result = train_cell(cell, data, seed=0, epochs=1)
>>> result.valid_acc.shape, bool(result.train_seconds[-1] > 0)
((1,), True)
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from ..errors import OutOfSpaceError
from ..spaces.macro import MacroArch
from ..spaces.nb101 import Cell101
from ..spaces.nb201 import Cell201
from .digits import DigitsSplits
from .kernels import check_kernels, kernel_session
from .proxies import PROXY_SIZES, _space_name, build_proxy, proxy_size, resolve_model_size
from .recipe import RECIPE

__all__ = ["RECIPE", "PROXY_SIZES", "TrainResult", "train_cell", "cosine_lr", "proxy_size", "resolve_model_size",
           "build_proxy", "torch_session"]


_EVAL_BATCH = 512  # evaluation batch: large enough to amortise per-op overhead, small enough for cache

@dataclass(frozen=True, eq=False)
class TrainResult:
    """Learning curve and size of one trained architecture.

    Per-epoch arrays have length ``epochs``; entry ``e`` is measured after epoch ``e + 1``.
    Accuracies are percentages; losses are mean cross-entropy. ``train_acc`` and
    ``train_loss`` are running means over the epoch's minibatches in training mode (as
    NAS-Bench-201 records them); validation and test metrics are measured in eval mode
    after the epoch, over all renderings of the split (so they average the renderings).

    Attributes:
        arch: official string of the architecture (``str(cell)``).
        seed: training seed.
        train_acc, train_loss, valid_acc, valid_loss, test_acc, test_loss: ``(epochs,)``.
        train_seconds: cumulative wall-clock seconds of training (forward, backward and
            update steps, batching included; evaluation excluded), ``(epochs,)``.
        train_cpu_seconds: the same in process CPU seconds (robust to a busy machine).
        eval_seconds: total wall-clock seconds spent evaluating valid and test.
        params: trainable parameters of the proxy network.
        hyper: the hyperparameters used (``C``, ``N`` for NB201, ``model_size`` for NB101
            and macro, ``epochs``, ``batch_size``, ...).
        state_dict: final weights if ``keep_state=True``, else ``None``.
    """

    arch: str
    seed: int
    train_acc: np.ndarray
    train_loss: np.ndarray
    valid_acc: np.ndarray
    valid_loss: np.ndarray
    test_acc: np.ndarray
    test_loss: np.ndarray
    train_seconds: np.ndarray
    train_cpu_seconds: np.ndarray
    eval_seconds: float
    params: int
    hyper: dict
    state_dict: dict | None = None

    @property
    def epochs(self) -> int:
        """Number of trained epochs."""
        return len(self.valid_acc)


def cosine_lr(step: int, total_steps: int, lr: float) -> float:
    """Cosine-annealed learning rate at ``step`` of ``total_steps``, from ``lr`` down to 0.

    >>> cosine_lr(0, 10, 0.1), round(cosine_lr(5, 10, 0.1), 6), cosine_lr(10, 10, 0.1)
    (0.1, 0.05, 0.0)
    """
    return 0.5 * lr * (1.0 + math.cos(math.pi * step / total_steps))


@contextmanager
def torch_session(threads: int):
    """Set thread count and deterministic algorithms, fork the RNG; restore all on exit.

    Yields the ``torch`` module. Inside, seeding torch's global generator does not change
    the caller's random state.
    """
    import torch

    old_threads = torch.get_num_threads()
    old_det = torch.are_deterministic_algorithms_enabled()
    old_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    try:
        with torch.random.fork_rng(devices=[]):
            yield torch
    finally:
        torch.use_deterministic_algorithms(old_det, warn_only=old_warn)
        torch.set_num_threads(old_threads)


def _check(cell, data, seed, epochs, C, N, batch_size, lr, momentum, weight_decay, threads) -> None:
    _space_name(cell)  # raises for an object of no space
    if not isinstance(data, DigitsSplits):
        raise OutOfSpaceError(
            f"train_cell needs DigitsSplits (make_cluttered_digits()), got {type(data).__name__}"
        )
    for name, value in (("seed", seed), ("epochs", epochs), ("C", C), ("N", N),
                        ("batch_size", batch_size), ("threads", threads)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise OutOfSpaceError(f"{name} must be an int, got {value!r}")
        if value < (0 if name == "seed" else 1):
            raise OutOfSpaceError(f"{name} must be {'>= 0' if name == 'seed' else '>= 1'}, got {value!r}")
    for name, value in (("lr", lr), ("momentum", momentum), ("weight_decay", weight_decay)):
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise OutOfSpaceError(f"{name} must be a finite number >= 0, got {value!r}")


def _check_single_image_batch(torch, model, image, batch_size: int, n_train: int) -> None:
    """Raise ``OutOfSpaceError`` if a training minibatch of one image fails in ``model``.

    Batch norm in training mode needs more than one value per channel; a network whose
    features shrink to 1x1 (the macro space on small canvases) gets exactly one from a
    minibatch of one image, and torch would fail in the middle of an epoch.
    """
    import copy

    probe = copy.deepcopy(model).train()
    try:
        with torch.no_grad():
            probe(image)
    except ValueError as err:
        raise OutOfSpaceError(
            f"batch_size {batch_size} leaves a minibatch of one image ({n_train} training images), and this "
            f"network cannot train on one ({err}); choose a batch_size that leaves none"
        ) from None


def _evaluate(torch, model, x, y) -> tuple[float, float]:
    """(accuracy %, mean loss) of ``model`` in eval mode over tensors ``x``, ``y``."""
    model.eval()
    correct, loss_sum = 0, 0.0
    with torch.inference_mode():
        for start in range(0, len(y), _EVAL_BATCH):
            logits = model(x[start : start + _EVAL_BATCH])
            target = y[start : start + _EVAL_BATCH]
            loss_sum += float(torch.nn.functional.cross_entropy(logits, target, reduction="sum"))
            correct += int((logits.argmax(1) == target).sum())
    model.train()
    return 100.0 * correct / len(y), loss_sum / len(y)


def train_cell(
    cell: Cell201 | Cell101 | MacroArch,
    data: DigitsSplits,
    *,
    seed: int = 0,
    epochs: int = RECIPE["epochs"],
    C: int = RECIPE["C"],
    N: int = RECIPE["N"],
    batch_size: int = RECIPE["batch_size"],
    lr: float = RECIPE["lr"],
    momentum: float = RECIPE["momentum"],
    weight_decay: float = RECIPE["weight_decay"],
    nesterov: bool = RECIPE["nesterov"],
    threads: int = 1,
    fast_pool: bool = True,
    channels_last: bool = True,
    curve_renders: int | None = RECIPE["curve_renders"] or None,
    ema_decay: float = RECIPE["ema_decay"],
    keep_state: bool = False,
    model_size: dict | None = None,
    kernels: str = "native",
) -> TrainResult:
    """Train the proxy network of ``cell`` and record its per-epoch learning curve.

    Deterministic given ``seed`` (weights, minibatch order) for a fixed ``data``, torch
    build and thread count: the global torch RNG is forked, so callers' random state is
    untouched; thread count and deterministic-algorithms mode are restored on return.

    Args:
        cell: a ``Cell201`` (NB201), ``Cell101`` (NB101) or ``MacroArch`` (macro space of
            ``model_size["space"]``, default ``MacroSpace()``).
        data: rendered splits from :func:`make_cluttered_digits`.
        seed: training seed (initialisation and shuffling).
        epochs: training epochs; the cosine schedule reaches 0 at the last step.
        C, N: channels of the first stage and cells per stage of the NB201 proxy network
            (ignored for the other spaces).
        batch_size: training minibatch size (the last, smaller batch is kept).
        lr, momentum, weight_decay, nesterov: SGD settings; defaults from NAS-Bench-201
            (lr 0.1, momentum 0.9, weight decay 5e-4, Nesterov).
        threads: torch intra-op threads while training (1 per worker).
        fast_pool: use the depthwise-convolution ``avg_pool_3x3`` (same output, faster);
            NB201 only (the other spaces have no such op; ``hyper["fast_pool"]`` is False).
        channels_last: keep activations in channels-last memory layout (same results up
            to float rounding; faster for these small convolutions on CPU).
        curve_renders: evaluate epochs before the last on only the first
            ``curve_renders`` renderings of the valid and test splits (None: all). The final
            epoch always uses every rendering. Evaluation costs about as much as training
            here, so this buys a harder, less noisy final measurement for the same time;
            the intermediate curve points are then noisier.
        ema_decay: if > 0, validation and test metrics are those of an exponential moving
            average of the weights and BatchNorm buffers over the SGD steps
            (``torch.optim.swa_utils.AveragedModel``; Polyak averaging), which damps the
            step-to-step noise at the end of training; training metrics stay those of the
            iterate.
        keep_state: return the final ``state_dict`` in the result (of the averaged model
            when ``ema_decay > 0``).
        model_size: size of the NB101 or macro proxy (:func:`build_proxy`), the missing
            keys taken from :data:`PROXY_SIZES`. NB101: the builder's ``stem_channels``,
            ``num_stacks``, ``num_modules_per_stack``; macro: the builder's ``width_mult``,
            the proxy's ``head_width`` and per-stage ``strides``, and ``space`` (the
            ``MacroSpace`` of ``cell`` when it is not the default one). Must be None for
            NB201, whose size is ``C`` and ``N``. The resolved size is
            ``hyper["model_size"]`` (see :func:`proxy_size`).
        kernels: ``"native"`` (the processor's fastest CPU kernels) or ``"baseline"``
            (oneDNN off, in a process started with ATen's ``default`` dispatch level and
            ``MKL_CBWR=COMPATIBLE``, so no kernel depends on the instruction set; several
            times slower; see :mod:`nasbench_kit.training.kernels`).

    Returns:
        A :class:`TrainResult`.

    Raises:
        OutOfSpaceError: if an argument has the wrong type or range, ``cell`` is not a
            member of its space, or (NB101, macro) a minibatch of one image would reach a
            batch norm at 1x1 resolution (change ``batch_size``).
        ArgumentError: ``kernels`` is unknown, or ``"baseline"`` in a process started
            without :data:`~nasbench_kit.training.kernels.BASELINE_ENV`.

    Example:
        >>> from nasbench_kit.spaces import Cell201
        >>> from nasbench_kit.training import make_cluttered_digits
        >>> data = make_cluttered_digits()
        >>> a = train_cell(Cell201(("skip_connect",) * 6), data, seed=3, epochs=1)
        >>> b = train_cell(Cell201(("skip_connect",) * 6), data, seed=3, epochs=1)
        >>> bool((a.valid_acc == b.valid_acc).all())
        True
    """
    _check(cell, data, seed, epochs, C, N, batch_size, lr, momentum, weight_decay, threads)
    check_kernels(kernels)
    if isinstance(ema_decay, bool) or not isinstance(ema_decay, (int, float)) or not 0.0 <= ema_decay < 1.0:
        raise OutOfSpaceError(f"ema_decay must be a number in [0, 1), got {ema_decay!r}")
    eval_renders = data.recipe.renders_eval
    if curve_renders is not None and (isinstance(curve_renders, bool) or not isinstance(curve_renders, (int, np.integer))
                                      or not 1 <= curve_renders <= eval_renders):
        raise OutOfSpaceError(f"curve_renders must be None or an int in 1..{eval_renders} (the data's renders_eval), "
                              f"got {curve_renders!r}")
    nb201 = isinstance(cell, Cell201)
    size = proxy_size(cell, C=int(C), N=int(N), model_size=model_size)
    from ..models._ops201 import use_fast_avg_pool
    from ..models.measure import count_params

    hyper = dict(epochs=int(epochs), C=int(C), N=int(N), batch_size=int(batch_size), lr=float(lr),
                 momentum=float(momentum), weight_decay=float(weight_decay), nesterov=bool(nesterov),
                 threads=int(threads), fast_pool=bool(fast_pool), channels_last=bool(channels_last),
                 curve_renders=None if curve_renders is None else int(curve_renders), ema_decay=float(ema_decay),
                 kernels=kernels)
    if not nb201:  # C, N and fast_pool are NB201's; the proxy's size is model_size
        del hyper["C"], hyper["N"]
        hyper.update(fast_pool=False, model_size=dict(size))
    with torch_session(int(threads)) as torch, kernel_session(torch, kernels):
        def tensors(x: np.ndarray, y: np.ndarray):
            # (n, 1, H, W) grayscale -> (n, 3, H, W): the official stem takes 3 channels
            layout = torch.channels_last if channels_last else torch.contiguous_format
            return torch.from_numpy(x).expand(-1, 3, -1, -1).contiguous(memory_format=layout), torch.from_numpy(y)

        renders = [tensors(*data.train_rendering(r)) for r in range(data.recipe.renders_train)]
        valid_x, valid_y = tensors(data.valid_x, data.valid_y)
        test_x, test_y = tensors(data.test_x, data.test_y)

        torch.manual_seed(int(seed))
        model = build_proxy(cell, data.num_classes, C=int(C), N=int(N), model_size=model_size)
        if nb201:
            use_fast_avg_pool(model, fast_pool)
        if channels_last:
            model = model.to(memory_format=torch.channels_last)
        model.train()
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum,
                                    weight_decay=weight_decay, nesterov=nesterov)
        shuffle = torch.Generator().manual_seed(int(seed))
        averaged = None
        if ema_decay > 0:
            from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

            averaged = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(float(ema_decay)), use_buffers=True)
        judged = model if averaged is None else averaged
        n_train = len(renders[0][1])
        if not nb201 and 1 in (min(batch_size, n_train), n_train % batch_size):
            _check_single_image_batch(torch, model, renders[0][0][:1], batch_size, n_train)
        steps_per_epoch = math.ceil(n_train / batch_size)
        total_steps = epochs * steps_per_epoch

        curves = {k: np.zeros(epochs) for k in ("train_acc", "train_loss", "valid_acc", "valid_loss",
                                                  "test_acc", "test_loss", "train_seconds",
                                                  "train_cpu_seconds")}
        wall = cpu = eval_seconds = 0.0
        step = 0
        for epoch in range(epochs):
            x_all, y_all = renders[epoch % len(renders)]
            t_wall, t_cpu = time.perf_counter(), time.process_time()
            order = torch.randperm(n_train, generator=shuffle)
            correct, loss_sum = 0, 0.0
            for start in range(0, n_train, batch_size):
                idx = order[start : start + batch_size]
                x, y = x_all[idx], y_all[idx]
                for group in optimizer.param_groups:
                    group["lr"] = cosine_lr(step, total_steps, lr)
                logits = model(x)
                loss = torch.nn.functional.cross_entropy(logits, y)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                if averaged is not None:
                    averaged.update_parameters(model)
                step += 1
                loss_sum += float(loss.detach()) * len(y)
                correct += int((logits.detach().argmax(1) == y).sum())
            wall += time.perf_counter() - t_wall
            cpu += time.process_time() - t_cpu
            curves["train_acc"][epoch] = 100.0 * correct / n_train
            curves["train_loss"][epoch] = loss_sum / n_train
            curves["train_seconds"][epoch] = wall
            curves["train_cpu_seconds"][epoch] = cpu

            t_eval = time.perf_counter()
            # rows are rendering-major: the first k renderings are the first k * sources rows
            n_valid = len(valid_y) if curve_renders is None or epoch == epochs - 1 else \
                len(valid_y) // eval_renders * curve_renders
            n_test = len(test_y) if curve_renders is None or epoch == epochs - 1 else \
                len(test_y) // eval_renders * curve_renders
            curves["valid_acc"][epoch], curves["valid_loss"][epoch] = _evaluate(
                torch, judged, valid_x[:n_valid], valid_y[:n_valid])
            curves["test_acc"][epoch], curves["test_loss"][epoch] = _evaluate(
                torch, judged, test_x[:n_test], test_y[:n_test])
            eval_seconds += time.perf_counter() - t_eval

        final = model if averaged is None else averaged.module
        state = {k: v.detach().clone() for k, v in final.state_dict().items()} if keep_state else None
        return TrainResult(
            arch=str(cell), seed=int(seed), **curves, eval_seconds=eval_seconds,
            params=count_params(model), hyper=hyper, state_dict=state,
        )
