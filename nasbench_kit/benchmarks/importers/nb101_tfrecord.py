"""Import NAS-Bench-101 (``nasbench_only108.tfrecord``, ``nasbench_full.tfrecord``) without TensorFlow.

Each TFRecord (framing and checksums checked, see :mod:`._tfrecord`) holds the JSON row
``[module_hash, epochs, raw_adjacency, raw_operations, raw_metrics]`` of one training run,
where ``raw_metrics`` is a base64 ``nasbench.ModelMetrics`` protobuf
(:mod:`._nb101_proto`) whose ``evaluation_data`` are the evaluations at initialization,
halfway and at the end of training (the official API reads entries 1 and 2).

One row per run: ``arch`` is ``"<adjacency digits>|<ops>"`` (the kit's
:class:`~nasbench_kit.spaces.nb101.Cell101` string), ``canonical`` the official hash
(so ``NB101Space().canonical(cell)`` joins them), ``dataset`` ``"cifar10"``,
``schedule_epochs`` 4/12/36/108, ``seed`` the repeat's position (0, 1, 2 in file order,
as the official ``computed_statistics[hash][epochs][i]``), ``epochs`` the halfway and
final epochs, accuracies in percent, ``train_seconds`` the recorded training time;
NAS-Bench-101 has no losses and no FLOPs (NaN). ``arch_index`` is -1 (the space is not
enumerated).

Example::

    python -m nasbench_kit import nb101 nasbench_only108.tfrecord -o nb101.parquet
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import BenchmarkFormatError, OutOfSpaceError
from ..schema import TableMeta
from ._cache import StreamedTableWriter, cache_extra, is_up_to_date, source_fingerprint
from ._nb101_proto import model_metrics_class
from ._parallel import ordered_map
from ._safe_pickle import format_error
from ._tfrecord import iter_records, record_offsets

__all__ = ["import_nb101"]

IMPORTER = "nb101-tfrecord@1"
RECORDS_PER_TASK = 20_000
_OPS = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")
_HEX = set("0123456789abcdef")


def import_nb101(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    name: str | None = None,
    progress: bool = True,
    workers: int = 2,
    force: bool = False,
    verify_hashes: int = 200,
) -> Path:
    """Convert a NAS-Bench-101 ``.tfrecord`` file to a benchmark table.

    Args:
        path: ``nasbench_only108.tfrecord`` or ``nasbench_full.tfrecord``.
        out: the ``.parquet`` table to write.
        name: table name (default: ``out``'s stem).
        progress: show a progress bar.
        workers: worker processes (1: none).
        force: import even if ``out`` is an up-to-date import of ``path``.
        verify_hashes: recompute the official hash of this many distinct cells (the first
            ones in the file) and compare with the file's key; ``-1``: all, ``0``: none.

    Returns:
        ``out``.

    Raises:
        BenchmarkFormatError: a truncated or corrupted file (checksums), a foreign file,
            malformed rows, or a hash that does not match its cell. ``out`` is untouched.
    """
    from ...progress import progress_bar

    path, out = Path(path), Path(out)
    if not path.is_file():
        raise BenchmarkFormatError(f"{path}: no such file")
    extra = cache_extra(IMPORTER, source_fingerprint(path), {"verify_hashes": verify_hashes})
    if not force and is_up_to_date(out, extra):
        return out
    with open(path, "rb") as handle:
        starts, total = record_offsets(handle, source=str(path), every=RECORDS_PER_TASK)
    if total == 0:
        raise BenchmarkFormatError(f"{path}: the file holds no records")
    ranges = [(str(path), start, end) for start, end in zip(starts, starts[1:] + [None])]
    meta = TableMeta(
        name=name or out.stem,
        space="nb101",
        source=str(path),
        description=(
            f"NAS-Bench-101 {path.name} (CIFAR-10), converted from the official TFRecord file. One row per run; "
            "epochs = [halfway, final]; accuracy in percent; no losses or FLOPs in the release (NaN); seed = "
            "repeat index in file order; canonical = official module hash."
        ),
        extra={**extra, "records": str(total)},
    )
    space = _space()
    verified: set[str] = set()
    repeats: dict[tuple[str, int], int] = {}
    with StreamedTableWriter(out, meta) as writer, progress_bar(total=total, unit="run", enabled=progress,
                                                        desc="importing") as bar:
        for chunk in ordered_map(_decode_range, ranges, workers=workers, in_flight=2 * max(workers, 1)):
            seeds = np.empty(len(chunk["canonical"]), dtype=np.int32)
            for i, key in enumerate(zip(chunk["canonical"], chunk["schedule_epochs"].tolist())):
                seeds[i] = repeats.get(key, 0)
                repeats[key] = seeds[i] + 1
            chunk["seed"] = seeds
            _verify(chunk, space, verified, verify_hashes, str(path))
            writer.write(chunk)
            bar.update(len(seeds))
        return writer.close()


def _space() -> Any:
    from ...spaces.nb101 import Cell101, NB101Space

    return NB101Space(), Cell101


def _verify(chunk: dict[str, Any], space: Any, verified: set[str], limit: int, source: str) -> None:
    if limit == 0:
        return
    nb101, cell_class = space
    for arch, digest in zip(chunk["arch"], chunk["canonical"]):
        if 0 < limit <= len(verified):
            return
        if digest in verified:
            continue
        try:
            got = nb101.canonical(cell_class.from_string(arch))
        except OutOfSpaceError as err:
            raise format_error(source, f"run of {digest}: the cell {arch!r} is not in the NAS-Bench-101 space ({err})") from None
        if got != digest:
            raise format_error(source, f"the cell {arch!r} hashes to {got}, but the file keys it as {digest}")
        verified.add(digest)


def _decode_range(task: tuple[str, int, int | None]) -> dict[str, Any]:
    """Worker: decode the records in one byte range into table columns (seed left out)."""
    path, start, end = task
    from google.protobuf.message import DecodeError

    metrics_class = model_metrics_class()
    archs: list[str] = []
    hashes: list[str] = []
    schedule: list[int] = []
    params: list[int] = []
    values: list[tuple[float, ...]] = []
    with open(path, "rb") as handle:
        for offset, data in iter_records(handle, source=path, start=start, end=end):
            digest, epochs, adjacency, ops, metrics = _parse_row(data, offset, path)
            try:
                message = metrics_class.FromString(base64.b64decode(metrics, validate=True))
            except (binascii.Error, ValueError, DecodeError) as err:
                raise format_error(path, f"record at byte {offset}: metrics are not a valid ModelMetrics ({err})") from None
            evaluations = message.evaluation_data
            if len(evaluations) < 3:
                raise format_error(path, f"record at byte {offset}: {len(evaluations)} evaluations, expected 3 "
                                         f"(initial, halfway, final)")
            half, final = evaluations[1], evaluations[2]
            row = []
            for ev in (half, final):
                for field in ("train_accuracy", "validation_accuracy", "test_accuracy"):
                    acc = getattr(ev, field)
                    if not 0.0 <= acc <= 1.0:
                        raise format_error(path, f"record at byte {offset}: {field} {acc} is not a fraction in [0, 1]")
                    row.append(acc * 100.0)
                row.append(ev.training_time)
            half_epoch = half.current_epoch if half.current_epoch > 0 else epochs / 2
            final_epoch = final.current_epoch if final.current_epoch > 0 else epochs
            row.extend((half_epoch, final_epoch))
            archs.append(f"{adjacency}|{ops}")
            hashes.append(digest)
            schedule.append(epochs)
            params.append(message.trainable_parameters)
            values.append(tuple(row))
    v = np.asarray(values, dtype=np.float64).reshape(-1, 10)
    n = len(archs)
    epochs_arr = np.rint(v[:, 8:10]).astype(np.int64)
    bad = (epochs_arr[:, 0] < 1) | (epochs_arr[:, 0] >= epochs_arr[:, 1])
    if bad.any():
        epochs_arr[bad] = np.stack([np.maximum(np.asarray(schedule)[bad] // 2, 1), np.asarray(schedule)[bad]], axis=1)
    nan2 = np.full((n, 2), np.nan, dtype=np.float32)
    return {
        "arch": np.asarray(archs, dtype=object),
        "arch_index": np.full(n, -1, dtype=np.int32),
        "canonical": np.asarray(hashes, dtype=object),
        "dataset": np.full(n, "cifar10", dtype=object),
        "schedule_epochs": np.asarray(schedule, dtype=np.int16),
        "seed": np.zeros(n, dtype=np.int32),
        "epochs": epochs_arr.astype(np.int16),
        "train_acc": v[:, [0, 4]].astype(np.float32),
        "valid_acc": v[:, [1, 5]].astype(np.float32),
        "test_acc": v[:, [2, 6]].astype(np.float32),
        "train_loss": nan2,
        "valid_loss": nan2,
        "test_loss": nan2,
        "train_seconds": v[:, [3, 7]].astype(np.float32),
        "params": np.asarray(params, dtype=np.int64),
        "flops": np.full(n, math.nan),
    }


def _parse_row(data: bytes, offset: int, source: str) -> tuple[str, int, str, str, str]:
    try:
        row = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        raise format_error(source, f"record at byte {offset} is not a JSON row: not a NAS-Bench-101 file") from None
    if not isinstance(row, list) or len(row) != 5:
        raise format_error(source, f"record at byte {offset}: expected [hash, epochs, adjacency, ops, metrics], got "
                                   f"{str(row)[:80]}")
    digest, epochs, adjacency, ops, metrics = row
    if not isinstance(digest, str) or len(digest) != 32 or not set(digest) <= _HEX:
        raise format_error(source, f"record at byte {offset}: module hash {digest!r} is not 32 hex digits")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or not 0 < epochs <= 10_000:
        raise format_error(source, f"record at byte {offset}: epochs {epochs!r} is not a positive int")
    size = math.isqrt(len(adjacency)) if isinstance(adjacency, str) else 0
    if size < 2 or size * size != len(adjacency) or not set(adjacency) <= {"0", "1"}:
        raise format_error(source, f"record at byte {offset}: adjacency {adjacency!r:.60} is not V*V 0/1 digits")
    labels = ops.split(",") if isinstance(ops, str) else []
    if (len(labels) != size or labels[0] != "input" or labels[-1] != "output"
            or any(op not in _OPS for op in labels[1:-1])):
        raise format_error(source, f"record at byte {offset}: operations {ops!r:.80} are not input, "
                                   f"{size - 2} of {_OPS}, output")
    if not isinstance(metrics, str):
        raise format_error(source, f"record at byte {offset}: metrics must be a base64 string")
    return digest, epochs, adjacency, ops, metrics
