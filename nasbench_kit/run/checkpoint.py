"""Save a :class:`~nasbench_kit.run.Run` to JSON and resume it by deterministic replay.

A checkpoint stores the run's configuration, the strategy's name, hyperparameters and
seed, the list of asked architectures and the human actions (suggestions, vetoes,
steering; :class:`~nasbench_kit.run.human.HumanAction`, each with the number of trials
asked before it took effect), not pickled objects: loading one executes no code from the
file. Resuming rebuilds the strategy and replays the asks against the benchmark (queries
are free), applying every human action between the same two trials and checking every
ask against the checkpoint, so the resumed run continues on exactly the trajectory the
uninterrupted run would have followed.

Format ``nasbench_kit.run/2`` added ``actions`` and the report dataset and schedule;
``nasbench_kit.run/1`` checkpoints (suggestions only, as ``"user"`` asks) still load.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..budget import Budget
from ..errors import ArgumentError, NasKitError
from ..objectives import Constraint, Objective
from .human import HumanAction

__all__ = ["save_run", "resume_run", "FORMAT"]

FORMAT = "nasbench_kit.run/2"
_READABLE = ("nasbench_kit.run/1", FORMAT)


def save_run(run: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``run``'s checkpoint to ``path`` (JSON, written atomically); returns the path."""
    strategy = run.strategy
    if strategy.seed is None:
        raise ArgumentError("only a seeded run can be resumed exactly: pass seed=... to the Run or the strategy")
    state = {
        "format": FORMAT,
        "benchmark": getattr(run.benchmark, "name", None),
        "strategy": {"name": strategy.name, "class": f"{type(strategy).__module__}.{type(strategy).__qualname__}",
                     "hyperparameters": strategy.hyperparameters(), "seed": strategy.seed},
        "run": {
            "budget": {"seconds": run.budget.seconds, "queries": run.budget.queries},
            "objectives": [[o.metric, o.maximize] for o in run.objectives],
            "constraints": [[c.metric, c.at_most, c.at_least] for c in run.constraints],
            "dedupe": run.dedupe, "n_workers": run.clock.n_workers, "dataset": run.dataset,
            "schedule": run.schedule, "epoch": run.search_epoch, "report_metric": run.report_metric,
            "max_free_trials": run.max_free_trials, "report_dataset": run.report_dataset,
            "report_schedule": run.report_schedule,
        },
        "asks": [list(a) for a in run._asks],
        "actions": [a.to_json() for a in run._actions],
    }
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(state, indent=1))
    os.replace(tmp, path)
    return path


def _load(path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        state = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise ArgumentError(f"cannot read run checkpoint {str(path)!r}: {error}") from None
    if not isinstance(state, dict) or state.get("format") not in _READABLE:
        raise ArgumentError(f"{str(path)!r} is not a run checkpoint (format {FORMAT!r})")
    return state


def resume_run(path: str | os.PathLike[str], benchmark: Any, *, run_class: type, strategy: Any = None) -> Any:
    """Rebuild a saved run and replay it to where it was saved.

    ``Run.resume`` passes ``run_class=Run``: the checkpoint module does not import the
    loop (the loop imports it), so the two have no import cycle.

    Args:
        path: a checkpoint written by :meth:`Run.save`.
        benchmark: the benchmark the run searched (the same table).
        run_class: the run class to rebuild (:class:`~nasbench_kit.run.Run`).
        strategy: a fresh strategy equal to the saved one; default: the built-in strategy
            of the saved name, hyperparameters and seed.

    Raises:
        ArgumentError: not a checkpoint, or a strategy that is not built in and not given.
        NasKitError: the replay diverged from the checkpoint.
    """
    from ..strategies import STRATEGIES, strategy_names
    from ..strategies.manual import ManualStrategy

    state = _load(path)
    saved = state["strategy"]
    if strategy is None:
        known = {name: STRATEGIES[name] for name in strategy_names()}
        known[ManualStrategy.name] = ManualStrategy
        cls = known.get(saved["name"])
        if cls is None or f"{cls.__module__}.{cls.__qualname__}" != saved["class"]:
            raise ArgumentError(f"the checkpoint's strategy {saved['class']} is not built in: pass strategy=...")
        strategy = cls(getattr(benchmark, "space", None), seed=saved["seed"], **saved["hyperparameters"])
    config = dict(state["run"])
    budget = Budget(**config.pop("budget"))
    objectives = [Objective(m, maximize=x) for m, x in config.pop("objectives")]
    constraints = [Constraint(m, at_most=hi, at_least=lo) for m, hi, lo in config.pop("constraints")]
    run = run_class(strategy, benchmark, budget=budget, objectives=objectives, constraints=constraints,
              seed=saved["seed"], **config)
    asks = state["asks"]
    if state["format"] == "nasbench_kit.run/1":  # suggestions were stored as the asks they became
        actions = [HumanAction(n, "suggest", (arch,), epoch=epoch) for n, (source, arch, epoch) in enumerate(asks)
                   if source == "user"]
    else:
        actions = [HumanAction.from_json(a) for a in state.get("actions", [])]
    by_trial: dict[int, list[HumanAction]] = {}
    for action in actions:
        if not 0 <= action.at <= len(asks):
            raise ArgumentError(f"{str(path)!r}: a human action at trial {action.at}, but only {len(asks)} "
                                f"trials were asked")
        by_trial.setdefault(action.at, []).append(action)
    for number, (source, arch, epoch) in enumerate(asks):
        for action in by_trial.get(number, ()):
            run._apply(action)
        run.step()
        got = tuple(run._asks[-1]) if len(run._asks) > number else ("-", "run finished", 0)
        if got != (source, arch, epoch):
            raise NasKitError(
                f"resuming diverged at trial {number}: the checkpoint asked {(source, arch, epoch)}, the replay "
                f"{got}; the strategy is not deterministic for its seed, or the benchmark differs"
            )
    for action in by_trial.get(len(asks), ()):
        run._apply(action)
    return run
