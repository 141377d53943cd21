"""``DATASHEET.md`` of a built benchmark, computed from the table itself.

Every number in the datasheet comes from the table (and its metadata, which the builder
fills with the command, recipe, machine and timings); nothing is typed in by hand.

    python -m nasbench_kit datasheet data/nb201-digits.parquet -o data/DATASHEET.md [--lut]
"""

from __future__ import annotations

import json
import os
import re
import shlex
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ArgumentError

__all__ = ["datasheet_stats", "datasheet_markdown"]


def _quantiles(values: np.ndarray) -> dict[str, float]:
    values = values[np.isfinite(values)]
    if not values.size:
        return {}
    points = [0, 5, 25, 50, 75, 95, 100]
    return {f"p{p}": float(v) for p, v in zip(points, np.percentile(values, points))}


def _seed_agreement(frame: pd.DataFrame, metric: str) -> dict[str, Any]:
    """Spearman of ``metric`` between seed 0 and each other seed, on the classes run with both."""
    wide = frame.pivot_table(index="canonical", columns="seed", values=metric)
    out: dict[str, Any] = {}
    seeds = sorted(wide.columns)
    for other in seeds[1:]:
        both = wide[[seeds[0], other]].dropna()
        if len(both) >= 3:
            out[f"seed {seeds[0]} vs {other}"] = {
                "classes": len(both),
                "spearman": float(stats.spearmanr(both[seeds[0]], both[other]).statistic),
                "median_abs_diff": float((both[seeds[0]] - both[other]).abs().median()),
            }
    return out


def _pass_agreement(main: pd.DataFrame, device: str, kind: str = "pass") -> dict[str, Any]:
    """Test-retest of latency: how the sweeps (``latency_<kind><P>_ms_<device>``) agree."""
    pattern = re.compile(rf"^latency_{kind}(\d+)_ms_{re.escape(device)}$")
    columns = sorted((c for c in main.columns if pattern.match(c)), key=lambda c: int(pattern.match(c).group(1)))
    if len(columns) < 2:
        return {}
    passes = main[columns].dropna().to_numpy(np.float64)
    if len(passes) < 3:
        return {}
    pairs = {}
    for i in range(len(columns)):
        for j in range(i + 1, len(columns)):
            a, b = passes[:, i], passes[:, j]
            pairs[f"{i} vs {j}"] = {"spearman": float(stats.spearmanr(a, b).statistic),
                                    "median_rel_diff": float(np.median(np.abs(a - b) / np.minimum(a, b))),
                                    "ratio_of_medians": float(np.median(b / a))}
    median = np.median(passes, axis=1)
    cv = passes.std(axis=1, ddof=1) / passes.mean(axis=1)
    # how a single sweep ranks classes against the median of the others (a fair retest of one sweep)
    loo = [float(stats.spearmanr(passes[:, i], np.median(np.delete(passes, i, axis=1), axis=1)).statistic)
           for i in range(len(columns))]
    return {"passes": len(columns), "classes": len(passes), "pairs": pairs, "pass_cv": _quantiles(cv),
            "share_pass_cv_under_5pct": float(np.mean(cv < 0.05)),
            "rel_dev_from_median": _quantiles(np.abs(passes - median[:, None]).max(axis=1) / median),
            "spearman_pass_vs_median_of_others": loo}


def _parse_utc(text: str | None) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ") if text else None
    except ValueError:
        return None


