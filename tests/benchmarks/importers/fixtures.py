"""Write tiny benchmark files in each official format, from the published structures.

Structures follow the official readers: NATS-Bench ``nats_bench/api_utils.py``
(``ArchResults`` / ``ResultsCount`` state dicts, ``pickle_save`` = bz2 + pickle protocol 4),
NAS-Bench-201 ``nas_201_api`` (``torch.save`` of ``{"meta_archs", "arch2infos",
"evaluated_indexes"}`` with ``{"less", "full"}`` per architecture), NAS-Bench-101
``nasbench/api.py`` + ``lib/model_metrics.proto`` (TFRecord of JSON rows with a base64
protobuf), HW-NAS-Bench ``hw_nas_bench_api`` (one pickle). Quirks of the real releases are
reproduced: the 200-epoch runs evaluate ``ori-test`` of cifar10-valid and ``x-valid`` /
``x-test`` of CIFAR-100 / ImageNet16-120 only after the last epoch; ``params`` is a
``numpy.float64`` in millions, ``flop`` a float in MFLOPs, ``latency`` a list of
``numpy.float64`` seconds, ``seed`` a zero-padded string.

Values are random but plausible; nothing here is official data.
"""

from __future__ import annotations

import base64
import bz2
import collections
import json
import pickle
import struct
from pathlib import Path
from typing import Any

import numpy as np

from nasbench_kit.spaces import NB201Space

DATASETS = ("cifar10-valid", "cifar10", "cifar100", "ImageNet16-120")
CLASSES = {"cifar10-valid": 10, "cifar10": 10, "cifar100": 100, "ImageNet16-120": 120}
EVAL_NAMES_12 = {
    "cifar10-valid": ["x-valid", "ori-test"],
    "cifar10": ["ori-test"],
    "cifar100": ["x-valid", "x-test", "ori-test"],
    "ImageNet16-120": ["x-valid", "x-test", "ori-test"],
}
SEEDS = {"12": {"cifar10-valid": [111, 777], "cifar10": [111], "cifar100": [111], "ImageNet16-120": [111]},
         "200": {d: [777, 888, 999] for d in DATASETS}}


def official_order(n: int, seed: int = 0) -> list[str]:
    """``n`` NAS-Bench-201 strings in a shuffled "official" order (differs from the kit's index)."""
    space = NB201Space()
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(space), size=n, replace=False)
    return [str(space.cell_at(int(i))) for i in picks]


def results_count(arch: str, dataset: str, seed: int, epochs: int, rng: np.random.Generator,
                  *, params_m: float, flop_m: float, latency_s: float) -> dict[str, Any]:
    """State dict of one ``ResultsCount`` (one training run)."""
    long = epochs >= 200
    train_acc = np.sort(rng.uniform(10, 99, epochs))
    train_loss = np.sort(rng.uniform(0.01, 2.3, epochs))[::-1]
    train_times = collections.OrderedDict((i, float(rng.uniform(5, 15))) for i in range(epochs))
    names = list(EVAL_NAMES_12[dataset]) if not long else (
        ["x-valid", "ori-test"] if dataset == "cifar10-valid" else
        ["ori-test"] if dataset == "cifar10" else ["ori-test", "x-valid", "x-test"]
    )
    acc, loss, times = {}, {}, {}
    for name in names:
        per_time = float(rng.uniform(0.3, 3))
        all_epochs = not long or (dataset == "cifar10-valid" and name == "x-valid") or name == "ori-test" and dataset != "cifar10-valid"
        for i in range(epochs):
            key = f"{name}@{i}"
            times[key] = per_time
            if all_epochs or i == epochs - 1:
                acc[key] = float(rng.uniform(5, 95))
                loss[key] = float(rng.uniform(0.1, 4))
    return {
        "name": dataset,
        "net_state_dict": None,
        "train_acc1es": {i: float(v) for i, v in enumerate(train_acc)},
        "train_acc5es": None if long else {i: float(min(100.0, v + 10)) for i, v in enumerate(train_acc)},
        "train_losses": {i: float(v) for i, v in enumerate(train_loss)},
        "train_times": train_times,
        "arch_config": {"channel": 16, "num_cells": 5, "arch_str": arch, "class_num": CLASSES[dataset]},
        "params": np.float64(params_m),
        "flop": float(flop_m),
        "seed": f"{seed:04d}",
        "epochs": epochs,
        "latency": [np.float64(latency_s)],
        "eval_names": names,
        "eval_acc1es": acc,
        "eval_times": times,
        "eval_losses": loss,
    }


