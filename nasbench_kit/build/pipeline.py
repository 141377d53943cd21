"""Build a benchmark table by really training every NB201 canonical class (Dask).

``python -m nasbench_kit build nb201-digits --out data/nb201-digits.parquet --work-dir
build/nb201-digits`` trains one representative cell of each of the 6,466 canonical classes
(``plan``), optionally further seeds on a seeded random subset of classes, measures
latency in a separate stage (``latency``), and merges everything into one table.

* Parallel through Dask distributed: a ``LocalCluster`` (one single-threaded worker
  process per core) or an existing cluster (``scheduler=ADDRESS``). Tasks go through
  ``Client.submit`` with at most ``max_in_flight`` pending and are collected with
  ``as_completed``. A task is a pure function of (cell, seed, recipe)
  (``runs.train_unit``), so Dask may rerun it after losing a worker.
* Resumable: finished runs go to shards in the work folder (``shards.WorkDir``,
  atomic writes); a new invocation skips every stored ``(canonical, seed)`` run. A killed
  build loses only the runs in flight and those finished since the last shard (at most
  ``shard_size`` runs or ``flush_seconds`` of work).

Example (a tiny build: 3 classes, 1 epoch, a small proxy network)::

    from nasbench_kit.build import BuildPlan, BuildRecipe, build_benchmark

    report = build_benchmark(BuildRecipe(epochs=1, C=4, N=1), BuildPlan(limit=3), "build/tiny",
                             out="build/tiny.parquet", workers=1)
    print(report.describe())
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import os
import platform
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..errors import ArgumentError
from ..training.kernels import BASELINE_ENV, check_kernels
from .latency import LatencyProtocol, LatencySummary, latency_stage
from .plan import BuildPlan, Unit, plan_units
from .runs import BuildRecipe, run_key, train_unit
from .shards import WorkDir

__all__ = ["TrainSummary", "BuildReport", "build_benchmark", "train_stage", "dask_client"]


@dataclass(frozen=True)
class TrainSummary:
    """What one training stage did."""

    planned: int
    already_done: int
    trained: int
    failed: int
    wall_seconds: float
    shards_written: int
    n_workers: int
    train_seconds_total: float  # sum over trained runs of their cumulative training seconds
    eval_seconds_total: float

    @property
    def seconds_per_run(self) -> float:
        """Wall seconds per trained run (throughput of the whole cluster)."""
        return self.wall_seconds / self.trained if self.trained else float("nan")

    def describe(self) -> str:
        """A few lines for the command line."""
        n = max(self.trained, 1)
        return (
            f"training: {self.trained} runs trained, {self.already_done} already done, {self.failed} failed, "
            f"{self.planned - self.already_done - self.trained} left, of {self.planned} planned\n"
            f"  wall time {self.wall_seconds:.1f} s on {self.n_workers} worker(s): {self.seconds_per_run:.2f} s "
            f"per run; per run on a worker: {self.train_seconds_total / n:.2f} s training + "
            f"{self.eval_seconds_total / n:.2f} s evaluation; {self.shards_written} shard(s) written"
        )


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None, *,
                kernels: str = "native") -> Iterator[Any]:
    """A ``distributed.Client``: of the cluster at ``scheduler``, or of a new ``LocalCluster``
    with ``workers`` single-threaded worker processes (default: one per core).

    ``kernels="baseline"`` starts the local workers with
    :data:`~nasbench_kit.training.kernels.BASELINE_ENV` (read when torch loads), so they can
    train a recipe of baseline kernels; a cluster at ``scheduler`` must be started so itself.
    """
    import dask
    from distributed import Client

    from ..dask_cluster import local_cluster

    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    n = (os.cpu_count() or 1) if workers is None else workers
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ArgumentError(f"workers must be an int >= 1, got {workers!r}")
    # Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in its workers, which turns off glibc's
    # dynamic mmap threshold: training ran 2-4x slower (bench/RESULTS.md, "Builder"). Leave
    # glibc's default here; train_unit also repairs it on workers of other clusters.
    environ = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
    if check_kernels(kernels) == "baseline":
        environ.update({f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in BASELINE_ENV.items()})
    with dask.config.set(environ), local_cluster(
        n
    ) as cluster, Client(cluster) as client:
        yield client


def train_stage(
    work: WorkDir,
    units: Sequence[Unit],
    client: Any,
    *,
    max_in_flight: int | None = None,
    shard_size: int = 20,
    flush_seconds: float = 60.0,
    progress: bool = True,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> TrainSummary:
    """Train every unit not stored in ``work`` yet on the Dask ``client``'s workers.

    Args:
        work: the open work folder (finished runs are written there as shards).
        units: the runs wanted (:func:`plan_units`).
        client: a ``distributed.Client``.
        max_in_flight: tasks submitted and not yet collected (default: 2 per worker thread).
        shard_size: runs per shard; a shard is also written when ``flush_seconds`` passed.
        progress: show a tqdm progress bar with ETA.
        on_result: called with each finished row (tests, monitoring).

    Returns:
        A :class:`TrainSummary`.
    """
    from distributed import as_completed
    from ..progress import progress_bar

    for name, value in (("shard_size", shard_size), ("max_in_flight", max_in_flight or 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ArgumentError(f"{name} must be an int >= 1, got {value!r}")
    recipe = work.recipe
    done = work.done_keys()
    todo = [u for u in units if run_key(u.canonical, u.seed, recipe.epochs) not in done]
    n_threads = sum(client.nthreads().values()) or 1
    limit = max_in_flight or 2 * n_threads
    recipe_json = recipe.to_json()
    tag = hashlib.sha1(recipe_json.encode()).hexdigest()[:8]  # keys differ between recipes sharing a scheduler
    pending = iter(todo)
    in_flight: dict[Any, Unit] = {}
    buffer: list[dict[str, Any]] = []
    stats = {"trained": 0, "failed": 0, "shards": 0, "train": 0.0, "eval": 0.0}
    last_flush = time.monotonic()
    start = time.perf_counter()

    def submit_next() -> Any | None:
        unit = next(pending, None)
        if unit is None:
            return None
        future = client.submit(train_unit, unit.arch_index, unit.seed, recipe_json, retries=1,
                               key=f"nb201-train-{unit.arch_index}-seed{unit.seed}-{tag}")
        in_flight[future] = unit
        return future

    def flush() -> None:
        nonlocal last_flush
        if buffer:
            work.write_runs(buffer)
            stats["shards"] += 1
            buffer.clear()
        last_flush = time.monotonic()

    bar = progress_bar(total=len(todo), desc="training", unit="run", enabled=progress, smoothing=0.02)
    completed = as_completed([f for f in (submit_next() for _ in range(limit)) if f is not None])
    try:
        for future in completed:
            unit = in_flight.pop(future)
            if future.status == "finished":
                row = future.result()
                buffer.append(row)
                stats["trained"] += 1
                stats["train"] += float(row["train_seconds"][-1])
                stats["eval"] += float(row["eval_seconds"])
                if on_result is not None:
                    on_result(row)
            else:
                stats["failed"] += 1
                error = repr(future.exception()) if future.status == "error" else f"task {future.status}"
                work.log_failure(arch_index=unit.arch_index, canonical=unit.canonical, seed=unit.seed, error=error)
            future.release()
            if len(buffer) >= shard_size or time.monotonic() - last_flush >= flush_seconds:
                flush()
            bar.update(1)
            bar.set_postfix(failed=stats["failed"], refresh=False)
            nxt = submit_next()
            if nxt is not None:
                completed.add(nxt)
    finally:
        flush()  # on success, Ctrl-C or an error alike: keep every finished run
        if in_flight:
            client.cancel(list(in_flight))
        bar.close()
    return TrainSummary(
        planned=len(units), already_done=len(units) - len(todo), trained=stats["trained"], failed=stats["failed"],
        wall_seconds=time.perf_counter() - start, shards_written=stats["shards"], n_workers=len(client.nthreads()),
        train_seconds_total=stats["train"], eval_seconds_total=stats["eval"],
    )


@dataclass(frozen=True)
class BuildReport:
    """What :func:`build_benchmark` did: its stages and the coverage of the plan."""

    train: TrainSummary | None
    latency: LatencySummary | None
    out: Path | None
    table_runs: int
    coverage: dict[int, tuple[int, int]]  # seed -> (classes stored, classes planned)

    @property
    def complete(self) -> bool:
        """Every planned run is stored."""
        return all(done == planned for done, planned in self.coverage.values())

    def describe(self) -> str:
        """The summary printed at the end of a build."""
        lines = [s.describe() for s in (self.train, self.latency) if s is not None]
        lines.append("coverage: " + ", ".join(f"seed {s}: {d}/{p} classes" for s, (d, p) in sorted(self.coverage.items())))
        if self.out is not None:
            lines.append(f"table: {self.out} ({self.table_runs} runs)")
        return "\n".join(lines)


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _description(recipe: BuildRecipe, latency: bool) -> str:
    from ..training.digits import DigitsRecipe

    canvas = DigitsRecipe().canvas
    text = (
        f"NAS-Bench-201 cells trained on cluttered digits (make_cluttered_digits, data seed {recipe.data_seed}) by "
        f"nasbench_kit.training.train_cell: {recipe.epochs} epochs, proxy network C={recipe.C} N={recipe.N} on {canvas}x{canvas} "
        f"inputs, batch {recipe.batch_size}, SGD lr {recipe.lr} (cosine to 0), momentum {recipe.momentum}"
        f"{' (Nesterov)' if recipe.nesterov else ''}, weight decay {recipe.weight_decay}, one CPU thread per run. "
        f"One row per run of one representative per canonical class (the first cell of the class in the kit's "
        f"enumeration order); every cell of a class has its results. params / flops: the official CIFAR-10 network "
        f"(C={recipe.official_C}, N={recipe.official_N}, {recipe.official_input_size}x{recipe.official_input_size}); "
        f"proxy_params / proxy_flops: the trained proxy network."
    )
    if latency:
        text += (" latency_ms_cpu1t: the official network at batch 1 on one CPU thread, relative to a reference "
                 "network timed right before every call (median over rounds of the ratio, median over sweeps), "
                 "times the reference's median milliseconds (extra['latency_reference_ms']; protocol in "
                 "extra['latency_protocol']); latency_cv_cpu1t / latency_robust_cv_cpu1t: std/mean and "
                 "1.4826*MAD/median of the rounds' milliseconds; latency_pass<P>_ms_cpu1t / "
                 "latency_raw_pass<P>_ms_cpu1t: sweep P's latency and median milliseconds (test-retest).")
    return text


def _meta_extra(work: WorkDir, protocol: LatencyProtocol | None, scale: float = float("nan")) -> dict[str, str]:
    """Metadata of the table; ``scale``: the latency reference time (ms, NaN without one)."""
    import distributed
    import torch

    from .. import __version__

    extra = {
        "build_invocations": json.dumps(work.manifest().get("invocations", [])),
        "representative": "first cell of each canonical class in NB201Space enumeration order",
        "kit_version": __version__,
        "torch_version": torch.__version__,
        "dask_distributed_version": distributed.__version__,
        "python_version": platform.python_version(),
        "platform": platform.platform(),
        "driver_cpu": f"{_cpu_model()} ({os.cpu_count()} logical cores)",
    }
    from ..training import train_cell

    # Settings of train_cell the recipe does not fix (e.g. memory layout), as of assembly.
    defaults = {k: p.default for k, p in inspect.signature(train_cell).parameters.items()
                if p.default is not inspect.Parameter.empty and isinstance(p.default, (bool, int, float, str))}
    extra["train_cell_defaults"] = json.dumps(defaults, sort_keys=True)
    if protocol is not None:
        extra["latency_protocol"] = json.dumps(protocol.describe(work.recipe), sort_keys=True)
        if scale == scale:  # not NaN: measured against the reference network
            extra["latency_reference_ms"] = repr(scale)
    return extra


def build_benchmark(
    recipe: BuildRecipe,
    plan: BuildPlan,
    work_dir: str | os.PathLike[str],
    *,
    out: str | os.PathLike[str] | None = None,
    train: bool = True,
    latency: bool = False,
    scheduler: str | None = None,
    workers: int | None = None,
    client: Any | None = None,
    max_in_flight: int | None = None,
    shard_size: int = 20,
    flush_seconds: float = 60.0,
    latency_protocol: LatencyProtocol = LatencyProtocol(),
    progress: bool = True,
    command: str = "build_benchmark()",
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> BuildReport:
    """Run the stages of a build: train (Dask), measure latency, assemble the table.

    Args:
        recipe: how runs are trained; must match the runs already in ``work_dir``.
        plan: which runs to train (classes, seeds).
        work_dir: the resumable work folder (shards).
        out: where to write the assembled table (None: do not assemble).
        train: run the training stage.
        latency: run the latency stage (after training, in this process, one thread).
        scheduler: address of an existing Dask scheduler; default a new ``LocalCluster``.
        workers: worker processes of the ``LocalCluster`` (default: one per core).
        client: an existing ``distributed.Client`` (overrides ``scheduler`` / ``workers``).
        max_in_flight, shard_size, flush_seconds, on_result: see :func:`train_stage`.
        latency_protocol: how latency is measured.
        progress: tqdm progress bars.
        command: the command line, recorded in the work folder and the table's metadata.

    Returns:
        A :class:`BuildReport`.

    Raises:
        BenchmarkFormatError: ``work_dir`` holds runs of another recipe, or duplicated runs.
        ArgumentError: invalid settings, or another build is using ``work_dir``.
    """
    train_summary = latency_summary = None
    with WorkDir(work_dir, recipe) as work:
        work.record_invocation(command, plan={k: v for k, v in asdict(plan).items() if k != "n_classes"})
        units = plan_units(plan)
        if train:
            if client is not None:
                train_summary = train_stage(work, units, client, max_in_flight=max_in_flight, shard_size=shard_size,
                                            flush_seconds=flush_seconds, progress=progress, on_result=on_result)
            else:
                with dask_client(scheduler, workers, kernels=recipe.kernels) as new_client:
                    train_summary = train_stage(work, units, new_client, max_in_flight=max_in_flight,
                                                shard_size=shard_size, flush_seconds=flush_seconds,
                                                progress=progress, on_result=on_result)
        if latency:  # the cluster is closed by now: the core is quiet
            latency_summary = latency_stage(work, protocol=latency_protocol, progress=progress)
        work.finish_invocation(train=None if train_summary is None else asdict(train_summary),
                               latency=None if latency_summary is None else asdict(latency_summary))
        done = work.done_keys()
        coverage: dict[int, tuple[int, int]] = {}
        for unit in units:
            stored, planned = coverage.get(unit.seed, (0, 0))
            coverage[unit.seed] = (stored + (run_key(unit.canonical, unit.seed, recipe.epochs) in done), planned + 1)
        path, n_runs = None, 0
        if out is not None:
            latencies, scale = work.latencies()
            measured = bool(latencies)
            path, n_runs = work.assemble(out, source=command, description=_description(recipe, measured),
                                         extra=_meta_extra(work, latency_protocol if measured else None, scale))
    return BuildReport(train=train_summary, latency=latency_summary, out=path, table_runs=n_runs, coverage=coverage)
