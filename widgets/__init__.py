"""ipywidgets + plotly panels of the NAS Workbench.

Widgets observe and drive ``nasbench_kit`` objects; they hold no search logic.

Panels and figure functions are exported lazily (``from widgets import StrategyRace``
imports ipywidgets only then), so ``from widgets import plots`` stays plotly-only for the
command line's HTML export.

>>> from widgets import incumbent_figure, ArchitectureView   # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> module that defines it.
_EXPORTS = {
    "SearchPanel": "search_panel",
    "LiveParetoPlot": "live",
    "Throttle": "live",
    "BackgroundRun": "runner",
    "regret_figure": "plots",
    "search_figure": "plots",
    "incumbent_figure": "incumbent",
    "IncumbentPlot": "incumbent",
    "next_run": "race",
    "RaceRunner": "race",
    "StrategyRace": "race",
    "cell_figure": "arch_view",
    "curve_figure": "arch_view",
    "ArchitectureView": "arch_view",
    "distribution_figure": "explorer",
    "correlation_figure": "explorer",
    "op_importance_figure": "explorer",
    "BenchmarkExplorer": "explorer",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'widgets' has no attribute {name!r}; public names: {__all__}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
