"""Composition root: builds adapters from the config by name, so the core never imports them.

The registry maps a config `type` to a dotted path, imported only when that type is configured
(vdirsyncer's `_StorageIndex`). A missing or broken adapter is reported as a config problem that
names the source, not as an ImportError.
"""

from __future__ import annotations

import importlib
from typing import Any

from connector.config import Config, EdxmlSourceSettings, EOfficeSourceSettings, MailSourceSettings
from connector.errors import ConfigError, Problem
from connector.mappings import Mappings
from connector.ports import Notifier, Portal, Source

ADAPTERS: dict[str, str] = {
    "eoffice": "adapters.eoffice:EOfficeSource",
    "edxml": "adapters.edxml:EdxmlDropFolder",
    "mail": "adapters.mail:MailSource",
    "portal": "adapters.portal.http:HttpPortal",
    "smtp": "adapters.smtp:SmtpNotifier",
}


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
        return cls(  # type: ignore[no-any-return]
            settings.name,
            str(settings.base_url),
            settings.username,
            cfg.secret(settings.password_env),
            {**maps.recipes[settings.recipe], "_file": str(cfg.mappings_dir / f"{settings.recipe}.toml")},
            overlap_days=settings.overlap_days,
        )
    if isinstance(settings, EdxmlSourceSettings):
        return cls(settings.name, cfg.path(settings.folder), max_bytes=settings.max_bytes)  # type: ignore[no-any-return]
    assert isinstance(settings, MailSourceSettings)
    return cls(  # type: ignore[no-any-return]
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
        **maps.recipes[settings.recipe],
        "_file": str(cfg.mappings_dir / f"{settings.recipe}.toml"),
        "status_values": {s.portal_label: s.portal_value for s in maps.statuses},
    }
    return cls(str(settings.base_url), settings.username, cfg.secret(settings.password_env), recipe)  # type: ignore[no-any-return]


def build_notifier(cfg: Config) -> Notifier | None:
    """The outgoing mail server, or None when config.toml has no [smtp] table (no mail is sent)."""
    settings = cfg.settings.smtp
    if settings is None:
        return None
    cls = _adapter("smtp", "smtp")
    return cls(  # type: ignore[no-any-return]
        settings.host,
        settings.port,
        sender=str(settings.sender),
        security=settings.security,
        username=settings.username,
        password=cfg.secret(settings.password_env) if settings.password_env else None,
        timeout=settings.timeout_seconds,
    )
