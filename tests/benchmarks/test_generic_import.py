"""Generic CSV / parquet import, and the `info` / `import csv` commands."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nasbench_kit.benchmarks import load_benchmark
from nasbench_kit.benchmarks.commands import describe_benchmark
from nasbench_kit.benchmarks.importers.generic import import_generic
from nasbench_kit.errors import BenchmarkFormatError, UnknownNameError
from nasbench_kit.spaces.nb201 import NB201Space

SPACE = NB201Space()
CELLS = [SPACE.cell_at(i) for i in (0, 10, 1234, 9999)]


def _wide(tmp_path: Path, **extra) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "arch": [str(c) for c in CELLS],
            "valid_acc": [10.0, 55.5, 80.25, 91.0],
            "test_acc": [9.0, 54.0, 79.0, 90.5],
            "params": [1000, 2000, 3000, 4000],
            "latency_ms_pixel3": [1.0, 2.0, 3.0, 4.5],
            "note": ["x", "y", "z", "w"],
        }
    )
    for k, v in extra.items():
        frame[k] = v
    return frame


def test_wide_csv_round_trip(tmp_path: Path):
    _wide(tmp_path).to_csv(tmp_path / "mine.csv", index=False)
    out = import_generic(tmp_path / "mine.csv", tmp_path / "mine.parquet", dataset="cifar10", schedule_epochs=200,
                         progress=False)
    bench = load_benchmark(out)
    assert bench.name == "mine" and bench.datasets == ("cifar10",) and bench.schedules() == (200,)
    record = bench.query(CELLS[2])
    assert record.epoch == 200 and record.seed is None and record.seeds == (0,)
    assert record.final.valid_acc == pytest.approx(80.25) and record.final.test_acc == pytest.approx(79.0)
    assert np.isnan(record.final.train_loss) and np.isnan(record.flops)
    assert record.params == 3000 and record.latency_ms == {"pixel3": 3.0}
    assert record.arch_index == 1234 and record.canonical == SPACE.canonical(CELLS[2])
    assert bench.frame["note"].tolist() == ["x", "y", "z", "w"]  # extra columns are kept
    assert "no seed column" in bench.meta.extra["seed"]


def test_long_csv_with_epochs_and_seeds(tmp_path: Path):
    rows = []
    for i, cell in enumerate(CELLS[:2]):
        for seed in (0, 1):
            for epoch in (1, 2, 3):
                rows.append({"architecture": str(cell), "dataset": "toy", "seed": seed, "epoch": epoch,
                             "val_acc": 0.1 * epoch + 0.01 * seed + 0.1 * i, "train_seconds": 2.0 * epoch,
                             "lr": 0.1 / epoch, "params": 500 + i})
    path = tmp_path / "curves.parquet"
    pd.DataFrame(rows).sample(frac=1.0, random_state=0).to_parquet(path)  # shuffled rows
    out = import_generic(path, tmp_path / "out.parquet", arch_column="architecture", columns={"val_acc": "valid_acc"},
                         accuracy_unit="fraction", progress=False)
    bench = load_benchmark(out)
    assert bench.schedules() == (3,) and bench.seeds() == (0, 1)
    record = bench.query(CELLS[1], seed=1)
    np.testing.assert_allclose(record.curve.valid_acc, [100 * (0.1 * e + 0.01 + 0.1) for e in (1, 2, 3)], rtol=1e-6)
    np.testing.assert_allclose(record.curve.train_seconds, [2.0, 4.0, 6.0])
    assert record.params == 501
    assert "lr" not in bench.frame.columns and "lr" in bench.meta.extra["dropped_columns"]
    assert "last epoch recorded" in bench.meta.extra["schedule_epochs"]


def test_custom_space_keeps_strings(tmp_path: Path):
    pd.DataFrame({"arch": ["resnet18", "vgg11"], "valid_acc": [93.0, 91.0], "dataset": "c10"}).to_csv(
        tmp_path / "zoo.csv", index=False)
    bench = load_benchmark(import_generic(tmp_path / "zoo.csv", tmp_path / "zoo.parquet", space="custom",
                                          schedule_epochs=90, progress=False))
    assert bench.archs == ("resnet18", "vgg11") and bench.canonicals == ("resnet18", "vgg11")
    assert bench.query("vgg11").arch_index == -1 and bench.query("vgg11").final.valid_acc == 91.0


@pytest.mark.parametrize(
    ("kwargs", "frame_change", "message"),
    [
        ({"dataset": "d"}, {}, "pass schedule_epochs=N"),
        ({"schedule_epochs": 5}, {}, "no 'dataset' column; pass dataset="),
        ({"dataset": "d", "schedule_epochs": 5, "arch_column": "cell"}, {}, r"no architecture column 'cell'; it has \["),
        ({"dataset": "d", "schedule_epochs": 5}, {"valid_acc": [0.1, 0.5, 0.8, 0.9], "test_acc": 0.5},
         "look like fractions; pass accuracy_unit='fraction'"),
        ({"dataset": "d", "schedule_epochs": 5}, {"dataset": "x"}, "dataset='d' is ambiguous"),
        ({"dataset": "d", "schedule_epochs": 5, "columns": {"nope": "valid_acc"}}, {}, r"\['nope'\] \(to rename\) do not exist"),
        ({"dataset": "d", "schedule_epochs": 5}, {"arch": ["|none~0|"] * 4}, r"mine\.csv: row 0: arch '\|none~0\|' is not a nb201"),
        ({"dataset": "d", "schedule_epochs": 5}, {"arch": [str(CELLS[0])] * 4}, "appears more than once"),
        ({"dataset": "d", "schedule_epochs": 5}, {"params": [0.1, 0.2, 0.3, 0.4]}, "multiply by 1e6"),
    ],
)
def test_bad_inputs_name_the_file_and_write_nothing(tmp_path: Path, kwargs, frame_change, message):
    frame = _wide(tmp_path)
    for column, values in frame_change.items():
        frame[column] = values
    frame.to_csv(tmp_path / "mine.csv", index=False)
    with pytest.raises(BenchmarkFormatError, match=message):
        import_generic(tmp_path / "mine.csv", tmp_path / "out.parquet", progress=False, **kwargs)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.csv"]


def test_unreadable_and_unknown_inputs(tmp_path: Path):
    with pytest.raises(BenchmarkFormatError, match=r"nothing\.csv: no such file"):
        import_generic(tmp_path / "nothing.csv", tmp_path / "o.parquet")
    (tmp_path / "t.xlsx").write_text("x")
    with pytest.raises(BenchmarkFormatError, match="unknown file type"):
        import_generic(tmp_path / "t.xlsx", tmp_path / "o.parquet")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(BenchmarkFormatError, match=r"empty\.csv: cannot be read"):
        import_generic(tmp_path / "empty.csv", tmp_path / "o.parquet")
    with pytest.raises(UnknownNameError, match="space 'nb999' is unknown"):
        import_generic(tmp_path / "empty.csv", tmp_path / "o.parquet", space="nb999")
    with pytest.raises(UnknownNameError, match="accuracy_unit 'ratio'"):
        import_generic(tmp_path / "empty.csv", tmp_path / "o.parquet", accuracy_unit="ratio")


def test_a_kit_table_is_validated_and_copied(tmp_path: Path, synthetic_path: Path):
    out = import_generic(synthetic_path, tmp_path / "copy.parquet", progress=False)
    assert load_benchmark(out).name == "synthetic-nb201"


# --- commands -----------------------------------------------------------------------------------


def test_info_describes_the_table(synthetic_path: Path, capsys):
    from nasbench_kit.cli import main

    assert main(["info", str(synthetic_path)]) == 0
    text = capsys.readouterr().out
    assert "synthetic-nb201" in text and "62,500 runs of 15,625 architectures (6,466 canonical classes)" in text
    assert "synth-a, 12-epoch schedule: 31,250 runs, seeds [0, 1], epochs 1..12" in text
    assert "space coverage: 15,625 of 15,625" in text and "latency_ms on: cpu1t" in text
    assert describe_benchmark(load_benchmark(synthetic_path)) in text


def test_info_reports_errors_without_a_traceback(tmp_path: Path, capsys):
    from nasbench_kit.cli import main

    (tmp_path / "cut.parquet").write_bytes(b"PAR1 and then nothing")
    assert main(["info", str(tmp_path / "cut.parquet")]) == 1  # a failure, not a usage error
    assert "cut.parquet: the parquet footer is missing: the file is truncated" in capsys.readouterr().err


def test_import_csv_command(tmp_path: Path, capsys):
    from nasbench_kit.cli import main

    _wide(tmp_path).to_csv(tmp_path / "mine.csv", index=False)
    out = tmp_path / "cli.parquet"
    code = main(["import", "csv", str(tmp_path / "mine.csv"), "-o", str(out), "--dataset", "c10",
                 "--schedule-epochs", "12", "--name", "from-cli", "--no-progress"])
    assert code == 0 and f"wrote {out}" in capsys.readouterr().out
    assert load_benchmark(out).name == "from-cli"
    assert main(["import", "csv", str(tmp_path / "mine.csv"), "-o", str(out), "--option", "colour=1"]) == 2
    assert "takes no option(s) ['colour']" in capsys.readouterr().err
    assert main(["import", "xls", "a", "-o", "b.parquet"]) == 2
    assert "invalid choice: 'xls'" in capsys.readouterr().err


def test_empty_identity_cells_are_reported(tmp_path: Path):
    frame = _wide(tmp_path)
    frame["dataset"] = ["a", None, "b", "c"]
    frame.to_csv(tmp_path / "holes.csv", index=False)
    with pytest.raises(BenchmarkFormatError, match=r"holes\.csv: row 1: column 'dataset' is empty"):
        import_generic(tmp_path / "holes.csv", tmp_path / "o.parquet", schedule_epochs=1, progress=False)
