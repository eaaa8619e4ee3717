"""Every setting is documented in config.example.toml, every command in the README (datasette's habit)."""

from __future__ import annotations

import re
import tomllib
import typing
from pathlib import Path

from pydantic import BaseModel

from connector.cli import build_parser
from connector.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def _models(annotation: object) -> list[type[BaseModel]]:
    """The settings models an annotation holds: a model, an optional one, a list of (a union of) them."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models(arg)]


def _fields(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every setting as a dotted key ("database.busy_timeout_seconds", "source.overlap_days")."""
    names: set[str] = set()
    for name, field in model.model_fields.items():
        inner = _models(field.annotation)
        if inner:
            for sub in inner:
                names |= _fields(sub, f"{prefix}{name}.")
        else:
            names.add(f"{prefix}{name}")
    return names


_TABLE = re.compile(r"^#? ?\[\[?([a-z_.]+)\]\]?\s*$")
_KEY = re.compile(r"^#? ?([a-z_]+)\s*=")


def _documented() -> set[str]:
    """The dotted keys config.example.toml shows, set or commented out (`# [smtp]` / `# host = …`)."""
    table, keys = "", set()
    for line in (ROOT / "config.example.toml").read_text(encoding="utf-8").splitlines():
        if m := _TABLE.match(line):
            table = m.group(1) + "."
        elif m := _KEY.match(line):
            keys.add(table + m.group(1))
    return keys


def test_example_config_documents_exactly_the_settings() -> None:
    """Key by key, with its table: a setting missing from the example, or an example key the program
    does not know (a typo an admin would copy), fails."""
    settings, documented = _fields(Settings), _documented()
    assert settings - documented == set(), "settings missing from config.example.toml"
    assert documented - settings == set(), "keys in config.example.toml that no setting reads"


def test_example_config_parses() -> None:
    tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))


def test_every_command_in_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {c for c in commands if f"connector {c}" not in readme} == set()
    assert "make demo" in readme and "make test" in readme
