"""Hyperband: the paper's bracket schedule, promotions, asynchronous asks, determinism."""

from __future__ import annotations

import itertools

import pytest

from nasbench_kit.errors import ArgumentError
from nasbench_kit.spaces import NB201Space
from nasbench_kit.strategies import make_strategy
from nasbench_kit.strategies._brackets import hyperband_sizes
from nasbench_kit.strategies.hyperband import Hyperband

from .mf_helpers import SPACES, drive, encoding_score, problem, split, trial_of

# One Hyperband cycle with R = 27, eta = 3 (Li et al., JMLR 2018, Sec. 3.3 schedule).
CYCLE_27 = [(1, 27), (3, 9), (9, 3), (27, 1), (3, 12), (9, 4), (27, 1), (9, 6), (27, 2), (27, 4)]


def _hb(seed: int = 0, fidelities=tuple(range(1, 28)), **kwargs) -> Hyperband:
    hb = Hyperband(NB201Space(), seed=seed, **kwargs)
    hb.setup(problem(fidelities))
    return hb


def _score(arch, epoch):
    return (encoding_score(NB201Space(), arch),)


def _runs(asked):
    return [(e, len(list(g))) for e, g in itertools.groupby(e for _, e in asked)]


def test_bracket_sizes_match_the_papers_table_for_r81():
    # Li et al. (JMLR 2018), Table 1: R = 81, eta = 3.
    assert [hyperband_sizes(s, 4, 3) for s in (4, 3, 2, 1, 0)] == [
        (81, 27, 9, 3, 1), (34, 11, 3, 1), (15, 5, 1), (8, 2), (5,)]


def _asked_per_bracket(hb, n):
    """[(bracket number, epoch)] of ``n`` sequential ask/tell rounds."""
    out = []
    for number in range(n):
        arch, epoch = split(hb.ask())
        out.append((hb.n_brackets, epoch))
        hb.tell(trial_of(hb.space, arch, _score(arch, epoch), number=number, epoch=epoch))
    return out


def _bracket_runs(asked):
    return [(e, len(list(g))) for (_, e), g in itertools.groupby(asked)]


def test_a_cycle_runs_every_bracket_then_starts_again():
    hb = _hb()
    asked = _asked_per_bracket(hb, sum(n for _, n in CYCLE_27) + 5)
    assert _bracket_runs(asked) == CYCLE_27 + [(1, 5)]
    assert hb.n_brackets == 5


def test_r81_cycle_epochs_and_counts():
    asked = _asked_per_bracket(_hb(fidelities=range(1, 82)), 210)
    expected = [(1, 81), (3, 27), (9, 9), (27, 3), (81, 1), (3, 34), (9, 11), (27, 3), (81, 1),
                (9, 15), (27, 5), (81, 1), (27, 8), (81, 2), (81, 5), (1, 4)]
    assert _bracket_runs(asked) == expected


def test_each_rung_promotes_the_top_third_of_the_previous():
    asked = drive(_hb(), 70, _score)
    second = asked[40:57]  # bracket s = 2: 12 @ 3, 4 @ 9, 1 @ 27
    rung0, rung1, rung2 = second[:12], second[12:16], second[16:]
    top4 = sorted(rung0, key=lambda a: -_score(*a)[0])[:4]
    assert [a for a, _ in rung1] == [a for a, _ in top4]
    assert [a for a, _ in rung2] == [max((a for a, _ in rung1), key=lambda a: _score(a, 9))]


def test_waiting_bracket_lets_the_next_bracket_start():
    hb = _hb(fidelities=range(1, 10))  # rungs (1, 3, 9): brackets 9@1,3@3,1@9 | 5@3,1@9 | 3@9
    first = [split(hb.ask()) for _ in range(9)]
    more = [split(hb.ask()) for _ in range(7)]  # nothing told: brackets s = 1, then s = 0 start
    assert [e for _, e in more] == [3] * 5 + [9] * 2
    for number, (arch, epoch) in enumerate(reversed(first)):
        hb.tell(trial_of(hb.space, arch, _score(arch, epoch), number=number, epoch=epoch))
    promoted = [split(hb.ask()) for _ in range(3)]  # the oldest bracket's promotions come first
    best3 = sorted(first, key=lambda a: -_score(*a)[0])[:3]
    assert promoted == [(a, 3) for a, _ in best3]
    assert split(hb.ask())[1] == 9  # then bracket s = 0's last new architecture


def test_same_seed_same_proposals():
    assert drive(_hb(seed=2), 80, _score) == drive(_hb(seed=2), 80, _score)


def test_bad_hyperparameters_raise():
    with pytest.raises(ArgumentError, match="eta"):
        Hyperband(NB201Space(), eta=0)
    with pytest.raises(ArgumentError, match="hyperparameter"):
        make_strategy("hyperband", NB201Space(), n_configs=3)  # successive halving's, not Hyperband's


def test_registered_and_multi_fidelity():
    hb = make_strategy("hyperband", NB201Space(), seed=0, eta=2, max_epoch=16)
    hb.setup(problem(range(1, 28)))
    assert isinstance(hb, Hyperband) and hb.multi_fidelity
    assert hb.rung_epochs == (1, 2, 4, 8, 16) and hb.s_max == 4


@pytest.mark.parametrize("space_name", sorted(SPACES))
def test_works_on_every_space(space_name):
    space = SPACES[space_name]()
    hb = Hyperband(space, seed=0)
    hb.setup(problem((4, 12, 36, 108)))  # NAS-Bench-101's epochs: rungs (4, 12, 36, 108)
    asked = drive(hb, 45, lambda arch, epoch: (encoding_score(space, arch),))
    assert _runs(asked) == [(e * 4, n) for e, n in CYCLE_27[:4]] + [(12, 5)]
    for arch, _ in asked:
        space.validate(arch)


@pytest.mark.parametrize("name", ["hyperband", "bohb"])
def test_in_a_run_with_several_workers(synth_bench, name):
    from nasbench_kit.budget import Budget
    from nasbench_kit.run import Run

    def history(seed):
        strategy = make_strategy(name, synth_bench.space, seed=seed)
        return Run(strategy, synth_bench, budget=Budget(queries=80), seed=seed, n_workers=4).run().history

    first = history(1)
    assert len(first) == 80 and set(first.epoch) == {2, 4, 12}  # rungs of fidelities 1..12
    assert first.arch.tolist() == history(1).arch.tolist()
