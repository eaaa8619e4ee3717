"""Composition root: builds adapters from the config by name, so the core never imports them.

The registry maps a config `type` to a dotted path, imported only when that type is configured
(vdirsyncer's `_StorageIndex`). A missing or broken adapter is reported as a config problem that
names the source, not as an ImportError.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path, PurePath
from typing import Any

from connector.config import Config, EdxmlSourceSettings, EOfficeSourceSettings, MailSourceSettings
from connector.domain import RawDocument
from connector.errors import BadDocumentError, ConfigError, Problem
from connector.mappings import Mappings
from connector.ports import Notifier, Portal, Source, TextReader

ADAPTERS: dict[str, str] = {
    "eoffice": "adapters.eoffice:EOfficeSource",
    "edxml": "adapters.edxml:EdxmlDropFolder",
    "mail": "adapters.mail:MailSource",
    "portal": "adapters.portal.http:HttpPortal",
    "smtp": "adapters.smtp:SmtpNotifier",
}
READERS: dict[str, str] = {
    "file": "adapters.files:read_file",
    "text": "adapters.text:extract",
}
"""The readers of the file route (`connector parse FILE`) and of every attachment's text."""
MAX_FILE_BYTES = 30 * 1024 * 1024
RECIPES: dict[str, str] = {
    "check": "adapters.recipes.check:check_recipe",
    "live": "adapters.recipes.check:live_check",
}
"""The recipe interpreter's own checks: `check(kind, recipe, file) -> problems` without touching the
site; `live(kind, recipe, file, base_url, username, password) -> lines`, read-only, on the site."""


class ConfiguredAdapters:
    """`connector.ports.Adapters` for one config: what jobs, the dashboard and the CLI ask for.

    Each call builds a new adapter from the config; the caller closes it.
    """

    def __init__(self, cfg: Config, maps: Mappings) -> None:
        self.cfg, self.maps = cfg, maps

    def source(self, name: str) -> Source:
        """The `[[source]]` called `name`."""
        return build_source(self.cfg, self.maps, name)

    def portal(self) -> Portal:
        """The `[portal]`."""
        return build_portal(self.cfg, self.maps)

    def notifier(self) -> Notifier | None:
        """The `[smtp]` server, or None when the config has none."""
        return build_notifier(self.cfg)

    def installed(self, kind: str) -> bool:
        """Whether the adapter module for `kind` exists (a missing optional adapter is not an error)."""
        return installed(kind)

    def text_reader(self) -> TextReader:
        """The reader every route takes attachments' text with."""
        return text_reader()


def text_reader() -> TextReader:
    """The registered `TextReader` (PDF, scans, DOCX, HTML)."""
    reader: TextReader = load_object(READERS["text"])
    return reader


