"""Old path of the build recipe and runs: they moved to :mod:`nasbench_kit.build.runs`.

Kept so that ``from nasbench_kit.benchmarks.build_runs import BuildRecipe, recipe_of_meta``
(the path notebooks 05 and 08 used to teach) keeps working; new code imports from
:mod:`nasbench_kit.build`.
"""

from ..build.runs import (
    EXTRA_COLUMNS,
    RECIPE_SPACES,
    BuildRecipe,
    check_same_recipe,
    default_space,
    recipe_of_meta,
    rows_to_table,
    run_key,
    table_to_rows,
    train_run,
    train_unit,
)

__all__ = ["BuildRecipe", "RECIPE_SPACES", "EXTRA_COLUMNS", "default_space", "train_run", "train_unit",
           "rows_to_table", "table_to_rows", "run_key", "recipe_of_meta", "check_same_recipe"]
