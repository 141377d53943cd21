"""NAS-Bench-201 .pth importer (legacy and zip torch formats, v1.0 and v1.1), checked against nas_201_api."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from nasbench_kit.benchmarks.importers import import_nb201
from nasbench_kit.benchmarks.schema import read_table
from nasbench_kit.errors import BenchmarkFormatError
from tests.benchmarks.importers import fixtures
from tests.benchmarks.importers.official import compare_with_official

# A streaming failure would fall back to a whole-file load with a warning: make it fail the tests.
pytestmark = pytest.mark.filterwarnings("error::UserWarning")

torch = pytest.importorskip("torch", reason="the fixtures are written with torch.save, as the release was")


@pytest.fixture(scope="module")
def legacy_pth(tmp_path_factory):
    path = tmp_path_factory.mktemp("nb201") / "NAS-Bench-201-v1_1-096897.pth"
    return path, fixtures.write_nb201_pth(path, legacy=True, long_epochs=30)


@pytest.mark.parametrize("legacy", [True, False])
def test_matches_the_official_reader_on_every_value(tmp_path, legacy):
    nas_201_api = pytest.importorskip("nas_201_api", reason="the official nas-bench-201 package is not installed")
    path = tmp_path / "NAS-Bench-201-v1_1-096897.pth"
    fixtures.write_nb201_pth(path, legacy=legacy, long_epochs=30, evaluated=(1, 4))
    frame = read_table(import_nb201(path, tmp_path / "t.parquet", progress=False, workers=1))[0].to_pandas()
    # The official reader calls torch.load(path), whose weights_only default (torch >= 2.6) refuses
    # the release's numpy scalars; give it the dict torch.load returns for our own trusted fixture.
    api = nas_201_api.NASBench201API(torch.load(path, weights_only=False), verbose=False)
    assert compare_with_official(api, frame) > 1_500


def test_rows_and_indices(legacy_pth, tmp_path):
    path, data = legacy_pth
    frame = read_table(import_nb201(path, tmp_path / "t.parquet", progress=False, workers=1))[0].to_pandas()
    assert len(frame) == 3 * 17
    for row in frame.itertuples():
        assert row.arch == data["meta_archs"][row.official_index]
    assert set(frame.schedule_epochs) == {12, 30}


def test_version_1_0_has_only_cifar10_valid_in_the_12_epoch_schedule(tmp_path):
    path = tmp_path / "NAS-Bench-201-v1_0-e61699.pth"
    fixtures.write_nb201_pth(path, version="v1_0", long_epochs=30, evaluated=(2,))
    frame = read_table(import_nb201(path, tmp_path / "t.parquet", progress=False, workers=1))[0].to_pandas()
    assert set(frame[frame.schedule_epochs == 12].dataset) == {"cifar10-valid"}
    assert len(frame[frame.schedule_epochs == 30]) == 12


def test_streaming_many_architectures_with_two_workers(tmp_path):
    # > 1000 architectures: several SETITEMS batches in the pickle, items cut out one by one
    path = tmp_path / "big.pth"
    data = fixtures.nb201_data(n_meta=1100, evaluated=tuple(range(1100)), long_epochs=3)
    for value in data["arch2infos"].values():
        value["less"] = fixtures.arch_results(value["full"]["arch_index"], value["full"]["arch_str"], "12",
                                              np.random.default_rng(0), epochs=2, datasets=("cifar10-valid",))
    torch.save(data, path, _use_new_zipfile_serialization=False)
    out = import_nb201(path, tmp_path / "t.parquet", progress=False, workers=2)
    frame = read_table(out)[0].to_pandas()
    assert frame.official_index.nunique() == 1100 and len(frame) == 1100 * (12 + 2)
    row = frame[(frame.official_index == 1099) & (frame.dataset == "cifar100") & (frame.seed == 888)].iloc[0]
    ref = data["arch2infos"][1099]["full"]["all_results"][("cifar100", 888)]
    np.testing.assert_allclose(row.train_acc, [ref["train_acc1es"][i] for i in range(3)], rtol=1e-6)


def test_archive_folder_of_full_files(tmp_path):
    data = fixtures.nb201_data(evaluated=(0, 6), long_epochs=20)
    folder = tmp_path / "NAS-Bench-201-v1_1-archive"
    folder.mkdir()
    for index, value in data["arch2infos"].items():
        torch.save(value, folder / f"{index:06d}-FULL.pth")
    frame = read_table(import_nb201(folder, tmp_path / "t.parquet", progress=False, workers=1))[0].to_pandas()
    assert sorted(frame.official_index.unique()) == [0, 6] and len(frame) == 2 * 17


@pytest.mark.parametrize("cut", [0.3, 0.9])
def test_truncated_file(legacy_pth, tmp_path, cut):
    path, _ = legacy_pth
    broken = tmp_path / "NAS-Bench-201-v1_1-096897.pth"
    broken.write_bytes(path.read_bytes()[: int(path.stat().st_size * cut)])
    out = tmp_path / "o.parquet"
    with pytest.raises(BenchmarkFormatError, match="NAS-Bench-201-v1_1-096897.pth.*truncated"):
        import_nb201(broken, out, progress=False, workers=1)
    assert not out.exists()


def test_foreign_and_non_torch_files(tmp_path):
    foreign = tmp_path / "foreign.pth"
    torch.save({"state_dict": {"w": torch.zeros(2)}}, foreign)
    with pytest.raises(BenchmarkFormatError, match="foreign.pth: not a NAS-Bench-201"):
        import_nb201(foreign, tmp_path / "o.parquet", progress=False, workers=1)
    plain = tmp_path / "plain.pth"
    plain.write_bytes(pickle.dumps({"meta_archs": []}))
    with pytest.raises(BenchmarkFormatError, match="plain.pth: not a torch"):
        import_nb201(plain, tmp_path / "o.parquet", progress=False, workers=1)


def test_wrong_types_name_the_architecture(tmp_path):
    data = fixtures.nb201_data(evaluated=(0, 1), long_epochs=20)
    data["arch2infos"][1]["full"]["all_results"][("cifar100", 777)]["train_acc1es"] = "high"
    path = tmp_path / "bad.pth"
    torch.save(data, path, _use_new_zipfile_serialization=False)
    with pytest.raises(BenchmarkFormatError, match="bad.pth: architecture 1.*cifar100 seed 777: train_acc1es"):
        import_nb201(path, tmp_path / "o.parquet", progress=False, workers=1)


def test_the_release_layout_streams_item_by_item(legacy_pth):
    from nasbench_kit.benchmarks.importers._pickle_stream import PickleItemStream
    from nasbench_kit.benchmarks.importers._safe_pickle import torch_data_stream

    path, data = legacy_pth
    with open(path, "rb") as handle:
        stream, kind, _close = torch_data_stream(handle, source=str(path))
        items = list(PickleItemStream(stream, source=str(path), key="arch2infos"))
    assert kind == "legacy" and [item.key for item in items] == sorted(data["arch2infos"])


def test_a_layout_that_cannot_be_streamed_falls_back_with_a_warning(tmp_path):
    # Items sharing a container object (here one list) cannot be cut apart: whole-file load, same rows.
    data = fixtures.nb201_data(evaluated=(0, 1, 2), long_epochs=20)
    shared = ["x-valid", "ori-test"]
    for value in data["arch2infos"].values():
        value["less"]["all_results"][("cifar10-valid", 111)]["eval_names"] = shared
    path = tmp_path / "shared.pth"
    torch.save(data, path, _use_new_zipfile_serialization=False)
    with pytest.warns(UserWarning, match="loading the whole file instead"):
        out = import_nb201(path, tmp_path / "t.parquet", progress=False, workers=1)
    assert read_table(out)[0].num_rows == 3 * 17
