"""House rules that code review tends to miss: the core never imports adapters; modules stay small."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_core_never_imports_adapters_or_fixtures() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in _imports(path) if m.split(".")[0] in {"adapters", "fixtures"}
        )
        for path in (ROOT / "connector").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_adapters_import_only_the_allowed_core_modules() -> None:
    allowed = {"connector.domain", "connector.ports", "connector.errors"}
    offenders = {}
    for path in (ROOT / "adapters").rglob("*.py"):
        bad = sorted(m for m in _imports(path) if m.startswith("connector") and m not in allowed)
        if bad:
            offenders[str(path.relative_to(ROOT))] = bad
    assert offenders == {}


def test_normaliser_does_no_io() -> None:
    forbidden = {
        "httpx",
        "socket",
        "sqlite3",
        "sqlalchemy",
        "sqlmodel",
        "imapclient",
        "urllib.request",
        "pathlib",
    }
    for path in (ROOT / "connector" / "normalise").rglob("*.py"):
        assert _imports(path) & forbidden == set(), path
        assert "open(" not in path.read_text(encoding="utf-8"), path


def test_modules_stay_small() -> None:
    sizes = {
        str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
        for d in ("connector", "adapters")
        for p in (ROOT / d).rglob("*.py")
    }
    assert {k: v for k, v in sizes.items() if v > 600} == {}
    ordered = sorted(sizes.values())
    assert ordered[len(ordered) // 2] <= 250
