"""ipywidgets + plotly panels of the NAS Workbench.

Widgets observe and drive ``nasbench_kit`` objects; they hold no search logic.

Panels and figure functions are exported lazily (``from widgets import StrategyRace``
imports ipywidgets only then), so ``from widgets import plots`` stays plotly-only for the
command line's HTML export.

>>> from widgets import incumbent_figure, ArchitectureView   # doctest: +SKIP
"""

from __future__ import annotations

from nasbench_kit._lazy import lazy_exports

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
    "OneShotPanel": "oneshot_panel",
    "oneshot_figure": "oneshot_panel",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
