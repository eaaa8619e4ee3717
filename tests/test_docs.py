"""Every setting is documented in config.example.toml, every command in the README (datasette's habit)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import BaseModel

from connector.cli import build_parser
from connector.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def _fields(model: type[BaseModel], prefix: str = "") -> set[str]:
    names: set[str] = set()
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names |= _fields(annotation, f"{prefix}{name}.")
        else:
            names.add(f"{prefix}{name}")
    return names


def test_every_setting_appears_in_example_config() -> None:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    keys = set(re.findall(r"^#?\s*([a-z_]+)\s*=", text, flags=re.MULTILINE))
    tables = re.findall(r"^#?\s*\[\[?([a-z_.]+)\]\]?", text, flags=re.MULTILINE)
    keys |= {table.rsplit(".", 1)[-1] for table in tables}
    missing = {name for name in _fields(Settings) if name.rsplit(".", 1)[-1] not in keys}
    assert missing == set()


def test_example_config_parses() -> None:
    tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))


def test_every_command_in_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {c for c in commands if f"connector {c}" not in readme} == set()
    assert "make demo" in readme and "make test" in readme
