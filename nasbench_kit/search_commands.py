"""``python -m nasbench_kit search`` and ``compare``: searches from the command line.

    python -m nasbench_kit search --strategy rea --budget 600s --constraint "latency_ms<=6" --seed 0 --out DIR
    python -m nasbench_kit compare --strategies random,rea,local-search --budget 600s --seeds 20 --out DIR

Budgets: ``150`` is 150 evaluations, ``600s`` is 600 simulated seconds, ``nb201``
is the NAS-Bench-201 protocol preset (:func:`nasbench_kit.compare.nb201_protocol`).
A benchmark without training times (a CSV imported without ``train_seconds``) takes
evaluation budgets only. Isomorphic cells are skipped at no cost unless ``--no-dedupe``
is given (the Python ``Run`` keeps ``dedupe=False`` as its default); the summary warns
on stderr when more than half the budget went to isomorphs.
Tables are written as CSV and parquet; HTML plots too when the workbench's ``widgets``
package (plotly) is installed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .budget import Budget
from .cli_args import benchmark_source, from_kit_parser, non_negative_int, output_folder, positive_int
from .errors import ArgumentError
from .objectives import Constraint, Objective

__all__ = ["register", "parse_budget", "parse_constraint", "parse_objective", "parse_seeds", "parse_hyperparameter",
           "check_budget"]

_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][\w]*)\s*(<=|>=)\s*([-+0-9.eE]+)\s*$")


def resolve_metric(name: str, metrics: tuple[str, ...]) -> str:
    """``name`` itself, or the one metric it abbreviates (``latency_ms`` -> ``latency_ms_cpu1t``)."""
    if name in metrics:
        return name
    matches = [m for m in metrics if m.startswith(name + "_")]
    if len(matches) == 1:
        return matches[0]
    hint = f"it could mean any of {matches}" if matches else f"metrics: {list(metrics)}"
    raise ArgumentError(f"metric {name!r} is unknown; {hint}")


def parse_budget(text: str, benchmark: Any = None) -> dict[str, Any]:
    """``"150"`` -> 150 queries, ``"20000s"`` -> seconds, ``"nb201"`` -> the NB201 preset."""
    text = text.strip().lower()
    if text == "nb201":
        from .compare import nb201_protocol

        return nb201_protocol(benchmark)
    try:
        number: float = float(text[:-1]) if text.endswith("s") else int(text)
    except ValueError:
        raise ArgumentError(f"budget {text!r} is not understood: use 150 (evaluations), 20000s (simulated "
                            f"seconds) or nb201 (the NAS-Bench-201 preset)") from None
    return {"budget": Budget(seconds=number) if text.endswith("s") else Budget(queries=int(number))}


def parse_constraint(text: str, metrics: tuple[str, ...]) -> Constraint:
    """``"latency_ms<=3"`` or ``"params>=1e5"`` -> a Constraint."""
    match = _CONSTRAINT.match(text)
    if not match:
        raise ArgumentError(f"constraint {text!r} is not understood: write METRIC<=VALUE or METRIC>=VALUE")
    name, op, value = match.groups()
    metric = resolve_metric(name, metrics)
    try:
        number = float(value)
    except ValueError:
        raise ArgumentError(f"constraint {text!r}: {value!r} is not a number") from None
    return Constraint(metric, at_most=number) if op == "<=" else Constraint(metric, at_least=number)


def parse_objective(text: str, metrics: tuple[str, ...]) -> Objective:
    """``"valid_acc"`` / ``"valid_acc:max"`` / ``"latency_ms:min"`` -> an Objective."""
    name, _, direction = text.partition(":")
    direction = direction or "max"
    if direction not in ("max", "min"):
        raise ArgumentError(f"objective {text!r}: direction must be 'max' or 'min'")
    return Objective(resolve_metric(name.strip(), metrics), maximize=direction == "max")


def parse_seeds(text: str) -> list[int]:
    """``"100"`` -> seeds 0..99; ``"5-9"`` -> 5..9; ``"1,4,7"`` -> those."""
    try:
        if "," in text:
            seeds = [int(s) for s in text.split(",")]
        elif "-" in text:
            low, high = (int(s) for s in text.split("-"))
            seeds = list(range(low, high + 1))
        else:
            seeds = list(range(int(text)))
            if not seeds:
                raise ArgumentError(f"the number of seeds must be >= 1, got {text!r}")
    except ValueError as error:
        if isinstance(error, ArgumentError):
            raise
        raise ArgumentError(f"seeds {text!r} not understood: use a count (100), a range (5-9) or a list (1,4,7)") from None
    if not seeds or min(seeds) < 0 or len(set(seeds)) != len(seeds):
        raise ArgumentError(f"seeds {text!r}: a range must run low-high and a list must hold distinct ints >= 0")
    return seeds


def check_budget(text: str) -> str:
    """``text`` when :func:`parse_budget` will understand it (checked before any table loads)."""
    if text.strip().lower() != "nb201":
        parse_budget(text)
    return text


def parse_hyperparameter(text: str) -> tuple[str, Any]:
    """``"population_size=20"`` -> ``("population_size", 20)`` (values parsed as JSON when possible)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ArgumentError(f"hyperparameter {text!r} not understood: write NAME=VALUE")
    try:
        return name.strip(), json.loads(value)
    except ValueError:
        return name.strip(), value


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--benchmark", default=None, type=benchmark_source,
                        help="benchmark name or table path (default: the shipped one)")
    parser.add_argument("--budget", default="150", type=from_kit_parser(check_budget),
                        help="150 (evaluations), 20000s (simulated seconds) or nb201")
    parser.add_argument("--constraint", action="append", default=[], metavar="METRIC<=VALUE",
                        help="a constraint on a free metric, e.g. latency_ms<=3 (repeatable)")
    parser.add_argument("--objective", action="append", default=[], metavar="METRIC[:max|min]",
                        help="objectives, first = search metric (default valid_acc:max; repeatable)")
    parser.add_argument("--dataset", default=None, help="dataset of the table to search on (default: its first)")
    parser.add_argument("--epoch", type=non_negative_int, default=None,
                        help="search epoch (default: the schedule's last)")
    parser.add_argument("--dedupe", action=argparse.BooleanOptionalAction, default=True,
                        help="skip architectures isomorphic to already-trained ones at no cost (default: on; "
                             "--no-dedupe trains every proposal, as Run(dedupe=False) does)")
    parser.add_argument("--sim-workers", type=positive_int, default=1, help="simulated parallel workers of each run")
    parser.add_argument("--out", required=True, type=output_folder,
                        help="output folder (created if missing; results of an earlier run in it are overwritten)")


