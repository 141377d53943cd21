"""ipywidgets + plotly panels of the NAS Workbench.

Widgets observe and drive ``nasbench_kit`` objects; they hold no search logic.
"""
