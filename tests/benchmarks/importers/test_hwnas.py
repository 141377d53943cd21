"""HW-NAS-Bench latency/energy joined onto an imported NAS-Bench-201 table by official index."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from nasbench_kit.benchmarks.importers import import_hwnas
from nasbench_kit.benchmarks.importers.hwnas import HW_METRICS
from nasbench_kit.benchmarks.schema import read_table
from nasbench_kit.errors import BenchmarkFormatError
from tests.benchmarks.importers import fixtures


@pytest.fixture(scope="module")
def hw_file(nats_folder, tmp_path_factory):
    path = tmp_path_factory.mktemp("hw") / "HW-NAS-Bench-v1_0.pickle"
    return path, fixtures.write_hwnas(path, nats_folder[1])


def test_device_columns_joined_by_official_index(nats_table, hw_file, tmp_path):
    path, data = hw_file
    out = import_hwnas(path, tmp_path / "hw.parquet", nb201=nats_table[0], progress=False)
    table, meta = read_table(out)
    frame = table.to_pandas()
    assert len(frame) == len(nats_table[1])
    assert "latency_ms_edgegpu" in frame and "energy_mj_fpga" in frame and "eyeriss_arithmetic_intensity" in frame
    for row in frame.itertuples():
        hw = data["nasbench201"]["cifar10" if row.dataset == "cifar10-valid" else row.dataset]
        assert hw["config"][row.official_index]["arch_str"] == row.arch
        for metric, column in HW_METRICS.items():
            assert getattr(row, column) == pytest.approx(float(hw[metric][row.official_index]))
    # accuracy columns are kept: accuracy and edge-device latency side by side
    np.testing.assert_array_equal(frame.valid_acc.iloc[0], nats_table[1].valid_acc.iloc[0])
    assert "HW-NAS-Bench" in meta.description


def test_a_table_that_does_not_join_is_refused(nats_table, nats_folder, tmp_path):
    shifted = nats_folder[1][1:] + nats_folder[1][:1]  # HW-NAS-Bench in another order
    path = tmp_path / "HW-NAS-Bench-v1_0.pickle"
    fixtures.write_hwnas(path, shifted)
    with pytest.raises(BenchmarkFormatError, match="do not join"):
        import_hwnas(path, tmp_path / "o.parquet", nb201=nats_table[0], progress=False)
    assert not (tmp_path / "o.parquet").exists()


def test_foreign_pickle_and_missing_official_index(nats_table, hw_file, tmp_path):
    foreign = tmp_path / "foreign.pickle"
    foreign.write_bytes(pickle.dumps({"fbnet": {}}))
    with pytest.raises(BenchmarkFormatError, match="foreign.pickle: not an HW-NAS-Bench file"):
        import_hwnas(foreign, tmp_path / "o.parquet", nb201=nats_table[0], progress=False)
    import pyarrow.parquet as pq

    plain = tmp_path / "plain.parquet"
    pq.write_table(pq.read_table(nats_table[0]).drop(["official_index"]), plain)
    with pytest.raises(BenchmarkFormatError, match="official_index"):
        import_hwnas(hw_file[0], tmp_path / "o.parquet", nb201=plain, progress=False)
