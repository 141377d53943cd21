"""Old path of the build plan: it moved to :mod:`nasbench_kit.build.plan`.

Kept so that ``from nasbench_kit.benchmarks.build_plan import BuildPlan, plan_units``
(the path notebook 08 used to teach) keeps working; new code imports from
:mod:`nasbench_kit.build`.
"""

from ..build.plan import BuildPlan, Unit, class_order, plan_units

__all__ = ["BuildPlan", "Unit", "class_order", "plan_units"]
