"""`import nasbench_kit` (and its spaces) must stay light: no torch, no UI libraries."""

import subprocess
import sys

HEAVY = ("torch", "ipywidgets", "plotly", "IPython", "anywidget")


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return set(out.split())


def test_import_kit_does_not_import_torch_or_ui():
    loaded = _modules_after("import nasbench_kit, nasbench_kit.spaces, nasbench_kit.models, nasbench_kit.testing")
    assert not [m for m in HEAVY if m in loaded]
    assert "nasbench_kit.spaces" in loaded  # the statement really ran


def test_library_source_never_imports_ui_libraries():
    from pathlib import Path

    import nasbench_kit

    pkg = Path(nasbench_kit.__file__).parent
    offenders = [
        str(path.relative_to(pkg))
        for path in pkg.rglob("*.py")
        for line in path.read_text().splitlines()
        if line.lstrip().startswith(("import ", "from "))
        and any(f" {ui}" in line or f" {ui}." in line for ui in ("ipywidgets", "plotly", "IPython", "jupyter"))
    ]
    assert offenders == []