def _wall_time(frame: pd.DataFrame, invocations: list[dict[str, Any]]) -> dict[str, Any]:
    """Wall time of the build, two ways.

    ``invocations``: each build invocation from its start to its finish, or, for one that
    was interrupted, to the last shard it wrote (the builder records both); an interrupted
    invocation without that record counts as unknown. ``per_seed``: the measured per-run
    wall seconds on the workers (training + evaluation) summed per seed and divided by the
    number of workers the build used: the build's compute time without start-up and idle
    gaps, known for every run however often the build was interrupted.
    """
    spans, known = [], True
    for inv in invocations:
        start = _parse_utc(inv.get("started_utc"))
        end = _parse_utc(inv.get("finished_utc") or inv.get("last_shard_utc"))
        interrupted = not inv.get("finished_utc")
        hours = (end - start).total_seconds() / 3600 if start and end else None
        known &= hours is not None
        spans.append({"started_utc": inv.get("started_utc"), "hours": hours, "interrupted": interrupted,
                      "runs_written": inv.get("runs_written")})
    workers = [int(m.group(1)) for inv in invocations
               for m in [re.search(r"--workers[ =](\d+)", inv.get("command", ""))] if m]
    n_workers = max(set(workers), key=workers.count) if workers else 1
    per_run = np.zeros(len(frame))
    if "train_wall_seconds" in frame:
        per_run += np.array([float(np.asarray(c)[-1]) if len(np.asarray(c)) else np.nan
                             for c in frame["train_wall_seconds"]])
    if "eval_seconds" in frame:
        per_run += frame["eval_seconds"].to_numpy(np.float64)
    per_seed = {int(seed): {"runs": int(len(idx)), "worker_hours": float(np.nansum(per_run[idx]) / 3600),
                            "wall_hours_on_workers": float(np.nansum(per_run[idx]) / 3600 / n_workers)}
                for seed, idx in frame.groupby("seed").indices.items()}
    return {"invocations": spans, "invocation_hours": (sum(s["hours"] for s in spans) if known and spans else None),
            "workers": n_workers, "per_seed": per_seed,
            "median_run_wall_seconds": float(np.nanmedian(per_run)) if len(per_run) else float("nan")}


#: The recipe's acceptance bar (the trained-benchmark issue): over at least this many
#: random non-degenerate classes, Spearman of final validation accuracy between two
#: training seeds at least ``ACCEPT_SPEARMAN``, and test-accuracy IQR at least ``ACCEPT_IQR``.
ACCEPT_CLASSES, ACCEPT_SPEARMAN, ACCEPT_IQR = 300, 0.8, 3.0


def _acceptance(s: dict[str, Any]) -> dict[str, Any]:
    """Whether the table meets the acceptance bar, judged on the first pair of seeds."""
    pairs = list(s["seed_agreement_valid"].values())
    first = pairs[0] if pairs else {"classes": 0, "spearman": float("nan")}
    checks = {
        "classes_with_two_seeds": (first["classes"], first["classes"] >= ACCEPT_CLASSES),
        "seed_spearman_valid": (first["spearman"], bool(first["spearman"] >= ACCEPT_SPEARMAN)),
        "test_acc_iqr": (s["test_acc_iqr_nondegenerate"], s["test_acc_iqr_nondegenerate"] >= ACCEPT_IQR),
    }
    return {"checks": checks, "passed": all(ok for _, ok in checks.values())}


#: Cells whose accuracy the datasheet reports as landmarks of the space.
LANDMARKS = (("all nor_conv_3x3", "nor_conv_3x3"), ("all skip_connect", "skip_connect"), ("all none", "none"))


def _landmark(space: Any, op: str) -> Any:
    return space.parse("|{0}~0|+|{0}~0|{0}~1|+|{0}~0|{0}~1|{0}~2|".format(op))


def check_built(bench: Any) -> None:
    """Refuse a table that lacks what a built table's datasheet reports.

    The datasheet describes a NAS-Bench-201 table as ``python -m nasbench_kit build``
    writes it: parameter counts of every run and the landmark cells of the space. A
    partial or imported table may have neither (``info`` describes any table).

    Raises:
        ArgumentError: naming the table, what it lacks, and what to use instead.
    """
    instead = f"`python -m nasbench_kit info {bench.source}` describes any table"
    if bench.meta.space != "nb201":
        raise ArgumentError(f"{bench.name} is a {bench.meta.space!r} table; the datasheet describes NAS-Bench-201 "
                            f"tables built by `python -m nasbench_kit build`; {instead}")
    if not np.isfinite(bench.frame["params"].to_numpy(np.float64)).all():
        raise ArgumentError(f"{bench.name} lacks parameter counts, which a built table records for every run, so "
                            f"it has no datasheet; {instead}")
    canonicals = set(bench.canonicals)
    missing = [label for label, op in LANDMARKS if bench.space.canonical(_landmark(bench.space, op)) not in canonicals]
    if missing:
        raise ArgumentError(f"{bench.name} lacks the landmark cells {missing}, which a built table holds, so it has "
                            f"no datasheet; {instead}")


