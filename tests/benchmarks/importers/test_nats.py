"""NATS-Bench topology importer: folder ("simple" / "full") and single file, checked against nats_bench."""

from __future__ import annotations

import bz2
import os
import pickle
import shutil

import numpy as np
import pytest

from nasbench_kit.benchmarks.importers import import_nats
from nasbench_kit.benchmarks.schema import read_table
from nasbench_kit.errors import BenchmarkFormatError
from nasbench_kit.spaces import Cell201, NB201Space
from tests.benchmarks.importers import fixtures
from tests.benchmarks.importers.official import compare_with_official

# A streaming failure would fall back to a whole-file load with a warning: make it fail the tests.
pytestmark = pytest.mark.filterwarnings("error::UserWarning")


def test_folder_matches_the_official_reader_on_every_value(nats_folder, nats_table):
    nats_bench = pytest.importorskip("nats_bench", reason="the official nats_bench package is not installed")
    api = nats_bench.create(str(nats_folder[0]), "tss", fast_mode=True, verbose=False)
    _out, frame = nats_table
    assert compare_with_official(api, frame) > 5_000


def test_rows_units_and_indices(nats_folder, nats_table):
    folder, meta_archs = nats_folder
    _out, frame = nats_table
    space = NB201Space()
    # 3 archs x (12 epochs: 5 runs, 200 epochs: 12 runs)
    assert len(frame) == 3 * 17
    assert sorted(frame.official_index.unique()) == [0, 3, 5]
    for row in frame.drop_duplicates("official_index").itertuples():
        cell = Cell201.from_string(meta_archs[row.official_index])
        assert row.arch == meta_archs[row.official_index]
        assert row.arch_index == space.index(cell) and row.canonical == space.canonical(cell)
    assert (frame.params > 50_000).all()  # a count, not millions
    long = frame[frame.schedule_epochs == 200]
    assert long.epochs.map(len).eq(200).all() and long.epochs.iloc[0][0] == 1
    c100 = long[long.dataset == "cifar100"].iloc[0]
    assert np.isnan(c100.valid_acc[:-1]).all() and not np.isnan(c100.valid_acc[-1])  # x-valid only at the end
    assert not np.isnan(c100.valtest_acc).any()
    c10 = frame[frame.dataset == "cifar10"]
    assert c10.valid_acc.map(lambda v: np.isnan(v).all()).all()  # no validation split
    assert np.all(np.diff(c100.train_seconds) > 0)


def test_seeds_that_disagree_on_params_take_seed_888(nats_table):
    _out, frame = nats_table
    arch3 = frame[(frame.official_index == 3) & (frame.schedule_epochs == 200)]
    for _dataset, group in arch3.groupby("dataset"):
        assert group.params.nunique() == 1


def test_single_file_gives_the_same_table_as_the_folder(tmp_path, nats_table):
    path = tmp_path / "NATS-tss-v1_0-3ffb9.pickle.pbz2"
    fixtures.write_nats_file(path)
    out = import_nats(path, tmp_path / "single.parquet", progress=False, workers=1)
    single = read_table(out)[0].to_pandas()
    folder = nats_table[1]
    key = ["official_index", "schedule_epochs", "dataset", "seed"]
    single, folder = single.sort_values(key).reset_index(drop=True), folder.sort_values(key).reset_index(drop=True)
    assert single[key + ["params", "flops"]].equals(folder[key + ["params", "flops"]])
    for column in ("train_acc", "valid_acc", "test_loss", "train_seconds", "valtest_acc"):
        for a, b in zip(single[column], folder[column]):
            np.testing.assert_array_equal(a, b)


