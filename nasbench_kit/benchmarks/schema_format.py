"""Benchmark table format v1, its definitions: constants, column types, :class:`TableMeta`.

The lowest layer of the table format; the format itself (columns, units) is described in
:mod:`nasbench_kit.benchmarks.schema`, the public face of these modules:

* ``schema_format`` (this module): what the format is; imports no other ``schema*`` module;
* :mod:`~nasbench_kit.benchmarks.schema_io`: checking a table (``validate_table``) and
  moving it to and from parquet files; imports this module;
* :mod:`~nasbench_kit.benchmarks.schema_build`: building a table from plain columns;
  imports this module and ``schema_io`` (a built table is validated);
* :mod:`~nasbench_kit.benchmarks.schema`: re-exports the public names of all three.

Import from :mod:`nasbench_kit.benchmarks.schema` (its ``__all__`` lists the public
names of all three modules); the column kinds (``_STRING`` ...) and ``_COLUMNS`` are
private to the ``schema*`` modules.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from ..errors import BenchmarkFormatError

SCHEMA_VERSION = 1
#: Key of the JSON :class:`TableMeta` in the parquet schema metadata.
META_KEY = b"nasbench_kit"
#: Values allowed for ``TableMeta.space``.
SPACES: tuple[str, ...] = ("nb201", "nb101", "macro", "custom")

ACCURACY_COLUMNS: tuple[str, ...] = ("train_acc", "valid_acc", "test_acc")
LOSS_COLUMNS: tuple[str, ...] = ("train_loss", "valid_loss", "test_loss")
#: Per-epoch float columns, each a list aligned with ``epochs``.
CURVE_COLUMNS: tuple[str, ...] = ACCURACY_COLUMNS + LOSS_COLUMNS + ("train_seconds",)
LATENCY_PREFIX = "latency_ms_"
ENERGY_PREFIX = "energy_mj_"

_STRING, _INT, _FLOAT, _INT_LIST, _FLOAT_LIST = "string", "integer", "float", "list<int>", "list<float>"
# Column -> (kind, arrow type written by build_table).
_COLUMNS: dict[str, tuple[str, pa.DataType]] = {
    "arch": (_STRING, pa.string()),
    "arch_index": (_INT, pa.int32()),
    "canonical": (_STRING, pa.string()),
    "dataset": (_STRING, pa.string()),
    "schedule_epochs": (_INT, pa.int16()),
    "seed": (_INT, pa.int32()),
    "epochs": (_INT_LIST, pa.list_(pa.int16())),
    **{name: (_FLOAT_LIST, pa.list_(pa.float32())) for name in CURVE_COLUMNS},
    "params": (_INT, pa.int64()),
    "flops": (_FLOAT, pa.float64()),
}
#: Every column a table must have, in the order ``build_table`` writes them.
REQUIRED_COLUMNS: tuple[str, ...] = tuple(_COLUMNS)


@dataclass(frozen=True)
class TableMeta:
    """What a table is: stored as JSON in the parquet file's schema metadata.

    Args:
        name: short name, e.g. ``"nb201-cifar"``.
        space: the search space the ``arch`` strings belong to, one of :data:`SPACES`.
        source: the file(s) or command the table came from.
        description: free text (what was trained, how, by whom).
        extra: further string key/value pairs (e.g. ``{"flops_unit": "count"}``).

    Raises:
        BenchmarkFormatError: if a field has the wrong type or ``space`` is unknown.

    Example:
        >>> TableMeta("demo", "nb201", "synthetic").space
        'nb201'
    """

    name: str
    space: str
    source: str
    description: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for attr in ("name", "space", "source", "description"):
            value = getattr(self, attr)
            if not isinstance(value, str):
                raise BenchmarkFormatError(f"TableMeta.{attr} must be a str, got {type(value).__name__} {value!r}")
        if not self.name:
            raise BenchmarkFormatError("TableMeta.name must not be empty")
        if self.space not in SPACES:
            raise BenchmarkFormatError(f"TableMeta.space {self.space!r} is not one of {SPACES}")
        if not isinstance(self.extra, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.extra.items()
        ):
            raise BenchmarkFormatError(f"TableMeta.extra must map str to str, got {self.extra!r}")
        object.__setattr__(self, "extra", dict(self.extra))

    def to_json(self) -> str:
        """The JSON stored under :data:`META_KEY` (with ``schema_version``)."""
        return json.dumps(
            {
                "schema_version": SCHEMA_VERSION,
                "name": self.name,
                "space": self.space,
                "source": self.source,
                "description": self.description,
                "extra": dict(self.extra),
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str | bytes, *, source: str) -> TableMeta:
        """Parse :meth:`to_json` output; ``source`` names the file in error messages.

        Raises:
            BenchmarkFormatError: if the JSON is malformed, from a newer schema version,
                or lacks a required field.
        """
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError) as err:
            raise BenchmarkFormatError(f"{source}: nasbench_kit metadata is not valid JSON ({err})") from None
        if not isinstance(data, dict):
            raise BenchmarkFormatError(f"{source}: nasbench_kit metadata must be a JSON object, got {data!r}")
        version = data.get("schema_version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise BenchmarkFormatError(f"{source}: metadata has no integer 'schema_version' (got {version!r})")
        if version > SCHEMA_VERSION:
            raise BenchmarkFormatError(
                f"{source}: table format version {version} is newer than this kit understands "
                f"(version {SCHEMA_VERSION}); upgrade nasbench_kit"
            )
        if version < 1:
            raise BenchmarkFormatError(f"{source}: unknown table format version {version}")
        missing = [key for key in ("name", "space", "source") if key not in data]
        if missing:
            raise BenchmarkFormatError(f"{source}: metadata lacks {missing}; it has {sorted(data)}")
        try:
            return cls(
                name=data["name"],
                space=data["space"],
                source=data["source"],
                description=data.get("description", ""),
                extra=data.get("extra", {}),
            )
        except BenchmarkFormatError as err:
            raise BenchmarkFormatError(f"{source}: {err}") from None


def device_columns(names: Sequence[str], prefix: str) -> dict[str, str]:
    """Map device name -> column for the columns starting with ``prefix``.

    Example:
        >>> device_columns(["arch", "latency_ms_cpu1t"], LATENCY_PREFIX)
        {'cpu1t': 'latency_ms_cpu1t'}
    """
    return {name[len(prefix) :]: name for name in names if name.startswith(prefix)}
