"""Lazy re-exports for package ``__init__`` modules (PEP 562 module ``__getattr__``).

A package lists ``public name -> submodule`` and imports a submodule only when one of its
names is first used, so importing the package stays cheap (``spaces`` without the NB101
and macro spaces, ``build`` without torch or Dask, ``widgets`` without ipywidgets).

>>> import types
>>> module = types.ModuleType("demo")
>>> getattr_, dir_ = lazy_exports("json", {"JSONDecoder": "decoder"}, vars(module))
>>> getattr_("JSONDecoder").__module__, "JSONDecoder" in dir_()
('json.decoder', True)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str],
                 namespace: dict[str, Any]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for package ``package`` whose ``exports`` map each public
    name to the submodule defining it. A name is imported on
    first access and cached in ``namespace`` (the package's ``globals()``)."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}; public names: {sorted(exports)}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