def arch_results(index: int, arch: str, hp: str, rng: np.random.Generator, *, epochs: int | None = None,
                 datasets: tuple[str, ...] = DATASETS, inconsistent_params: bool = False) -> dict[str, Any]:
    """State dict of one ``ArchResults`` (all datasets and seeds of one schedule)."""
    epochs = epochs or int(hp)
    base = float(rng.uniform(0.07, 1.5))
    all_results, dataset_seed = {}, {}
    for dataset in datasets:
        seeds = SEEDS[hp][dataset]
        dataset_seed[dataset] = list(seeds)
        extra = (CLASSES[dataset] - 10) * 65 / 1e6
        for seed in seeds:
            params = round(base + extra, 6)
            if inconsistent_params and seed != 888:
                params += 0.01 * (seed % 7 + 1)  # the release's known per-seed inconsistency
            all_results[(dataset, seed)] = results_count(
                arch, dataset, seed, epochs, rng, params_m=params, flop_m=base * 100 + extra,
                latency_s=float(rng.uniform(0.005, 0.03)),
            )
    return {"arch_index": index, "arch_str": arch, "all_results": all_results, "dataset_seed": dataset_seed,
            "clear_net_done": True}


def nats_arch(index: int, arch: str, rng: np.random.Generator, *, long_epochs: int = 200,
              inconsistent_params: bool = False) -> collections.OrderedDict:
    """One NATS-Bench per-architecture object: ``OrderedDict({"12": ..., "200": ...})``."""
    return collections.OrderedDict(
        [("12", arch_results(index, arch, "12", rng)),
         ("200", arch_results(index, arch, "200", rng, epochs=long_epochs, inconsistent_params=inconsistent_params))]
    )


def _pickle_save(obj: Any, path: Path) -> None:
    with bz2.BZ2File(path, "wb") as handle:  # nats_bench.api_utils.pickle_save
        pickle.dump(obj, handle, protocol=4)


def write_nats_folder(folder: Path, *, n_meta: int = 8, evaluated: tuple[int, ...] = (0, 3, 5),
                      long_epochs: int = 200, weights: bool = False, seed: int = 0) -> list[str]:
    """A ``NATS-tss-v1_0-3ffb9-simple`` (or ``-full`` with ``weights``) folder; returns meta_archs."""
    folder.mkdir(parents=True, exist_ok=True)
    meta_archs = official_order(n_meta, seed)
    _pickle_save({"meta_archs": meta_archs, "total_archs": n_meta, "arch2infos": None,
                  "evaluated_indexes": set()}, folder / "meta.pickle.pbz2")
    rng = np.random.default_rng(seed)
    for index in evaluated:
        data = nats_arch(index, meta_archs[index], rng, long_epochs=long_epochs, inconsistent_params=(index == 3))
        if weights:
            import torch

            for hp_data in data.values():
                for result in hp_data["all_results"].values():
                    result["net_state_dict"] = collections.OrderedDict(
                        [("stem.0.weight", torch.randn(16, 3, 3, 3)), ("classifier.bias", torch.randn(10))]
                    )
                hp_data["clear_net_done"] = False
        _pickle_save(data, folder / f"{index:06d}.pickle.pbz2")
    return meta_archs


def write_nats_file(path: Path, *, n_meta: int = 8, evaluated: tuple[int, ...] = (0, 3, 5), long_epochs: int = 200,
                    seed: int = 0) -> list[str]:
    """The single-file release ``NATS-tss-v1_0-3ffb9.pickle.pbz2``; returns meta_archs."""
    meta_archs = official_order(n_meta, seed)
    rng = np.random.default_rng(seed)
    arch2infos = {i: nats_arch(i, meta_archs[i], rng, long_epochs=long_epochs, inconsistent_params=(i == 3))
                  for i in evaluated}
    with bz2.BZ2File(path, "wb") as handle:
        pickle.dump({"meta_archs": meta_archs, "total_archs": n_meta, "arch2infos": arch2infos,
                     "evaluated_indexes": set(evaluated)}, handle, protocol=4)
    return meta_archs


def nb201_data(*, n_meta: int = 8, evaluated: tuple[int, ...] = (0, 3, 5), version: str = "v1_1",
               long_epochs: int = 200, seed: int = 0) -> dict[str, Any]:
    """The object stored in ``NAS-Bench-201-v1_{0,1}-*.pth`` (v1.0: ``less`` has cifar10-valid only)."""
    meta_archs = official_order(n_meta, seed)
    rng = np.random.default_rng(seed)
    less_datasets = ("cifar10-valid",) if version == "v1_0" else DATASETS
    arch2infos = {
        i: {"less": arch_results(i, meta_archs[i], "12", rng, datasets=less_datasets),
            "full": arch_results(i, meta_archs[i], "200", rng, epochs=long_epochs)}
        for i in evaluated
    }
    return {"meta_archs": meta_archs, "arch2infos": arch2infos, "evaluated_indexes": list(evaluated)}


def write_nb201_pth(path: Path, *, legacy: bool = True, **kwargs: Any) -> dict[str, Any]:
    """A NAS-Bench-201 ``.pth`` written by ``torch.save`` (legacy or zip format); returns the data."""
    import torch

    data = nb201_data(**kwargs)
    torch.save(data, path, _use_new_zipfile_serialization=not legacy)
    return data


# --- NAS-Bench-101 ----------------------------------------------------------------------------

