"""Kernel-side cost of the live widgets: Pareto-plot updates, Stop latency, responsiveness.

    NASBENCH_KIT_DATA=/work/standin .venv/bin/python bench/bench_widgets.py [--quick]
        [--sections 1,2,3 | 1a,1b,1c,2a,2b,3] [--repeats 20] [--late bananas:300:150,...]
        [--comm serialize|dummy] [--switch-interval S]

Runs headless (no browser, no front end): ipywidgets and plotly ``FigureWidget`` objects
work without a kernel, and every trait sync still builds its message. By default each
widget's comm is a ``SerializingComm`` that does what ipykernel's comm does before the
socket send (``Session.msg`` + ``Session.serialize``: JSON packing and HMAC signing), so
the numbers include the kernel's message serialization (``--comm dummy`` leaves it out).
Front-end rendering (plotly.js drawing 15,625 WebGL points) is NOT included.

1. ``LiveParetoPlot`` over all 15,625 cells: (1a) cost of the initial figure; (1b) cost per
   update (one ``flush`` that redraws: queue drain + ``fig.batch_update`` + message) by
   number of trials drawn; (1c) updates per second sustained during real runs driven by the
   ``SearchPanel`` (Run button clicked), with the shipped throttle (0.1 s) and without (0),
   and the display lag (a trial's ``TrialFinished`` to the end of the redraw showing it).
   Wall time and the CPU time of the thread doing the work are both printed (on a loaded
   machine the CPU time is the better measure of the code).
2. Stop latency: (2a) the ``SearchPanel``'s Stop button is clicked (``button.click()``) at
   a random moment of a running search; the time until the run's thread has ended (and
   until ``RunFinished`` was published) is recorded, for random search and two
   slow-per-step strategies (BANANAS, GP-BO). Requirement: <= 0.5 s. (2b) longer runs: the
   step durations from trial FROM on, and the wait a Stop clicked at a uniformly random
   moment would see, derived from them (``Run.stop`` acts between steps).
3. Kernel responsiveness: the main thread runs a 10 ms ticker (sleep to a deadline, then a
   trivial function) and moves a constraint slider every 50 ms (the panel's
   ``feasible_count`` callback) while a search runs in the panel's background thread with
   the live plot subscribed; lateness and slider-callback time vs. an idle baseline in the
   same process.

The table only needs its size here (all 15,625 NB201 cells); the numbers inside it do not
matter, so a SYNTHETIC table with the real schema is fine (``NASBENCH_KIT_DATA`` pointing
at one, or ``--benchmark PATH``; without either, tests/benchmarks/synthetic.py writes one).
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import platform
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for widgets and tests.benchmarks.synthetic

perf = time.perf_counter


# --- a comm that serializes like ipykernel's ---------------------------------------------------
class _CommStats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages = 0
        self.bytes = 0

    def add(self, nbytes: int) -> None:
        with self.lock:
            self.messages += 1
            self.bytes += nbytes

    def snapshot(self) -> tuple[int, int]:
        with self.lock:
            return self.messages, self.bytes


COMM_STATS = _CommStats()


def install_serializing_comm() -> None:
    """Make every widget comm JSON-pack and sign its messages as ipykernel does (no socket)."""
    import comm
    from comm.base_comm import BaseComm
    from jupyter_client.session import Session

    session = Session(key=b"bench-widgets")

    class SerializingComm(BaseComm):
        def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):  # noqa: ANN001
            content = dict(data={} if data is None else data, comm_id=self.comm_id, **keys)
            msg = session.msg(msg_type, content, metadata={} if metadata is None else metadata)
            frames = session.serialize(msg)
            nbytes = sum(len(f) for f in frames) + sum(memoryview(b).nbytes for b in (buffers or []))
            COMM_STATS.add(nbytes)

    comm.create_comm = SerializingComm


# --- instrumentation: every redrawing flush of every LiveParetoPlot ---------------------------
class UpdateLog:
    """(start, wall seconds, points drawn, bytes serialized, CPU seconds of the calling
    thread) of each flush that redrew."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: list[tuple[float, float, int, int, float]] = []
        self.arrivals: list[float] = []  # when each trial reached a plot (TrialFinished)

    def clear(self) -> None:
        with self.lock:
            self.rows = []
            self.arrivals = []

    def lags(self, rows) -> np.ndarray:  # noqa: ANN001
        """Seconds from each trial's TrialFinished to the end of the first redraw showing it
        (one plot followed; trials are drawn in arrival order)."""
        with self.lock:
            arrivals = np.array(self.arrivals)
        ends = np.array([r[0] + r[1] for r in rows])
        drawn = np.array([r[2] for r in rows])
        out = []
        for i, t in enumerate(arrivals):
            k = np.searchsorted(drawn, i + 1)  # first redraw that draws trial i (drawn is non-decreasing)
            if k < len(ends):
                out.append(ends[k] - t)
        return np.array(out)

    def take(self) -> list[tuple[float, float, int, int, float]]:
        with self.lock:
            rows, self.rows = self.rows, []
        return rows


