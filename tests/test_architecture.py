"""Contracts of the code's layout that a linter does not check (import-linter checks the layers
and cycles, see pyproject.toml): read from the source, so a new module is covered at once."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "consult",
    "core",
    "accounts",
    "proposals",
    "registrations",
    "consultations",
    "search",
    "api",
]


def _modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield path


def _module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _tree(path):
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@pytest.mark.parametrize("path", list(_modules()), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_private_name_is_imported_from_another_module(path):
    """A helper used by two modules gets a public name in the module that owns it."""
    offenders = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                private = alias.name.startswith("_") and not alias.name.startswith("__")
                if private and node.module.split(".")[0] in APPS:
                    offenders.append(f"line {node.lineno}: from {node.module} import {alias.name}")
    assert offenders == []


@pytest.mark.parametrize("path", list(_modules()), ids=lambda path: str(path.relative_to(ROOT)))
def test_permissions_go_through_the_one_gate(path):
    """`user.has_perm()` lets a superuser pass every check: app code asks core.permissions."""
    if _module_name(path) == "core.permissions":
        return
    calls = [
        node.lineno
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "has_perm"
    ]
    assert calls == []


def test_templates_ask_the_gate_not_perms():
    """Templates use {% can … %} (core.templatetags.core_tags), never `perms.` (Django's
    shortcut that lets a superuser pass)."""
    offenders = []
    for app in [*APPS, "templates"]:
        for path in sorted((ROOT / app).rglob("*.html")):
            text = path.read_text(encoding="utf-8")
            if "perms." in text:
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_no_import_cycles_between_modules():
    """No module imports, directly or through others, a module that imports it back (lazy
    imports inside functions count: grimp reads them too). import-linter checks the layers of
    the apps (pyproject.toml); this checks every module within them."""
    import grimp

    graph = grimp.build_graph(*APPS)
    modules = {m for m in graph.modules if ".migrations" not in m}
    edges = {m: graph.find_modules_directly_imported_by(m) & modules for m in modules}
    # Tarjan's strongly connected components, iteratively.
    index, low, stack, on_stack, cycles, counter = {}, {}, [], set(), [], 0
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(edges[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    assert cycles == []


DOMAIN_MODULES = [
    "accounts/domain.py",
    "proposals/domain.py",
    "registrations/domain.py",
    "api/tokens.py",
    *sorted(
        str(path.relative_to(ROOT)) for path in (ROOT / "consultations" / "domain").glob("*.py")
    ),
]


@pytest.mark.parametrize("module", DOMAIN_MODULES)
def test_every_public_domain_function_lists_its_side_effects(module):
    """Each public function of a domain module has a docstring that says what it writes, logs
    and sends ("Side effects: …", or "Side effects: none." for a read-only one)."""
    missing = [
        node.name
        for node in _tree(ROOT / module).body
        if isinstance(node, ast.FunctionDef)
        and not node.name.startswith("_")
        and "side effects" not in (ast.get_docstring(node) or "").lower()
    ]
    assert missing == []
