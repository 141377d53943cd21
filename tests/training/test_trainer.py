"""Trainer: determinism, curve shapes, timing fields, side effects, argument checks; NB101 / macro proxies."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nasbench_kit.errors import OutOfSpaceError
from nasbench_kit.models import count_params
from nasbench_kit.spaces import Cell101, Cell201, MacroSpace
from nasbench_kit.training import make_cluttered_digits, train_cell
from nasbench_kit.training.trainer import PROXY_SIZES, build_proxy, cosine_lr, proxy_size

CONV_POOL = Cell201.from_string(
    "|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|skip_connect~0|none~1|avg_pool_3x3~2|"
)
TINY = dict(C=4, N=1, batch_size=256)


@pytest.fixture(scope="module")
def data():
    return make_cluttered_digits(seed=0, renders_train=2, renders_eval=1, source="sklearn")  # small: fast tests


@pytest.fixture(scope="module")
def run_a(data):
    return train_cell(CONV_POOL, data, seed=5, epochs=2, keep_state=True, **TINY)


def test_same_seed_identical_curves(data, run_a):
    b = train_cell(CONV_POOL, data, seed=5, epochs=2, **TINY)
    for name in ("train_acc", "train_loss", "valid_acc", "valid_loss", "test_acc", "test_loss"):
        np.testing.assert_array_equal(getattr(run_a, name), getattr(b, name))
    c = train_cell(CONV_POOL, data, seed=6, epochs=1, **TINY)
    assert c.train_loss[0] != run_a.train_loss[0]


def test_curve_lengths_seconds_and_params(run_a):
    r = run_a
    assert r.epochs == 2 and r.arch == str(CONV_POOL) and r.seed == 5
    for name in ("train_acc", "train_loss", "valid_acc", "valid_loss", "test_acc", "test_loss",
                 "train_seconds", "train_cpu_seconds"):
        assert getattr(r, name).shape == (2,)
    assert np.all(np.diff(r.train_seconds) > 0) and r.train_seconds[0] > 0
    assert np.all(np.diff(r.train_cpu_seconds) > 0)
    assert r.eval_seconds > 0
    for acc in (r.train_acc, r.valid_acc, r.test_acc):
        assert np.all((acc >= 0) & (acc <= 100))
    assert np.all(r.train_loss > 0)
    from nasbench_kit.models.nb201 import build_nb201

    net = build_nb201(CONV_POOL, 10, C=4, N=1)
    assert r.params == sum(p.numel() for p in net.parameters())
    net.load_state_dict(r.state_dict)  # same keys and shapes as a freshly built network
    assert r.hyper["epochs"] == 2 and r.hyper["C"] == 4


def test_learns_something(data):
    # the SGD iterate itself (an EMA of 34 steps still remembers the initial weights)
    r = train_cell(Cell201(("nor_conv_3x3",) * 6), data, seed=0, epochs=2, C=4, N=1, batch_size=64, ema_decay=0.0)
    assert r.train_loss[-1] < r.train_loss[0]
    assert r.valid_acc[-1] > 20.0  # chance is 10 %


def test_fast_pool_does_not_change_training(data):
    pool = Cell201(("avg_pool_3x3",) * 3 + ("nor_conv_1x1",) * 3)
    # contiguous layout: the reference and fast kernels then round alike closely enough
    # that 5 SGD steps do not amplify the ~1e-7 differences beyond 1e-4
    fast = train_cell(pool, data, seed=1, epochs=1, fast_pool=True, channels_last=False, **TINY)
    slow = train_cell(pool, data, seed=1, epochs=1, fast_pool=False, channels_last=False, **TINY)
    np.testing.assert_allclose(fast.train_loss, slow.train_loss, rtol=1e-4)
    np.testing.assert_allclose(fast.valid_loss, slow.valid_loss, rtol=1e-3)
    assert fast.hyper["fast_pool"] and not slow.hyper["fast_pool"]


def test_no_side_effects_on_torch_state(data):
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    train_cell(Cell201(("skip_connect",) * 6), data, seed=0, epochs=1, threads=1, **TINY)
    np.testing.assert_array_equal(torch.rand(3).numpy(), expected.numpy())
    assert torch.get_num_threads() == threads
    assert torch.are_deterministic_algorithms_enabled() == deterministic


def test_cosine_schedule():
    lrs = [cosine_lr(s, 100, 0.1) for s in range(101)]
    assert lrs[0] == 0.1 and abs(lrs[-1]) < 1e-12 and abs(lrs[50] - 0.05) < 1e-12
    assert all(a >= b for a, b in zip(lrs, lrs[1:]))


@pytest.mark.parametrize(
    "kwargs",
    [dict(epochs=0), dict(seed=-1), dict(C=0), dict(batch_size=1.5), dict(lr=float("nan")),
     dict(threads=0), dict(momentum=-0.1), dict(epochs=True), dict(curve_renders=2)],
)
def test_bad_arguments_raise(data, kwargs):
    with pytest.raises(OutOfSpaceError):
        train_cell(CONV_POOL, data, **kwargs)


def test_bad_cell_or_data_raise(data):
    with pytest.raises(OutOfSpaceError, match="Cell201"):
        train_cell(str(CONV_POOL), data)
    with pytest.raises(OutOfSpaceError, match="DigitsSplits"):
        train_cell(CONV_POOL, (data.train_x, data.train_y))


def test_curve_renders_evaluates_early_epochs_on_fewer_renderings():
    """Same training; the final epoch uses every rendering, earlier ones only the first."""
    data = make_cluttered_digits(seed=0, renders_train=1, renders_eval=3, source="sklearn")
    full = train_cell(CONV_POOL, data, seed=2, epochs=2, curve_renders=None, **TINY)
    cheap = train_cell(CONV_POOL, data, seed=2, epochs=2, curve_renders=1, **TINY)
    assert cheap.valid_acc[-1] == full.valid_acc[-1] and cheap.test_acc[-1] == full.test_acc[-1]
    assert np.array_equal(cheap.train_acc, full.train_acc)
    assert cheap.hyper["curve_renders"] == 1 and full.hyper["curve_renders"] is None
    n = len(data.valid_y) // 3  # sources; epoch 1 was scored on n images, so acc * n / 100 is a count
    correct = cheap.valid_acc[0] * n / 100
    assert correct == pytest.approx(round(correct), abs=1e-6)
    assert cheap.valid_acc[0] != full.valid_acc[0]


def test_ema_evaluates_averaged_weights(data):
    """Training metrics are the iterate's; valid/test come from the averaged weights."""
    plain = train_cell(CONV_POOL, data, seed=4, epochs=2, **TINY)
    ema = train_cell(CONV_POOL, data, seed=4, epochs=2, ema_decay=0.9, keep_state=True, **TINY)
    assert np.array_equal(plain.train_acc, ema.train_acc)
    assert not np.array_equal(plain.valid_acc, ema.valid_acc)
    assert ema.hyper["ema_decay"] == 0.9
    with pytest.raises(OutOfSpaceError, match="ema_decay"):
        train_cell(CONV_POOL, data, ema_decay=1.0, **TINY)