UPDATES = UpdateLog()


RUN_CPU = {"run": 0.0}  # CPU seconds of the last background thread (run, callbacks, on_done)


def instrument_live_plot() -> None:
    from widgets import live, runner

    original_main = runner.BackgroundThread._main

    def timed_main(self) -> None:  # noqa: ANN001
        cpu = time.thread_time()
        try:
            original_main(self)
        finally:
            RUN_CPU["run"] = time.thread_time() - cpu

    original = live.LiveParetoPlot.flush

    @functools.wraps(original)
    def timed_flush(self, *, force: bool = False) -> bool:  # noqa: ANN001
        sent = COMM_STATS.snapshot()[1]
        cpu = time.thread_time()
        start = perf()
        redrew = original(self, force=force)
        if redrew:
            seconds = perf() - start
            cpu = time.thread_time() - cpu
            nbytes = COMM_STATS.snapshot()[1] - sent
            with UPDATES.lock:
                UPDATES.rows.append((start, seconds, self.n_points, nbytes, cpu))
        return redrew

    live.LiveParetoPlot.flush = timed_flush
    original_on_trial = live.LiveParetoPlot._on_trial

    def noted_on_trial(self, event) -> None:  # noqa: ANN001
        with UPDATES.lock:
            UPDATES.arrivals.append(perf())
        original_on_trial(self, event)

    live.LiveParetoPlot._on_trial = noted_on_trial
    runner.BackgroundThread._main = timed_main


# --- helpers --------------------------------------------------------------------------------
def stats_ms(values_s) -> str:  # noqa: ANN001
    v = np.asarray(values_s, dtype=float) * 1e3
    if not v.size:
        return "n=0"
    return (f"median {np.median(v):.2f} ms, p95 {np.percentile(v, 95):.2f} ms, max {v.max():.2f} ms "
            f"(n={v.size})")


def load() -> str:
    return "load avg " + "/".join(f"{x:.2f}" for x in os.getloadavg())


def header(title: str) -> None:
    print(f"\n## {title}   [{load()} at start]", flush=True)


def footer() -> None:
    print(f"   [{load()} at end]", flush=True)


def panel_for(bench, strategy: str, budget: int, *, throttle: float | None = None):  # noqa: ANN001
    """A SearchPanel set to ``strategy`` and ``budget``; ``throttle`` overrides the live
    plot's ``min_interval_seconds`` (the panel itself always uses the default 0.1)."""
    from widgets import search_panel

    if throttle is None:
        search_panel.LiveParetoPlot = _ORIGINAL_PLOT
    else:
        search_panel.LiveParetoPlot = functools.partial(_ORIGINAL_PLOT, min_interval_seconds=throttle)
    panel = search_panel.SearchPanel(bench, strategy=strategy, budget=budget)
    return panel


_ORIGINAL_PLOT = None
_PARTS: set[str] = set()


def want(part: str) -> bool:
    """Whether ``--sections`` asks for ``part`` (e.g. "1c"), or its whole section ("1")."""
    return part in _PARTS or part[0] in _PARTS