def test_single_file_matches_the_official_reader(tmp_path):
    nats_bench = pytest.importorskip("nats_bench", reason="the official nats_bench package is not installed")
    path = tmp_path / "NATS-tss-v1_0-3ffb9.pickle.pbz2"
    fixtures.write_nats_file(path, long_epochs=20, evaluated=(1, 2))
    out = import_nats(path, tmp_path / "t.parquet", progress=False, workers=1)
    api = nats_bench.api_topology.NATStopology(str(path), fast_mode=False, verbose=False)
    assert compare_with_official(api, read_table(out)[0].to_pandas()) > 500


def test_full_folder_with_weights_skips_the_tensors(tmp_path):
    pytest.importorskip("torch")
    folder = tmp_path / "NATS-tss-v1_0-3ffb9-full"
    fixtures.write_nats_folder(folder, evaluated=(2,), long_epochs=20, weights=True)
    frame = read_table(import_nats(folder, tmp_path / "t.parquet", progress=False, workers=1))[0].to_pandas()
    assert len(frame) == 17 and set(frame.official_index) == {2}


def assert_same_rows(a, b) -> None:
    """Tables equal value by value (NaN equal to NaN)."""
    assert a.column_names == b.column_names and a.num_rows == b.num_rows
    for name in a.column_names:
        for x, y in zip(a.column(name).to_pylist(), b.column(name).to_pylist()):
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_two_worker_processes_give_the_same_table(nats_folder, nats_table, tmp_path):
    out = import_nats(nats_folder[0], tmp_path / "w2.parquet", progress=False, workers=2)
    assert_same_rows(read_table(out)[0], read_table(nats_table[0])[0])


def test_import_is_cached_until_the_source_changes_or_force(tmp_path):
    folder = tmp_path / "simple"
    fixtures.write_nats_folder(folder, evaluated=(0,), long_epochs=20)
    out = import_nats(folder, tmp_path / "t.parquet", progress=False, workers=1)
    stamp = out.stat().st_mtime_ns
    assert import_nats(folder, out, progress=False, workers=1) == out and out.stat().st_mtime_ns == stamp
    import_nats(folder, out, progress=False, workers=1, force=True)
    assert out.stat().st_mtime_ns != stamp
    stamp = out.stat().st_mtime_ns
    fixtures.write_nats_folder(folder, evaluated=(0, 1), long_epochs=20)  # a new architecture file
    import_nats(folder, out, progress=False, workers=1)
    assert out.stat().st_mtime_ns != stamp and len(read_table(out)[0]) == 2 * 17


@pytest.fixture()
def small_folder(tmp_path):
    folder = tmp_path / "NATS-tss-v1_0-3ffb9-simple"
    fixtures.write_nats_folder(folder, evaluated=(0, 1), long_epochs=20)
    return folder


def _expect_error(folder, out, *fragments):
    with pytest.raises(BenchmarkFormatError) as info:
        import_nats(folder, out, progress=False, workers=1)
    for fragment in fragments:
        assert fragment in str(info.value)
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]  # nothing half-written


def test_truncated_architecture_file(small_folder, tmp_path):
    file = small_folder / "000001.pickle.pbz2"
    file.write_bytes(file.read_bytes()[:300])
    _expect_error(small_folder, tmp_path / "o.parquet", "000001.pickle.pbz2", "truncated")


def test_corrupted_and_foreign_files(small_folder, tmp_path):
    file = small_folder / "000001.pickle.pbz2"
    data = bytearray(file.read_bytes())
    data[200] ^= 0xFF
    file.write_bytes(bytes(data))
    _expect_error(small_folder, tmp_path / "o.parquet", "000001.pickle.pbz2")
    file.write_bytes(b"PK\x03\x04 not bzip2 at all")
    _expect_error(small_folder, tmp_path / "o.parquet", "000001.pickle.pbz2", "not a bzip2")


