"""The modules of engine.templates form a layered graph: leaves (registry, spec, errors, colour, frame)
at the bottom, family modules above them, the renderer and the catalogue on top. An import that points
back up (even one hidden inside a function) makes a cycle, and this test names it."""

from __future__ import annotations

import ast
from pathlib import Path

import engine.templates

PKG = Path(engine.templates.__file__).parent
NAME = "engine.templates"


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def import_graph(pkg: Path = PKG) -> dict[str, set[str]]:
    """module -> package modules it imports (module level or inside functions; typing-only excluded)."""
    modules = {p.stem for p in pkg.glob("*.py")}
    graph: dict[str, set[str]] = {}
    for path in sorted(pkg.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        deps: set[str] = set()
        for node in ast.walk(tree):
            if _type_checking_only(node, parents):
                continue
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level == 1:
                    base = f"{NAME}.{base}" if base else NAME
                if base == NAME:  # from engine.templates import colour, library
                    deps |= {a.name for a in node.names if a.name in modules}
                elif base.startswith(NAME + "."):
                    deps.add(base.split(".")[2])
            elif isinstance(node, ast.Import):
                deps |= {a.name.split(".")[2] for a in node.names if a.name.startswith(NAME + ".")}
        graph[path.stem] = {d for d in deps if d in modules and d != path.stem}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                return stack[stack.index(dep) :] + [dep]
            if dep not in state and (found := visit(dep)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_find_cycle_finds_a_cycle_and_accepts_a_layered_graph() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_import_graph_sees_imports_inside_functions(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("def f():\n    from engine.templates import b\n")
    (tmp_path / "b.py").write_text("from engine.templates.a import f\n")
    graph = import_graph(tmp_path)
    assert graph == {"a": {"b"}, "b": {"a"}}
    assert find_cycle(graph) == ["a", "b", "a"]


def test_engine_templates_has_no_import_cycle() -> None:
    graph = import_graph()
    assert len(graph) >= 20, sorted(graph)
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_registry_and_primitives_are_leaves() -> None:
    graph = import_graph()
    for leaf in ("registry", "spec", "errors", "colour", "frame"):
        assert graph[leaf] == set(), (leaf, graph[leaf])


def test_family_modules_never_import_the_renderer_or_the_catalogue() -> None:
    graph = import_graph()
    upper = {"render", "catalog", "library", "families", "sheet", "__init__"}
    for fam in ("studio", "podium", "festive", "nature", "gradients", "luxury", "patterns", "surfaces"):
        assert graph[fam] & upper == set(), (fam, graph[fam] & upper)
        assert "registry" in graph[fam], fam