def datasheet_stats(bench: Any, *, lut: Any = None) -> dict[str, Any]:
    """Statistics of a built NB201 table (plain data; see :func:`datasheet_markdown`).

    Args:
        bench: a :class:`~nasbench_kit.benchmarks.TabularBenchmark`.
        lut: an ``OpLatencyTable`` to correlate with the measured latencies (optional).
    """
    check_built(bench)
    frame = bench.frame
    first_seed = int(frame["seed"].min())
    main = frame[frame["seed"] == first_seed]
    nondegenerate = main["canonical"].str.contains("0", regex=False)
    out: dict[str, Any] = {
        "runs": len(frame), "classes": int(frame["canonical"].nunique()),
        "seeds": {int(s): int(n) for s, n in frame.groupby("seed")["canonical"].nunique().items()},
        "space_coverage": bench.space_coverage(),
        "epochs": int(frame["final_epoch"].max()),
        "test_acc": _quantiles(main["final_test_acc"].to_numpy(np.float64)),
        "valid_acc": _quantiles(main["final_valid_acc"].to_numpy(np.float64)),
        "degenerate_classes": int((~nondegenerate).sum()),
    }
    live = main[nondegenerate]
    test = live["final_test_acc"].to_numpy(np.float64)
    out["test_acc_iqr_nondegenerate"] = float(np.subtract(*np.percentile(test, [75, 25])))
    best = main.loc[main["final_valid_acc"].idxmax()]
    out["best_by_valid"] = {"arch": best["arch"], "valid_acc": float(best["final_valid_acc"]),
                            "test_acc": float(best["final_test_acc"]), "params": int(best["params"])}
    top = main.loc[main["final_test_acc"].idxmax()]
    out["best_by_test"] = {"arch": top["arch"], "test_acc": float(top["final_test_acc"])}
    space = bench.space
    landmarks = {}
    for label, op in LANDMARKS:
        record = bench.query(_landmark(space, op), seed=first_seed)
        landmarks[label] = {"valid_acc": float(record.final.valid_acc), "test_acc": float(record.final.test_acc)}
    out["landmarks"] = landmarks
    multi = frame[frame.groupby("canonical")["seed"].transform("nunique") > 1]
    multi = multi[multi["canonical"].str.contains("0", regex=False)]
    out["seed_agreement_valid"] = _seed_agreement(multi, "final_valid_acc")
    out["seed_agreement_test"] = _seed_agreement(multi, "final_test_acc")
    out["acceptance"] = _acceptance(out)
    seconds = main["final_train_seconds"].to_numpy(np.float64)
    out["train_seconds"] = _quantiles(seconds)
    out["train_cpu_hours_all_runs"] = float(frame["final_train_seconds"].sum() / 3600)
    if "eval_seconds" in frame:
        out["eval_cpu_hours_all_runs"] = float(frame["eval_seconds"].sum() / 3600)
    out["wall_time"] = _wall_time(frame, json.loads(dict(bench.meta.extra).get("build_invocations", "[]")))
    baselines = {}
    for metric in ("params", "flops", *[c for c in frame.columns if c.startswith("latency_ms_")]):
        values = live[metric].to_numpy(np.float64)
        if np.isfinite(values).sum() > 2:
            baselines[metric] = {
                "spearman_valid": float(stats.spearmanr(values, live["final_valid_acc"], nan_policy="omit").statistic),
                "spearman_test": float(stats.spearmanr(values, test, nan_policy="omit").statistic),
                "kendall_test": float(stats.kendalltau(values, test, nan_policy="omit").statistic),
            }
    out["baseline_correlations"] = baselines
    out["valid_test_spearman"] = float(stats.spearmanr(live["final_valid_acc"], test).statistic)
    latency_columns = [c for c in frame.columns if c.startswith("latency_ms_")]
    for column in latency_columns:
        device = column[len("latency_ms_"):]
        lat = main[column].to_numpy(np.float64)
        info: dict[str, Any] = {"ms": _quantiles(lat)}
        for key, prefix in (("cv", "latency_cv_"), ("robust_cv", "latency_robust_cv_")):
            if prefix + device in main:
                spread = main[prefix + device].to_numpy(np.float64)
                spread = spread[np.isfinite(spread)]
                if spread.size:
                    info[key] = _quantiles(spread)
                    info[f"share_{key}_under_5pct"] = float(np.mean(spread < 0.05))
        for key, kind in (("retest", "pass"), ("retest_raw", "raw_pass")):
            retest = _pass_agreement(main, device, kind)
            if retest:
                info[key] = retest
        if lut is not None:
            predicted = lut.predict_many([space.parse(a) for a in main["arch"]])
            ok = np.isfinite(lat)
            info["lut_spearman"] = float(stats.spearmanr(predicted[ok], lat[ok]).statistic)
            info["lut_pearson"] = float(stats.pearsonr(predicted[ok], lat[ok]).statistic)
            info["lut_median_abs_error_ms"] = float(np.median(np.abs(predicted[ok] - lat[ok])))
        out[f"latency_{device}"] = info
    return out


