"""Command-line sub-commands for benchmark tables: ``info`` and ``import``.

``python -m nasbench_kit info TABLE`` prints what a table holds;
``python -m nasbench_kit import KIND PATH -o OUT.parquet`` converts an official file
(``nb201``, ``nats``, ``nb101``, ``hwnas``) or any CSV / parquet table (``csv``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from ..cli_args import benchmark_source, check_input, output_file, positive_int
from ..errors import ArgumentError

__all__ = ["register", "describe_benchmark"]


def _run_datasheet(args: argparse.Namespace) -> int:
    import shlex

    from ..build.datasheet import datasheet_markdown
    from .registry import load_benchmark

    bench = load_benchmark(args.table)
    lut = None
    if args.lut:
        from ..training.latency import OpLatencyTable

        lut = OpLatencyTable.build()
    command = "python -m nasbench_kit " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    out = Path(args.out)
    existed = out.exists()
    out.write_text(datasheet_markdown(bench, lut=lut, command=command))
    print(f"datasheet written to {out.resolve()}{' (overwrote the earlier file)' if existed else ''}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``info`` and ``import`` sub-commands to the kit's parser."""
    info = subparsers.add_parser(
        "info",
        help="print what a benchmark table holds",
        description="Print what a benchmark table holds: datasets, schedules, seeds, epochs, metrics, coverage.",
    )
    info.add_argument("table", type=benchmark_source,
                      help="path of a .parquet benchmark table, or a benchmark name (e.g. nb201-digits)")
    info.set_defaults(handler=_run_info)

    sheet = subparsers.add_parser("datasheet", help="write the DATASHEET.md of a built table (numbers from the table)")
    sheet.add_argument("table", type=benchmark_source,
                       help="path of a .parquet table built by `python -m nasbench_kit build`, or a name")
    sheet.add_argument("-o", "--out", required=True, type=output_file(),
                       help="the Markdown file to write (an existing one is overwritten)")
    sheet.add_argument("--lut", action="store_true",
                       help="also time a per-op latency lookup table here and correlate it with the measured latencies "
                            "(run on a quiet machine)")
    sheet.set_defaults(handler=_run_datasheet)

    from .importers.kinds import IMPORTER_KINDS

    imp = subparsers.add_parser(
        "import",
        help="convert an official benchmark file or a CSV/parquet table into the kit's table format",
        description="Convert a benchmark file into the kit's table format (parquet).",
        epilog="kinds (PATH is):\n" + "\n".join(spec.help_line() for spec in IMPORTER_KINDS.values())
               + "\n\nImporting the same source again is skipped while OUT is up to date; --force re-imports.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    imp.add_argument("kind", metavar="KIND", choices=list(IMPORTER_KINDS), help=", ".join(IMPORTER_KINDS))
    imp.add_argument("path", metavar="PATH", help="the file (or folder, for nb201 and nats) to convert")
    imp.add_argument("-o", "--out", required=True, type=output_file(".parquet"), help="the .parquet table to write")
    imp.add_argument("--name", help="name stored in the table (default: the output file's stem)")
    imp.add_argument("--space", help="csv: space of the architecture strings (nb201, nb101, macro, custom)")
    imp.add_argument("--arch-column", dest="arch_column", help="csv: column holding architecture strings")
    imp.add_argument("--dataset", help="csv: dataset of every row, when the file has no dataset column")
    imp.add_argument("--schedule-epochs", dest="schedule_epochs", type=positive_int,
                     help="csv: training schedule length")
    imp.add_argument("--accuracy-unit", dest="accuracy_unit", help="csv: percent (default) or fraction")
    imp.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="further importer option (VALUE parsed as JSON if possible), e.g. nb201=TABLE for hwnas; repeatable",
    )
    imp.add_argument("--force", action="store_true", help="import even when OUT is up to date")
    imp.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    imp.set_defaults(handler=_run_import)


# --- import -----------------------------------------------------------------------------------


def _parse_option(text: str) -> tuple[str, Any]:
    key, eq, value = text.partition("=")
    if not eq or not key:
        raise ArgumentError(f"--option must look like KEY=VALUE, got {text!r}")
    try:
        return key.replace("-", "_"), json.loads(value)
    except ValueError:
        return key.replace("-", "_"), value


