"""Shared fixtures: tiny official-format files, written once per test session."""

from __future__ import annotations

import pytest

from tests.benchmarks.importers import fixtures


@pytest.fixture(scope="session")
def nats_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nats") / "NATS-tss-v1_0-3ffb9-simple"
    meta_archs = fixtures.write_nats_folder(folder)
    return folder, meta_archs


@pytest.fixture(scope="session")
def nats_table(nats_folder, tmp_path_factory):
    from nasbench_kit.benchmarks.importers import import_nats
    from nasbench_kit.benchmarks.schema import read_table

    out = import_nats(nats_folder[0], tmp_path_factory.mktemp("nats_out") / "nats.parquet", progress=False, workers=1)
    return out, read_table(out)[0].to_pandas()
