"""A fixture name means one thing in every folder: read from the conftest.py files themselves, so
a new folder or fixture is covered at once."""

import ast
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _conftests():
    return sorted(TESTS.rglob("conftest.py"))


def _is_fixture(decorator):
    # @pytest.fixture, @pytest.fixture(...), @fixture, @fixture(...)
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    return name == "fixture"


def fixtures_defined_in(path):
    """The names of the fixtures a conftest.py defines at its top level."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and any(_is_fixture(decorator) for decorator in node.decorator_list)
    ]


def test_fixture_names_are_defined_in_one_conftest_only():
    places = defaultdict(list)
    for path in _conftests():
        for name in fixtures_defined_in(path):
            places[name].append(str(path.relative_to(TESTS)))
    assert {name: where for name, where in places.items() if len(where) > 1} == {}


def test_fixture_names_finds_the_shared_fixtures():
    # The check above reads something: the root conftest's fixtures are found.
    names = fixtures_defined_in(TESTS / "conftest.py")
    assert {"proposal", "en_client", "verified_authority", "registrar", "staff"} <= set(names)


def test_conftest_modules_are_imported_only_within_their_folder():
    """A folder's conftest.py is not a library: helpers that two folders need live in a plain
    module (tests/helpers.py, tests/factories.py)."""
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        folder = ".".join(("tests", *path.parent.relative_to(TESTS).parts))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.ImportFrom) and node.module):
                continue
            if node.module.endswith(".conftest") and node.module != f"{folder}.conftest":
                offenders.append(f"{path.relative_to(TESTS)}:{node.lineno}: {node.module}")
    assert offenders == []
