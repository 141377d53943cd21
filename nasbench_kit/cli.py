"""Command line: ``python -m nasbench_kit <command> ...`` (also installed as ``nasbench-kit``).

Every long computation of the workbench can run from here, without a notebook.

The contract at the edge: a mistake prints one line on stderr, ``error: ...``, naming
what was wrong and what is allowed, and no traceback. Exit status 2 is a usage error (an
unknown option, a malformed or out-of-range value, a missing file or folder, an unknown
name, a constraint no architecture meets); 1 is a failure of a well-formed command (a
corrupted table, a file refused as unsafe, an operating-system error while writing); 130
is Ctrl-C.
``--debug`` (before or after the command) adds the traceback.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from .errors import ArgumentError, NasKitError, OutOfSpaceError, UnknownNameError

__all__ = ["build_parser", "main", "exit_status", "UsageError", "EXIT_USAGE", "EXIT_FAILURE", "EXIT_INTERRUPTED"]

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

#: Errors that mean the command was asked wrongly (exit 2), not that it failed (exit 1).
_USAGE_ERRORS = (ArgumentError, UnknownNameError, OutOfSpaceError)


class UsageError(ArgumentError):
    """An argument the parser refused (unknown option, missing or malformed value)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a refused argument raises :class:`UsageError` instead of printing the
    usage block and exiting, so :func:`main` prints it as its one line."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    from . import demo, search_commands
    from .build import commands as build_commands
    from .benchmarks import commands as benchmark_commands
    from .oneshot import commands as oneshot_commands

    parser = _Parser(prog="python -m nasbench_kit", description=__doc__.split("\n\n")[0],
                     epilog=__doc__.split("\n\n", 2)[2].replace("``", ""), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo.register(sub)
    search_commands.register(sub)
    benchmark_commands.register(sub)
    build_commands.register(sub)
    oneshot_commands.register(sub)
    for command in sub.choices.values():  # `--debug` also after the command; SUPPRESS keeps one given before
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                             help="show the traceback of an error")
    return parser


def exit_status(error: BaseException) -> int:
    """The exit status :func:`main` returns for ``error``."""
    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    return EXIT_USAGE if isinstance(error, _USAGE_ERRORS) else EXIT_FAILURE


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _report(error: BaseException, debug: bool) -> int:
    if debug:
        traceback.print_exception(error)
    if isinstance(error, KeyboardInterrupt):
        message = "interrupted"
    elif isinstance(error, NasKitError):
        message = str(error)
    elif isinstance(error, OSError):
        target = f"{error.filename}: " if error.filename else ""
        message = f"{target}{error.strerror or error}"
    else:  # a bug of the kit, not the user's mistake: still one line, the traceback with --debug
        message = (f"internal error: {type(error).__name__}: {error} (rerun with --debug for the traceback, "
                   f"and please report it)")
    print(f"error: {_one_line(message)}", file=sys.stderr)
    return exit_status(error)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code (see the module docstring)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        return int(args.handler(args) or 0)
    except (Exception, KeyboardInterrupt) as error:  # noqa: BLE001 - the edge of the program
        return _report(error, debug)
