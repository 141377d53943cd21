"""Human in the loop: pause a :class:`~nasbench_kit.run.Run`, suggest, veto and steer.

:class:`HumanControls` is the part of ``Run`` a person (or a widget, from the UI thread)
drives while the run executes, possibly in a background thread:

- :meth:`~HumanControls.pause` / :meth:`~HumanControls.resume_running`: ``Run.run`` waits
  between trials (blocked on a condition, no busy loop) and returns promptly on ``stop``;
- :meth:`~HumanControls.suggest`: the next trials evaluate these architectures instead of
  asking the strategy (``source == "user"`` in the history); infeasible ones are refused
  before anything is charged, naming the violated constraint;
- :meth:`~HumanControls.veto` / :meth:`~HumanControls.unveto`: the strategy's candidates
  isomorphic to a vetoed architecture are not trained (no charge); the strategy is told
  them as rejected (``Trial.vetoed``) and asked again;
- :meth:`~HumanControls.seed_population` / :meth:`~HumanControls.pin_parent`: steer a
  strategy that supports it (``Strategy.steering``) with trials the run already evaluated.

Every action is thread-safe and takes effect between two trials: an action made while a
step is in progress (from an event callback, in the run's own thread) waits for the end
of that step. Each one is recorded as a :class:`HumanAction` with the number of trials
asked before it took effect, so ``Run.save`` / ``Run.resume`` replay it at the same point:
same seed and same actions give the same history. Pausing changes no trajectory and is
not recorded.

>>> run = Run(make_strategy("rea", bench.space), bench, budget=Budget(queries=50), seed=0)  # doctest: +SKIP
>>> run.suggest(cell_a, cell_b)          # the next two trials: source "user"       # doctest: +SKIP
>>> run.veto(cell_c)                     # never train anything isomorphic to cell_c # doctest: +SKIP
>>> run.run(max_steps=20); run.pin_parent(cell_a, children=3)                       # doctest: +SKIP
>>> run.save("run.json")                 # the actions are replayed by Run.resume    # doctest: +SKIP
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..errors import ArgumentError, InfeasibleError, RunStateError
from ..strategies.base import Proposal, Trial

__all__ = ["HumanAction", "HumanControls", "ACTION_KINDS"]

#: The kinds of recorded human actions.
ACTION_KINDS = ("suggest", "cancel_suggestions", "veto", "unveto", "seed_population", "pin_parent")


@dataclass(frozen=True)
class HumanAction:
    """One recorded human action (plain data, saved in checkpoints).

    Attributes:
        at: trials asked before it took effect (it applies between trial ``at - 1`` and
            trial ``at``).
        kind: one of :data:`ACTION_KINDS`.
        archs: the architectures it names, as strings (``str(arch)``).
        epoch: the fidelity of suggested architectures (None: the run's search epoch).
        children: for ``pin_parent``, the number of children (None: the strategy's default).
    """

    at: int
    kind: str
    archs: tuple[str, ...] = ()
    epoch: int | None = None
    children: int | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-serializable dict (see :meth:`from_json`)."""
        return {"at": self.at, "kind": self.kind, "archs": list(self.archs), "epoch": self.epoch,
                "children": self.children}

    @classmethod
    def from_json(cls, data: Any) -> HumanAction:
        """Rebuild an action from :meth:`to_json` output.

        Raises:
            ArgumentError: not a recorded action.
        """
        try:
            action = cls(at=int(data["at"]), kind=str(data["kind"]), archs=tuple(str(a) for a in data["archs"]),
                         epoch=None if data["epoch"] is None else int(data["epoch"]),
                         children=None if data["children"] is None else int(data["children"]))
        except (KeyError, TypeError, ValueError):
            raise ArgumentError(f"not a recorded human action: {data!r}") from None
        if action.kind not in ACTION_KINDS:
            raise ArgumentError(f"unknown human action {action.kind!r}; kinds: {list(ACTION_KINDS)}")
        return action


class HumanControls:
    """The human-in-the-loop half of :class:`~nasbench_kit.run.Run` (a mixin: it uses the
    run's space, strategy, lookup, constraints and lock; ``Run.__init__`` calls
    :meth:`_init_human`)."""

    #: Consecutive vetoed candidates after which a step gives up (the run ends, ``"vetoed"``);
    #: settable per run.
    max_vetoed_asks: int = 1000

    # Provided by Run.
    _lock: threading.RLock
    _stop: threading.Event
    _asks: list[tuple[str, str, int]]
    _suggestions: deque[tuple[Any, int | None]]

    def _init_human(self) -> None:
        self._gate = threading.Condition()  # wakes run() on pause / resume / stop / suggestion / waiting callers
        self._paused = False
        self._callers_waiting = 0  # UI threads waiting for the lock (run() lets them in between steps)
        self._in_step = False
        self._deferred: list[HumanAction] = []
        self._actions: list[HumanAction] = []
        self._vetoed: dict[str, str] = {}  # canonical -> the arch string vetoed
        self._veto_log: list[tuple[int, str]] = []  # (trial number it preceded, arch string)
        self._trial_of: dict[str, Trial] = {}  # canonical -> its best-fidelity, latest feasible trial

    # --- pause -----------------------------------------------------------------------------
    @property
    def paused(self) -> bool:
        """True while :meth:`pause` holds ``run()`` between trials."""
        return self._paused

    def pause(self) -> None:
        """Hold ``run()`` before its next trial (safe from any thread; takes effect after the
        trial in progress). ``step()`` still works while paused (single-stepping)."""
        with self._gate:
            self._paused = True
            self._gate.notify_all()

    def resume_running(self) -> None:
        """Let a paused ``run()`` continue (safe from any thread)."""
        with self._gate:
            self._paused = False
            self._gate.notify_all()

    def _wake(self) -> None:
        with self._gate:
            self._gate.notify_all()

    def _wait_until_runnable(self) -> None:
        """Block ``run()`` while paused, while a manual run has nothing suggested, or while a
        caller waits for the lock; returns at once once ``stop()`` was called."""
        manual = self.strategy.manual

        def runnable() -> bool:
            if self._stop.is_set():
                return True
            return not self._paused and not self._callers_waiting and (not manual or bool(self._suggestions))

        if runnable():  # the common case, without the condition's lock (a flag read late costs one step)
            return
        with self._gate:
            self._gate.wait_for(runnable)

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        """The run's lock, taken fairly: ``run()`` yields to a waiting caller between steps."""
        with self._gate:
            self._callers_waiting += 1
        try:
            self._lock.acquire()
        finally:
            with self._gate:
                self._callers_waiting -= 1
                self._gate.notify_all()
        try:
            yield
        finally:
            self._lock.release()

    # --- the actions -----------------------------------------------------------------------
    @property
    def actions(self) -> tuple[HumanAction, ...]:
        """Every human action that took effect, in order (what a checkpoint replays)."""
        with self._exclusive():
            return tuple(self._actions)

    def suggest(self, *archs: Any, epoch: int | None = None) -> None:
        """Evaluate ``archs`` (in order) as the next trials instead of asking the strategy.

        The strategy is told each result like any other trial's (regularized evolution
        adds it to its population); the history marks it ``source == "user"``. Every
        architecture is checked before any is queued: nothing is charged for a refused one.

        Args:
            *archs: architectures of the run's space, or their strings.
            epoch: the fidelity to train them to (default: the run's search epoch).

        Raises:
            OutOfSpaceError: not a member of the space.
            InfeasibleError: breaks a constraint (the message names it and the value).
            ArgumentError: no architecture, a vetoed one, or an epoch the benchmark lacks.
            RunStateError: the run has finished.

        Example:
            >>> cell = "|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|none~0|none~1|nor_conv_3x3~2|"
            >>> run.suggest(cell)                                       # doctest: +SKIP
            >>> run.step()[0]["source"]                                 # doctest: +SKIP
            'user'
        """
        with self._exclusive():
            self._check_open("suggest")
            parsed = self._parse_all(archs, "suggest")
            self._check_epoch(epoch)
            for arch in parsed:
                canonical = self._class_of(arch)
                if canonical in self._vetoed:
                    raise ArgumentError(f"{arch} is vetoed (isomorphic to {self._vetoed[canonical]}): "
                                        f"call run.unveto(...) before suggesting it")
                self._check_feasible(arch)
            self._act(HumanAction(0, "suggest", tuple(str(a) for a in parsed), epoch=epoch))

    @property
    def pending_suggestions(self) -> tuple[str, ...]:
        """Suggested architectures not evaluated yet, in the order they will be."""
        with self._exclusive():
            return tuple(str(arch) for arch, _ in self._suggestions)

    def cancel_suggestions(self) -> None:
        """Drop every suggestion not evaluated yet (nothing was charged for them).

        Raises:
            RunStateError: the run has finished.
        """
        with self._exclusive():
            self._check_open("cancel_suggestions")
            self._act(HumanAction(0, "cancel_suggestions"))

    def veto(self, *archs: Any) -> None:
        """Never train a candidate of the strategy isomorphic to one of ``archs``.

        Such candidates cost nothing: the strategy is told them as rejected (a
        :class:`~nasbench_kit.strategies.Trial` with ``vetoed=True``, ``feasible=False``,
        NaN objectives) and asked again. They are counted in :attr:`n_vetoed` and listed in
        :attr:`vetoed_candidates`, not in the history. After :attr:`max_vetoed_asks`
        consecutive vetoed candidates the step ends the run (``"vetoed"``) and raises.

        Args:
            *archs: architectures of the run's space, or their strings.

        Raises:
            OutOfSpaceError: not a member of the space.
            ArgumentError: no architecture given.
            RunStateError: the run has finished.

        Example:
            >>> run.veto(run.history["arch"].iloc[0])                   # doctest: +SKIP
        """
        with self._exclusive():
            self._check_open("veto")
            parsed = self._parse_all(archs, "veto")
            self._act(HumanAction(0, "veto", tuple(str(a) for a in parsed)))

    def unveto(self, *archs: Any) -> None:
        """Allow the isomorphism classes of ``archs`` again (ones not vetoed are ignored).

        Raises:
            OutOfSpaceError: not a member of the space.
            ArgumentError: no architecture given.
            RunStateError: the run has finished.
        """
        with self._exclusive():
            self._check_open("unveto")
            parsed = self._parse_all(archs, "unveto")
            self._act(HumanAction(0, "unveto", tuple(str(a) for a in parsed)))

    @property
    def vetoed(self) -> tuple[str, ...]:
        """The architectures vetoed now (one per isomorphism class, as given)."""
        with self._exclusive():
            return tuple(self._vetoed.values())

    @property
    def n_vetoed(self) -> int:
        """Candidates of the strategy skipped because they were vetoed (never charged)."""
        return len(self._veto_log)

    @property
    def vetoed_candidates(self) -> tuple[tuple[int, str], ...]:
        """``(trial, arch)`` for each vetoed candidate: the trial number it was asked before."""
        with self._exclusive():
            return tuple(self._veto_log)

    def seed_population(self, *archs: Any) -> None:
        """Add architectures this run already evaluated to the strategy's population.

        Nothing is charged and nothing new is learnt: the strategy gets the trials it was
        told (the latest feasible one of each isomorphism class, at the highest epoch). To
        add an architecture not evaluated yet, :meth:`suggest` it: every strategy is told
        suggested results, and regularized evolution adds them to its population.

        Args:
            *archs: architectures (or strings) evaluated, feasible, earlier in this run.

        Raises:
            ArgumentError: the strategy cannot be seeded (the message lists those that can),
                or an architecture this run has not evaluated (feasibly).
            OutOfSpaceError: not a member of the space.
            RunStateError: the run has finished.

        Example:
            >>> run.seed_population(*run.history.nlargest(3, "valid_acc")["arch"])  # doctest: +SKIP
        """
        with self._exclusive():
            self._check_open("seed_population")
            self._check_steering("seed_population")
            parsed = self._parse_all(archs, "seed_population")
            for arch in parsed:
                self._evaluated_trial(arch)
            self._act(HumanAction(0, "seed_population", tuple(str(a) for a in parsed)))

    def pin_parent(self, arch: Any, *, children: int | None = None) -> None:
        """Make an architecture this run evaluated the parent of the strategy's next proposals.

        Regularized evolution mutates it for the next ``children`` asks (default 1; 0
        removes a pin); local search restarts its climb from it (``children`` must be None).

        Args:
            arch: an architecture (or string) evaluated, feasible, earlier in this run.
            children: how many proposals the pin lasts (None: the strategy's default).

        Raises:
            ArgumentError: the strategy cannot be steered so (the message lists those that
                can), an architecture this run has not evaluated, or a bad ``children``.
            OutOfSpaceError: not a member of the space.
            RunStateError: the run has finished.

        Example:
            >>> run.pin_parent(run.incumbent["arch"], children=5)     # doctest: +SKIP
        """
        with self._exclusive():
            self._check_open("pin_parent")
            self._check_steering("pin_parent")
            if children is not None and (isinstance(children, bool) or not isinstance(children, (int, np.integer))
                                         or children < 0):
                raise ArgumentError(f"children must be None or an int >= 0, got {children!r}")
            (parsed,) = self._parse_all((arch,), "pin_parent")
            self._evaluated_trial(parsed)
            self._act(HumanAction(0, "pin_parent", (str(parsed),),
                                  children=None if children is None else int(children)))

    # --- checks ------------------------------------------------------------------------------
    def _check_open(self, what: str) -> None:
        if self.finished:
            raise RunStateError(f"cannot {what}: the run has finished ({self.finished_reason!r}); build a new Run")

    def _parse_all(self, archs: Sequence[Any], what: str) -> list[Any]:
        if not archs:
            raise ArgumentError(f"{what} needs at least one architecture")
        return [self.space.validate(self.space.parse(a) if isinstance(a, str) else a) for a in archs]

    def _class_of(self, arch: Any) -> str:
        canonical = self._canonical.get(arch)
        if canonical is None:
            canonical = self._canonical[arch] = self.space.canonical(arch)
        return canonical

    def _check_feasible(self, arch: Any) -> None:
        if self._feasible(arch):
            return
        costs = self._lookup.costs(arch)
        broken = [f"{c.metric} = {costs[c.metric]:.6g}, which violates {c}" for c in self.constraints
                  if not c.satisfied(costs[c.metric])]
        raise InfeasibleError(f"{arch} has {' and '.join(broken)}: it would be rejected before training; "
                              f"nothing was charged")

    def _check_steering(self, method: str) -> None:
        from ..strategies.base import Strategy, _unsupported

        overridden = getattr(type(self.strategy), method) is not getattr(Strategy, method)
        if method not in self.strategy.steering and not overridden:
            raise ArgumentError(_unsupported(self.strategy, method))

    def _evaluated_trial(self, arch: Any) -> Trial:
        trial = self._trial_of.get(self._class_of(arch))
        if trial is None:
            raise ArgumentError(f"{arch} has no feasible result in this run yet: suggest it first "
                                f"(run.suggest(arch)), then steer with it once its trial has finished")
        return trial

    # --- applying and recording ----------------------------------------------------------------
    def _act(self, action: HumanAction) -> None:
        """Apply ``action`` now, or at the end of the step in progress (callbacks)."""
        if self._in_step:
            self._deferred.append(action)
        else:
            self._apply(action)

    def _apply_deferred(self) -> None:
        while self._deferred:
            self._apply(self._deferred.pop(0))

    def _apply(self, action: HumanAction) -> None:
        """Make ``action`` take effect and record it (also how a checkpoint replays it)."""
        space = self.space
        archs = [space.parse(a) for a in action.archs]
        if action.kind == "suggest":
            self._suggestions.extend((arch, action.epoch) for arch in archs)
        elif action.kind == "cancel_suggestions":
            self._suggestions.clear()
        elif action.kind == "veto":
            for arch, text in zip(archs, action.archs):
                self._vetoed.setdefault(self._class_of(arch), text)
        elif action.kind == "unveto":
            for arch in archs:
                self._vetoed.pop(self._class_of(arch), None)
        elif action.kind == "seed_population":
            self.strategy.seed_population([self._evaluated_trial(arch) for arch in archs])
        elif action.kind == "pin_parent":
            self.strategy.pin_parent(self._evaluated_trial(archs[0]), children=action.children)
        else:
            raise ArgumentError(f"unknown human action {action.kind!r}; kinds: {list(ACTION_KINDS)}")
        self._actions.append(replace(action, at=len(self._asks)))
        self._wake()

    # --- used by the loop ----------------------------------------------------------------------
    def _next_candidate(self) -> tuple[str, Any, int]:
        """``(source, arch, epoch)`` of the next trial: a suggestion, else the strategy's
        first candidate that is not vetoed (vetoed ones are told as rejected, for free)."""
        if self._suggestions:
            arch, epoch = self._suggestions.popleft()
            return "user", arch, self._check_epoch(epoch)
        if self.strategy.manual:
            raise RunStateError("nothing to evaluate: this run's strategy is manual; suggest the next architecture "
                                "with run.suggest(arch) (run() waits for suggestions, step() does not)")
        for _ in range(self.max_vetoed_asks + 1):
            proposal = self.strategy.ask()
            raw, epoch = (proposal.arch, proposal.epoch) if isinstance(proposal, Proposal) else (proposal, None)
            arch = self.space.validate(raw)
            epoch = self._check_epoch(epoch)
            if not self._vetoed or self._class_of(arch) not in self._vetoed:
                return "strategy", arch, epoch
            self._tell_vetoed(arch, epoch)
        self._finish("vetoed")
        raise RunStateError(
            f"the strategy proposed {self.max_vetoed_asks + 1} vetoed candidates in a row (vetoed: "
            f"{list(self._vetoed.values())[:5]}{' ...' if len(self._vetoed) > 5 else ''}); the run ended. "
            f"Veto fewer architectures, or steer the strategy elsewhere (suggest, pin_parent)"
        )

    def _tell_vetoed(self, arch: Any, epoch: int) -> None:
        self._veto_log.append((len(self._asks), str(arch)))
        now = self.clock.now_seconds
        self.strategy.tell(Trial(
            number=-1, arch=arch, canonical=self._class_of(arch), epoch=epoch, feasible=False,
            objectives=(math.nan,) * len(self.objectives), costs=dict(self._lookup.costs(arch)),
            valid_curve=np.empty(0), curve_epochs=np.empty(0, dtype=np.int64), finish_seconds=now, vetoed=True,
        ))

    def _remember_trial(self, trial: Trial) -> None:
        """Keep the latest feasible trial of each class at its highest epoch (for steering)."""
        if not trial.feasible or not math.isfinite(trial.value):
            return
        known = self._trial_of.get(trial.canonical)
        if known is None or trial.epoch >= known.epoch:
            self._trial_of[trial.canonical] = trial
