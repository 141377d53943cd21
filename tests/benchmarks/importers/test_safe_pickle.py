"""The restricted unpickler: plain data loads, code never runs, torch files load without torch."""

from __future__ import annotations

import collections
import os
import pickle

import numpy as np
import pytest

from nasbench_kit.benchmarks.importers._safe_pickle import TensorInfo, load_pbz2, load_pickle_bytes, load_torch
from nasbench_kit.errors import BenchmarkFormatError


class _WritesFile:
    """A pickle that, if executed, creates a file (what an attacker would do)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


class _OpensFile:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.mark.parametrize("payload", [_WritesFile, _OpensFile])
def test_malicious_pickle_is_refused_and_nothing_runs(tmp_path, payload):
    target = tmp_path / "pwned"
    blob = pickle.dumps({"meta_archs": [], "x": payload(str(target))})
    with pytest.raises(BenchmarkFormatError) as info:
        load_pickle_bytes(blob, source="evil.pth")
    assert not target.exists()
    message = str(info.value)
    assert "evil.pth" in message and "refused to load global" in message and "nothing from it was executed" in message


def test_malicious_pbz2_and_torch_files_are_refused(tmp_path):
    import bz2

    target = tmp_path / "pwned"
    path = tmp_path / "000000.pickle.pbz2"
    path.write_bytes(bz2.compress(pickle.dumps(_WritesFile(str(target)))))
    with pytest.raises(BenchmarkFormatError, match="refused to load global"):
        load_pbz2(path)
    torch = pytest.importorskip("torch")
    pth = tmp_path / "evil.pth"
    torch.save({"a": _WritesFile(str(target))}, pth)
    with pytest.raises(BenchmarkFormatError, match="refused to load global"):
        load_torch(pth)
    assert not target.exists()


def test_plain_data_numpy_and_ordered_dicts_round_trip():
    data = {
        "od": collections.OrderedDict([(0, 1.5), (1, 2.5)]),
        "scalar": np.float64(0.129306),
        "array": np.arange(6, dtype=np.float32).reshape(2, 3),
        "set": {1, 2},
        "bytes": b"\x00\xff",
        "tuple_key": {("cifar10", 777): [np.float64(0.01)]},
    }
    for protocol in (2, 4):
        got = load_pickle_bytes(pickle.dumps(data, protocol=protocol), source="x")
        assert got["od"] == data["od"] and isinstance(got["od"], collections.OrderedDict)
        assert got["scalar"] == data["scalar"] and got["scalar"].dtype == np.float64
        np.testing.assert_array_equal(got["array"], data["array"])
        assert got["set"] == {1, 2} and got["bytes"] == b"\x00\xff"
        assert got["tuple_key"][("cifar10", 777)][0] == np.float64(0.01)


def test_object_arrays_are_refused():
    with pytest.raises(BenchmarkFormatError, match="object"):
        load_pickle_bytes(pickle.dumps(np.array([{"a": 1}], dtype=object)), source="x")


@pytest.mark.parametrize("blob, what", [(b"", "empty"), (pickle.dumps({"a": list(range(100))})[:-20], "truncated"),
                                         (b"\x80\x04\xff\xff", "not a valid")])
def test_truncated_or_garbage_pickles_give_clear_errors(blob, what):
    with pytest.raises(BenchmarkFormatError, match=what):
        load_pickle_bytes(blob, source="file.pickle")


@pytest.mark.parametrize("legacy", [True, False])
def test_torch_files_load_without_torch_both_formats(tmp_path, legacy):
    torch = pytest.importorskip("torch")
    weights = collections.OrderedDict([("w", torch.randn(4, 3)), ("b", torch.arange(5, dtype=torch.int64)),
                                       ("t", torch.randn(6, 4)[::2, 1:])])
    data = {"meta_archs": ["a"], "weights": weights, "nested": {"x": [1, 2.5]}}
    path = tmp_path / "file.pth"
    torch.save(data, path, _use_new_zipfile_serialization=not legacy)
    reference = torch.load(path, weights_only=False)
    got = load_torch(path, tensors="numpy")
    assert got["meta_archs"] == ["a"] and got["nested"] == {"x": [1, 2.5]}
    for key, tensor in reference["weights"].items():
        np.testing.assert_array_equal(got["weights"][key], tensor.numpy())
    skipped = load_torch(path)  # default: storages not read
    assert skipped["weights"]["w"] == TensorInfo((4, 3), "float32")


def test_not_a_torch_file_and_truncated_torch_file(tmp_path):
    torch = pytest.importorskip("torch")
    foreign = tmp_path / "foreign.pth"
    foreign.write_bytes(pickle.dumps([1, 2, 3]))
    with pytest.raises(BenchmarkFormatError, match="not a torch"):
        load_torch(foreign)
    path = tmp_path / "cut.pth"
    torch.save({"a": list(range(1000))}, path, _use_new_zipfile_serialization=False)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(BenchmarkFormatError, match="cut.pth"):
        load_torch(path)
