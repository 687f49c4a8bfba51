"""The one-way layering of STYLE.md: the core in mpp_digital/ never imports reflex."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Only the entry point (mpp_digital/mpp_digital.py) wires the core to Reflex.
ENTRY = ROOT / "mpp_digital" / "mpp_digital.py"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_does_not_import_reflex_or_the_ui():
    offenders = {}
    for path in (ROOT / "mpp_digital").rglob("*.py"):
        if path == ENTRY:
            continue
        bad = {m for m in imported_modules(path) if m.split(".")[0] in {"reflex", "state", "pages", "components"}}
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_pages_do_not_query_the_database():
    for path in (ROOT / "pages").rglob("*.py"):
        bad = {m for m in imported_modules(path) if m.startswith(("sqlmodel", "sqlalchemy", "mpp_digital.db",
                                                                     "mpp_digital.services"))}
        assert not bad, f"{path.name} imports {bad}"


def test_tests_run_coroutines_one_way():
    """``asyncio.run`` fails in a test that runs after a browser test (Playwright's sync API keeps
    a loop running in the main thread for the whole session): tests use ``tests.loops``."""
    offenders = []
    for path in (ROOT / "tests").rglob("*.py"):
        if path.name == "loops.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "run"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "asyncio"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