def cleanup() -> None:
    """Close every widget made so far (their threads have ended) so figures do not pile up."""
    import gc

    import ipywidgets

    ipywidgets.Widget.close_all()
    gc.collect()


# --- 1. live Pareto plot ---------------------------------------------------------------------
def bench_plot(bench, args) -> None:  # noqa: ANN001
    from nasbench_kit.analysis import space_points
    from nasbench_kit.budget import Budget
    from nasbench_kit.objectives import Objective
    from nasbench_kit.run import Run
    from nasbench_kit.strategies import make_strategy
    from widgets.live import LiveParetoPlot

    header("1. LiveParetoPlot over all 15,625 cells")

    def fresh_run(strategy: str = "random", budget: int = 100, seed: int = 0) -> Run:
        return Run(make_strategy(strategy, bench.space, seed=seed), bench, budget=Budget(queries=budget))

    if want("1a"):
        # 1a. initial figure
        m0, b0 = COMM_STATS.snapshot()
        start = perf()
        plot = LiveParetoPlot(fresh_run())
        cold = perf() - start
        m1, b1 = COMM_STATS.snapshot()
        warm, warm_cpu, data_part = [], [], []
        for k in range(args.repeats_init):
            run = fresh_run(seed=k)
            cpu = time.thread_time()
            start = perf()
            LiveParetoPlot(run)
            warm.append(perf() - start)
            warm_cpu.append(time.thread_time() - cpu)
            start = perf()
            space_points(bench, "latency_ms_cpu1t", "valid_acc", epoch=run.search_epoch, dataset=run.dataset,
                         schedule=run.schedule)
            bench.true_front([Objective("latency_ms_cpu1t", maximize=False), Objective("valid_acc")],
                             epoch=run.search_epoch, constraints=run.constraints, dataset=run.dataset,
                             schedule=run.schedule)
            data_part.append(perf() - start)
        print(f"initial figure (15,625-point scattergl cloud + true front + 2 empty traces), "
              f"first in the process (imports plotly validators etc.): {cold * 1e3:.0f} ms; "
              f"{m1 - m0} comm messages, {(b1 - b0) / 1e6:.2f} MB serialized")
        print(f"initial figure, warm: wall {stats_ms(warm)}; CPU {stats_ms(warm_cpu)}")
        print(f"   of which reading the data (space_points + true_front): {stats_ms(data_part)}")
        fig = plot.fig
        try:
            start = perf()
            fig._repr_mimebundle_()
            print(f"displaying it (_repr_mimebundle_: deep copy of the figure data): {(perf() - start) * 1e3:.1f} ms")
        except Exception as error:  # noqa: BLE001
            print(f"displaying it: not measurable headless ({type(error).__name__}: {error})")

    if want("1b"):
        # 1b. cost per update vs points drawn: unthrottled random run, one redraw per trial
        n = args.points
        run = fresh_run(budget=n, seed=1)
        LiveParetoPlot(run, min_interval_seconds=0.0)
        UPDATES.clear()
        m0, b0 = COMM_STATS.snapshot()
        start = perf()
        run.run()
        wall = perf() - start
        m1, b1 = COMM_STATS.snapshot()
        rows = UPDATES.take()
        seconds = np.array([r[1] for r in rows])
        points = np.array([r[2] for r in rows])
        print(f"\ncost per update by trials drawn (random search, {n} evaluations, throttle off: one redraw per "
              f"trial; {len(rows)} redraws in {wall:.2f} s; {(m1 - m0) / max(len(rows), 1):.1f} messages and "
              f"{(b1 - b0) / max(len(rows), 1) / 1e3:.1f} kB serialized per redraw on average):")
        edges = [1, 11, 101, 501, 1001, 2001, 5001, 10001, 15626]
        cpus = np.array([r[4] for r in rows])
        print("| trials drawn | updates | wall median ms | p95 ms | max ms | CPU median ms | p95 ms | "
              "max updates/s (1/wall median) |")
        print("|---|---|---|---|---|---|---|---|")
        for low, high in zip(edges, edges[1:]):
            sel = (points >= low) & (points < high)
            if not sel.any():
                continue
            v, c = seconds[sel] * 1e3, cpus[sel] * 1e3
            print(f"| {low}-{high - 1} | {sel.sum()} | {np.median(v):.2f} | {np.percentile(v, 95):.2f} | "
                  f"{v.max():.2f} | {np.median(c):.2f} | {np.percentile(c, 95):.2f} | {1e3 / np.median(v):.0f} |")
        start = perf()
        bare = fresh_run(budget=n, seed=1)
        bare.run()
        print(f"the same run without a plot: {perf() - start:.2f} s")
        print("\none redraw after many trials (a finished run's plot; one point added before each redraw, "
              f"{args.repeats_big} redraws):")
        print("| trials drawn | wall median ms | p95 ms | max ms | CPU median ms | kB serialized |")
        print("|---|---|---|---|---|---|")
        for n in args.big_points:
            run = fresh_run(budget=n, seed=2)
            plot = LiveParetoPlot(run, min_interval_seconds=1e9)  # only RunFinished redraws
            run.run()
            UPDATES.clear()
            for k in range(args.repeats_big):
                plot._feed.queue.append((n + k, plot._xs[-1], plot._ys[-1], True, plot._archs[-1]))
                plot.flush(force=True)
            rows = UPDATES.take()
            v = np.array([r[1] for r in rows]) * 1e3
            print(f"| {n:,} | {np.median(v):.2f} | {np.percentile(v, 95):.2f} | {v.max():.2f} | "
                  f"{np.median([r[4] for r in rows]) * 1e3:.2f} | {np.median([r[3] for r in rows]) / 1e3:.0f} |",
                  flush=True)

    if want("1c"):
        # 1c. sustained updates during panel-driven runs, throttle on/off
        print("\nsustained, SearchPanel (Run button clicked, run in the panel's background thread, plot and progress "
              "subscribed as the panel does; run wall = thread start to thread end; CPU = the run thread's):")
        print("| strategy | evaluations | throttle s | run wall s | trials/s | redraws | updates/s | "
              "per update wall median / p95 / max ms | CPU median / p95 ms | plot CPU share of run | median kB/update | "
              "display lag median / p95 / max ms |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for strategy, budget, throttles in args.sustained:
            for throttle in throttles:
                panel = panel_for(bench, strategy, budget, throttle=throttle)
                UPDATES.clear()
                panel.run_button.click()  # builds the run and its plot, then starts the thread
                start = perf()
                panel.background.wait(600)
                wall = perf() - start
                rows = UPDATES.take()
                lag = UPDATES.lags(rows)
                v = np.array([r[1] for r in rows]) * 1e3
                c = np.array([r[4] for r in rows]) * 1e3
                run = panel.current_run
                label = "0.1 (default)" if throttle is None else "0 (off)"
                print(f"| {strategy} | {run.n_evaluations} | {label} | {wall:.2f} | {run.n_trials / wall:.0f} | "
                      f"{len(rows)} | {len(rows) / wall:.1f} | {np.median(v):.2f} / {np.percentile(v, 95):.2f} / "
                      f"{v.max():.2f} | {np.median(c):.2f} / {np.percentile(c, 95):.2f} | "
                      f"{c.sum() / 1e3 / max(RUN_CPU['run'], 1e-9):.0%} | "
                      f"{np.median([r[3] for r in rows]) / 1e3:.1f} | "
                      f"{np.median(lag) * 1e3:.0f} / {np.percentile(lag, 95) * 1e3:.0f} / {lag.max() * 1e3:.0f} |",
                      flush=True)
                cleanup()
    footer()


# --- 2. Stop latency ---------------------------------------------------------------------------
def bench_stop(bench, args) -> None:  # noqa: ANN001
    from nasbench_kit.run import RunFinished

    header(f"2. Stop latency (SearchPanel Stop button, {args.repeats} stops per strategy)")
    if want("2a"):
        rng = random.Random(0)
        print("| strategy | budget | stops | trials at stop (min-max) | to RunFinished median / max ms | "
              "run-thread CPU to RunFinished median / max ms | click() returned median / max ms | "
              "thread ended median / max ms | > 0.5 s |")
        print("|---|---|---|---|---|---|---|---|---|")
        for strategy, budget, window in args.stop_cases:
            if window is None:  # calibrate: one full run, stop uniformly within 5-95 % of it
                panel = panel_for(bench, strategy, budget)
                start = perf()
                panel.run_button.click()
                panel.background.wait(600)
                full = perf() - start
                window = (0.05 * full, 0.95 * full)
                cleanup()
                print(f"   ({strategy}: an uninterrupted {budget}-evaluation run takes {full:.2f} s; stops drawn "
                      f"uniformly in {window[0]:.2f}-{window[1]:.2f} s)", flush=True)
            finished_at, finished_cpu, clicked, ended, trials = [], [], [], [], []
            attempts = 0
            while len(ended) < args.repeats and attempts < 3 * args.repeats:
                attempts += 1
                panel = panel_for(bench, strategy, budget)
                panel.run_button.click()
                run, background = panel.current_run, panel.background
                seen: dict[str, float] = {}

                def note(event, seen=seen) -> None:  # noqa: ANN001  (runs in the run's thread)
                    seen.setdefault("finished", perf())
                    seen.setdefault("finished_cpu", time.thread_time())

                run.on(RunFinished, note)
                time.sleep(rng.uniform(*window))
                if not background.is_running:
                    continue  # finished before the click: not a stop
                try:  # CPU clock of the run's thread, to separate its work from waiting for a core
                    cpu0 = time.clock_gettime(time.pthread_getcpuclockid(background._thread.ident))
                except (OSError, AttributeError, TypeError):
                    cpu0 = math.nan
                t0 = perf()
                panel.stop_button.click()
                t1 = perf()
                background.wait(600)
                t2 = perf()
                cleanup()
                if run.finished_reason != "stopped":
                    continue
                trials.append(run.n_trials)
                finished_cpu.append(seen["finished_cpu"] - cpu0)
                finished_at.append(seen["finished"] - t0)
                clicked.append(t1 - t0)
                ended.append(t2 - t0)
            over = sum(e > 0.5 for e in ended)
            e, f, c, fc = (np.array(x) * 1e3 for x in (ended, finished_at, clicked, finished_cpu))
            print(f"| {strategy} | {budget} | {len(ended)} | {min(trials)}-{max(trials)} | "
                  f"{np.median(f):.1f} / {f.max():.1f} | {np.median(fc):.1f} / {fc.max():.1f} | "
                  f"{np.median(c):.1f} / {c.max():.1f} | {np.median(e):.1f} / {e.max():.1f} | {over} |", flush=True)

    if want("2b"):
        # Later in longer runs the model fits grow (GP: cubic in trials). Run.stop() is checked
        # between steps, so a Stop clicked at a uniformly random moment waits for the rest of the
        # current step: P(wait > x) = sum(max(d_i - x, 0)) / sum(d_i) over step durations d_i.
        print("\nlonger runs (panel-driven, live plot subscribed): step durations from trial FROM on, and the "
              "wait for the current step to end that a Stop clicked at a uniformly random moment of that phase "
              "would see (derived from the step durations; the finishing overhead measured above comes on top)")
        print("| strategy | budget | FROM | steps | step median / p95 / max ms | derived Stop wait median / p95 / "
              "max ms | P(wait > 0.5 s) | phase wall s | step CPU p95 / max ms |")
        print("|---|---|---|---|---|---|---|---|---|")
        from nasbench_kit.run import Run

        original_step = Run.step
        for strategy, budget, first in args.late_cases:
            durations: list[float] = []

            cpus: list[float] = []

            def timed_step(self, durations=durations, cpus=cpus):  # noqa: ANN001
                start, cpu = perf(), time.thread_time()
                try:
                    return original_step(self)
                finally:
                    durations.append(perf() - start)
                    cpus.append(time.thread_time() - cpu)

            Run.step = timed_step
            try:
                panel = panel_for(bench, strategy, budget)
                panel.run_button.click()
                panel.background.wait(900)
            finally:
                Run.step = original_step
            cleanup()
            d = np.array(durations[first:])
            total = d.sum()
            grid = np.linspace(0.0, d.max(), 4001)
            tail = np.array([np.maximum(d - x, 0.0).sum() / total for x in grid])
            median_wait, p95_wait = grid[np.argmax(tail <= 0.5)], grid[np.argmax(tail <= 0.05)]
            p_over = np.maximum(d - 0.5, 0.0).sum() / total
            print(f"| {strategy} | {budget} | {first} | {d.size} | {np.median(d) * 1e3:.1f} / "
                  f"{np.percentile(d, 95) * 1e3:.0f} / {d.max() * 1e3:.0f} | {median_wait * 1e3:.0f} / "
                  f"{p95_wait * 1e3:.0f} / {d.max() * 1e3:.0f} | {p_over:.2f} | {total:.1f} | "
                  f"{np.percentile(cpus[first:], 95) * 1e3:.0f} / {max(cpus[first:]) * 1e3:.0f} |", flush=True)
    footer()


# --- 3. responsiveness -----------------------------------------------------------------------------
def probe(panel, seconds: float) -> tuple[list[float], list[float], list[float]]:  # noqa: ANN001
    """Main-thread ticker: lateness of 10 ms deadlines, run time of a trivial function, and
    time of a slider move (the panel's feasible_count callback) every 5th tick."""
    slider = next(iter(panel.sliders.values()))
    low, high = slider.min, slider.max
    positions = [(low, high), (low, low + 0.5 * (high - low))]
    late, trivial, slider_s = [], [], []
    period = 0.010
    deadline = perf() + period
    end = perf() + seconds
    k = 0
    while perf() < end:
        pause = deadline - perf()
        if pause > 0:
            time.sleep(pause)
        t = perf()
        late.append(t - deadline)
        sum(range(100))
        trivial.append(perf() - t)
        k += 1
        if k % 5 == 0:
            t = perf()
            slider.value = positions[k // 5 % 2]
            slider_s.append(perf() - t)
        deadline = max(deadline + period, perf())  # no catch-up bursts after a long stall
    slider.value = (low, high)
    return late, trivial, slider_s


def bench_responsiveness(bench, args) -> None:  # noqa: ANN001
    header(f"3. Kernel responsiveness (main thread: 10 ms ticker for {args.probe_seconds:.0f} s per case, "
           f"sys.getswitchinterval() = {sys.getswitchinterval() * 1e3:g} ms)")
    print("| background | run during probe | tick lateness median / p95 / max ms | trivial fn median / p95 us | "
          "slider callback median / p95 / max ms | redraws in probe |")
    print("|---|---|---|---|---|---|")
    cases = [("idle", None, 0)] + [(s, s, b) for s, b in args.probe_cases]
    results = {}
    for label, strategy, budget in cases:
        panel = panel_for(bench, strategy or "random", budget or 100)
        if strategy is not None:
            panel.run_button.click()
            time.sleep(0.2)  # past the start
        UPDATES.clear()
        start = perf()
        late, trivial, slider_s = probe(panel, args.probe_seconds)
        probe_wall = perf() - start
        redraws = len(UPDATES.take())
        info = "-"
        if strategy is not None:
            run = panel.current_run
            still = panel.background.is_running
            n = run.n_trials
            panel.stop_button.click()
            panel.background.wait(60)
            cleanup()
            info = f"{n} trials at end of probe, {'still running' if still else 'FINISHED during probe'}"
        la, tr, sl = (np.array(x) for x in (late, trivial, slider_s))
        results[label] = la
        print(f"| {label} | {info} | {np.median(la) * 1e3:.2f} / {np.percentile(la, 95) * 1e3:.2f} / "
              f"{la.max() * 1e3:.1f} | {np.median(tr) * 1e6:.1f} / {np.percentile(tr, 95) * 1e6:.1f} | "
              f"{np.median(sl) * 1e3:.2f} / {np.percentile(sl, 95) * 1e3:.2f} / {sl.max() * 1e3:.1f} | "
              f"{redraws} ({redraws / probe_wall:.1f}/s) |", flush=True)
    base = results["idle"]
    print("extra delay of a 10 ms tick vs idle (median / p95 difference):")
    for label, la in results.items():
        if label != "idle":
            print(f"   {label}: +{(np.median(la) - np.median(base)) * 1e3:.2f} ms / "
                  f"+{(np.percentile(la, 95) - np.percentile(base, 95)) * 1e3:.2f} ms")
    footer()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller runs (1-3 min)")
    parser.add_argument("--benchmark", default=None, help="table path (default: load_benchmark())")
    parser.add_argument("--sections", default="1,2,3",
                        help="sections or parts: 1 (1a initial figure, 1b cost per update, 1c sustained), "
                             "2 (2a Stop clicks, 2b longer runs), 3")
    parser.add_argument("--repeats", type=int, default=None, help="stops per strategy (default 20; quick 5)")
    parser.add_argument("--late", default=None,
                        help="2b cases, STRATEGY:BUDGET:FROM,... (default bananas:300:150,gp-bo:300:150)")
    parser.add_argument("--comm", choices=("serialize", "dummy"), default="serialize")
    parser.add_argument("--switch-interval", type=float, default=None,
                        help="sys.setswitchinterval(S) first (to compare GIL hand-over settings)")
    args = parser.parse_args()
    quick = args.quick
    args.repeats = args.repeats or (5 if quick else 20)
    args.repeats_init = 3 if quick else 10
    args.points = 1000 if quick else 5000
    both = (None, 0.0)
    args.repeats_big = 5 if quick else 15
    args.big_points = (15_625,) if quick else (15_625, 40_000)
    args.sustained = [("random", 2000, both), ("bananas", 60, both)] if quick else [
        ("random", 15_625, (None,)), ("random", 5000, (0.0,)), ("bananas", 150, both), ("gp-bo", 150, both)]
    late = args.late or ("bananas:100:50,gp-bo:100:50" if quick else "bananas:300:150,gp-bo:300:150")
    args.late_cases = [(name, int(budget), int(first)) for name, budget, first in
                       (item.split(":") for item in late.split(","))]
    args.stop_cases = [("random", 1_000_000, (0.05, 0.5)), ("bananas", 60, None), ("gp-bo", 60, None)] if quick \
        else [("random", 1_000_000, (0.05, 1.0)), ("bananas", 150, None), ("gp-bo", 150, None)]
    args.probe_seconds = 3.0 if quick else 10.0
    args.probe_cases = [("random", 1_000_000), ("bananas", 1000)] if quick else [
        ("random", 1_000_000), ("bananas", 1000), ("gp-bo", 1000)]
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)

    print(f"# bench_widgets {'--quick ' if quick else ''}| {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} | "
          f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs | {load()} | "
          f"comm: {args.comm}")
    if args.comm == "serialize":
        install_serializing_comm()
    import ipywidgets
    import plotly

    from nasbench_kit.benchmarks import load_benchmark

    if args.benchmark is None and not os.environ.get("NASBENCH_KIT_DATA"):
        from tests.benchmarks.synthetic import write_synthetic_nb201

        path = Path(tempfile.mkdtemp()) / "synthetic.parquet"
        write_synthetic_nb201(path, datasets=("synth-a",), seeds=(0,))
        args.benchmark = str(path)
    bench = load_benchmark(args.benchmark) if args.benchmark else load_benchmark()
    print(f"{bench!r}; ipywidgets {ipywidgets.__version__}, plotly {plotly.__version__}")
    print("table: only its size matters here (all 15,625 cells drawn); a SYNTHETIC stand-in is fine")

    import sklearn.gaussian_process  # noqa: F401  (model-based strategies: import outside the timings)
    import sklearn.neural_network  # noqa: F401

    global _ORIGINAL_PLOT
    instrument_live_plot()
    from widgets import live

    _ORIGINAL_PLOT = live.LiveParetoPlot
    global _PARTS
    _PARTS = set(args.sections.split(","))
    if any(p.startswith("1") for p in _PARTS):
        bench_plot(bench, args)
    if any(p.startswith("2") for p in _PARTS):
        bench_stop(bench, args)
    if "3" in _PARTS:
        bench_responsiveness(bench, args)


if __name__ == "__main__":
    main()
