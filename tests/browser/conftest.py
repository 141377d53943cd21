"""Browser tests: a real JupyterLab / Voila server and headless Chromium (Playwright, sync API).

Each test writes a small SYNTHETIC table (tests/benchmarks/synthetic.py, made-up numbers) as
``nb201-digits.parquet`` in a temporary folder and starts the server with
``NASBENCH_KIT_DATA`` pointing there, so they never need the shipped table. Servers run
with temporary Jupyter config / runtime / settings folders and are always killed (fixture
finalizers). Skipped only when Chromium (``/usr/bin/chromium``, ``make test`` installs it
through apt) or Playwright is missing.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.benchmarks.synthetic import write_synthetic_nb201

CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 # software WebGL for plotly's scattergl traces (no GPU in CI)
                 "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
#: Seconds a server may take to answer its first request (a loaded CI machine is slow).
SERVER_START_TIMEOUT = 120


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, log: Path, timeout: float = SERVER_START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status < 500:
                    return
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"no answer from {url} after {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium` (make test does)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (the dev extra)")
    return CHROMIUM


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A folder with a small SYNTHETIC table named as the shipped one."""
    folder = tmp_path / "data"
    folder.mkdir()
    write_synthetic_nb201(folder / "nb201-digits.parquet", datasets=("digits-cluttered",), seeds=(0,), n_epochs=3)
    return folder


@pytest.fixture
def jupyter_env(tmp_path: Path, data_dir: Path) -> dict[str, str]:
    """Environment of a server: the synthetic table, temporary Jupyter folders, no news pop-up."""
    settings = tmp_path / "lab-settings"
    notification = settings / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}', encoding="utf-8")
    env = dict(os.environ)
    env.update({
        "NASBENCH_KIT_DATA": str(data_dir),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
        "JUPYTER_DATA_DIR": str(tmp_path / "jupyter-data"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "lab-workspaces"),
        "PYTHONUNBUFFERED": "1",
    })
    return env


def start_server(command: list[str], *, env: dict[str, str], cwd: Path, log: Path, url: str) -> subprocess.Popen:
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        wait_for_http(url, process, log)
    except Exception:
        stop_server(process)
        raise
    return process


def stop_server(process: subprocess.Popen) -> None:
    """Kill the server and everything it started (its kernels): its own process group."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=10)
    else:  # the server is gone; its kernels may not be
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def lab_server(tmp_path: Path, jupyter_env: dict[str, str]) -> Iterator[str]:
    """JupyterLab serving a copy of the quickstart (autosave never touches the repo's file)."""
    root = tmp_path / "notebooks"
    root.mkdir()
    shutil.copy(REPO / "notebooks" / "00_quickstart.ipynb", root / "00_quickstart.ipynb")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_server(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}", "--ip=127.0.0.1",
         "--ServerApp.open_browser=False", "--IdentityProvider.token=", "--ServerApp.password=",
         "--ServerApp.disable_check_xsrf=True", f"--ServerApp.root_dir={root}"],
        env=jupyter_env, cwd=root, log=tmp_path / "jupyterlab.log", url=f"{base}/api/status")
    yield base
    stop_server(process)


@pytest.fixture
def voila_server(tmp_path: Path, jupyter_env: dict[str, str]) -> Iterator[str]:
    """Voila serving notebooks/app.ipynb (the page runs it, no code shown)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_server(
        [sys.executable, "-m", "voila", str(REPO / "notebooks" / "app.ipynb"), "--no-browser", f"--port={port}",
         "--Voila.ip=127.0.0.1", "--show_tracebacks=True"],
        env=jupyter_env, cwd=REPO, log=tmp_path / "voila.log", url=f"{base}/voila/static/")
    yield base
    stop_server(process)


@pytest.fixture
def page(chromium_path: str):
    """A fresh Chromium profile and page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1100})
            page = context.new_page()
            page.set_default_timeout(60_000)
            yield page
        finally:
            browser.close()
