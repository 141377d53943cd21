"""Progress bars of the kit's long work: tqdm, shown only once the work takes a while.

On a terminal a bar appears after half a second, so instant work (and work that fails
at once, such as an import of the wrong file) prints no bar above its result or its
one-line error. In Jupyter the bar is a widget, shown at once as tqdm does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["progress_bar", "DELAY_SECONDS"]

#: Seconds of work before a bar is drawn.
DELAY_SECONDS = 0.5


def progress_bar(iterable: Iterable[Any] | None = None, *, enabled: bool = True, **options: Any) -> Any:
    """A ``tqdm.auto`` bar (a widget in Jupyter, text on a terminal) over ``iterable``.

    Args:
        iterable: what to iterate, or None for a bar updated by hand (``total=...``).
        enabled: False draws nothing (``--no-progress``).
        **options: tqdm's own (``total``, ``desc``, ``unit``, ``leave``, ...).
    """
    from tqdm.auto import tqdm
    from tqdm.autonotebook import tqdm as chosen  # what tqdm.auto builds on: the widget bar in Jupyter
    from tqdm.std import tqdm as text_bar

    if chosen is text_bar:
        options.setdefault("delay", DELAY_SECONDS)
    return tqdm(iterable, disable=not enabled, **options)
