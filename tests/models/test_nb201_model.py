"""NAS-Bench-201 network: official parameter counts, analytic count, forward semantics."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nasbench_kit.errors import OutOfSpaceError
from nasbench_kit.models.counts201 import nb201_param_count
from nasbench_kit.models.nb201 import InferCell201, build_nb201
from nasbench_kit.spaces import Cell201, NB201Space

# REFERENCE.md: official params (M) of the CIFAR-10 network, C=16, N=5.
REFERENCE_PARAMS_M = {
    "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|": 0.073306,
    "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|": 0.073306,
    "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|": 0.129306,
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|": 0.802426,
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|": 1.073466,
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|": 1.531546,
}


def trainable(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@pytest.mark.parametrize(("arch", "params_m"), REFERENCE_PARAMS_M.items())
def test_reference_param_counts(arch, params_m):
    cell = Cell201.from_string(arch)
    count = trainable(build_nb201(cell, num_classes=10))
    assert round(count / 1e6, 6) == params_m
    assert nb201_param_count(cell, num_classes=10) == count


@pytest.mark.parametrize("arch", list(REFERENCE_PARAMS_M)[::2])
def test_more_classes_only_change_the_classifier(arch):
    cell = Cell201.from_string(arch)
    for classes in (100, 120):
        count = trainable(build_nb201(cell, num_classes=classes))
        assert count == nb201_param_count(cell, num_classes=classes)
        assert count - nb201_param_count(cell) == (64 + 1) * (classes - 10)


@pytest.mark.parametrize(("C", "N", "num_classes"), [(4, 1, 3), (8, 2, 100), (6, 3, 120), (16, 1, 10)])
def test_analytic_count_equals_module_for_sampled_cells(C, N, num_classes):
    space, rng = NB201Space(), np.random.default_rng(C * 100 + N)
    for cell in [space.sample(rng) for _ in range(6)]:
        assert nb201_param_count(cell, num_classes, C=C, N=N) == trainable(build_nb201(cell, num_classes, C=C, N=N))


@pytest.mark.parametrize("size", [12, 32])
def test_forward_gives_logits_per_image(size):
    cell = Cell201.from_string(list(REFERENCE_PARAMS_M)[3])
    net = build_nb201(cell, num_classes=7, C=8, N=2)
    out = net(torch.randn(3, 3, size, size))
    assert out.shape == (3, 7) and torch.isfinite(out).all()
    net.eval()
    with torch.no_grad():
        assert net(torch.randn(1, 3, size, size + 4)).shape == (1, 7)


def test_forward_default_size_on_cifar_shape():
    net = build_nb201(Cell201.from_string(list(REFERENCE_PARAMS_M)[4]))
    assert net(torch.randn(2, 3, 32, 32)).shape == (2, 10)


@pytest.mark.parametrize("shape", [(2, 3, 30, 32), (2, 1, 32, 32), (3, 32, 32)])
def test_forward_rejects_bad_input_shape(shape):
    net = build_nb201(Cell201(("skip_connect",) * 6), C=4, N=1)
    with pytest.raises(OutOfSpaceError, match="divisible by 4"):
        net(torch.zeros(shape))


@pytest.mark.parametrize("kwargs", [{"C": 0}, {"N": -1}, {"num_classes": 0}, {"C": 4.0}, {"N": True}])
def test_builder_and_count_reject_bad_sizes(kwargs):
    cell = Cell201(("none",) * 6)
    with pytest.raises(OutOfSpaceError, match="positive int"):
        build_nb201(cell, **kwargs)
    with pytest.raises(OutOfSpaceError, match="positive int"):
        nb201_param_count(cell, **kwargs)


def test_builder_and_count_reject_non_cells():
    for call in (build_nb201, nb201_param_count):
        with pytest.raises(OutOfSpaceError, match="expected a Cell201"):
            call("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")


def _cell_output(arch: str, x: torch.Tensor) -> torch.Tensor:
    cell = InferCell201(Cell201.from_string(arch), channels=x.shape[1]).eval()
    with torch.no_grad():
        return cell(x)


def test_cell_sums_ops_over_in_edges():
    x = torch.randn(2, 4, 6, 6)
    # node1 = x, node2 = x + x, node3 = x + x + 2x
    skip = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|"
    assert torch.allclose(_cell_output(skip, x), 4 * x)
    direct = "|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|skip_connect~0|none~1|none~2|"
    assert torch.equal(_cell_output(direct, x), x)
    zero = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|none~0|none~1|none~2|"
    assert torch.equal(_cell_output(zero, x), torch.zeros_like(x))
    pooled = "|avg_pool_3x3~0|+|none~0|none~1|+|none~0|skip_connect~1|avg_pool_3x3~2|"
    expected = F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)
    assert torch.allclose(_cell_output(pooled, x), expected)  # node 2 is zero, pool of zero is zero


def test_state_dict_names_follow_the_official_network():
    net = build_nb201(Cell201.from_string(list(REFERENCE_PARAMS_M)[5]), C=4, N=1)
    keys = set(net.state_dict())
    # official TinyNetwork: cells = [N cells, reduction, N cells, reduction, N cells]
    for key in ("stem.0.weight", "stem.1.bias", "cells.0.layers.5.op.1.weight", "cells.1.conv_a.op.1.weight",
                "cells.1.conv_b.op.2.running_var", "cells.1.downsample.1.weight", "cells.3.downsample.1.weight",
                "lastact.0.weight", "classifier.weight", "classifier.bias"):
        assert key in keys
    assert net.cells[1].conv_a.op[1].stride == (2, 2)


def test_param_count_module_does_not_import_torch():
    code = "import sys, nasbench_kit.models.counts201; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "False"