def _invocation_row(v: dict[str, Any]) -> str:
    hours = "unknown" if v["hours"] is None else f"{v['hours']:.2f}"
    runs = "not recorded" if v["runs_written"] is None else str(v["runs_written"])
    return f"| {v['started_utc']} | {hours} | {'interrupted' if v['interrupted'] else 'yes'} | {runs} |"


def _fmt_q(q: dict[str, float], digits: int = 2) -> str:
    if not q:
        return "n/a"
    return " / ".join(f"{q[k]:.{digits}f}" for k in ("p0", "p5", "p25", "p50", "p75", "p95", "p100"))


def repository_root(path: str | os.PathLike[str] | None) -> Path | None:
    """The nearest folder at or above ``path`` holding ``pyproject.toml`` (None if none)."""
    if path is None or not os.path.exists(path):
        return None
    here = Path(path).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return None


def _relative_path(token: str, root: Path) -> str:
    """``token`` as a path relative to ``root`` when it is an absolute path inside a checkout
    of the repository (the build machine's or this one), else ``token`` unchanged.

    The build machine's checkout may live elsewhere (``/work/main``): the shortest tail of
    the path that exists under ``root`` is taken."""
    if not os.path.isabs(token):
        return token
    path = Path(token)
    try:
        return path.resolve().relative_to(root).as_posix() or "."
    except ValueError:
        pass
    parts = path.parts
    for start in range(1, len(parts)):
        tail = Path(*parts[start:])
        if (root / tail).exists():
            return tail.as_posix()
    return token


def repo_relative_command(command: str, root: Path | None) -> str:
    """``command`` with every absolute path inside the repository rewritten relative to its
    root (``--work-dir /work/main/data/x`` -> ``--work-dir data/x``), so that it runs as
    printed from the repository root.

    >>> import tempfile; root = Path(tempfile.mkdtemp()); (root / "data" / "w").mkdir(parents=True)
    >>> repo_relative_command("python -m nasbench_kit build x --work-dir /elsewhere/repo/data/w", root)
    'python -m nasbench_kit build x --work-dir data/w'
    """
    if root is None:
        return command
    try:
        tokens = shlex.split(command)
    except ValueError:
        return command
    out = []
    for token in tokens:
        name, eq, value = token.partition("=")
        if eq and name.startswith("--"):
            out.append(f"{name}={_relative_path(value, root)}")
        else:
            out.append(_relative_path(token, root))
    return shlex.join(out)


