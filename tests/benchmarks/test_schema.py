"""Table format v1: building, validation, atomic writing and reading with clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_kit.benchmarks import schema
from nasbench_kit.benchmarks.schema import (
    META_KEY,
    REQUIRED_COLUMNS,
    TableMeta,
    build_table,
    read_table,
    validate_table,
    write_table,
)
from nasbench_kit.errors import BenchmarkFormatError
from tests.benchmarks.synthetic import TINY_META, tiny_columns, tiny_table


def test_build_table_has_exact_types_and_metadata():
    table = tiny_table()
    types = {f.name: f.type for f in table.schema}
    assert types["arch"] == pa.string()
    assert types["arch_index"] == pa.int32()
    assert types["schedule_epochs"] == pa.int16()
    assert types["seed"] == pa.int32()
    assert types["epochs"] == pa.list_(pa.int16())
    assert types["valid_acc"] == pa.list_(pa.float32())
    assert types["train_seconds"] == pa.list_(pa.float32())
    assert types["params"] == pa.int64()
    assert types["flops"] == pa.float64()
    assert types["latency_ms_cpu1t"] == pa.float64()
    assert pa.types.is_dictionary(types["dataset"])  # low-cardinality strings are dictionary-encoded
    meta = json.loads(table.schema.metadata[META_KEY])
    assert meta["schema_version"] == 1 and meta["name"] == "tiny" and meta["space"] == "custom"


def test_write_then_read_round_trips(tmp_path: Path):
    table = tiny_table()
    path = write_table(table, tmp_path / "sub" / "tiny.parquet")  # creates the folder
    read, meta = read_table(path)
    assert meta == TINY_META
    assert read.column("arch").to_pylist() == ["a", "a", "b", "b"]
    assert read.column("valid_acc").to_pylist() == table.column("valid_acc").to_pylist()
    assert np.isnan(read.column("test_loss").to_pylist()[0]).all()
    assert read.column("train_seconds").to_pylist()[0] == [2.0, 4.0, 6.0]
    assert pq.read_metadata(path).row_group(0).column(0).compression == "ZSTD"


def test_ragged_list_columns_are_accepted():
    # NB101-style: one run records epochs [2, 4], another only [4].
    cols = tiny_columns(n_epochs=4)
    ragged = [np.array([2, 4]), np.array([4]), np.array([2, 4]), np.array([4])]
    cols["epochs"] = ragged
    for name in schema.CURVE_COLUMNS:
        cols[name] = [np.full(len(e), 5.0) * e for e in ragged]
    table = build_table(cols, TINY_META)
    assert table.column("epochs").to_pylist() == [[2, 4], [4], [2, 4], [4]]


def test_params_in_millions_are_refused_with_a_hint():
    with pytest.raises(BenchmarkFormatError, match="multiply by 1e6"):
        tiny_table(params=[0.1, 0.1, 0.3, 0.3])
    table = tiny_table(params=[100.0, 100.0, np.nan, np.nan])  # whole floats and unknown (NaN) are fine
    assert table.column("params").to_pylist() == [100, 100, None, None]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"arch": ["a", "a", "b"]}, "has 4 rows, but 'arch' has 3"),
        ({"seed": ["x", "y", "z", "w"]}, "'seed' must hold integers"),
        ({"arch": ["a", "a", "", "b"]}, "non-empty strings"),
        ({"valid_acc": np.full((4, 3), 150.0)}, "accuracy in percent"),
        ({"train_loss": -np.ones((4, 3))}, "'train_loss'"),
        ({"epochs": np.tile([1, 3, 2], (4, 1))}, "strictly increasing"),
        ({"epochs": np.tile([0, 1, 2], (4, 1))}, "1-based"),
        ({"schedule_epochs": [2, 2, 2, 2]}, "beyond its schedule_epochs=2"),
        ({"valid_acc": np.ones((4, 2))}, "has 2 value"),
        ({"train_seconds": np.tile([3.0, 2.0, 4.0], (4, 1))}, "cumulative"),
        ({"seed": [0, 0, 0, 1]}, "appears more than once"),
        ({"canonical": ["a", "x", "b", "b"]}, "more than one value of 'canonical'"),
        ({"arch_index": [1, 2, -1, -1]}, "more than one value of 'arch_index'"),
        ({"seed": [0, 1, 0, 2**40]}, "outside the range of int32"),
        ({"latency_ms_cpu-1t": [1.0, 1.0, 1.0, 1.0]}, "device name"),
    ],
)
def test_bad_columns_raise_a_clear_error(change, message):
    with pytest.raises(BenchmarkFormatError, match=message):
        tiny_table(**change)


def test_missing_columns_are_named_with_the_required_list():
    cols = tiny_columns()
    del cols["valid_acc"], cols["flops"]
    with pytest.raises(BenchmarkFormatError, match=r"missing column\(s\) \['valid_acc', 'flops'\]") as err:
        build_table(cols, TINY_META)
    assert "required columns are" in str(err.value)


def test_table_meta_validates_fields():
    with pytest.raises(BenchmarkFormatError, match="space 'nb999' is not one of"):
        TableMeta("x", "nb999", "src")
    with pytest.raises(BenchmarkFormatError, match="extra must map str to str"):
        TableMeta("x", "nb201", "src", extra={"a": 1})
    assert TableMeta.from_json(TINY_META.to_json(), source="s") == TINY_META


def test_validate_table_reports_missing_columns_and_wrong_types():
    table = tiny_table()
    with pytest.raises(BenchmarkFormatError, match=r"src: missing column\(s\) \['valid_acc'\]"):
        validate_table(table.drop_columns(["valid_acc"]), source="src")
    bad = table.set_column(table.schema.get_field_index("params"), "params", pa.array(["1"] * 4))
    with pytest.raises(BenchmarkFormatError, match="column 'params' has type string, expected int64"):
        validate_table(bad, source="src")
    foreign = table.replace_schema_metadata({})
    with pytest.raises(BenchmarkFormatError, match="not a nasbench_kit benchmark table"):
        validate_table(foreign, source="src")


# --- files ------------------------------------------------------------------------------------


@pytest.fixture()
def tiny_file(tmp_path: Path) -> Path:
    return write_table(tiny_table(), tmp_path / "tiny.parquet")


def test_missing_and_empty_files(tmp_path: Path):
    with pytest.raises(BenchmarkFormatError, match=r"nope\.parquet: no such file"):
        read_table(tmp_path / "nope.parquet")
    (tmp_path / "empty.parquet").write_bytes(b"")
    with pytest.raises(BenchmarkFormatError, match=r"empty\.parquet: the file is empty"):
        read_table(tmp_path / "empty.parquet")
    with pytest.raises(BenchmarkFormatError, match="not a file"):
        read_table(tmp_path)


def test_truncated_file_is_named_and_explained(tiny_file: Path):
    data = tiny_file.read_bytes()
    cut = tiny_file.with_name("cut.parquet")
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(BenchmarkFormatError, match=r"cut\.parquet: .*truncated"):
        read_table(cut)


def test_corrupted_file_is_named(tiny_file: Path):
    data = bytearray(tiny_file.read_bytes())
    footer_length = int.from_bytes(data[-8:-4], "little")
    start = len(data) - 8 - footer_length
    data[start : start + 40] = b"\xff" * 40  # garble the footer metadata
    bad = tiny_file.with_name("garbled.parquet")
    bad.write_bytes(bytes(data))
    with pytest.raises(BenchmarkFormatError, match=r"garbled\.parquet: .*corrupted"):
        read_table(bad)


def test_foreign_files_are_refused(tmp_path: Path):
    csv = tmp_path / "table.parquet"
    csv.write_text("arch,valid_acc\na,1\n")
    with pytest.raises(BenchmarkFormatError, match="not a parquet file"):
        read_table(csv)
    plain = tmp_path / "plain.parquet"
    pq.write_table(pa.table({"arch": ["a"]}), plain)
    with pytest.raises(BenchmarkFormatError, match=r"plain\.parquet: no 'nasbench_kit' metadata.*import csv"):
        read_table(plain)


def test_newer_format_version_is_refused(tmp_path: Path):
    table = tiny_table()
    meta = json.loads(table.schema.metadata[META_KEY])
    meta["schema_version"] = 99
    path = tmp_path / "future.parquet"
    pq.write_table(table.replace_schema_metadata({META_KEY: json.dumps(meta)}), path)
    with pytest.raises(BenchmarkFormatError, match="version 99 is newer"):
        read_table(path)


def test_failed_write_leaves_the_old_file_and_no_temporary(tiny_file: Path, monkeypatch: pytest.MonkeyPatch):
    before = tiny_file.read_bytes()

    def half_write(table, where, **kwargs):
        Path(where).write_bytes(b"PAR1 half")
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", half_write)
    with pytest.raises(OSError, match="disk full"):
        write_table(tiny_table(valid_acc=np.full((4, 3), 33.0)), tiny_file)
    assert tiny_file.read_bytes() == before
    assert sorted(p.name for p in tiny_file.parent.iterdir()) == ["tiny.parquet"]


def test_invalid_table_is_not_written(tmp_path: Path):
    table = tiny_table().drop_columns(["flops"])
    with pytest.raises(BenchmarkFormatError):
        write_table(table, tmp_path / "x.parquet")
    assert list(tmp_path.iterdir()) == []


@settings(max_examples=25, deadline=None)
@given(
    n_runs=st.integers(1, 6),
    n_epochs=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_tables_round_trip_exactly(tmp_path_factory, n_runs, n_epochs, seed):
    rng = np.random.default_rng(seed)
    acc = rng.uniform(0, 100, (n_runs, n_epochs)).astype(np.float32)
    acc[rng.random((n_runs, n_epochs)) < 0.2] = np.nan
    cols = {
        "arch": [f"arch{i}" for i in range(n_runs)],
        "arch_index": np.full(n_runs, -1),
        "canonical": [f"c{i % 2}" for i in range(n_runs)],
        "dataset": ["d"] * n_runs,
        "schedule_epochs": np.full(n_runs, n_epochs + 1),
        "seed": rng.integers(0, 5, n_runs),
        "epochs": np.tile(np.arange(1, n_epochs + 1), (n_runs, 1)),
        **{name: acc for name in schema.ACCURACY_COLUMNS},
        **{name: rng.uniform(0, 3, (n_runs, n_epochs)) for name in schema.LOSS_COLUMNS},
        "train_seconds": np.cumsum(rng.uniform(0, 10, (n_runs, n_epochs)), axis=1),
        "params": rng.integers(0, 10**9, n_runs),
        "flops": rng.uniform(0, 1e9, n_runs),
    }
    path = write_table(build_table(cols, TINY_META), tmp_path_factory.mktemp("rt") / "t.parquet")
    table, _ = read_table(path)
    assert table.column_names[: len(REQUIRED_COLUMNS)] == list(REQUIRED_COLUMNS)
    got = np.array(table.column("valid_acc").to_pylist(), dtype=np.float32)
    np.testing.assert_array_equal(got, acc)
    np.testing.assert_array_equal(table.column("params").to_numpy(), cols["params"])


def test_empty_table_is_refused():
    cols = {k: (v[:0] if isinstance(v, np.ndarray) else list(v)[:0]) for k, v in tiny_columns().items()}
    with pytest.raises(BenchmarkFormatError, match="the table has no runs"):
        build_table(cols, TINY_META)


def test_written_tables_are_readable_by_others(tmp_path):
    """mkstemp creates 0600 files; a written table must get the usual umask permissions."""
    import os
    import stat

    from tests.benchmarks.synthetic import tiny_table

    old = os.umask(0o022)
    try:
        path = write_table(tiny_table(), tmp_path / "t.parquet")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
