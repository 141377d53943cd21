"""`build_model` dispatches on the architecture's type; `count_flops` counts real work."""

import numpy as np
import pytest

from nasbench_kit.errors import NasKitError, UnknownNameError
from nasbench_kit.models import build_model, count_flops, count_params
from nasbench_kit.models.counts201 import nb201_param_count
from nasbench_kit.spaces import Cell201, MacroSpace, NB101Space


def test_dispatches_to_each_space():
    rng = np.random.default_rng(0)
    cell = Cell201(("nor_conv_3x3",) * 6)
    assert count_params(build_model(cell, num_classes=10)) == nb201_param_count(cell) == 1531546
    nb101 = build_model(NB101Space().sample(rng), num_classes=10, stem_channels=16, num_stacks=1, num_modules_per_stack=1)
    assert count_params(nb101) > 0
    macro = build_model(MacroSpace().sample(rng), num_classes=10)
    assert count_params(macro) > 0


def test_unknown_architecture_type_is_a_clear_error():
    with pytest.raises(UnknownNameError, match="Cell201, Cell101, MacroArch or DartsGenotype"):
        build_model("not an arch")
    assert issubclass(UnknownNameError, NasKitError)


def test_flops_grow_with_convolutions_and_input_size():
    skip = build_model(Cell201(("skip_connect",) * 6), C=8, N=1)
    conv = build_model(Cell201(("nor_conv_3x3",) * 6), C=8, N=1)
    f_skip, f_conv = count_flops(skip, (1, 3, 16, 16)), count_flops(conv, (1, 3, 16, 16))
    assert 0 < f_skip < f_conv
    # convolution FLOPs scale with the number of pixels: 4x the pixels, 4x the FLOPs
    assert count_flops(conv, (1, 3, 32, 32)) == pytest.approx(4 * f_conv, rel=0.01)
    assert count_flops(conv, (2, 3, 16, 16)) == 2 * f_conv
