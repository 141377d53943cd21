"""The command line over a local Dask cluster prints the kit's messages only: one ``error:``
line for a worker's NasKitError, nothing from Dask on a normal exit, a short message with
the resume command on Ctrl-C (SIGINT to the process group, as a terminal sends it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
NOISE = ("Traceback", "distributed.", "CommClosedError", "KeyboardInterrupt", "Compute Failed")


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")


def _cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nasbench_kit", *args], cwd=REPO, env=_env(), capture_output=True,
                          text=True, timeout=timeout)


def _assert_quiet(stderr: str) -> None:
    for word in NOISE:
        assert word not in stderr, f"{word!r} on stderr:\n{stderr[:3000]}"


@pytest.mark.slow
def test_worker_error_is_one_line(synth_bench, tmp_path):
    """A partial table: strategies propose cells it lacks, the QueryError is raised on a worker."""
    part = tmp_path / "part.csv"
    pd.DataFrame({"arch": list(synth_bench.archs[:200]),
                  "valid_acc": synth_bench.metric_array("valid_acc", over="table")[:200],
                  "test_acc": synth_bench.metric_array("test_acc", over="table")[:200]}).to_csv(part, index=False)
    assert _cli("import", "csv", str(part), "-o", str(tmp_path / "part.parquet"), "--dataset", "toy",
                "--schedule-epochs", "12", "--no-progress").returncode == 0
    done = _cli("compare", "--benchmark", str(tmp_path / "part.parquet"), "--strategies", "random", "--seeds", "2",
                "--budget", "30", "--workers", "2", "--out", str(tmp_path / "out"), "--no-progress")
    assert done.returncode == 1  # a failure of a well-formed command (the table lacks cells), not a usage error
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "is not in benchmark" in lines[0], done.stderr
    _assert_quiet(done.stderr)


@pytest.mark.slow
def test_compare_with_workers_exits_quietly(synth_path, tmp_path):
    done = _cli("compare", "--benchmark", str(synth_path), "--strategies", "random,rea", "--seeds", "4",
                "--budget", "20", "--workers", "2", "--out", str(tmp_path / "out"), "--no-progress")
    assert done.returncode == 0, done.stderr
    _assert_quiet(done.stderr)
    assert done.stderr.strip() == "", done.stderr


@pytest.mark.slow
def test_ctrl_c_during_build_prints_the_resume_command_only(tmp_path):
    work = tmp_path / "work"
    cmd = [sys.executable, "-m", "nasbench_kit", "build", "nb201-digits", "--work-dir", str(work), "--limit", "8",
           "--epochs", "2", "--C", "8", "--N", "1", "--workers", "1", "--shard-size", "1", "--no-progress"]
    # A terminal's shell starts the command with the default SIGINT disposition, whatever this
    # test process has (an ignored signal would be inherited).
    proc = subprocess.Popen(cmd, cwd=REPO, env=_env(), start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 180
        while not list((work / "shards").glob("train-*.parquet")):  # training has started
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no shard appeared"
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        _, stderr = proc.communicate(timeout=120)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # anything of ours that survived
        except ProcessLookupError:
            pass
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Resume with:" in stderr and "python -m nasbench_kit build" in stderr
    _assert_quiet(stderr)
    assert len([line for line in stderr.splitlines() if line.strip()]) <= 3, stderr


def test_importing_the_worker_setup_outside_a_worker_leaves_sigint_alone():
    """pytest's doctest collection imports every module; an ignored SIGINT there would be
    inherited by each command a test starts, which could then not be interrupted."""
    code = ("import signal, nasbench_kit.dask_worker_setup; "
            "print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=_env(), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "True", done.stderr
