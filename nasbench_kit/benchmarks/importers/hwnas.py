"""Join HW-NAS-Bench's per-device latency and energy onto a NAS-Bench-201 table.

HW-NAS-Bench (Li et al., ICLR 2021) publishes one pickle, ``HW-NAS-Bench-v1_0.pickle``:
``{"nasbench201": {dataset: {metric: [value per architecture], "config": [...]}},
"fbnet": {...}}`` with datasets ``cifar10``, ``cifar100``, ``ImageNet16-120``, values
indexed by the official NAS-Bench-201 index, and ``config[i]["arch_str"]`` the
architecture. Latency is in ms, energy in mJ.

The official NAS-Bench-201 index is not the kit's enumeration index, so the join goes
through the ``official_index`` column that :func:`~.nb201_pth.import_nb201` and
:func:`~.nats.import_nats` store, and each joined row's architecture string is checked
against ``config[i]["arch_str"]``. ``cifar10-valid`` rows get the ``cifar10`` values (the
same network). Added columns: ``latency_ms_<device>`` for edgegpu, raspi4, edgetpu,
pixel3, eyeriss, fpga; ``energy_mj_<device>`` for edgegpu, eyeriss, fpga; and
``eyeriss_arithmetic_intensity``. The FBNet part of the file is not imported.

Example::

    python -m nasbench_kit import nb201 NAS-Bench-201-v1_1-096897.pth -o nb201.parquet
    python -m nasbench_kit import hwnas HW-NAS-Bench-v1_0.pickle -o nb201_hw.parquet --option nb201=nb201.parquet
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ...errors import BenchmarkFormatError
from ..schema import CURVE_COLUMNS, META_KEY, TableMeta, read_table
from ._cache import StreamedTableWriter, cache_extra, is_up_to_date, source_fingerprint
from ._safe_pickle import format_error, load_pickle_bytes

__all__ = ["import_hwnas", "HW_METRICS"]

IMPORTER = "hwnas@1"
#: HW-NAS-Bench metric -> column of the kit's table.
HW_METRICS: dict[str, str] = {
    "edgegpu_latency": "latency_ms_edgegpu",
    "edgegpu_energy": "energy_mj_edgegpu",
    "raspi4_latency": "latency_ms_raspi4",
    "edgetpu_latency": "latency_ms_edgetpu",
    "pixel3_latency": "latency_ms_pixel3",
    "eyeriss_latency": "latency_ms_eyeriss",
    "eyeriss_energy": "energy_mj_eyeriss",
    "eyeriss_arithmetic_intensity": "eyeriss_arithmetic_intensity",
    "fpga_latency": "latency_ms_fpga",
    "fpga_energy": "energy_mj_fpga",
}
_DATASET = {"cifar10-valid": "cifar10", "cifar10": "cifar10", "cifar100": "cifar100", "ImageNet16-120": "ImageNet16-120"}


def import_hwnas(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    nb201: str | os.PathLike[str],
    name: str | None = None,
    progress: bool = True,
    workers: int = 2,
    force: bool = False,
) -> Path:
    """Add HW-NAS-Bench latency/energy columns to an imported NAS-Bench-201 table.

    Args:
        path: ``HW-NAS-Bench-v1_0.pickle``.
        out: the ``.parquet`` table to write (the NAS-Bench-201 table plus device columns).
        nb201: a table written by ``import nb201`` or ``import nats`` (it has ``official_index``).
        name: table name (default: ``out``'s stem).
        progress: show a progress bar.
        workers: unused (the join is vectorized); accepted for a uniform interface.
        force: import even if ``out`` is up to date.

    Returns:
        ``out``.

    Raises:
        BenchmarkFormatError: a foreign or corrupted pickle, a table without
            ``official_index``, or an architecture that does not match HW-NAS-Bench's.
    """
    from ...progress import progress_bar

    path, out, nb201 = Path(path), Path(out), Path(nb201)
    if not path.is_file():
        raise BenchmarkFormatError(f"{path}: no such file")
    if not nb201.is_file():
        raise BenchmarkFormatError(f"{nb201}: no such NAS-Bench-201 table (import it first with `import nb201`)")
    extra = cache_extra(IMPORTER, source_fingerprint(path), {"nb201": source_fingerprint(nb201)})
    if not force and is_up_to_date(out, extra):
        return out
    metrics = _read_hw(path)
    try:
        table_file = pq.ParquetFile(nb201)
        base_meta = TableMeta.from_json((table_file.schema_arrow.metadata or {})[META_KEY], source=str(nb201))
    except (OSError, pa.ArrowException, KeyError):
        read_table(nb201)  # raises the precise error (missing, truncated, not a kit table, ...)
        raise
    if "official_index" not in table_file.schema_arrow.names:
        raise format_error(nb201, "has no 'official_index' column; import NAS-Bench-201 with `import nb201` or "
                                  "`import nats` (they store the release's index HW-NAS-Bench is keyed by)")
    meta = TableMeta(
        name=name or out.stem,
        space=base_meta.space,
        source=f"{base_meta.source} + {path}",
        description=f"{base_meta.description} Device latency (ms) and energy (mJ) joined from HW-NAS-Bench "
                    f"({path.name}) by official index.",
        extra={**base_meta.extra, **extra, "hwnas_source": str(path)},
    )
    with StreamedTableWriter(out, meta) as writer:
        for i in progress_bar(range(table_file.num_row_groups), unit="chunk", enabled=progress, desc="joining"):
            group = table_file.read_row_group(i)
            writer.write(_joined(group, metrics, str(nb201)))
        return writer.close()


def _read_hw(path: Path) -> dict[str, dict[str, Any]]:
    """``{dataset: {"arch": array of str, metric: float64 array}}`` from the pickle."""
    data = load_pickle_bytes(path.read_bytes(), source=str(path))
    space = data.get("nasbench201") if isinstance(data, Mapping) else None
    if not isinstance(space, Mapping):
        keys = sorted(map(str, data))[:8] if isinstance(data, Mapping) else type(data).__name__
        raise format_error(path, f"not an HW-NAS-Bench file: expected a dict with 'nasbench201', found {keys}")
    out: dict[str, dict[str, Any]] = {}
    for dataset in ("cifar10", "cifar100", "ImageNet16-120"):
        entry = space.get(dataset)
        if not isinstance(entry, Mapping):
            raise format_error(path, f"nasbench201 has no dataset {dataset!r} (it has {sorted(map(str, space))})")
        configs = entry.get("config")
        if not isinstance(configs, (list, tuple)) or not all(isinstance(c, Mapping) and "arch_str" in c for c in configs):
            raise format_error(path, f"nasbench201/{dataset}/config must be a list of dicts with 'arch_str'")
        columns: dict[str, Any] = {"arch": np.array([c["arch_str"] for c in configs], dtype=object)}
        for metric in HW_METRICS:
            values = entry.get(metric)
            if values is None:
                raise format_error(path, f"nasbench201/{dataset} lacks metric {metric!r}")
            try:
                array = np.asarray(values, dtype=np.float64).reshape(-1)
            except (TypeError, ValueError):
                raise format_error(path, f"nasbench201/{dataset}/{metric} must hold numbers") from None
            if len(array) != len(configs):
                raise format_error(path, f"nasbench201/{dataset}/{metric} has {len(array)} values for "
                                         f"{len(configs)} architectures")
            columns[metric] = array
        out[dataset] = columns
    return out


def _numpy_column(column: pa.ChunkedArray) -> Any:
    """A column in the form ``build_table`` takes (2-D array for equal-length lists)."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        array = column.combine_chunks()
        lengths = pc.list_value_length(array).to_numpy(zero_copy_only=False)
        values = array.flatten().to_numpy(zero_copy_only=False)
        if len(lengths) and (lengths == lengths[0]).all():
            return values.reshape(len(lengths), int(lengths[0]))
        return np.split(values, np.cumsum(lengths)[:-1])
    return column.to_numpy(zero_copy_only=False)


def _joined(group: pa.Table, metrics: dict[str, dict[str, Any]], source: str) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    for name in group.column_names:
        if name in HW_METRICS.values():
            continue  # re-joined below
        column = group.column(name)
        if name in CURVE_COLUMNS or name == "epochs" or not (
            pa.types.is_list(column.type) or pa.types.is_large_list(column.type)
        ):
            columns[name] = _numpy_column(column)
        else:
            columns[name] = column.combine_chunks()
    official = columns["official_index"].astype(np.int64)
    datasets = columns["dataset"]
    arch = columns["arch"]
    n = len(official)
    added = {column: np.full(n, np.nan) for column in HW_METRICS.values()}
    for dataset in np.unique(datasets):
        hw_name = _DATASET.get(str(dataset))
        if hw_name is None:
            continue
        rows = np.flatnonzero(datasets == dataset)
        index = official[rows]
        hw = metrics[hw_name]
        if index.min(initial=0) < 0 or index.max(initial=0) >= len(hw["arch"]):
            raise format_error(source, f"official_index outside 0..{len(hw['arch']) - 1} for {dataset}")
        mismatch = hw["arch"][index] != arch[rows]
        if mismatch.any():
            row = rows[int(np.flatnonzero(mismatch)[0])]
            raise format_error(
                source, f"row {row}: official index {official[row]} is {arch[row]!r} here but "
                        f"{hw['arch'][official[row]]!r} in HW-NAS-Bench: the tables do not join"
            )
        for metric, column in HW_METRICS.items():
            added[column][rows] = hw[metric][index]
    columns.update(added)
    return columns
