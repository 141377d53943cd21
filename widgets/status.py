"""The status line every panel shows: plain text, or a warning in orange (never a traceback).

>>> import ipywidgets
>>> line = ipywidgets.HTML()
>>> say(line, "no trials <yet>", warn=True)
>>> line.value
'<span style="color:#D55E00">no trials &lt;yet&gt;</span>'
"""

from __future__ import annotations

import html

import ipywidgets as widgets

__all__ = ["say", "WARN"]

#: Colour of warnings (Okabe-Ito vermillion, as the search panel's).
WARN = "#D55E00"


def say(line: widgets.HTML, text: str, *, warn: bool = False) -> None:
    """Show ``text`` (escaped) in the status ``line``, in orange when ``warn``.

    Example:
        >>> line = widgets.HTML()
        >>> say(line, "ready")
        >>> line.value
        'ready'
    """
    escaped = html.escape(str(text))
    line.value = f'<span style="color:{WARN}">{escaped}</span>' if warn else escaped
