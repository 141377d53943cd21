"""Making a benchmark table: train every cell of a plan, measure latency, assemble the table.

Querying a table lives in :mod:`nasbench_kit.benchmarks`; this package makes one:

- :mod:`~nasbench_kit.build.plan`: which (cell, seed) units to train (``BuildPlan``);
- :mod:`~nasbench_kit.build.runs`: the training recipe (``BuildRecipe``) and one run's rows;
- :mod:`~nasbench_kit.build.shards`: the resumable work folder (``WorkDir``);
- :mod:`~nasbench_kit.build.latency`: the latency stage (``LatencyProtocol``);
- :mod:`~nasbench_kit.build.pipeline`: ``build_benchmark`` (Dask-parallel) and ``dask_client``;
- :mod:`~nasbench_kit.build.datasheet`: the datasheet of a built table;
- :mod:`~nasbench_kit.build.commands`: the ``build`` sub-command of ``python -m nasbench_kit``.

The names below are importable from the package itself; each module is imported on first
use, so ``import nasbench_kit.build`` stays cheap (the command line registers ``build``
without importing Dask, torch or the training code).

>>> from nasbench_kit.build import BuildPlan, BuildRecipe, build_benchmark   # doctest: +SKIP
"""

from __future__ import annotations

from .._lazy import lazy_exports

#: public name -> module of this package defining it
_EXPORTS = {
    "build_benchmark": "pipeline",
    "dask_client": "pipeline",
    "train_stage": "pipeline",
    "BuildReport": "pipeline",
    "TrainSummary": "pipeline",
    "BuildPlan": "plan",
    "plan_units": "plan",
    "class_order": "plan",
    "BuildRecipe": "runs",
    "recipe_of_meta": "runs",
    "WorkDir": "shards",
    "LatencyProtocol": "latency",
    "latency_stage": "latency",
    "datasheet_markdown": "datasheet",
    "datasheet_stats": "datasheet",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
