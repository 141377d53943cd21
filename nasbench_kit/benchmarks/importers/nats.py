"""Import the NATS-Bench topology search space (``NATS-tss-v1_0-3ffb9``) without torch.

Supported inputs:

* the per-architecture folders ``NATS-tss-v1_0-3ffb9-simple`` and ``...-full``:
  ``meta.pickle.pbz2`` plus one ``NNNNNN.pickle.pbz2`` per architecture holding
  ``{"12": ArchResults, "200": ArchResults}`` (the "full" files also hold trained
  weights, which are skipped without being decoded). Files are converted in parallel
  (``workers`` processes), memory stays bounded.
* the single file ``NATS-tss-v1_0-3ffb9.pickle.pbz2`` (``{"meta_archs", "arch2infos",
  ...}``), streamed with bounded memory.

Rows, splits and units are those of :mod:`.nb201_pth` (see :mod:`._nb201_results`).

Example::

    python -m nasbench_kit import nats ~/.torch/NATS-tss-v1_0-3ffb9-simple -o nats.parquet
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ...errors import BenchmarkFormatError
from ._cache import StreamedTableWriter
from ._nb201_import import (
    RunAssembler,
    import_pickle_stream,
    open_cached,
    open_stream,
    table_meta,
)
from ._nb201_results import ArchRuns, convert_arch
from ._parallel import ordered_map
from ._safe_pickle import format_error, load_pbz2, load_pickle_bytes, read_bz2

__all__ = ["import_nats"]

IMPORTER = "nats-tss@1"
_ARCH_FILE = re.compile(r"^(\d+)\.pickle\.pbz2$")


def import_nats(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    name: str | None = None,
    progress: bool = True,
    workers: int = 2,
    force: bool = False,
) -> Path:
    """Convert a NATS-Bench topology release (folder or single file) to a benchmark table.

    Args:
        path: a ``NATS-tss-*-simple`` / ``-full`` folder or the ``NATS-tss-*.pickle.pbz2`` file.
        out: the ``.parquet`` table to write.
        name: table name (default: ``out``'s stem).
        progress: show a progress bar.
        workers: worker processes (1: none).
        force: import even if ``out`` is an up-to-date import of ``path``.

    Returns:
        ``out``.

    Raises:
        BenchmarkFormatError: naming the file and the problem. ``out`` is left untouched.
    """
    path, out = Path(path), Path(out)
    if not path.exists():
        raise BenchmarkFormatError(f"{path}: no such file or folder")
    folder = path.is_dir()
    skip, extra = open_cached(out, path, IMPORTER, {}, pattern="*.pickle.pbz2", force=force)
    if skip:
        return out
    meta = table_meta(name, out, path, extra, what=f"NATS-Bench topology space {path.name}")
    with StreamedTableWriter(out, meta) as writer:
        if folder:
            _import_folder(path, writer, workers=workers, progress=progress)
        else:
            import_pickle_stream(lambda: open_stream(path), writer, source=str(path), workers=workers,
                                 progress=progress, expected=15625)
        return writer.close()


def _load_arch_file(task: tuple[str, int]) -> list[ArchRuns]:
    file, index = task
    data = load_pickle_bytes(read_bz2(file), source=file, tensors="skip")
    return convert_arch(data, index, source=file)


def _import_folder(folder: Path, writer: StreamedTableWriter, *, workers: int, progress: bool) -> None:
    from ...progress import progress_bar

    meta_file = folder / "meta.pickle.pbz2"
    if not meta_file.is_file():
        raise BenchmarkFormatError(f"{folder}: no meta.pickle.pbz2: not a NATS-Bench archive folder")
    meta = load_pbz2(meta_file)
    if not isinstance(meta, dict) or "meta_archs" not in meta:
        keys = sorted(map(str, meta))[:8] if isinstance(meta, dict) else type(meta).__name__
        raise format_error(meta_file, f"expected a dict with 'meta_archs', found {keys}")
    meta_archs = meta["meta_archs"]
    if not isinstance(meta_archs, list) or not all(isinstance(a, str) for a in meta_archs):
        raise format_error(meta_file, "meta_archs must be a list of architecture strings")
    files = sorted((int(m.group(1)), folder / m.group(0)) for m in map(_ARCH_FILE.match, os.listdir(folder)) if m)
    if not files:
        raise BenchmarkFormatError(f"{folder}: no NNNNNN.pickle.pbz2 architecture files")
    for index, file in files:
        if index >= len(meta_archs):
            raise format_error(file, f"architecture index {index} is beyond meta_archs ({len(meta_archs)} entries)")
    assembler = RunAssembler(writer, source=str(folder), meta_archs=meta_archs)
    tasks = ((str(file), index) for index, file in files)
    for runs in progress_bar(ordered_map(_load_arch_file, tasks, workers=workers), total=len(files), unit="arch",
                     enabled=progress, desc="importing"):
        assembler.add(runs)
    assembler.flush()