def _run_import(args: argparse.Namespace) -> int:
    from .importers.kinds import IMPORTER_KINDS

    spec = IMPORTER_KINDS[args.kind]
    check_input(args.path, f"import {args.kind}: PATH", folder_ok=spec.folder_ok)
    options: dict[str, Any] = {
        key: getattr(args, key)
        for key in ("name", "space", "arch_column", "dataset", "schedule_epochs", "accuracy_unit")
        if getattr(args, key) is not None
    }
    options.update(_parse_option(text) for text in args.option)
    for flag, wanted in (("progress", args.progress), ("force", args.force)):
        if flag in spec.parameters:
            options.setdefault(flag, wanted)
        elif flag == "force" and wanted:
            raise ArgumentError(f"import {args.kind} keeps no cache: it always writes OUT, so --force is not needed")
    options = spec.check_options(options)
    out = Path(args.out)
    before = out.stat().st_mtime_ns if out.exists() else None
    written = spec.function(Path(args.path), out, **options)
    if before is None:
        print(f"wrote {written}")
    elif Path(written).stat().st_mtime_ns == before:
        print(f"{written} is up to date with {args.path}; nothing imported (--force re-imports)")
    else:
        print(f"wrote {written} (overwrote the earlier table)")
    return 0


# --- info -------------------------------------------------------------------------------------


def _range(values: np.ndarray, fmt: str = "{:.2f}") -> str:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return "none"
    return f"mean {fmt.format(values.mean())}, min {fmt.format(values.min())}, max {fmt.format(values.max())}"


def _epochs_text(epochs: tuple[int, ...]) -> str:
    if len(epochs) > 3 and list(epochs) == list(range(epochs[0], epochs[-1] + 1)):
        return f"{epochs[0]}..{epochs[-1]}"
    return str(list(epochs))


def describe_benchmark(bench: Any) -> str:
    """Plain-text description of a :class:`TabularBenchmark` (what ``info`` prints)."""
    meta = bench.meta
    frame = bench.frame
    lines = [f"{meta.name}  ({bench.source})"]
    path = Path(bench.source)
    if path.is_file():
        lines[0] = f"{meta.name}  ({path}, {path.stat().st_size / 1e6:.1f} MB)"
    lines.append(f"  space: {meta.space}    source: {meta.source}")
    if meta.description:
        lines.append(f"  description: {meta.description}")
    n_canonical = len(set(bench.canonicals))
    lines.append(f"  {len(frame):,} runs of {len(bench):,} architectures ({n_canonical:,} canonical classes)")
    coverage = bench.space_coverage()
    if coverage is not None:
        lines.append(f"  space coverage: {coverage[0]:,} of {coverage[1]:,} cells answer a query")
    lines.append("  datasets (accuracy in %, train_seconds cumulative at the last epoch):")
    for dataset in bench.datasets:
        for schedule in bench.schedules(dataset):
            rows = frame[(frame["dataset"] == dataset) & (frame["schedule_epochs"] == schedule)]
            epochs = bench.epochs(dataset, schedule=schedule)
            lines.append(
                f"    {dataset}, {schedule}-epoch schedule: {len(rows):,} runs, seeds {list(bench.seeds(dataset, schedule=schedule))}, "
                f"epochs {_epochs_text(epochs)}"
            )
            for metric in ("valid_acc", "test_acc", "train_seconds"):
                values = rows[f"final_{metric}"].to_numpy(dtype=np.float64)
                lines.append(f"      {metric:<14} {_range(values)}")
    static = [m for m in bench.metrics if m in ("params", "flops")]
    for metric in static:
        lines.append(f"  {metric:<16} {_range(frame[metric].to_numpy(dtype=np.float64), '{:,.0f}')}")
    if bench.latency_columns:
        lines.append(f"  latency_ms on: {', '.join(bench.latency_columns)}")
    if bench.energy_columns:
        lines.append(f"  energy_mj on: {', '.join(bench.energy_columns)}")
    from .schema import REQUIRED_COLUMNS

    extra = [
        c
        for c in bench.table.column_names
        if c not in REQUIRED_COLUMNS and c not in bench.latency_columns.values() and c not in bench.energy_columns.values()
    ]
    if extra:
        lines.append(f"  extra columns: {', '.join(extra)}")
    for key, value in meta.extra.items():
        lines.append(f"  {key}: {value}")
    return "\n".join(lines)


def _run_info(args: argparse.Namespace) -> int:
    from .registry import load_benchmark

    print(describe_benchmark(load_benchmark(args.table)))
    return 0
