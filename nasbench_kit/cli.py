"""Command line: ``python -m nasbench_kit <command> ...`` (also installed as ``nasbench-kit``).

Every long computation of the workbench can run from here, without a notebook.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .errors import NasKitError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    from . import demo, search_commands
    from .build import commands as build_commands
    from .benchmarks import commands as benchmark_commands

    parser = argparse.ArgumentParser(prog="python -m nasbench_kit", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo.register(sub)
    search_commands.register(sub)
    benchmark_commands.register(sub)
    build_commands.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code.

    Errors of the kit (bad input) are printed as one readable line, not a traceback.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except NasKitError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
