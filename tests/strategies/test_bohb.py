"""BOHB: Hyperband's schedule with model-based new architectures."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nasbench_kit.errors import ArgumentError, UnknownNameError
from nasbench_kit.spaces import NB201Space
from nasbench_kit.strategies import make_strategy
from nasbench_kit.strategies.bohb import BOHB
from nasbench_kit.strategies.hyperband import Hyperband

from .mf_helpers import SPACES, drive, problem


def _conv_count(arch, epoch=None):
    """Toy accuracy: how many of the 6 edges are 3x3 convolutions (random: 1.2 on average)."""
    return (float(sum(op == "nor_conv_3x3" for op in arch.ops)),)


def _bohb(seed=0, **kwargs):
    bohb = BOHB(NB201Space(), seed=seed, **kwargs)
    bohb.setup(problem(range(1, 28)))
    return bohb


def test_same_schedule_as_hyperband():
    def runs(strategy):
        return [(e, len(list(g))) for e, g in itertools.groupby(e for _, e in drive(strategy, 60, _conv_count))]

    hb = Hyperband(NB201Space(), seed=0)
    hb.setup(problem(range(1, 28)))
    assert runs(_bohb()) == runs(hb)


def test_default_min_points_is_decisions_plus_one():
    assert BOHB(NB201Space()).min_points_in_model == 7  # 6 edges + 1


def test_model_based_architectures_are_better_than_random():
    # min_points_in_model = 7: the model on epoch 1 exists from the 10th result on, so
    # new architectures 10-27 of bracket s = 3 and all 12 of bracket s = 2 are model-based.
    model_based = []
    for seed in range(3):
        asked = drive(_bohb(seed=seed, random_fraction=0.0), 27 + 9 + 3 + 1 + 12, _conv_count)
        model_based += asked[9:27] + asked[40:]
    assert np.mean([_conv_count(a)[0] for a, _ in model_based]) > 2.0  # uniform sampling: 1.2 +- 0.1


def test_random_fraction_one_never_uses_the_model():
    bohb = _bohb(seed=1, random_fraction=1.0)
    drive(bohb, 52, _conv_count)
    assert bohb.model_epoch is None


def test_same_seed_same_proposals():
    assert drive(_bohb(seed=4), 60, _conv_count) == drive(_bohb(seed=4), 60, _conv_count)


@pytest.mark.parametrize(
    "kwargs",
    [{"random_fraction": 1.5}, {"top_n_percent": 0}, {"top_n_percent": 100}, {"num_samples": 0},
     {"min_points_in_model": 0}, {"eta": 1}],
)
def test_bad_hyperparameters_raise(kwargs):
    with pytest.raises(ArgumentError):
        BOHB(NB201Space(), **kwargs)


def test_unknown_encoding_raises():
    with pytest.raises(UnknownNameError, match="encoding"):
        BOHB(NB201Space(), encoding="graph")


def test_registered():
    bohb = make_strategy("bohb", NB201Space(), seed=0, num_samples=8)
    assert isinstance(bohb, BOHB) and bohb.multi_fidelity and bohb.hyperparameters()["num_samples"] == 8


@pytest.mark.parametrize("space_name", sorted(SPACES))
def test_works_on_every_space(space_name):
    space = SPACES[space_name]()
    weights = np.random.default_rng(0).random(space.encoding_length("onehot"))
    bohb = BOHB(space, seed=0, random_fraction=0.0, num_samples=8, min_points_in_model=4, encoding="path")
    bohb.setup(problem((4, 12, 36, 108)))
    asked = drive(bohb, 45, lambda arch, epoch: (float(space.encode(arch) @ weights),))
    for arch, _ in asked:
        space.validate(arch)
    assert bohb.model_epoch in (4, 12)  # the model was used