# --- NB101 and macro proxies --------------------------------------------------------------

BRANCHES = Cell101([[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]],
                   ["input", "conv3x3-bn-relu", "maxpool3x3", "output"])
MACRO = MacroSpace().parse("d2-e3k3,e4k5|d2-e3k3,e3k3|d2-e3k3,e3k3|d2-e3k3,e3k3|d2-e3k3,e3k3")
TINY_SIZES = {"nb101": {"stem_channels": 4, "num_stacks": 2, "num_modules_per_stack": 1},
              "macro": {"width_mult": 0.1, "head_width": 16}}
FAST = dict(epochs=1, batch_size=256)


@pytest.fixture(scope="module")
def small_data():
    return make_cluttered_digits(seed=0, renders_train=1, renders_eval=1, source="sklearn")


@pytest.mark.parametrize("arch, space", [(BRANCHES, "nb101"), (MACRO, "macro")])
def test_nb101_and_macro_train_deterministically(small_data, arch, space):
    a = train_cell(arch, small_data, seed=1, model_size=TINY_SIZES[space], **FAST)
    b = train_cell(arch, small_data, seed=1, model_size=TINY_SIZES[space], **FAST)
    assert a.epochs == 1 and a.arch == str(arch)
    for name in ("train_acc", "train_loss", "valid_acc", "valid_loss", "test_acc", "test_loss"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
        assert np.all(np.isfinite(getattr(a, name)))
    assert a.params == count_params(build_proxy(arch, 10, model_size=TINY_SIZES[space]))
    assert a.hyper["model_size"] == proxy_size(arch, model_size=TINY_SIZES[space])
    assert "C" not in a.hyper and a.hyper["fast_pool"] is False
    c = train_cell(arch, small_data, seed=2, model_size=TINY_SIZES[space], **FAST)
    assert c.train_loss[0] != a.train_loss[0]


def test_proxy_sizes_defaults_and_small_inputs():
    import torch

    assert proxy_size(BRANCHES) == PROXY_SIZES["nb101"]
    assert proxy_size(MACRO, model_size={"width_mult": 0.5})["width_mult"] == 0.5
    # stride-2 reductions past 1x1 still work on an 8x8 image (ceil-mode pooling, padded convs)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny ops: more threads only wait on each other
    try:
        for arch, size in ((BRANCHES, {"stem_channels": 4, "num_stacks": 5}),
                           (MACRO, {"strides": (2, 2, 2, 2, 2)}), (MACRO, {})):
            assert build_proxy(arch, 10, model_size=size)(torch.zeros(2, 3, 8, 8)).shape == (2, 10)
    finally:
        torch.set_num_threads(threads)
    # a macro space with three stages keeps its own strides
    small = MacroSpace(widths=(16, 24, 32), strides=(2, 1, 2))
    arch = small.parse("d2-e3k3,e3k3|d2-e3k3,e3k3|d2-e3k3,e3k3")
    assert proxy_size(arch, model_size={"space": small})["strides"] == (2, 1, 2)


@pytest.mark.parametrize(
    "arch, model_size, match",
    [(CONV_POOL, {"C": 4}, "C and N"), (BRANCHES, {"C": 4}, "unknown"), (BRANCHES, {"num_stacks": 0}, ">= 1"),
     (MACRO, {"width_mult": -1.0}, "width_mult"), (MACRO, {"strides": (1, 2)}, "one stride per stage"),
     (MACRO, {"space": "macro"}, "MacroSpace"), (BRANCHES, [("stem_channels", 4)], "mapping"),
     (Cell101([[0, 0], [0, 0]], ["input", "output"]), None, "no path")],
)
def test_bad_model_size_or_arch_raise(small_data, arch, model_size, match):
    with pytest.raises(OutOfSpaceError, match=match):
        train_cell(arch, small_data, model_size=model_size, **FAST)


def test_single_image_minibatch_gives_a_clear_error(small_data):
    n = len(small_data.train_y)
    collapsed = {"width_mult": 0.1, "head_width": 16, "strides": (2, 2, 2, 1, 2)}  # 1x1 features on 8x8
    with pytest.raises(OutOfSpaceError, match="minibatch of one image"):
        train_cell(MACRO, small_data, epochs=1, batch_size=n - 1, model_size=collapsed)
