"""House rules that code review tends to miss, read from the code itself (imports and import strings).

- The tree reads as the data flow: each module sits on a floor (kernel, normaliser, register, sync
  engine, job kernel, jobs, registry and scheduler, composition root, front ends) and imports only
  its own floor or those below; no import circle anywhere (function-level and TYPE_CHECKING imports
  count: a circle hidden in a function is still a circle).
- Only the composition root (`connector/service.py`) names `adapters`, and only the demo names
  `fixtures`, be it by `import` or by a dotted string for `import_module`/`load_object`.
- Adapters import only `connector.domain`, `connector.ports`, `connector.errors`.
- The normaliser does no I/O. Modules stay small. Tests use no private name of the code they test.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FLOORS: list[tuple[str, ...]] = [
    (
        "connector",
        "connector.domain",
        "connector.ports",
        "connector.errors",
        "connector.zipguard",
        "connector.clock",
        "connector.textfold",
        "connector.tomlfile",
        "connector.log",
        "connector.config",
        "connector.mappings",
        "connector.calendar",
        "connector.status",
        "connector.schedule",
    ),
    ("connector.normalise",),
    ("connector.register",),
    ("connector.sync",),
    ("connector.runtime.job",),
    ("connector.runtime.jobs", "connector.office"),
    ("connector.runtime",),
    ("connector.service",),
    ("connector.web",),
    ("connector.cli",),
]
"""Bottom to top. A module's floor is the last entry that is a prefix of its name ("connector" for
the kernel's own modules); a package's `__init__` sits on its package's floor."""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {
        _module_name(p): p
        for d in ("connector", "adapters")
        for p in (ROOT / d).rglob("*.py")
        if "migrations" not in p.parts
    }


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _imported(name: str, path: Path) -> set[str]:
    """Every module of ours that `name` imports, anywhere in the file, resolved to a known module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            names = {f"{module}.{alias.name}" for alias in node.names}
            known_here = names & _modules().keys()
            # `from package import module` imports that module; anything else imports the package
            found |= known_here if known_here == names else names | {module}
    known = _modules()
    out = set()
    for m in found:
        while m and m not in known:
            m = m.rpartition(".")[0]
        if m and m != name:
            out.add(m)
    return out


def _floor(name: str) -> int:
    best, level = -1, -1
    for i, prefixes in enumerate(FLOORS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) >= best:
                best, level = len(prefix), i
    return level


def _strings(path: Path) -> list[str]:
    return [
        n.value for n in ast.walk(_tree(path)) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def test_every_core_module_has_a_floor() -> None:
    assert [n for n in _modules() if n.startswith("connector") and _floor(n) < 0] == []


def test_no_arrow_runs_back_up() -> None:
    upward = {
        f"{name} → {dep}"
        for name, path in _modules().items()
        if name.startswith("connector")
        for dep in _imported(name, path)
        if dep.startswith("connector") and _floor(dep) > _floor(name)
    }
    assert upward == set()


def test_no_import_circle() -> None:
    graph = {name: _imported(name, path) for name, path in _modules().items()}
    circles: list[list[str]] = []
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    assert circles == []


_DOTTED = re.compile(r"^(adapters|fixtures)(\.\w+)*(:\w+)?$")


def test_only_the_composition_root_names_adapters_and_only_the_demo_names_fixtures() -> None:
    allowed = {"adapters": {"connector.service"}, "fixtures": {"connector.cli.demo"}}
    offenders = set()
    for name, path in _modules().items():
        if not name.startswith("connector"):
            continue
        named = {m.split(".")[0] for m in _imported_raw(path)} | {
            s.split(".")[0].split(":")[0] for s in _strings(path) if _DOTTED.match(s)
        }
        for top in ("adapters", "fixtures"):
            if top in named and name not in allowed[top]:
                offenders.add(f"{name} names {top}")
    assert offenders == set()


def _imported_raw(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_adapters_import_only_the_allowed_core_modules() -> None:
    allowed = {"connector.domain", "connector.ports", "connector.errors", "connector.zipguard"}
    offenders = {}
    for path in (ROOT / "adapters").rglob("*.py"):
        bad = sorted(m for m in _imported_raw(path) if m.startswith("connector") and m not in allowed)
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
        assert _imported_raw(path) & forbidden == set(), path
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


def test_tests_use_no_private_name_of_the_code() -> None:
    """A test that reaches for `_helper` tests an implementation, not behaviour; it breaks on every
    refactoring and proves nothing a user would see."""
    ours = ("connector", "adapters", "fixtures", "tests")
    offenders = set()
    for path in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ours:
                offenders |= {
                    f"{path.relative_to(ROOT)}: {node.module}.{a.name}"
                    for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")
                }
    assert offenders == set()