def _setup(args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    from .benchmarks import load_benchmark

    bench = load_benchmark(args.benchmark)
    metrics = tuple(bench.metrics)
    if args.dataset is not None and args.dataset not in bench.datasets:
        raise ArgumentError(f"--dataset {args.dataset!r} is not in {bench.name}; its datasets: {list(bench.datasets)}")
    if args.epoch is not None:
        epochs = bench.epochs(args.dataset or bench.datasets[0])
        if args.epoch not in epochs:
            recorded = f"{epochs[0]}..{epochs[-1]}" if epochs else "none"
            raise ArgumentError(f"--epoch {args.epoch} is not recorded in {bench.name}; its epochs: {recorded}")
    kwargs: dict[str, Any] = parse_budget(args.budget, bench)
    kwargs.setdefault("dataset", args.dataset)
    kwargs.update(
        constraints=[parse_constraint(c, metrics) for c in args.constraint],
        objectives=[parse_objective(o, metrics) for o in args.objective] or None,
        epoch=args.epoch, dedupe=args.dedupe, n_workers=args.sim_workers,
    )
    return bench, kwargs


def _prepare_out(out: Path, marker: str) -> None:
    """Create the output folder; say so when it holds an earlier run's results."""
    if (out / marker).exists():
        print(f"note: {out} holds results of an earlier run; they are overwritten", file=sys.stderr)
    out.mkdir(parents=True, exist_ok=True)


def _write_table(frame: Any, out: Path, stem: str) -> list[str]:
    frame.to_csv(out / f"{stem}.csv", index=False)
    frame.to_parquet(out / f"{stem}.parquet", index=False)
    return [f"{stem}.csv", f"{stem}.parquet"]


def _plots(out: Path, make: Any) -> list[str]:
    """Write HTML plots through the widgets package when it (and plotly) is installed."""
    try:
        from widgets import plots
    except ImportError as error:
        print(f"note: no HTML plots ({error}); install the 'ui' extra for them")
        return []
    return make(plots)


def _handle_search(args: argparse.Namespace) -> int:
    from .run import Run
    from .strategies import make_strategy

    bench, kwargs = _setup(args)
    hyper = dict(parse_hyperparameter(h) for h in args.hp)
    strategy = make_strategy(args.strategy, bench.space, seed=args.seed, **hyper)
    run = Run(strategy, bench, seed=args.seed, **kwargs)
    from .progress import progress_bar

    with progress_bar(desc=f"search {args.strategy}", unit="trial", enabled=not args.no_progress) as bar:
        run.on("trial_finished", lambda e: bar.update())
        run.run()
    out = Path(args.out)
    _prepare_out(out, "summary.json")
    written = _write_table(run.history, out, "history")
    run.save(out / "run.json")
    summary = run.summary()
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=float) + "\n")
    written += ["run.json", "summary.json"]

    def make(plots: Any) -> list[str]:
        files = []
        fig = plots.search_figure(run.history, objectives=[o.metric for o in run.objectives],
                                  cost=_cost_metric(run), title=f"{args.strategy} on {bench.name}")
        fig.write_html(out / "search.html", include_plotlyjs="cdn")
        files.append("search.html")
        return files

    written += _plots(out, make)
    print(json.dumps(summary, indent=2, default=float))
    for warning in summary["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"results written to {out.resolve()}: {', '.join(written)}")
    return 0


def _cost_metric(run: Any) -> str:
    for name in (*(o.metric for o in run.objectives[1:]), *(c.metric for c in run.constraints)):
        return name
    latency = [m for m in run.benchmark.metrics if m.startswith("latency_ms_")]
    return latency[0] if latency else "params"


def _handle_compare(args: argparse.Namespace) -> int:
    from . import analysis
    from .compare import compare

    names = [s.strip() for s in args.strategies.split(",") if s.strip()]
    if not names:
        raise ArgumentError(f"--strategies {args.strategies!r} names no strategy; e.g. random,rea,local-search")
    bench, kwargs = _setup(args)
    frame = compare(names, bench, seeds=args.seeds, workers=args.workers,
                    progress=not args.no_progress, **kwargs)
    out = Path(args.out)
    _prepare_out(out, "summary.json")
    written = _write_table(frame, out, "trials")
    baseline = "random" if "random" in names else None
    final = analysis.final_table(frame, baseline=baseline)
    ranks = analysis.rank_table(frame)
    x = analysis.trace_axis(frame)  # "evaluations" when the benchmark records no training times
    band = analysis.bands(frame, x=x)
    final.to_csv(out / "final_regret.csv", index=False)
    ranks.to_csv(out / "ranks.csv", index=False)
    band.to_csv(out / "regret_bands.csv", index=False)
    written += ["final_regret.csv", "ranks.csv", "regret_bands.csv"]
    summary = {"strategies": names, "seeds": int(frame["seed"].nunique()), **frame.attrs,
               "final_regret": final.to_dict(orient="records"), "mean_rank": ranks.to_dict(orient="records")}
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=_json_default) + "\n")
    written.append("summary.json")

    def make(plots: Any) -> list[str]:
        plots.regret_figure(band, x=x, title=f"regret on {bench.name}").write_html(out / "regret.html",
                                                                                   include_plotlyjs="cdn")
        return ["regret.html"]

    written += _plots(out, make)
    print(final.to_string(index=False))
    print(f"results written to {out.resolve()}: {', '.join(written)}")
    return 0


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


