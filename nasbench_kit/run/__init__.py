"""Searches as a :class:`Run`: the strategy asks, the run checks, queries, charges and tells.

- :mod:`~nasbench_kit.run.loop`: :class:`Run`, the search loop;
- :mod:`~nasbench_kit.run.events`: the events a run publishes (:class:`TrialFinished`, ...);
- :mod:`~nasbench_kit.run.human`: human in the loop (pause, suggest, veto, steer);
- :mod:`~nasbench_kit.run.lookup`: fast per-architecture lookups for the loop;
- :mod:`~nasbench_kit.run.checkpoint`: JSON checkpoints and resuming by replay.

>>> from nasbench_kit.run import Run   # doctest: +SKIP
"""

from ..budget import Budget
from .events import Event, IncumbentChanged, RunFinished, TrialFinished
from .human import HumanAction
from .loop import Run

__all__ = ["Run", "Budget", "Event", "TrialFinished", "IncumbentChanged", "RunFinished", "HumanAction"]