def _reproducibility(extra: dict[str, Any]) -> list[str]:
    """What of the table reproduces bit for bit, and what only within a tolerance."""
    try:
        kernels = json.loads(extra.get("recipe", "{}")).get("kernels", "native")
    except ValueError:
        kernels = "native"
    across = (
        "trained with the processor's native CPU kernels (the recipe's `kernels`): a rebuild on another processor gives "
        "other digits. Forcing other processors' kernels on one machine moved a course-recipe cell's final validation "
        "accuracy by up to 2.8 points (`bench/bench_determinism.py`, bench/RESULTS.md \"Cross-CPU determinism\"), "
        "as much as seed noise: compare a rebuild with this table within the seed noise below, never digit for digit."
        if kernels == "native" else
        "trained with baseline CPU kernels (`kernels=\"baseline\"`: oneDNN off, ATen's default dispatch, "
        "MKL_CBWR=COMPATIBLE), so no kernel depends on the instruction set; on one machine they gave the same bits "
        "whatever MKL instruction set was forced. Bit identity on other x86-64 processors with the same software is "
        "expected, not verified; on arm64 it is not expected."
    )
    return ["## Reproducibility", "",
            "- Same machine and software: training is bit for bit reproducible (fixed seeds, one thread; two fresh "
            "processes give identical weights, `tests/training/test_kernels.py`). Timing columns (`train_seconds`, "
            "latency) measure the machine and are not.",
            f"- Another processor: {across}",
            "- Searches on the table (`Run`, `compare`) are a pure function of the table, strategy and seed: on one machine the same "
            "history bit for bit in two fresh processes.", ""]


