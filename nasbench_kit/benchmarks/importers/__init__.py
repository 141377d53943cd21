"""Importers: official benchmark files -> the kit's table format (parquet), cached.

Each importer is ``import_X(path, out, *, name=None, progress=True, workers=2, force=False,
**options) -> Path``; :data:`IMPORTERS` maps the command-line kind to it
(``python -m nasbench_kit import KIND PATH -o OUT.parquet``):

=======  ============================================================================
nb201    NAS-Bench-201 v1.0 / v1.1 ``.pth`` (legacy or zip torch format), or the archive folder
nats     NATS-Bench topology space: ``NATS-tss-*-simple`` / ``-full`` folder or the single file
nb101    NAS-Bench-101 ``nasbench_only108.tfrecord`` / ``nasbench_full.tfrecord``
hwnas    HW-NAS-Bench pickle joined onto a NAS-Bench-201 table (option ``nb201=TABLE``)
csv      any CSV / parquet table with an architecture column
=======  ============================================================================

Official pickles are read with a restricted unpickler (nothing in them is executed) and
without torch or TensorFlow. Importing the same source again is skipped while the output
is up to date (``force=True`` re-imports).
"""

from __future__ import annotations

from .generic import import_generic
from .hwnas import import_hwnas
from .kinds import IMPORTER_KINDS, ImporterKind
from .nats import import_nats
from .nb101_tfrecord import import_nb101
from .nb201_pth import import_nb201

__all__ = ["IMPORTERS", "IMPORTER_KINDS", "ImporterKind", "import_nb201", "import_nats", "import_nb101",
           "import_hwnas", "import_generic"]

#: Command-line kind -> importer (the declarations, with required options: :data:`IMPORTER_KINDS`).
IMPORTERS = {kind: spec.function for kind, spec in IMPORTER_KINDS.items()}
