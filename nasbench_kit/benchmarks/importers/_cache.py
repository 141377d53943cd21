"""Import caching and streamed, atomic table writing for the importers.

An import records in the table's metadata (``extra``) the importer and version, a
fingerprint of the source (sizes and modification times) and the options; importing the
same source again is skipped while the output records the same (unless ``force=True``).

:class:`StreamedTableWriter` writes a table chunk by chunk (each chunk built and
validated with :func:`~nasbench_kit.benchmarks.schema.build_table`) to a temporary file
next to the output, renamed into place only when complete, so memory stays bounded by a
chunk and the output path never holds a half-written table.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ...errors import BenchmarkFormatError
from ..schema import META_KEY, TableMeta, build_table

__all__ = ["source_fingerprint", "is_up_to_date", "StreamedTableWriter", "cache_extra"]


def source_fingerprint(path: str | os.PathLike[str], *, pattern: str = "*") -> str:
    """Sizes and modification times of a file, or of a folder's files matching ``pattern``.

    Raises:
        BenchmarkFormatError: if ``path`` does not exist.
    """
    path = Path(path)
    if path.is_file():
        stat = path.stat()
        return f"file:{stat.st_size}:{stat.st_mtime_ns}"
    if path.is_dir():
        count = total = newest = 0
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_file() and Path(entry.name).match(pattern):
                    stat = entry.stat()
                    count += 1
                    total += stat.st_size
                    newest = max(newest, stat.st_mtime_ns)
        return f"dir:{count}:{total}:{newest}"
    raise BenchmarkFormatError(f"{path}: no such file or folder")


def cache_extra(importer: str, fingerprint: str, options: Mapping[str, Any]) -> dict[str, str]:
    """The metadata entries that identify an import."""
    return {
        "importer": importer,
        "source_fingerprint": fingerprint,
        "import_options": json.dumps(dict(options), sort_keys=True, default=str),
    }


def is_up_to_date(out: str | os.PathLike[str], extra: Mapping[str, str]) -> bool:
    """Whether ``out`` is a kit table recording exactly these import entries (cheap: footer only)."""
    out = Path(out)
    if not out.is_file():
        return False
    try:
        metadata = pq.read_schema(out).metadata or {}
        recorded = TableMeta.from_json(metadata[META_KEY], source=str(out)).extra
    except (OSError, pa.ArrowException, KeyError, ValueError):
        return False
    return all(recorded.get(k) == v for k, v in extra.items())


def _same_schema(a: pa.Schema, b: pa.Schema) -> bool:
    return a.remove_metadata().equals(b.remove_metadata())


class StreamedTableWriter:
    """Write a benchmark table in chunks; the file appears at ``out`` only on :meth:`close`.

    Args:
        out: the output ``.parquet`` path.
        meta: the table's :class:`TableMeta` (stored in the file).

    Use as a context manager: an exception inside the ``with`` block removes the
    temporary file and leaves ``out`` as it was.

    Example:
        >>> import numpy as np, tempfile, pathlib
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.parquet"
        >>> curve = np.array([[50.0]], dtype=np.float32)
        >>> cols = {"arch": ["a"], "arch_index": [-1], "canonical": ["a"], "dataset": ["d"],
        ...         "schedule_epochs": [1], "seed": [0], "epochs": np.array([[1]]),
        ...         **{c: curve for c in ("train_acc", "valid_acc", "test_acc", "train_loss",
        ...                              "valid_loss", "test_loss", "train_seconds")},
        ...         "params": [1], "flops": [1.0]}
        >>> with StreamedTableWriter(out, TableMeta("t", "custom", "doctest")) as writer:
        ...     writer.write(cols)
        ...     _ = writer.close()  # commits the table; leaving the block without close() drops it
        >>> out.exists()
        True
    """

    def __init__(self, out: str | os.PathLike[str], meta: TableMeta) -> None:
        self.out = Path(out)
        self.meta = meta
        self.rows = 0
        self._writer: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None
        self.out.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.out.parent, prefix=f".{self.out.name}.", suffix=".tmp")
        os.close(fd)
        self._tmp = Path(name)

    def write(self, columns: Mapping[str, Any]) -> None:
        """Validate one chunk of rows (see ``build_table``) and append it."""
        table = build_table(columns, self.meta)
        if self._writer is None:
            self._schema = table.schema
            self._writer = pq.ParquetWriter(self._tmp, table.schema, compression="zstd")
        elif not _same_schema(table.schema, self._schema):
            raise BenchmarkFormatError(
                f"{self.out}: a chunk's columns differ from the first chunk's:\n{table.schema}\nvs\n{self._schema}"
            )
        else:
            table = table.replace_schema_metadata(self._schema.metadata)
        self._writer.write_table(table)
        self.rows += table.num_rows

    def write_all(self, chunks: Iterable[Mapping[str, Any]]) -> None:
        """:meth:`write` every chunk."""
        for chunk in chunks:
            self.write(chunk)

    def close(self) -> Path:
        """Finish the file and move it to ``out`` (atomically)."""
        if self._writer is None:
            self.abort()
            raise BenchmarkFormatError(f"{self.out}: nothing to write: the source holds no runs")
        self._writer.close()
        self._writer = None
        with open(self._tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(self._tmp, self.out)
        return self.out

    def reset(self) -> None:
        """Forget every chunk written so far (start the table again)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._schema = None
        self.rows = 0
        self._tmp.write_bytes(b"")

    def abort(self) -> None:
        """Drop the temporary file; ``out`` is untouched."""
        if self._writer is not None:
            try:
                self._writer.close()
            except (OSError, pa.ArrowException):
                pass
            self._writer = None
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> StreamedTableWriter:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        # Only an explicit close() commits; an error or a forgotten close() leaves no temp file.
        if exc_type is not None or self._tmp.exists():
            self.abort()