def test_wrong_keys_and_types(small_folder, tmp_path):
    file = small_folder / "000001.pickle.pbz2"
    data = pickle.loads(bz2.decompress(file.read_bytes()))
    data["12"]["all_results"][("cifar10", 111)]["epochs"] = "twelve"
    file.write_bytes(bz2.compress(pickle.dumps(data, protocol=4)))
    _expect_error(small_folder, tmp_path / "o.parquet", "000001.pickle.pbz2", "epochs must be a positive int")
    del data["200"]["dataset_seed"]
    data["12"]["all_results"][("cifar10", 111)]["epochs"] = 12
    file.write_bytes(bz2.compress(pickle.dumps(data, protocol=4)))
    _expect_error(small_folder, tmp_path / "o.parquet", "lacks key(s) ['dataset_seed']")


def test_a_pickle_that_would_run_code(small_folder, tmp_path):
    target = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {target}",))

    (small_folder / "000001.pickle.pbz2").write_bytes(bz2.compress(pickle.dumps({"12": Evil()})))
    _expect_error(small_folder, tmp_path / "o.parquet", "refused to load global")
    assert not target.exists()


def test_missing_meta_and_mismatching_arch(small_folder, tmp_path):
    file = small_folder / "000001.pickle.pbz2"
    data = pickle.loads(bz2.decompress(file.read_bytes()))
    other = fixtures.official_order(20, seed=5)[-1]
    for hp in data.values():
        hp["arch_str"] = other
    file.write_bytes(bz2.compress(pickle.dumps(data, protocol=4)))
    _expect_error(small_folder, tmp_path / "o.parquet", "does not match meta_archs")
    (small_folder / "meta.pickle.pbz2").unlink()
    _expect_error(small_folder, tmp_path / "o.parquet", "no meta.pickle.pbz2")


def test_failed_reimport_leaves_the_previous_table(small_folder, tmp_path):
    out = import_nats(small_folder, tmp_path / "t.parquet", progress=False, workers=1)
    before = out.read_bytes()
    (small_folder / "000001.pickle.pbz2").write_bytes(b"BZh9 garbage")
    with pytest.raises(BenchmarkFormatError):
        import_nats(small_folder, out, progress=False, workers=1, force=True)
    assert out.read_bytes() == before


def test_truncated_single_file(tmp_path):
    path = tmp_path / "NATS-tss-v1_0-3ffb9.pickle.pbz2"
    fixtures.write_nats_file(path, long_epochs=20, evaluated=(0, 1, 2))
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(BenchmarkFormatError, match="NATS-tss-v1_0-3ffb9.pickle.pbz2"):
        import_nats(path, tmp_path / "o.parquet", progress=False, workers=1)
    assert not (tmp_path / "o.parquet").exists()
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_the_single_file_layout_streams_item_by_item(tmp_path):
    from nasbench_kit.benchmarks.importers._nb201_import import open_stream
    from nasbench_kit.benchmarks.importers._pickle_stream import PickleItemStream

    path = tmp_path / "NATS-tss-v1_0-3ffb9.pickle.pbz2"
    fixtures.write_nats_file(path, long_epochs=20, evaluated=(0, 2, 4, 6))
    stream, close = open_stream(path)
    try:
        assert [item.key for item in PickleItemStream(stream, source=str(path), key="arch2infos")] == [0, 2, 4, 6]
    finally:
        close()


@pytest.mark.skipif(not os.environ.get("NASBENCH_KIT_NATS_DIR"), reason="set NASBENCH_KIT_NATS_DIR to a real NATS-tss folder")
def test_real_release_folder_matches_the_official_reader(tmp_path):
    # Opt-in: e.g. the three real architecture files of D-X-Y/NATS-Bench's fake_torch_dir.
    nats_bench = pytest.importorskip("nats_bench")
    folder = os.environ["NASBENCH_KIT_NATS_DIR"]
    frame = read_table(import_nats(folder, tmp_path / "real.parquet", progress=False, workers=1))[0].to_pandas()
    api = nats_bench.create(folder, "tss", fast_mode=True, verbose=False)
    assert compare_with_official(api, frame) > 0
