"""Successive halving: rung epochs and sizes, promotions, asynchronous asks, fallback."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_kit.errors import ArgumentError
from nasbench_kit.objectives import Objective
from nasbench_kit.spaces import NB201Space
from nasbench_kit.strategies import Proposal, make_strategy
from nasbench_kit.strategies._brackets import rung_epochs
from nasbench_kit.strategies.successive_halving import SuccessiveHalving

from .mf_helpers import SPACES, drive, encoding_score, problem, split, trial_of


def _sh(seed: int = 0, fidelities=tuple(range(1, 28)), **kwargs) -> SuccessiveHalving:
    sh = SuccessiveHalving(NB201Space(), seed=seed, **kwargs)
    sh.setup(problem(fidelities))
    return sh


def _score(arch, epoch):
    return (encoding_score(NB201Space(), arch) + 0.01 * (epoch or 0),)


def _runs(epochs):
    """[(epoch, how many in a row)] of a sequence of epochs."""
    return [(e, len(list(g))) for e, g in itertools.groupby(epochs)]


@pytest.mark.parametrize(
    ("fidelities", "kwargs", "expected"),
    [
        (range(1, 28), {}, (1, 3, 9, 27)),
        (range(1, 82), {}, (1, 3, 9, 27, 81)),
        (range(1, 13), {}, (2, 4, 12)),  # 12 / 9 = 1.33 rounds up to 2
        ((4, 12, 36, 108), {}, (4, 12, 36, 108)),  # NAS-Bench-101's epochs
        (range(1, 28), {"min_epoch": 3}, (3, 9, 27)),
        (range(1, 28), {"max_epoch": 9}, (1, 3, 9)),
        (range(1, 28), {"eta": 2}, (2, 4, 7, 14, 27)),  # 27 / 16 = 1.69 rounds up to 2
        ((12, 200), {}, (200,)),  # ladder collapses on sparse epochs
        ((5,), {}, (5,)),
    ],
)
def test_rung_epochs(fidelities, kwargs, expected):
    assert rung_epochs(fidelities, **{"eta": 3, **kwargs}) == expected


@given(st.lists(st.integers(1, 300), min_size=1, max_size=30, unique=True), st.integers(2, 5))
@settings(max_examples=60, deadline=None)
def test_rung_epochs_are_recorded_increasing_and_end_at_max(fidelities, eta):
    epochs = rung_epochs(fidelities, eta=eta)
    assert set(epochs) <= set(fidelities)
    assert list(epochs) == sorted(set(epochs)) and epochs[-1] == max(fidelities)


def test_first_bracket_follows_the_schedule_and_promotes_the_top_third():
    sh = _sh()
    asked = drive(sh, 50, _score)
    assert _runs([e for _, e in asked]) == [(1, 27), (3, 9), (9, 3), (27, 1), (1, 10)]
    rung0, rung1, rung2 = asked[:27], asked[27:36], asked[36:39]
    best9 = sorted(rung0, key=lambda a: -_score(a[0], 1)[0])[:9]
    assert [a for a, _ in rung1] == [a for a, _ in best9]  # best first, same archs again
    best3 = sorted(rung1, key=lambda a: -_score(a[0], 3)[0])[:3]
    assert [a for a, _ in rung2] == [a for a, _ in best3]
    assert asked[39][0] == max((a for a, _ in rung2), key=lambda a: _score(a, 9))
    assert not {a for a, _ in asked[40:]} & {a for a, _ in rung0}  # the next bracket is fresh


def test_minimized_search_metric_promotes_the_smallest_values():
    sh = SuccessiveHalving(NB201Space(), seed=1)
    sh.setup(problem(range(1, 10), objectives=(Objective("latency_ms", maximize=False),)))
    asked = drive(sh, 12, _score)
    worst3 = sorted(asked[:9], key=lambda a: _score(a[0], 1)[0])[:3]
    assert [a for a, _ in asked[9:12]] == [a for a, _ in worst3]


def test_n_configs_sets_the_bracket_size():
    sh = _sh(n_configs=10)
    assert _runs([e for _, e in drive(sh, 16, _score)]) == [(1, 10), (3, 3), (9, 1), (27, 1), (1, 1)]


def test_infeasible_architectures_are_never_promoted():
    sh = _sh(fidelities=range(1, 4))
    asked = [split(sh.ask()) for _ in range(3)]
    for number, (arch, epoch) in enumerate(asked):
        sh.tell(trial_of(sh.space, arch, (99.0 if number == 0 else 1.0,), number=number, epoch=epoch,
                         feasible=number != 0))
    arch, epoch = split(sh.ask())
    assert epoch == 3 and arch != asked[0][0]


def test_a_rung_waits_for_all_its_tells_and_new_brackets_fill_idle_asks():
    sh = _sh(fidelities=range(1, 10))  # rungs (1, 3, 9), bracket 9 @ 1, 3 @ 3, 1 @ 9
    first = [split(sh.ask()) for _ in range(9)]
    extra = [split(sh.ask()) for _ in range(2)]  # nothing told yet: the next bracket starts
    assert all(e == 1 for _, e in first + extra)
    order = list(reversed(first))  # tells arrive in reverse order
    for number, (arch, epoch) in enumerate(order[:-1]):
        sh.tell(trial_of(sh.space, arch, _score(arch, epoch), number=number, epoch=epoch))
    assert split(sh.ask())[1] == 1  # one tell missing: no promotion yet
    arch, epoch = order[-1]
    sh.tell(trial_of(sh.space, arch, _score(arch, epoch), number=9, epoch=epoch))
    promoted = [split(sh.ask()) for _ in range(3)]
    assert [e for _, e in promoted] == [3, 3, 3]
    best = sorted(first, key=lambda a: -_score(a[0], 1)[0])[:3]
    assert [a for a, _ in promoted] == [a for a, _ in best]
    assert split(sh.ask())[1] == 1  # then back to the second bracket's new architectures


def test_the_same_arch_pending_twice_is_matched_first_in_first_out():
    class Fixed(SuccessiveHalving):
        def _new_arch(self, epoch):
            return NB201Space().cell_at(100)

    sh = Fixed(NB201Space(), seed=0)
    sh.setup(problem(range(1, 4)))
    asked = drive(sh, 5, lambda arch, epoch: (1.0,))
    assert [e for _, e in asked] == [1, 1, 1, 3, 1]


def test_unasked_trials_are_ignored():
    sh = _sh()
    stranger = NB201Space().cell_at(7)
    sh.tell(trial_of(sh.space, stranger, (100.0,), epoch=27))
    assert split(sh.ask())[1] == 1


def test_without_fidelities_it_is_random_search_at_the_search_epoch():
    sh = SuccessiveHalving(NB201Space(), seed=3)
    sh.setup(problem(()))
    proposals = [sh.ask() for _ in range(5)]
    assert all(isinstance(p, Proposal) and p.epoch is None for p in proposals)
    assert len({p.arch for p in proposals}) == 5


def test_same_seed_same_proposals():
    assert drive(_sh(seed=5), 45, _score) == drive(_sh(seed=5), 45, _score)
    assert drive(_sh(seed=5), 5, _score) != drive(_sh(seed=6), 5, _score)


@pytest.mark.parametrize(
    "kwargs",
    [{"eta": 1}, {"eta": 2.5}, {"eta": True}, {"min_epoch": 0}, {"max_epoch": "27"}, {"n_configs": 0},
     {"min_epoch": 9, "max_epoch": 3}],
)
def test_bad_hyperparameters_raise(kwargs):
    with pytest.raises(ArgumentError):
        SuccessiveHalving(NB201Space(), **kwargs)


@pytest.mark.parametrize("kwargs", [{"max_epoch": 28}, {"min_epoch": 30}])
def test_epochs_the_benchmark_does_not_record_raise_at_setup(kwargs):
    sh = SuccessiveHalving(NB201Space(), **kwargs)
    with pytest.raises(ArgumentError, match="epoch"):
        sh.setup(problem(range(1, 28)))


def test_registered_with_hyperparameters():
    sh = make_strategy("successive-halving", NB201Space(), seed=0, eta=2)
    assert isinstance(sh, SuccessiveHalving) and sh.multi_fidelity
    assert sh.hyperparameters() == {"eta": 2, "min_epoch": None, "max_epoch": None, "n_configs": None}


@pytest.mark.parametrize("space_name", sorted(SPACES))
def test_works_on_every_space(space_name):
    space = SPACES[space_name]()
    sh = SuccessiveHalving(space, seed=0)
    sh.setup(problem((4, 12, 36, 108)))
    asked = drive(sh, 45, lambda arch, epoch: (encoding_score(space, arch),))
    for arch, epoch in asked:
        space.validate(arch)
    assert _runs([e for _, e in asked]) == [(4, 27), (12, 9), (36, 3), (108, 1), (4, 5)]
    assert np.isfinite([encoding_score(space, a) for a, _ in asked]).all()


def test_in_a_run_promotions_continue_training_and_pay_only_the_extra_epochs(synth_bench):
    from nasbench_kit.budget import Budget
    from nasbench_kit.run import Run

    sh = SuccessiveHalving(synth_bench.space, seed=0)
    history = Run(sh, synth_bench, budget=Budget(queries=60), seed=0, n_workers=3).run().history
    assert sh.rung_epochs == (2, 4, 12) and set(history.epoch) == {2, 4, 12}
    view = synth_bench.search_view("synth-a", epoch=12)
    for arch in history.arch[history.epoch == 12]:
        rows = history[history.arch == arch]
        assert rows.epoch.tolist() == [2, 4, 12]
        assert rows.train_seconds.sum() == pytest.approx(view.train_seconds(synth_bench.space.parse(arch), epoch=12))
