"""What each importer kind reads and which options it needs, declared once.

The command line (``python -m nasbench_kit import KIND ...``) builds its help and checks
from :data:`IMPORTER_KINDS`: the input a kind reads (file, or file or folder), the
options it requires (``hwnas`` joins onto a NAS-Bench-201 table, so it needs
``--option nb201=TABLE``) and the type of every option, before anything is read.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import ArgumentError, UnknownNameError
from .generic import import_generic
from .hwnas import import_hwnas
from .nats import import_nats
from .nb101_tfrecord import import_nb101
from .nb201_pth import import_nb201

__all__ = ["ImporterKind", "IMPORTER_KINDS"]


@dataclass(frozen=True)
class ImporterKind:
    """One ``import`` kind.

    Attributes:
        kind: the command-line name (``nb201``, ...).
        function: the importer, ``function(path, out, **options) -> Path``.
        reads: what ``PATH`` is, for the help text.
        folder_ok: whether ``PATH`` may be a folder.
        required: option name -> what it is, for every option without a default.
        path_options: options whose values are files that must exist.
    """

    kind: str
    function: Callable[..., Path]
    reads: str
    folder_ok: bool = False
    required: Mapping[str, str] = field(default_factory=dict)
    path_options: tuple[str, ...] = ()

    @property
    def parameters(self) -> dict[str, inspect.Parameter]:
        """The importer's keyword options (everything after ``path, out``)."""
        return {n: p for n, p in inspect.signature(self.function).parameters.items()
                if p.kind is inspect.Parameter.KEYWORD_ONLY}

    def help_line(self) -> str:
        """``KIND  what it reads; requires ...`` for ``import --help``."""
        needs = "".join(f"; requires --option {name}={meaning}" for name, meaning in self.required.items())
        return f"  {self.kind:<6} {self.reads}{needs}"

    def check_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """``options`` checked against the importer's signature and declarations.

        Raises:
            UnknownNameError: an option the importer does not take.
            ArgumentError: a required option missing, a value of the wrong type, or a
                path option naming no file.
        """
        parameters = self.parameters
        unknown = sorted(set(options) - set(parameters))
        if unknown:
            raise UnknownNameError(f"import {self.kind} takes no option(s) {unknown}; its options: "
                                   f"{sorted(parameters)}")
        missing = [name for name in self.required if name not in options]
        if missing:
            name = missing[0]
            raise ArgumentError(f"import {self.kind} needs --option {name}={self.required[name]}")
        checked = {}
        for name, value in options.items():
            checked[name] = self._check_value(name, value, parameters[name].default)
        return checked

    def _check_value(self, name: str, value: Any, default: Any) -> Any:
        if name in self.path_options:
            if not isinstance(value, str) or not Path(value).is_file():
                raise ArgumentError(f"import {self.kind}: --option {name}={value!r} is not an existing file")
            return value
        for default_type, accepted, words in _VALUE_TYPES:
            if isinstance(default, default_type):
                if not isinstance(value, accepted) or (isinstance(value, bool) and default_type is not bool):
                    raise ArgumentError(f"import {self.kind}: --option {name}={value!r} must be {words}")
                break
        return value


#: (type of the default, accepted value types, words): bool first, as it is an int too.
_VALUE_TYPES = ((bool, bool, "true or false"), (int, int, "an int"), (float, (int, float), "a number"),
                (str, str, "a string"))


#: Command-line kind -> its declaration.
IMPORTER_KINDS: dict[str, ImporterKind] = {spec.kind: spec for spec in [
    ImporterKind("nb201", import_nb201, "NAS-Bench-201 v1.0 / v1.1 .pth file, or the *-archive folder",
                 folder_ok=True),
    ImporterKind("nats", import_nats, "NATS-Bench topology: the NATS-tss-*-simple / -full folder or the "
                 ".pickle.pbz2 file", folder_ok=True),
    ImporterKind("nb101", import_nb101, "NAS-Bench-101 nasbench_only108.tfrecord or nasbench_full.tfrecord"),
    ImporterKind("hwnas", import_hwnas, "HW-NAS-Bench HW-NAS-Bench-v1_0.pickle",
                 required={"nb201": "TABLE (a .parquet table from `import nb201` or `import nats`; the device "
                                    "metrics are joined onto its architectures)"},
                 path_options=("nb201",)),
    ImporterKind("csv", import_generic, "any CSV / TSV / parquet table with an architecture column "
                 "(--space, --arch-column, --dataset, --schedule-epochs, --accuracy-unit)"),
]}
