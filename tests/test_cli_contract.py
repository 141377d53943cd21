"""The command line's contract at the edge, over every sub-command and importer kind.

Each mistake, run as a user would (``python -m nasbench_kit ...`` in a fresh process),
must end with exactly one line on stderr, ``error: ...``, that names what was wrong; exit
status 2 for a usage error, 1 for a failure of a well-formed command; no traceback, and
no "internal error" (the catch-all for bugs of the kit).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from nasbench_kit import cli
from nasbench_kit.benchmarks.importers import IMPORTER_KINDS, import_generic

REPO = Path(__file__).resolve().parents[1]


class _RunsShell:
    """A pickle that would run a shell command if it were unpickled without restriction."""

    def __reduce__(self):
        return (os.system, ("echo pwned > pwned.txt",))


@pytest.fixture(scope="module")
def files(tmp_path_factory, synth_path, synth_bench) -> dict[str, str]:
    """Inputs for the matrix: a real table, a folder, broken files, a malicious pickle."""
    root = tmp_path_factory.mktemp("cli-inputs")
    (root / "folder").mkdir()
    (root / "dir.parquet").mkdir()
    (root / "empty.parquet").write_bytes(b"")
    (root / "garbage.parquet").write_bytes(b"PAR1 this is not a parquet file" * 10)
    (root / "plain.txt").write_text("just text\n")
    (root / "evil.pickle").write_bytes(pickle.dumps({"nasbench201": _RunsShell()}))
    pd.DataFrame({"arch": list(synth_bench.archs[:50]),
                  "valid_acc": synth_bench.metric_array("valid_acc", over="table")[:50],
                  "test_acc": synth_bench.metric_array("test_acc", over="table")[:50]}).to_csv(root / "good.csv",
                                                                                                 index=False)
    import_generic(root / "good.csv", root / "imported.parquet", dataset="toy", schedule_epochs=12, progress=False)
    import_generic(root / "good.csv", root / "tiny_custom.parquet", space="custom", dataset="toy",
                   schedule_epochs=12, progress=False)
    pd.DataFrame({"architecture": ["not-a-cell"] * 3, "valid_acc": [50.0] * 3}).to_csv(root / "bad.csv", index=False)
    return {"table": str(synth_path), **{p.name.replace(".", "_") if p.suffix == ".csv" else p.stem: str(p)
                                         for p in root.iterdir()}}


# (id, argv, exit status, words the one line must contain). {name} is a file of `files`;
# {work} is a fresh folder of the case (outputs go there).
CASES = [
    # the program itself
    ("no-command", [], 2, "required: COMMAND"),
    ("unknown-command", ["frobnicate"], 2, "invalid choice: 'frobnicate'"),
    # demo
    ("demo-unknown-option", ["demo", "--frob"], 2, "unrecognized arguments: --frob"),
    ("demo-seeds-zero", ["demo", "--compare-seeds", "0"], 2, "--compare-seeds: expected an int >= 1"),
    ("demo-seed-text", ["demo", "--seed", "abc"], 2, "--seed: expected an int >= 0"),
    ("demo-benchmark-missing", ["demo", "--benchmark", "{work}/none.parquet"], 2, "does not exist"),
    ("demo-benchmark-unknown-name", ["demo", "--benchmark", "nosuch", "--out", "{work}/o"], 2,
     "no benchmark named 'nosuch'"),
    ("demo-out-is-file", ["demo", "--out", "{plain}"], 2, "is a file"),
    # search
    ("search-no-out", ["search", "--benchmark", "{table}"], 2, "required: --out"),
    ("search-budget-negative", ["search", "--benchmark", "{table}", "--budget", "-5", "--out", "{work}/o"], 2,
     "Budget queries must be an int >= 1"),
    ("search-budget-unit", ["search", "--benchmark", "{table}", "--budget", "10parsecs", "--out", "{work}/o"], 2,
     "not understood"),
    ("search-budget-zero-seconds", ["search", "--benchmark", "{table}", "--budget", "0s", "--out", "{work}/o"], 2,
     "seconds must be a finite number > 0"),
    ("search-seed-text", ["search", "--benchmark", "{table}", "--seed", "abc", "--out", "{work}/o"], 2,
     "--seed: expected an int >= 0"),
    ("search-sim-workers-zero", ["search", "--benchmark", "{table}", "--sim-workers", "0", "--out", "{work}/o"], 2,
     "--sim-workers: expected an int >= 1"),
    ("search-unknown-strategy", ["search", "--benchmark", "{table}", "--strategy", "nope", "--out", "{work}/o"], 2,
     "strategy 'nope' is unknown"),
    ("search-bad-hp", ["search", "--benchmark", "{table}", "--hp", "population_size", "--out", "{work}/o"], 2,
     "NAME=VALUE"),
    ("search-bad-hp-value", ["search", "--benchmark", "{table}", "--hp", "population_size=0", "--out", "{work}/o"],
     2, "population_size"),
    ("search-unknown-hp", ["search", "--benchmark", "{table}", "--hp", "frob=1", "--out", "{work}/o"], 2, "frob"),
    ("search-bad-constraint", ["search", "--benchmark", "{table}", "--constraint", "latency<3", "--out", "{work}/o"],
     2, "METRIC<=VALUE"),
    ("search-unknown-metric", ["search", "--benchmark", "{table}", "--constraint", "speed<=3", "--out", "{work}/o"],
     2, "metric 'speed' is unknown"),
    ("search-bad-objective", ["search", "--benchmark", "{table}", "--objective", "valid_acc:up", "--out", "{work}/o"],
     2, "direction must be"),
    ("search-unknown-dataset", ["search", "--benchmark", "{table}", "--dataset", "nope", "--out", "{work}/o"], 2,
     "--dataset 'nope' is not in"),
    ("search-unknown-epoch", ["search", "--benchmark", "{table}", "--epoch", "999", "--out", "{work}/o"], 2,
     "--epoch 999 is not recorded"),
    ("search-benchmark-missing", ["search", "--benchmark", "{work}/none.parquet", "--out", "{work}/o"], 2,
     "does not exist"),
    ("search-benchmark-folder", ["search", "--benchmark", "{folder}/", "--out", "{work}/o"], 2, "is a folder"),
    ("search-benchmark-garbage", ["search", "--benchmark", "{garbage}", "--out", "{work}/o"], 1, "garbage.parquet"),
    ("search-benchmark-empty", ["search", "--benchmark", "{empty}", "--out", "{work}/o"], 1, "empty"),
    ("search-infeasible", ["search", "--benchmark", "{table}", "--constraint", "latency_ms<=0.0001", "--out",
                           "{work}/o"], 2, "no architecture"),
    ("search-out-is-file", ["search", "--benchmark", "{table}", "--out", "{plain}"], 2, "is a file"),
    ("search-out-under-file", ["search", "--benchmark", "{table}", "--out", "{plain}/sub"], 2, "is a file"),
    ("search-unknown-option", ["search", "--benchmark", "{table}", "--out", "{work}/o", "--budegt", "3"], 2,
     "unrecognized arguments: --budegt"),
    # compare
    ("compare-seeds-text", ["compare", "--benchmark", "{table}", "--seeds", "abc", "--out", "{work}/o"], 2,
     "seeds 'abc' not understood"),
    ("compare-seeds-zero", ["compare", "--benchmark", "{table}", "--seeds", "0", "--out", "{work}/o"], 2,
     "must be >= 1"),
    ("compare-seeds-backwards", ["compare", "--benchmark", "{table}", "--seeds", "9-5", "--out", "{work}/o"], 2,
     "range must run low-high"),
    ("compare-workers-zero", ["compare", "--benchmark", "{table}", "--workers", "0", "--out", "{work}/o"], 2,
     "--workers: expected an int >= 1"),
    ("compare-workers-text", ["compare", "--benchmark", "{table}", "--workers", "two", "--out", "{work}/o"], 2,
     "--workers: expected an int >= 1"),
    ("compare-no-strategies", ["compare", "--benchmark", "{table}", "--strategies", ",", "--out", "{work}/o"], 2,
     "names no strategy"),
    ("compare-unknown-strategy", ["compare", "--benchmark", "{table}", "--strategies", "random,nope", "--seeds",
                                  "2", "--budget", "5", "--out", "{work}/o"], 2, "'nope'"),
    ("compare-budget-bad", ["compare", "--benchmark", "{table}", "--budget", "lots", "--out", "{work}/o"], 2,
     "not understood"),
    # info
    ("info-no-table", ["info"], 2, "required: table"),
    ("info-missing", ["info", "{work}/none.parquet"], 2, "does not exist"),
    ("info-folder", ["info", "{folder}/"], 2, "is a folder"),
    ("info-garbage", ["info", "{garbage}"], 1, "garbage.parquet"),
    ("info-text-file", ["info", "{plain}"], 1, "plain.txt"),
    ("info-unknown-name", ["info", "nosuch"], 2, "no benchmark named 'nosuch'"),
    # datasheet
    ("datasheet-no-out", ["datasheet", "{table}"], 2, "required: -o/--out"),
    ("datasheet-out-folder-missing", ["datasheet", "{table}", "-o", "{work}/no/DATASHEET.md"], 2,
     "does not exist (create it first)"),
    ("datasheet-out-is-folder", ["datasheet", "{table}", "-o", "{folder}"], 2, "is a folder"),
    ("datasheet-garbage", ["datasheet", "{garbage}", "-o", "{work}/D.md"], 1, "garbage.parquet"),
    ("datasheet-imported-table", ["datasheet", "{imported}", "-o", "{work}/D.md"], 2, "lacks parameter counts"),
    # import: the program's own checks
    ("import-nothing", ["import"], 2, "required: KIND"),
    ("import-unknown-kind", ["import", "nb301", "{plain}", "-o", "{work}/t.parquet"], 2,
     "invalid choice: 'nb301'"),
    ("import-no-out", ["import", "csv", "{good_csv}"], 2, "required: -o/--out"),
    ("import-out-not-parquet", ["import", "csv", "{good_csv}", "-o", "{work}/t.csv"], 2, "must be a .parquet file"),
    ("import-out-folder-missing", ["import", "csv", "{good_csv}", "-o", "{work}/no/t.parquet"], 2,
     "does not exist (create it first)"),
    ("import-out-under-file", ["import", "csv", "{good_csv}", "-o", "{plain}/t.parquet"], 2, "is not a folder"),
    ("import-out-is-folder", ["import", "csv", "{good_csv}", "-o", "{dir}"], 2, "is a folder"),
    ("import-bad-option", ["import", "nb201", "{plain}", "-o", "{work}/t.parquet", "--option", "workers"], 2,
     "KEY=VALUE"),
    ("import-option-wrong-type", ["import", "nb201", "{plain}", "-o", "{work}/t.parquet", "--option",
                                  "workers=two"], 2, "must be an int"),
    ("import-option-unknown", ["import", "nb101", "{plain}", "-o", "{work}/t.parquet", "--option", "frob=1"], 2,
     "takes no option(s) ['frob']"),
    ("import-csv-flag-on-nb201", ["import", "nb201", "{plain}", "-o", "{work}/t.parquet", "--space", "nb201"], 2,
     "takes no option(s) ['space']"),
    ("import-force-without-cache", ["import", "csv", "{good_csv}", "-o", "{work}/t.parquet", "--force"], 2,
     "keeps no cache"),
    ("import-schedule-text", ["import", "csv", "{good_csv}", "-o", "{work}/t.parquet", "--schedule-epochs", "x"],
     2, "--schedule-epochs: expected an int >= 1"),
    # import: each kind
    ("import-nb201-missing", ["import", "nb201", "{work}/none.pth", "-o", "{work}/t.parquet"], 2, "does not exist"),
    ("import-nb201-text-file", ["import", "nb201", "{plain}", "-o", "{work}/t.parquet"], 1, "plain.txt"),
    ("import-nb201-empty-folder", ["import", "nb201", "{folder}", "-o", "{work}/t.parquet"], 1, "folder"),
    ("import-nats-missing", ["import", "nats", "{work}/none", "-o", "{work}/t.parquet"], 2, "does not exist"),
    ("import-nats-text-file", ["import", "nats", "{plain}", "-o", "{work}/t.parquet"], 1, "plain.txt"),
    ("import-nats-empty-folder", ["import", "nats", "{folder}", "-o", "{work}/t.parquet"], 1, "folder"),
    ("import-nb101-folder", ["import", "nb101", "{folder}", "-o", "{work}/t.parquet"], 2, "is a folder"),
    ("import-nb101-text-file", ["import", "nb101", "{plain}", "-o", "{work}/t.parquet"], 1, "plain.txt"),
    ("import-hwnas-without-nb201", ["import", "hwnas", "{evil}", "-o", "{work}/t.parquet"], 2,
     "needs --option nb201=TABLE"),
    ("import-hwnas-nb201-missing", ["import", "hwnas", "{evil}", "-o", "{work}/t.parquet", "--option",
                                    "nb201={work}/none.parquet"], 2, "is not an existing file"),
    ("import-hwnas-malicious", ["import", "hwnas", "{evil}", "-o", "{work}/t.parquet", "--option",
                                "nb201={table}"], 1, "refused to load global"),
    ("import-hwnas-folder", ["import", "hwnas", "{folder}", "-o", "{work}/t.parquet", "--option",
                             "nb201={table}"], 2, "is a folder"),
    ("import-csv-missing", ["import", "csv", "{work}/none.csv", "-o", "{work}/t.parquet"], 2, "does not exist"),
    ("import-csv-no-arch-column", ["import", "csv", "{bad_csv}", "-o", "{work}/t.parquet"], 1,
     "no architecture column 'arch'"),
    ("import-csv-bad-archs", ["import", "csv", "{bad_csv}", "-o", "{work}/t.parquet", "--arch-column",
                              "architecture", "--dataset", "toy", "--schedule-epochs", "12"], 1, "not-a-cell"),
    ("import-csv-unknown-space", ["import", "csv", "{good_csv}", "-o", "{work}/t.parquet", "--space", "nb999"], 2,
     "space 'nb999' is unknown"),
    ("import-csv-unknown-unit", ["import", "csv", "{good_csv}", "-o", "{work}/t.parquet", "--accuracy-unit",
                                 "permille"], 2, "accuracy_unit 'permille' is unknown"),
    # oneshot
    ("oneshot-no-method", ["oneshot", "--out", "{work}/o"], 2, "required: --method"),
    ("oneshot-unknown-method", ["oneshot", "--method", "snas", "--out", "{work}/o"], 2, "invalid choice: 'snas'"),
    ("oneshot-unknown-preset", ["oneshot", "--method", "darts", "--preset", "huge", "--out", "{work}/o"], 2,
     "invalid choice: 'huge'"),
    ("oneshot-epochs-zero", ["oneshot", "--method", "darts", "--epochs", "0", "--out", "{work}/o"], 2,
     "--epochs: expected an int >= 1"),
    ("oneshot-bad-set", ["oneshot", "--method", "darts", "--set", "order", "--out", "{work}/o"], 2, "NAME=VALUE"),
    ("oneshot-set-out-of-range", ["oneshot", "--method", "darts", "--set", "order=3", "--out", "{work}/o"], 2,
     "order must be 1"),
    ("oneshot-set-unknown", ["oneshot", "--method", "spos", "--set", "tau_max=3", "--out", "{work}/o"], 2,
     "takes no setting(s) ['tau_max']"),
    ("oneshot-set-wrong-type", ["oneshot", "--method", "gdas", "--set", "a_lr=fast", "--out", "{work}/o"], 2,
     "a_lr must be a finite number"),
    ("oneshot-bad-device", ["oneshot", "--method", "darts", "--device", "tpu", "--out", "{work}/o"], 2,
     "device must be"),
    ("oneshot-benchmark-missing", ["oneshot", "--method", "darts", "--benchmark", "{work}/none.parquet", "--out",
                                   "{work}/o"], 2, "does not exist"),
    ("oneshot-benchmark-not-nb201", ["oneshot", "--method", "darts", "--preset", "tiny", "--benchmark",
                                     "{tiny_custom}", "--out", "{work}/o"], 2, "search the NAS-Bench-201 space"),
    ("oneshot-out-is-file", ["oneshot", "--method", "darts", "--out", "{plain}"], 2, "is a file"),
    # build
    ("build-nothing", ["build"], 2, "required: BENCHMARK"),
    ("build-unknown", ["build", "nb101-digits", "--work-dir", "{work}/w"], 2, "invalid choice: 'nb101-digits'"),
    ("build-no-work-dir", ["build", "nb201-digits"], 2, "required: --work-dir"),
    ("build-work-dir-is-file", ["build", "nb201-digits", "--work-dir", "{plain}"], 2, "is a file"),
    ("build-seeds-text", ["build", "nb201-digits", "--work-dir", "{work}/w", "--seeds", "a"], 2,
     "--seeds: expected distinct comma-separated ints"),
    ("build-seeds-repeat", ["build", "nb201-digits", "--work-dir", "{work}/w", "--seeds", "1,1"], 2,
     "--seeds: expected distinct"),
    ("build-epochs-zero", ["build", "nb201-digits", "--work-dir", "{work}/w", "--epochs", "0"], 2,
     "--epochs: expected an int >= 1"),
    ("build-workers-zero", ["build", "nb201-digits", "--work-dir", "{work}/w", "--workers", "0"], 2,
     "--workers: expected an int >= 1"),
    ("build-extra-cells-negative", ["build", "nb201-digits", "--work-dir", "{work}/w", "--extra-cells", "-1"], 2,
     "--extra-cells: expected an int >= 0"),
    ("build-extra-cells-without-seeds", ["build", "nb201-digits", "--work-dir", "{work}/w", "--extra-cells", "5"],
     2, "extra_cells needs extra_seeds"),
    ("build-flush-zero", ["build", "nb201-digits", "--work-dir", "{work}/w", "--flush-seconds", "0"], 2,
     "--flush-seconds: expected a number > 0"),
    ("build-out-not-parquet", ["build", "nb201-digits", "--work-dir", "{work}/w", "--out", "{work}/t.csv"], 2,
     "must be a .parquet file"),
    ("build-kernels-unknown", ["build", "nb201-digits", "--work-dir", "{work}/w", "--kernels", "fast"], 2,
     "invalid choice: 'fast'"),
]


def _cli(argv: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    return subprocess.run([sys.executable, "-m", "nasbench_kit", *argv], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("argv, status, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_mistake_gets_one_clear_line(files, tmp_path, argv, status, words):
    argv = [a.format(work=tmp_path, **files) for a in argv]
    done = _cli(argv, cwd=tmp_path)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{done.stderr[:3000]}"
    line = lines[0]
    assert line.startswith("error: ") and len(line) > len("error: ") + 10, line
    assert "Traceback" not in done.stderr and "internal error" not in line, line
    assert words.lower() in line.lower(), line
    assert done.returncode == status, (done.returncode, line)
    assert not (tmp_path / "pwned.txt").exists()


def test_case_ids_are_unique():
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))


def test_every_subcommand_and_importer_kind_is_in_the_matrix():
    parser = cli.build_parser()
    commands = set(parser._subparsers._group_actions[0].choices)
    assert commands <= {c[1][0] for c in CASES if c[1]}
    kinds_tried = {c[1][1] for c in CASES if c[1][:1] == ["import"] and len(c[1]) > 1}
    assert set(IMPORTER_KINDS) <= kinds_tried


def test_required_importer_options_are_declared_and_shown_in_help(capsys):
    import inspect

    for spec in IMPORTER_KINDS.values():
        no_default = {n for n, p in spec.parameters.items() if p.default is inspect.Parameter.empty}
        assert set(spec.required) == no_default, spec.kind
    with pytest.raises(SystemExit):
        cli.main(["import", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "hwnas" in text and "requires --option nb201=TABLE" in text
    for kind in IMPORTER_KINDS:
        assert f" {kind} " in text


def test_debug_shows_the_traceback_and_keeps_the_status(synth_path, tmp_path, capsys):
    argv = ["search", "--benchmark", str(synth_path), "--strategy", "nope", "--out", str(tmp_path)]
    assert cli.main(argv) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert cli.main([*argv, "--debug"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and "UnknownNameError" in err and err.rstrip().splitlines()[-1].startswith("error: ")
    assert cli.main(["--debug", *argv]) == 2 and "Traceback" in capsys.readouterr().err


@pytest.mark.parametrize("raised, status, words", [
    (TypeError("missing 1 required keyword-only argument"), 1, "internal error: TypeError"),
    (PermissionError(13, "Permission denied", "out/x.parquet"), 1, "out/x.parquet: Permission denied"),
    (KeyboardInterrupt(), 130, "interrupted"),
])
def test_unexpected_errors_are_still_one_line(monkeypatch, capsys, raised, status, words):
    from nasbench_kit.benchmarks import commands

    def handler(args):
        raise raised

    real = commands.register

    def register(sub):
        real(sub)
        sub.choices["info"].set_defaults(handler=handler)

    monkeypatch.setattr(commands, "register", register)
    assert cli.main(["info", "nb201-digits"]) == status
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], lines


def test_outputs_that_exist_are_overwritten_and_the_command_says_so(files, tmp_path, capsys):
    out = tmp_path / "t.parquet"
    argv = ["import", "csv", files["good_csv"], "-o", str(out), "--dataset", "toy", "--schedule-epochs", "12",
            "--no-progress"]
    assert cli.main(argv) == 0 and "overwrote" not in capsys.readouterr().out
    assert cli.main(argv) == 0 and "overwrote the earlier table" in capsys.readouterr().out
    sheet = tmp_path / "D.md"
    assert cli.main(["datasheet", files["table"], "-o", str(sheet)]) == 0
    assert "overwrote" not in capsys.readouterr().out
    assert cli.main(["datasheet", files["table"], "-o", str(sheet)]) == 0
    assert "overwrote the earlier file" in capsys.readouterr().out
    search = ["search", "--benchmark", files["table"], "--budget", "5", "--out", str(tmp_path / "s"), "--no-progress"]
    assert cli.main(search) == 0 and "overwritten" not in capsys.readouterr().err
    assert cli.main(search) == 0 and "they are overwritten" in capsys.readouterr().err
