"""The suite's own layout rule: shared helpers are imported from tests/support, never from a
conftest.py or from another test module (fixtures reach tests through pytest_plugins)."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_no_test_imports_a_conftest_or_another_test_module():
    offenders = {}
    for path in TESTS.rglob("*.py"):
        if "node_modules" in path.parts:
            continue
        bad = {
            name
            for name in imported_modules(path)
            if name.startswith("tests.")
            and (name.split(".")[-1] == "conftest" or name.split(".")[-1].startswith("test_"))
        }
        if bad:
            offenders[str(path.relative_to(TESTS))] = sorted(bad)
    assert offenders == {}