def datasheet_markdown(bench: Any, *, lut: Any = None, command: str | None = None,
                       root: str | os.PathLike[str] | None = None) -> str:
    """The datasheet of a built table as Markdown (every number computed here).

    Commands (the recorded build invocations and ``command``) are printed relative to the
    repository ``root`` (default: the checkout holding the table file), so that each runs
    as printed from the repository root.
    """
    s = datasheet_stats(bench, lut=lut)
    meta = bench.meta
    extra = dict(meta.extra)
    root = repository_root(getattr(bench, "source", None)) if root is None else Path(root).resolve()
    invocations = [dict(inv, command=repo_relative_command(inv.get("command", "?"), root))
                   for inv in json.loads(extra.get("build_invocations", "[]"))]
    command = None if command is None else repo_relative_command(command, root)
    lines = [f"# DATASHEET: {meta.name}", "",
             "Generated by `python -m nasbench_kit datasheet` from the table and its metadata; do not edit by hand.",
             "", "## How it was made", "", meta.description, ""]
    lines += ["Regenerate the table (resumable; see the README) with the build command(s) recorded in it:", "", "```"]
    lines += [inv.get("command", "?") for inv in invocations] or [meta.source]
    lines += ["```", ""]
    if command:
        lines += [f"This datasheet: `{command}`", ""]
    lines += ["| invocation | started | finished | train summary |", "|---|---|---|---|"]
    for inv in invocations:
        lines.append(f"| `{inv.get('command', '?')}` | {inv.get('started_utc', '')} | {inv.get('finished_utc', '')} | "
                     f"{json.dumps(inv.get('train'))} |")
    lines += ["", f"Machine: {extra.get('driver_cpu', '?')}; {extra.get('platform', '?')}; python "
              f"{extra.get('python_version', '?')}, torch {extra.get('torch_version', '?')}, dask.distributed "
              f"{extra.get('dask_distributed_version', '?')}.", ""]
    lines += _reproducibility(extra)
    coverage = s["space_coverage"]
    lines += ["## Contents", "",
              f"- {s['runs']} runs of {s['classes']} canonical classes (of 6,466); seeds: "
              + ", ".join(f"seed {k}: {v} classes" for k, v in s["seeds"].items()),
              f"- cells of the space that resolve to a stored run: {coverage[0]} of {coverage[1]}" if coverage else "",
              f"- {s['epochs']} epochs per run; {s['degenerate_classes']} degenerate classes (input never reaches "
              f"the output)", ""]
    lines += ["## Accuracy (seed %d, final epoch)" % min(s["seeds"]), "",
              "| metric | min / p5 / p25 / median / p75 / p95 / max |", "|---|---|",
              f"| test accuracy (%) | {_fmt_q(s['test_acc'])} |", f"| validation accuracy (%) | {_fmt_q(s['valid_acc'])} |",
              "", f"Inter-quartile range of test accuracy over non-degenerate classes: "
              f"**{s['test_acc_iqr_nondegenerate']:.2f} points**. Spearman between validation and test accuracy: "
              f"{s['valid_test_spearman']:.3f}.", "",
              f"Best by validation: `{s['best_by_valid']['arch']}` (valid {s['best_by_valid']['valid_acc']:.2f}, "
              f"test {s['best_by_valid']['test_acc']:.2f}, {s['best_by_valid']['params']:,} params). Best test "
              f"accuracy in the table: {s['best_by_test']['test_acc']:.2f} (`{s['best_by_test']['arch']}`).", "",
              "| landmark | valid | test |", "|---|---|---|"]
    lines += [f"| {k} | {v['valid_acc']:.2f} | {v['test_acc']:.2f} |" for k, v in s["landmarks"].items()]
    acc = s["acceptance"]["checks"]
    lines += ["", "## Acceptance", "",
              f"Bar: over at least {ACCEPT_CLASSES} random non-degenerate classes, Spearman of final validation "
              f"accuracy between two training seeds >= {ACCEPT_SPEARMAN}, and test-accuracy IQR >= {ACCEPT_IQR} points.",
              f"Measured: {acc['classes_with_two_seeds'][0]} classes with two seeds, Spearman "
              f"{acc['seed_spearman_valid'][0]:.3f}, IQR {acc['test_acc_iqr'][0]:.2f} points: "
              f"**{'passed' if s['acceptance']['passed'] else 'NOT passed'}**."]
    lines += ["", "## Seed noise (non-degenerate classes trained with several seeds)", "",
              "| seeds | classes | Spearman (valid) | median abs. diff (valid) | Spearman (test) |", "|---|---|---|---|---|"]
    for key, v in s["seed_agreement_valid"].items():
        t = s["seed_agreement_test"].get(key, {})
        lines.append(f"| {key} | {v['classes']} | {v['spearman']:.3f} | {v['median_abs_diff']:.2f} | "
                     f"{t.get('spearman', float('nan')):.3f} |")
    lines += ["", "## Cost", "", f"Training seconds per run (seed {min(s['seeds'])}; CPU seconds of one thread): "
              f"{_fmt_q(s['train_seconds'])}. Total training CPU time over all runs: "
              f"{s['train_cpu_hours_all_runs']:.2f} h"
              + (f"; evaluation: {s['eval_cpu_hours_all_runs']:.2f} h." if "eval_cpu_hours_all_runs" in s else "."), ""]
    wall = s["wall_time"]
    lines += [f"Wall time. Per run on a worker (training + evaluation), median "
              f"{wall['median_run_wall_seconds']:.2f} s. Summed per seed and divided by the build's "
              f"{wall['workers']} workers (compute time, without start-up and idle gaps):", "",
              "| seed | runs | worker hours | hours on the workers |", "|---|---|---|---|"]
    lines += [f"| {seed} | {v['runs']} | {v['worker_hours']:.2f} | {v['wall_hours_on_workers']:.2f} |"
              for seed, v in wall["per_seed"].items()]
    lines += ["", "| invocation started (UTC) | hours | finished | runs written |", "|---|---|---|---|"]
    lines += [_invocation_row(v) for v in wall["invocations"]]
    total = wall["invocation_hours"]
    lines += ["", "Total over invocations: " + ("unknown (an interrupted invocation did not record its last shard)"
                                                if total is None else f"{total:.2f} h") + ".", ""]
    lines += ["## Do cheap baselines predict accuracy? (non-degenerate classes)", "",
              "| metric | Spearman with valid | Spearman with test | Kendall with test |", "|---|---|---|---|"]
    lines += [f"| {m} | {v['spearman_valid']:.3f} | {v['spearman_test']:.3f} | {v['kendall_test']:.3f} |"
              for m, v in s["baseline_correlations"].items()]
    for key, info in s.items():
        if not key.startswith("latency_"):
            continue
        lines += ["", f"## Latency ({key[len('latency_'):]})", "",
                  f"Milliseconds (min / p5 / p25 / median / p75 / p95 / max): {_fmt_q(info['ms'], 3)}."]
        if "cv" in info:
            lines.append(f"Round-to-round coefficient of variation within a sweep (std/mean): {_fmt_q(info['cv'], 4)}; "
                         f"{100 * info['share_cv_under_5pct']:.1f} % of classes under 5 %.")
        if "robust_cv" in info:
            lines.append(f"Round-to-round robust spread within a sweep (1.4826*MAD/median): "
                         f"{_fmt_q(info['robust_cv'], 4)}; {100 * info['share_robust_cv_under_5pct']:.1f} % of "
                         f"classes under 5 %.")
        retest = info.get("retest")
        if retest:
            lines += ["", f"Test-retest: {retest['passes']} sweeps over all {retest['classes']} classes, one after "
                      "the other, each with freshly built networks and its own class order; the table keeps the "
                      "median over sweeps.", "",
                      "| sweeps | Spearman | median relative difference | ratio of medians (second / first) |",
                      "|---|---|---|---|"]
            lines += [f"| {k} | {v['spearman']:.3f} | {100 * v['median_rel_diff']:.1f} % | "
                      f"{v['ratio_of_medians']:.3f} |" for k, v in retest["pairs"].items()]
            lines += ["", f"Sweep-to-sweep coefficient of variation (std/mean of the sweep medians of a class): "
                      f"{_fmt_q(retest['pass_cv'], 4)}; {100 * retest['share_pass_cv_under_5pct']:.1f} % of classes "
                      f"under 5 %. Largest deviation of a sweep from the stored median, relative: "
                      f"{_fmt_q(retest['rel_dev_from_median'], 4)}. Spearman of each sweep with the median of the "
                      "others: " + ", ".join(f"{v:.3f}" for v in retest["spearman_pass_vs_median_of_others"]) + "."]
        raw = info.get("retest_raw")
        if raw:
            lines += ["", "The same sweeps in plain milliseconds (median of the rounds, without the reference "
                      "network): " + "; ".join(f"sweeps {k}: Spearman {v['spearman']:.3f}, median relative "
                                               f"difference {100 * v['median_rel_diff']:.1f} %"
                                               for k, v in raw["pairs"].items())
                      + f"; sweep-to-sweep coefficient of variation, median {raw['pass_cv']['p50']:.4f}."]
        if "latency_reference_ms" in extra:
            lines.append("")
            lines.append(f"Reference network's median time over the stage: {float(extra['latency_reference_ms']):.3f} ms.")
        if "lut_spearman" in info:
            lines.append(f"Lookup-table predictor (sum of per-op latencies): Spearman {info['lut_spearman']:.3f}, "
                         f"Pearson {info['lut_pearson']:.3f}, median absolute error "
                         f"{info['lut_median_abs_error_ms']:.3f} ms.")
        if "latency_protocol" in extra:
            lines.append(f"Protocol: `{extra['latency_protocol']}`.")
    return "\n".join(line for line in lines if line is not None) + "\n"