_SEARCH_EPILOG = """example (shipped table):
  python -m nasbench_kit search --strategy rea --budget 600s --constraint "latency_ms<=6" --seed 0 --out runs/rea
  Only 4.5 % of the cells run in <= 6 ms; the search returns the best of them (61.1 % valid
  accuracy at 5.8 ms; the best cell overall needs 12.7 ms) after 200 evaluations."""

_COMPARE_EPILOG = """example (shipped table):
  python -m nasbench_kit compare --strategies random,rea,local-search --budget 600s \\
      --constraint "latency_ms<=6" --seeds 20 --workers 2 --out runs/race"""


def register(subparsers: Any) -> None:
    """Add the ``search`` and ``compare`` sub-commands."""
    search = subparsers.add_parser("search", help="run one search strategy on a benchmark", epilog=_SEARCH_EPILOG,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    search.add_argument("--strategy", default="rea", help="strategy name (see nasbench_kit.strategies)")
    search.add_argument("--seed", type=non_negative_int, default=0)
    search.add_argument("--hp", action="append", default=[], metavar="NAME=VALUE", help="strategy hyperparameter")
    search.add_argument("--no-progress", action="store_true")
    _common(search)
    search.set_defaults(handler=_handle_search)

    comp = subparsers.add_parser("compare", help="compare strategies over many seeds", epilog=_COMPARE_EPILOG,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    comp.add_argument("--strategies", default="random,rea,reinforce,local-search")
    comp.add_argument("--seeds", default="20", type=from_kit_parser(parse_seeds),
                      help="a count (100), a range (5-9) or a list (1,4,7)")
    comp.add_argument("--workers", type=positive_int, default=1, help="processes (a local Dask cluster when > 1)")
    comp.add_argument("--no-progress", action="store_true")
    _common(comp)
    comp.set_defaults(handler=_handle_compare)
