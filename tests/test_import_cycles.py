"""No import cycles among ``nasbench_kit`` modules.

Every module is parsed with :mod:`ast`; an edge ``a -> b`` is an import of ``b`` that runs
when ``a`` is imported: statements in the module body, including those under ``if`` /
``try`` blocks such as ``if TYPE_CHECKING:`` (a cycle there is a cycle of concepts too).
Imports inside functions are listed separately: the strategy checker and the run
checkpoint keep none that close a cycle either.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

import nasbench_kit

PKG = Path(nasbench_kit.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PKG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PKG.rglob("*.py")}


def _top_level(body: list[ast.stmt]):
    """Import statements that run at import time (module body, also inside if/try/with)."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, (ast.If, ast.Try, ast.With)):
            for field in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(node, field, []):
                    yield from _top_level(child.body if isinstance(child, ast.ExceptHandler) else [child])


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: set[str]) -> set[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        # `from pkg import sub` imports the submodule `pkg.sub` when there is one
        names = [f"{prefix}.{a.name}" if f"{prefix}.{a.name}" in known else prefix for a in node.names]
    return {n for n in names if n in known}


def import_graph(*, function_level: bool = False) -> nx.DiGraph:
    """The graph of nasbench_kit modules (top-level imports; all imports with ``function_level``)."""
    modules = _modules()
    known = set(modules)
    graph = nx.DiGraph()
    graph.add_nodes_from(known)
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        nodes = (
            [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
            if function_level
            else list(_top_level(tree.body))
        )
        for node in nodes:
            for target in _targets(node, name, path.name == "__init__.py", known):
                if target != name:
                    graph.add_edge(name, target)
    return graph


def _cycles(graph: nx.DiGraph) -> list[str]:
    return sorted(" -> ".join([*cycle, cycle[0]]) for cycle in nx.simple_cycles(graph))


def test_the_graph_sees_real_imports():
    graph = import_graph()
    assert graph.has_edge("nasbench_kit.benchmarks.table", "nasbench_kit.benchmarks.search_view")
    assert graph.has_edge("nasbench_kit.benchmarks", "nasbench_kit.benchmarks.table")


def test_no_import_cycles_among_top_level_imports():
    cycles = _cycles(import_graph())
    assert not cycles, "import cycles among nasbench_kit modules:\n" + "\n".join(cycles)


def test_run_and_testing_modules_have_no_cycles_even_through_function_level_imports():
    graph = import_graph(function_level=True)
    watched = [m for m in graph if m.startswith(("nasbench_kit.run", "nasbench_kit.testing"))]
    cycles = [c for c in _cycles(graph.subgraph(watched))]
    assert not cycles, "import cycles (function-level imports included):\n" + "\n".join(cycles)
