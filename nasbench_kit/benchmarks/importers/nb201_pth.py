"""Import NAS-Bench-201 (v1.0 / v1.1) into the kit's table format, without torch.

Supported inputs:

* ``NAS-Bench-201-v1_0-e61699.pth`` / ``NAS-Bench-201-v1_1-096897.pth``: one torch file
  (legacy or zip serialization) holding ``{"meta_archs", "arch2infos", "evaluated_indexes"}``
  with ``arch2infos[index] = {"less": ArchResults, "full": ArchResults}`` (12- and
  200-epoch schedules). It is streamed: memory stays bounded whatever the file size.
* the per-architecture archive folder (``NAS-Bench-201-v1_1-archive``: ``NNNNNN-FULL.pth``
  files, each ``{"less": ..., "full": ...}`` with trained weights, which are skipped).

Every dataset, schedule and seed becomes a row; see :mod:`._nb201_results` for the
mapping of splits and units. Extra columns: ``official_index`` (the release's index,
used to join HW-NAS-Bench), ``valtest_acc`` / ``valtest_loss``, ``eval_seconds`` and
``latency_ms_nb201``.

Example (the real file is not shipped; the tests write small files in this format)::

    python -m nasbench_kit import nb201 NAS-Bench-201-v1_1-096897.pth -o nb201.parquet
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ...errors import BenchmarkFormatError
from ._cache import StreamedTableWriter
from ._nb201_import import RunAssembler, import_pickle_stream, open_cached, table_meta
from ._nb201_results import ArchRuns, convert_arch
from ._parallel import ordered_map
from ._safe_pickle import format_error, load_torch, torch_data_stream

__all__ = ["import_nb201"]

IMPORTER = "nb201-pth@1"
_ARCHIVE_FILE = re.compile(r"^(\d+)-FULL\.pth$")


def import_nb201(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    name: str | None = None,
    progress: bool = True,
    workers: int = 2,
    force: bool = False,
) -> Path:
    """Convert a NAS-Bench-201 ``.pth`` file (or archive folder) to a benchmark table.

    Args:
        path: the ``.pth`` file, or the ``*-archive`` folder of ``NNNNNN-FULL.pth`` files.
        out: the ``.parquet`` table to write.
        name: table name (default: ``out``'s stem).
        progress: show a progress bar.
        workers: worker processes for unpickling and conversion (1: none).
        force: import even if ``out`` is an up-to-date import of ``path``.

    Returns:
        ``out``.

    Raises:
        BenchmarkFormatError: naming the file and the problem (foreign, truncated or
            corrupted file, unexpected keys or types). ``out`` is left untouched.
    """
    path, out = Path(path), Path(out)
    if not path.exists():
        raise BenchmarkFormatError(f"{path}: no such file or folder")
    folder = path.is_dir()
    skip, extra = open_cached(out, path, IMPORTER, {}, pattern="*-FULL.pth" if folder else "*", force=force)
    if skip:
        return out
    meta = table_meta(name, out, path, extra, what=f"NAS-Bench-201 {path.name}")
    with StreamedTableWriter(out, meta) as writer:
        if folder:
            _import_archive(path, writer, workers=workers, progress=progress)
        else:
            def opener():
                handle = open(path, "rb")
                try:
                    stream, _kind, closer = torch_data_stream(handle, source=str(path))
                except BaseException:
                    handle.close()
                    raise

                def close() -> None:
                    if closer is not None:
                        closer()
                    handle.close()

                return stream, close

            top = import_pickle_stream(opener, writer, source=str(path), workers=workers, progress=progress,
                                       expected=15625)
            if not isinstance(top.get("evaluated_indexes", []), (list, set, tuple)):
                raise format_error(path, "evaluated_indexes must be a list of indices")
        return writer.close()


def _load_archive_file(task: tuple[str, int]) -> list[ArchRuns]:
    file, index = task
    data = load_torch(file, tensors="skip")
    if not isinstance(data, dict) or "full" not in data or "less" not in data:
        raise format_error(file, "expected a dict with 'less' and 'full' results (a NAS-Bench-201 archive file)")
    return convert_arch({"less": data["less"], "full": data["full"]}, index, source=file)


def _import_archive(folder: Path, writer: StreamedTableWriter, *, workers: int, progress: bool) -> None:
    from ...progress import progress_bar

    files = sorted((int(m.group(1)), folder / m.group(0)) for m in map(_ARCHIVE_FILE.match, os.listdir(folder)) if m)
    if not files:
        raise BenchmarkFormatError(f"{folder}: no NNNNNN-FULL.pth files: not a NAS-Bench-201 archive folder")
    assembler = RunAssembler(writer, source=str(folder))
    tasks = ((str(file), index) for index, file in files)
    for runs in progress_bar(ordered_map(_load_archive_file, tasks, workers=workers), total=len(files), unit="arch",
                     enabled=progress, desc="importing"):
        assembler.add(runs)
    assembler.flush()
