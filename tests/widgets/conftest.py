"""The widget tests need the UI extra (ipywidgets, plotly, anywidget)."""

import pytest

for module in ("ipywidgets", "plotly", "anywidget"):
    pytest.importorskip(module)
