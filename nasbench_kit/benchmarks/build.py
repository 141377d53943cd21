"""Old path of the builder: it moved to :mod:`nasbench_kit.build.pipeline`.

Kept so that ``from nasbench_kit.benchmarks.build import build_benchmark, dask_client``
(the path notebook 08 used to teach) keeps working; new code imports from
:mod:`nasbench_kit.build`.
"""

from ..build.pipeline import BuildReport, TrainSummary, build_benchmark, dask_client, train_stage

__all__ = ["TrainSummary", "BuildReport", "build_benchmark", "train_stage", "dask_client"]
