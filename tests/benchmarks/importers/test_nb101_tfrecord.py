"""NAS-Bench-101 TFRecord importer: framing, checksums, JSON rows, ModelMetrics protobuf, official hashes."""

from __future__ import annotations

import numpy as np
import pytest

from nasbench_kit.benchmarks.importers import import_nb101
from nasbench_kit.benchmarks.importers._tfrecord import crc32c, iter_records, masked_crc32c
from nasbench_kit.benchmarks.schema import read_table
from nasbench_kit.errors import BenchmarkFormatError
from nasbench_kit.spaces.nb101 import Cell101, NB101Space
from tests.benchmarks.importers import fixtures

pytest.importorskip("google_crc32c")


def cells():
    extra = Cell101([[0, 1, 1], [0, 0, 1], [0, 0, 0]], ["input", "maxpool3x3", "output"])
    return fixtures.NB101_REFERENCE + [(NB101Space().canonical(extra), [list(r) for r in extra.matrix],
                                        list(extra.ops), 1_000_000)]


@pytest.fixture(scope="module")
def full_file(tmp_path_factory):
    rows = fixtures.nb101_rows(cells(), budgets=(4, 12, 36, 108))
    path = tmp_path_factory.mktemp("nb101") / "nasbench_full.tfrecord"
    fixtures.write_nb101_tfrecord(path, rows)
    return path, rows


def test_crc32c_check_value():
    assert crc32c(b"123456789") == 0xE3069283  # the standard CRC-32C check value
    assert masked_crc32c(b"") == ((0 >> 15 | 0 << 17) + 0xA282EAD8) & 0xFFFFFFFF


def test_every_run_becomes_a_row_with_the_recorded_values(full_file, tmp_path):
    path, rows = full_file
    frame = read_table(import_nb101(path, tmp_path / "t.parquet", progress=False, workers=1, verify_hashes=-1))[0]
    frame = frame.to_pandas()
    assert len(frame) == len(rows) == 3 * 4 * 3
    for row, (_, got) in zip(rows, frame.iterrows()):
        half, final = row["evaluations"][1], row["evaluations"][2]
        assert got.canonical == row["hash"] and got.schedule_epochs == row["epochs"] and got.seed == row["repeat"]
        assert list(got.epochs) == [row["epochs"] // 2, row["epochs"]]
        np.testing.assert_allclose(got.valid_acc, [half["validation_accuracy"] * 100, final["validation_accuracy"] * 100],
                                   rtol=1e-6)
        np.testing.assert_allclose(got.train_seconds, [half["training_time"], final["training_time"]], rtol=1e-6)
        assert got.params == row["params"] and np.isnan(got.flops) and np.isnan(got.test_loss).all()


def test_keys_are_official_hashes_that_nb101space_joins(full_file, tmp_path):
    path, _ = full_file
    frame = read_table(import_nb101(path, tmp_path / "t.parquet", progress=False, workers=1))[0].to_pandas()
    space = NB101Space()
    for arch, digest in set(zip(frame.arch, frame.canonical)):
        assert space.canonical(Cell101.from_string(arch)) == digest
    assert {"ff92c322c5d9d3d587d9c146a63d0807", "ff93c77223eb3d2ae6cff01d50fe271e"} <= set(frame.canonical)


def test_two_workers_and_cache(full_file, tmp_path):
    path, _ = full_file
    one = read_table(import_nb101(path, tmp_path / "a.parquet", progress=False, workers=1))[0].to_pandas()
    out = import_nb101(path, tmp_path / "b.parquet", progress=False, workers=2)
    two = read_table(out)[0].to_pandas()
    assert one[["canonical", "seed", "schedule_epochs", "params"]].equals(two[["canonical", "seed", "schedule_epochs", "params"]])
    stamp = out.stat().st_mtime_ns
    import_nb101(path, out, progress=False, workers=2)
    assert out.stat().st_mtime_ns == stamp


def _write(tmp_path, data: bytes):
    path = tmp_path / "nasbench_only108.tfrecord"
    path.write_bytes(data)
    return path


def test_corrupted_truncated_and_foreign_files(full_file, tmp_path):
    path, _ = full_file
    data = bytearray(path.read_bytes())
    data[100] ^= 0x01  # one flipped bit inside the first record's data
    with pytest.raises(BenchmarkFormatError, match="only108.tfrecord: bad data checksum of the record at byte 0"):
        import_nb101(_write(tmp_path, bytes(data)), tmp_path / "o.parquet", progress=False, workers=1)
    with pytest.raises(BenchmarkFormatError, match="truncated"):
        import_nb101(_write(tmp_path, path.read_bytes()[:-10]), tmp_path / "o.parquet", progress=False, workers=1)
    with pytest.raises(BenchmarkFormatError, match="not a TFRecord"):
        import_nb101(_write(tmp_path, b"PAR1" + bytes(100)), tmp_path / "o.parquet", progress=False, workers=1)
    assert not (tmp_path / "o.parquet").exists()


def test_well_framed_but_wrong_content(tmp_path):
    bad_json = fixtures.tfrecord(b"not json")
    with pytest.raises(BenchmarkFormatError, match="not a JSON row"):
        import_nb101(_write(tmp_path, bad_json), tmp_path / "o.parquet", progress=False, workers=1)
    digest, matrix, ops, _ = fixtures.NB101_REFERENCE[0]
    row = fixtures.nb101_rows([(digest, matrix, ops, 5)], budgets=(108,))[0]
    row["hash"] = "0" * 32  # a key that is not the cell's hash
    path = tmp_path / "wrong.tfrecord"
    fixtures.write_nb101_tfrecord(path, [row])
    with pytest.raises(BenchmarkFormatError, match="hashes to ff92c322c5d9d3d587d9c146a63d0807"):
        import_nb101(path, tmp_path / "o.parquet", progress=False, workers=1)


def test_iter_records_reads_frames():
    import io

    frames = fixtures.tfrecord(b"a") + fixtures.tfrecord(b"bc")
    assert [d for _o, d in iter_records(io.BytesIO(frames), source="x")] == [b"a", b"bc"]
