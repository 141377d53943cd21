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


#: Not needed to open a table and answer a query: importers, the builder, analysis and
#: training libraries, and pandas (frames are built on demand).
NOT_FOR_A_QUERY = (
    "pandas", "scipy", "torch", "sklearn", "dask", "distributed", "tqdm", "networkx",
    "pyarrow.dataset", "nasbench_kit.benchmarks.importers", "nasbench_kit.build",
    "nasbench_kit.spaces.nb101", "nasbench_kit.spaces.macro", "nasbench_kit.spaces.macro_arch",
    "nasbench_kit.spaces.darts", "nasbench_kit.spaces.darts_genotype", *HEAVY,
)


def test_cold_load_and_first_query_stay_light():
    arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    loaded = _modules_after(
        "from nasbench_kit.benchmarks import load_benchmark; "
        f"b = load_benchmark(); b.query({arch!r}).final.valid_acc; b.search_view().valid_acc({arch!r})"
    )
    assert "nasbench_kit.benchmarks.table" in loaded  # the statement really ran
    assert sorted(m for m in NOT_FOR_A_QUERY if m in loaded) == []


def test_frames_still_get_pandas_on_demand():
    loaded = _modules_after("from nasbench_kit.benchmarks import load_benchmark; load_benchmark().frame")
    assert "pandas" in loaded