def open_file(path: Path) -> RawDocument:
    """The document a file given to `connector parse` holds, read as its route would read it.

    `BadDocumentError` (Vietnamese) when the file is missing, too large, or of a kind no reader takes.
    """
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BadDocumentError(
                f"Tệp '{path.name}' quá lớn ({size // 1048576} MB, tối đa {MAX_FILE_BYTES // 1048576} MB)"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise BadDocumentError(
            f"Không mở được tệp '{path}': {exc.strerror or exc}", hint="connector parse TỆP"
        ) from exc
    read: Any = load_object(READERS["file"])
    raw: RawDocument = read(data, path.name, max_bytes=MAX_FILE_BYTES)
    return raw


def installed(kind: str) -> bool:
    """Whether the adapter module for `kind` exists in this installation."""
    dotted = ADAPTERS.get(kind)
    if dotted is None:
        return False
    try:
        return importlib.util.find_spec(dotted.partition(":")[0]) is not None
    except ImportError:
        return False


def recipes_used(cfg: Config, maps: Mappings) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, file, recipe as the adapter will get it) of every recipe the config uses that exists."""
    used: list[tuple[str, str]] = [
        (s.type, s.recipe) for s in cfg.settings.source if isinstance(s, EOfficeSourceSettings)
    ]
    if cfg.settings.portal is not None and cfg.settings.portal.enabled:
        used.append(("portal", cfg.settings.portal.recipe))
    out = []
    for kind, name in dict.fromkeys(used):
        if name in maps.recipes:  # (a missing recipe file is reported by the config's cross-checks)
            recipe = _with_statuses(maps, maps.recipes[name]) if kind == "portal" else maps.recipes[name]
            out.append((kind, _recipe_file(cfg, name), {**recipe, "_file": _recipe_file(cfg, name)}))
    return out


def check_recipes(cfg: Config, maps: Mappings) -> list[Problem]:
    """Every problem of every recipe the config uses, checked by the interpreter that will read it."""
    check = load_object(RECIPES["check"])
    return [p for kind, file, recipe in recipes_used(cfg, maps) for p in check(kind, recipe, file)]


def live_check(cfg: Config, maps: Mappings) -> tuple[list[str], int]:
    """Sign in to each site the config uses and try each read page once (read-only): the Vietnamese
    lines, and how many steps did not work."""
    live = load_object(RECIPES["live"])
    sites: dict[str, tuple[str, str, str]] = {
        s.recipe: (str(s.base_url), s.username, s.password_env)
        for s in cfg.settings.source
        if isinstance(s, EOfficeSourceSettings)
    }
    if cfg.settings.portal is not None:
        p = cfg.settings.portal
        sites[p.recipe] = (str(p.base_url), p.username, p.password_env)
    lines: list[str] = []
    failed = 0
    for kind, file, recipe in recipes_used(cfg, maps):
        base_url, username, password_env = sites[PurePath(file).stem]
        report = live(kind, recipe, file, base_url, username, cfg.secret(password_env))
        lines += report
        failed += report.failed
    return lines, failed


def _recipe_file(cfg: Config, name: str) -> str:
    return str(cfg.mappings_dir / f"{name}.toml")


def _with_statuses(maps: Mappings, recipe: dict[str, Any]) -> dict[str, Any]:
    """A portal recipe with the status option values of mappings/statuses.toml merged in."""
    return {**recipe, "status_values": {s.portal_label: s.portal_value for s in maps.statuses}}


def load_object(dotted: str) -> Any:
    """Import `package.module:attribute` lazily."""
    module, _, attr = dotted.partition(":")
    return getattr(importlib.import_module(module), attr)


def _adapter(kind: str, where: str) -> Any:
    try:
        return load_object(ADAPTERS[kind])
    except (ImportError, AttributeError, KeyError):
        raise ConfigError(
            [
                Problem(
                    "config.toml",
                    where,
                    repr(kind),
                    "một loại đã được cài đặt: " + ", ".join(sorted(ADAPTERS)),
                )
            ]
        ) from None


def build_source(cfg: Config, maps: Mappings, name: str) -> Source:
    """The Source configured under `name`."""
    settings = next((s for s in cfg.settings.source if s.name == name), None)
    if settings is None:
        known = ", ".join(s.name for s in cfg.settings.source)
        raise ConfigError(
            [Problem("config.toml", "source", repr(name), f"tên một nguồn đã khai báo: {known}")]
        )
    cls = _adapter(settings.type, f"source.{name}.type")
    if isinstance(settings, EOfficeSourceSettings):
        return cls(
            settings.name,
            str(settings.base_url),
            settings.username,
            cfg.secret(settings.password_env),
            {**maps.recipes[settings.recipe], "_file": _recipe_file(cfg, settings.recipe)},
            overlap_days=settings.overlap_days,
        )
    if isinstance(settings, EdxmlSourceSettings):
        return cls(settings.name, cfg.path(settings.folder), max_bytes=settings.max_bytes)
    assert isinstance(settings, MailSourceSettings)
    return cls(
        settings.name,
        settings.host,
        settings.port,
        settings.username,
        cfg.secret(settings.password_env),
        mailbox=settings.mailbox,
        ssl=settings.ssl,
    )


def build_portal(cfg: Config, maps: Mappings) -> Portal:
    """The portal adapter, its status <option> values taken from mappings/statuses.toml."""
    settings = cfg.settings.portal
    if settings is None:
        raise ConfigError([Problem("config.toml", "portal", "(không có)", "một bảng [portal]")])
    cls = _adapter("portal", "portal")
    recipe = {
        **_with_statuses(maps, maps.recipes[settings.recipe]),
        "_file": _recipe_file(cfg, settings.recipe),
    }
    return cls(str(settings.base_url), settings.username, cfg.secret(settings.password_env), recipe)


def build_notifier(cfg: Config) -> Notifier | None:
    """The outgoing mail server, or None when config.toml has no [smtp] table (no mail is sent)."""
    settings = cfg.settings.smtp
    if settings is None:
        return None
    cls = _adapter("smtp", "smtp")
    return cls(
        settings.host,
        settings.port,
        sender=str(settings.sender),
        security=settings.security,
        username=settings.username,
        password=cfg.secret(settings.password_env) if settings.password_env else None,
        timeout=settings.timeout_seconds,
    )
