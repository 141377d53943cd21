"""Argument types of the command line: each checks one value when it is parsed.

A wrong value is a usage error (exit status 2) with one line that names the value and
what is allowed, e.g. ``argument --workers: expected an int >= 1, got '0'``; nothing is
loaded or trained before every argument has passed. Each factory returns a callable for
``argparse``'s ``type=``.

>>> positive_int("3"), non_negative_int("0")
(3, 0)
>>> positive_int("0")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: expected an int >= 1, got '0'
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from .errors import ArgumentError, NasKitError

__all__ = [
    "positive_int",
    "non_negative_int",
    "positive_float",
    "int_list",
    "from_kit_parser",
    "check_input",
    "output_file",
    "output_folder",
    "benchmark_source",
]


def _integer(text: str, low: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < low:
        raise argparse.ArgumentTypeError(f"expected an int >= {low}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """An int >= 1 (counts: workers, seeds, epochs, repeats)."""
    return _integer(text, 1)


def non_negative_int(text: str) -> int:
    """An int >= 0 (seeds, offsets, optional counts)."""
    return _integer(text, 0)


def positive_float(text: str) -> float:
    """A finite number > 0 (seconds)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (0 < value < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def int_list(text: str) -> tuple[int, ...]:
    """Comma-separated ints >= 0 without repeats, e.g. ``0`` or ``1,2``."""
    try:
        values = tuple(int(t) for t in text.split(",") if t.strip())
    except ValueError:
        values = (-1,)
    if any(v < 0 for v in values) or len(set(values)) != len(values):
        raise argparse.ArgumentTypeError(f"expected distinct comma-separated ints >= 0 like 0 or 1,2, got {text!r}")
    return values


def from_kit_parser(parse: Callable[[str], object]) -> Callable[[str], object]:
    """An argparse type from one of the kit's parsers: its :class:`NasKitError` message
    becomes the usage error (argparse would otherwise say only "invalid value")."""

    def convert(text: str) -> object:
        try:
            return parse(text)
        except NasKitError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    convert.__name__ = getattr(parse, "__name__", "value")
    return convert


def check_input(text: str, what: str = "file", *, folder_ok: bool = False) -> str:
    """``text`` when it names an existing file (or folder, when ``folder_ok``).

    Raises:
        ArgumentError: naming ``what`` and why it cannot be read.
    """
    path = Path(text)
    if not path.exists():
        raise ArgumentError(f"{what} {text!r} does not exist")
    if path.is_dir() and not folder_ok:
        raise ArgumentError(f"{what} {text!r} is a folder; give the file itself")
    return text


def _writable_folder(folder: Path, text: str) -> None:
    if not folder.is_dir():
        raise ArgumentError(f"cannot write {text!r}: {str(folder)!r} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ArgumentError(f"cannot write {text!r}: folder {str(folder)!r} is not writable")


def output_file(suffix: str | None = None) -> Callable[[str], str]:
    """Argument type: a file to write. Its folder exists and is writable, it is not a
    folder, and it ends with ``suffix`` when one is given. An existing file is allowed (the
    command says that it overwrote it)."""

    def check(text: str) -> str:
        path = Path(text)
        if suffix and path.suffix != suffix:
            raise ArgumentError(f"output {text!r} must be a {suffix} file")
        if path.is_dir():
            raise ArgumentError(f"output {text!r} is a folder; give a file name in it")
        folder = path.parent
        if not folder.exists():
            raise ArgumentError(f"cannot write {text!r}: folder {str(folder)!r} does not exist (create it first)")
        _writable_folder(folder, text)
        return text

    return from_kit_parser(check)


def _check_output_folder(text: str) -> str:
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise ArgumentError(f"output folder {text!r} is a file")
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ArgumentError(f"cannot create folder {text!r}: {str(existing)!r} is a file")
    _writable_folder(existing, text)
    return text


#: Argument type: a folder to write results into, created (with its parents) when missing;
#: it must not be a file. Files of an earlier run in it are overwritten (the command says so).
output_folder = from_kit_parser(_check_output_folder)


def _check_benchmark(text: str) -> str:
    from .benchmarks.registry import looks_like_path

    return check_input(text, "benchmark table") if looks_like_path(text) else text


#: Argument type: a benchmark name (checked when it is loaded) or the path of an existing table file.
benchmark_source = from_kit_parser(_check_benchmark)