#: Two cells and their official hashes, from the public NAS-Bench-101 data (see REFERENCE.md).
NB101_REFERENCE = [
    ("ff92c322c5d9d3d587d9c146a63d0807",
     [[0, 1, 0, 1, 0, 0, 0], [0, 0, 1, 1, 1, 0, 0], [0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
     ["input", "conv3x3-bn-relu", "conv1x1-bn-relu", "conv1x1-bn-relu", "conv3x3-bn-relu", "conv1x1-bn-relu",
      "output"], 6_315_018),
    ("ff93c77223eb3d2ae6cff01d50fe271e",
     [[0, 1, 1, 0, 0, 1, 1], [0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 1, 0, 0],
      [0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
     ["input", "maxpool3x3", "maxpool3x3", "conv1x1-bn-relu", "conv1x1-bn-relu", "conv1x1-bn-relu", "output"],
     6_616_458),
]


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _double(field: int, value: float) -> bytes:
    return _varint(field << 3 | 1) + struct.pack("<d", value)


def model_metrics(evaluations: list[dict[str, float]], params: int, total_time: float) -> bytes:
    """``nasbench.ModelMetrics`` wire bytes, encoded by hand (field numbers of model_metrics.proto)."""
    out = b""
    for ev in evaluations:
        body = b"".join(_double(n, ev[k]) for n, k in enumerate(
            ("current_epoch", "training_time", "train_accuracy", "validation_accuracy", "test_accuracy"), start=1))
        body += _varint(6 << 3 | 2) + _varint(len(b"ckpt")) + b"ckpt"
        out += _varint(1 << 3 | 2) + _varint(len(body)) + body
    return out + _varint(2 << 3 | 0) + _varint(params) + _double(3, total_time)


def _masked_crc(data: bytes) -> int:
    import google_crc32c

    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def tfrecord(data: bytes) -> bytes:
    """One TFRecord: length, masked CRC32C of the length, data, masked CRC32C of the data."""
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", _masked_crc(length)) + data + struct.pack("<I", _masked_crc(data))


def nb101_rows(cells: list[tuple[str, list[list[int]], list[str], int]], budgets: tuple[int, ...],
               seed: int = 0) -> list[dict[str, Any]]:
    """The runs a fixture file holds: 3 repeats per cell and budget, as plain dicts."""
    rng = np.random.default_rng(seed)
    rows = []
    for digest, matrix, ops, params in cells:
        for epochs in budgets:
            for repeat in range(3):
                evs = []
                for frac in (0.0, 0.5, 1.0):
                    evs.append({"current_epoch": epochs * frac, "training_time": epochs * frac * 11.0 + repeat,
                                "train_accuracy": float(rng.uniform(0.1, 1.0)) if frac else 0.1,
                                "validation_accuracy": float(rng.uniform(0.1, 0.95)),
                                "test_accuracy": float(rng.uniform(0.1, 0.95))})
                rows.append({"hash": digest, "epochs": epochs, "matrix": matrix, "ops": ops, "params": params,
                             "repeat": repeat, "evaluations": evs})
    return rows


def write_nb101_tfrecord(path: Path, rows: list[dict[str, Any]]) -> None:
    """A ``nasbench_*.tfrecord`` holding ``rows`` (from :func:`nb101_rows`)."""
    with open(path, "wb") as handle:
        for row in rows:
            adjacency = "".join(str(x) for r in row["matrix"] for x in r)
            metrics = model_metrics(row["evaluations"], row["params"], 1234.5)
            payload = json.dumps([row["hash"], row["epochs"], adjacency, ",".join(row["ops"]),
                                  base64.b64encode(metrics).decode("ascii")])
            handle.write(tfrecord(payload.encode("utf-8")))


# --- HW-NAS-Bench -----------------------------------------------------------------------------

HW_METRIC_NAMES = ("edgegpu_latency", "edgegpu_energy", "raspi4_latency", "edgetpu_latency", "pixel3_latency",
                   "eyeriss_latency", "eyeriss_energy", "eyeriss_arithmetic_intensity", "fpga_latency", "fpga_energy")


def hwnas_data(meta_archs: list[str], seed: int = 0) -> dict[str, Any]:
    """``HW-NAS-Bench-v1_0.pickle`` content for the architectures ``meta_archs`` (official order)."""
    rng = np.random.default_rng(seed)
    space: dict[str, Any] = {}
    for dataset, classes in (("cifar10", 10), ("cifar100", 100), ("ImageNet16-120", 120)):
        entry: dict[str, Any] = {}
        for k, metric in enumerate(HW_METRIC_NAMES):
            values = rng.uniform(0.1, 30, len(meta_archs))
            entry[metric] = values if k % 2 else values.tolist()  # arrays and lists both occur
        entry["config"] = [{"name": "infer.tiny", "C": 16, "N": 5, "arch_str": a, "num_classes": classes}
                           for a in meta_archs]
        space[dataset] = entry
    fbnet = {metric: {"ConvNorm_H32_W32_Cin3_Cout16_kernel3_stride1_group1": 0.5} for metric in HW_METRIC_NAMES[:3]}
    return {"nasbench201": space, "fbnet": fbnet}


def write_hwnas(path: Path, meta_archs: list[str], seed: int = 0) -> dict[str, Any]:
    """Write the HW-NAS-Bench pickle; returns its content."""
    data = hwnas_data(meta_archs, seed)
    with open(path, "wb") as handle:
        pickle.dump(data, handle)
    return data
