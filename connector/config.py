"""Settings from `config.toml` + environment + a 0600 secrets file, validated all at once.

Credentials never live in the TOML that goes into git: a setting names an environment variable
(`password_env = "CONNECTOR_EOFFICE_PASSWORD"`), whose value comes from the environment or, if
unset there, from the secrets file (TOML of `NAME = "value"`), which must be readable by its owner
only (mode 0600). Every secret value read is registered with the log redactor before anything
else can print it.

Every problem found (syntax, unknown key, bad value, missing secret, loose file mode, unknown
profile) is collected and raised as one `ConfigError`, each naming file, line, key, value and
what is expected, in Vietnamese (vdirsyncer, dlt).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, HttpUrl, field_validator, model_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from connector.domain import Origin
from connector.errors import ConfigError, Problem
from connector.log import register_secret
from connector.tomlfile import locate, read_toml, validate

ENV_PREFIX = "CONNECTOR_"
_SECRET_KEY_WORDS = ("password", "passwd", "secret", "token", "mat_khau")
_NOT_SECRET_SUFFIXES = ("_env", "_file", "_hash")  # a variable's name, a path, an argon2 hash


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PathsSettings(_Strict):
    mappings: Path = Path("mappings")
    data_dir: Path = Path("data")
    secrets_file: Path | None = None


class RegisterSettings(_Strict):
    url: str = ""
    password_env: str | None = Field(None, pattern=r"^CONNECTOR_[A-Z0-9_]+$")
    busy_timeout_seconds: float = Field(30, gt=0)

    @field_validator("url")
    @classmethod
    def _no_password_in_url(cls, value: str) -> str:
        if not value:
            return value
        try:
            parsed = make_url(value)
        except ArgumentError:
            raise ValueError(
                "một địa chỉ dạng sqlite:///đường/dẫn hoặc postgresql+psycopg://user@máy/csdl"
            ) from None
        if parsed.password:
            raise ValueError('địa chỉ không chứa mật khẩu; đặt mật khẩu qua password_env = "CONNECTOR_..."')
        return value


class LogSettings(_Strict):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    file: Path = Path("logs/connector.jsonl")
    max_bytes: int = Field(10_000_000, ge=100_000)
    backups: int = Field(10, ge=1)


class CalendarSettings(_Strict):
    optional_days_off: list[str] = []


class _SourceBase(_Strict):
    name: str = Field(pattern=r"^[a-z0-9_-]+$")
    enabled: bool = True
    interval_minutes: int = Field(10, ge=1)


class EOfficeSourceSettings(_SourceBase):
    type: Literal["eoffice"]
    base_url: HttpUrl
    username: str = Field(min_length=1)
    password_env: str = Field(pattern=r"^CONNECTOR_[A-Z0-9_]+$")
    recipe: str = "eoffice"
    overlap_days: int = Field(2, ge=0)


class EdxmlSourceSettings(_SourceBase):
    type: Literal["edxml"]
    folder: Path
    max_bytes: int = Field(20_000_000, ge=1)


class MailSourceSettings(_SourceBase):
    type: Literal["mail"]
    host: str = Field(min_length=1)
    port: int = Field(993, ge=1, le=65535)
    ssl: bool = True
    username: str = Field(min_length=1)
    password_env: str = Field(pattern=r"^CONNECTOR_[A-Z0-9_]+$")
    mailbox: str = "INBOX"


SourceSettings = Annotated[
    EOfficeSourceSettings | EdxmlSourceSettings | MailSourceSettings, Field(discriminator="type")
]


class PortalSettings(_Strict):
    enabled: bool = True
    base_url: HttpUrl
    username: str = Field(min_length=1)
    password_env: str = Field(pattern=r"^CONNECTOR_[A-Z0-9_]+$")
    recipe: str = "portal"
    chromium_path: Path = Path("/usr/bin/chromium")


class WebUser(_Strict):
    """A dashboard account. Only the argon2 hash is stored (`connector hash-password` makes one)."""

    name: str = Field(pattern=r"^[a-z0-9._-]+$")
    full_name: str = ""
    password_hash: str = Field(pattern=r"^\$argon2(id|i|d)\$")


class WebSettings(_Strict):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(8765, ge=1, le=65535)
    session_hours: int = Field(8, ge=1, le=168)
    user: list[WebUser] = []


class SchedulerSettings(_Strict):
    """When `connector run` does each job (Asia/Ho_Chi_Minh). Source polls use each source's interval."""

    misfire_grace_hours: int = Field(12, ge=1)
    push_interval_minutes: int = Field(5, ge=1)
    reconcile_at: time = time(6, 30)
    reminders_at: time = time(7, 30)
    reports_at: time = time(8, 0)
    heartbeat_minutes: int = Field(5, ge=1)
    alert_after_hours: float = Field(24, gt=0)


class SmtpSettings(_Strict):
    """The outgoing mail server for reminders to units and alerts to the admin."""

    host: str = Field(min_length=1)
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password_env: str | None = Field(None, pattern=r"^CONNECTOR_[A-Z0-9_]+$")
    sender: EmailStr
    admin_email: EmailStr | None = None
    timeout_seconds: float = Field(30, gt=0)


class RemindersSettings(_Strict):
    enabled: bool = True
    days_before: int = Field(3, ge=0, le=30)


class ReportsSettings(_Strict):
    folder: Path = Path("reports")
    signer_title: str = "GIÁM ĐỐC"
    signer_name: str = ""


class Settings(_Strict):
    """The whole config.toml."""

    profile: str = Field(pattern=r"^[a-z0-9-]+$")
    paths: PathsSettings = PathsSettings()
    database: RegisterSettings = RegisterSettings()
    log: LogSettings = LogSettings()
    calendar: CalendarSettings = CalendarSettings()
    source: list[SourceSettings] = []
    portal: PortalSettings | None = None
    web: WebSettings = WebSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    smtp: SmtpSettings | None = None
    reminders: RemindersSettings = RemindersSettings()
    reports: ReportsSettings = ReportsSettings()

    @model_validator(mode="after")
    def _source_names_unique(self) -> Settings:
        names = [s.name for s in self.source]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"tên nguồn không được trùng: {', '.join(dupes)}")
        return self


class ReportRule(_Strict):
    """One periodic report of a department profile (DESIGN §6)."""

    kind: Literal["monthly", "quarterly", "half-year", "annual"]
    who: Literal["units", "office"]
    day: int = Field(ge=1, le=31)
    month: int | None = Field(None, ge=1, le=12)
    title: str
    basis: str
    recipients: list[str] = []


class TimeLimits(_Strict):
    classify_working_days: int = Field(ge=1)
    classify_working_days_complex: int = Field(ge=1)
    push_working_days: int = Field(ge=1)


class Profile(_Strict):
    """A department's rules, from its regulation (mappings/profiles/*.toml)."""

    title: str
    department: str
    province: str
    our_units: list[str] = Field(min_length=1)
    office_unit: str
    tracked_origins: list[Origin]
    portal_origins: list[Origin]
    concerns_us_when: Literal["lead_or_cooperating", "lead_only"] = "lead_or_cooperating"
    time_limits: TimeLimits
    report: list[ReportRule] = []


@dataclass(frozen=True)
class Config:
    """Validated settings, the chosen profile, resolved paths and the secrets they name."""

    settings: Settings
    profile: Profile
    root: Path
    secrets: Mapping[str, str]

    def path(self, value: Path) -> Path:
        """A path from the config, relative to the config file's folder."""
        return value if value.is_absolute() else self.root / value

    @property
    def data_dir(self) -> Path:
        return self.path(self.settings.paths.data_dir)

    @property
    def mappings_dir(self) -> Path:
        return self.path(self.settings.paths.mappings)

    @property
    def log_file(self) -> Path:
        f = self.settings.log.file
        return f if f.is_absolute() else self.data_dir / f

    @property
    def reports_dir(self) -> Path:
        f = self.settings.reports.folder
        return f if f.is_absolute() else self.data_dir / f

    @property
    def register_url(self) -> str:
        """The SQLAlchemy URL; default a SQLite file in the data folder; password from a secret."""
        url = self.settings.database.url or f"sqlite:///{self.data_dir / 'register.sqlite3'}"
        name = self.settings.database.password_env
        if name and name in self.secrets:
            return make_url(url).set(password=self.secrets[name]).render_as_string(hide_password=False)
        return url

    def secret(self, name: str) -> str:
        """The value of a named credential (already checked present at load time)."""
        return self.secrets[name]


def load(
    config_file: Path, *, environ: Mapping[str, str] | None = None, collect: list[Problem] | None = None
) -> Config:
    """Read, validate and resolve `config_file`; raise one ConfigError listing every problem.

    With `collect`, problems that still leave a usable Config (a missing secret, a loose secrets
    file) are appended there instead, so `connector check` can go on to cross-file checks.
    """
    env = os.environ if environ is None else environ
    data, text = read_toml(config_file, error=ConfigError)
    problems = [
        Problem(
            str(config_file), key, "(ẩn)", f"không ghi mật khẩu trong tệp cấu hình; dùng {_env_hint(key)}"
        )
        for key in _secret_looking_keys(data)
    ]
    data = _without_keys(data, {p.key for p in problems})
    settings: Settings | None = None
    try:
        settings = validate(Settings, data, path=config_file, text=text, error=ConfigError)
    except ConfigError as exc:
        problems.extend(exc.problems)
    root = config_file.parent.resolve()
    profile_name = settings.profile if settings else str(data.get("profile", ""))
    mappings = (
        settings.paths.mappings if settings else Path(str(data.get("paths", {}).get("mappings", "mappings")))
    )
    profile = _load_profile(
        profile_name, mappings if mappings.is_absolute() else root / mappings, problems, config_file
    )
    if settings is None:
        # still report missing credentials, read from the raw tables, so one run shows everything
        needed = _raw_secret_names(data)
        _check_secrets(needed, _secrets_file_path(data, root), env, config_file, text, problems)
        raise ConfigError(problems)
    if profile is None:
        raise ConfigError(problems)
    secret_problems: list[Problem] = []
    secrets = _load_secrets(settings, root, env, config_file, text, secret_problems)
    if collect is not None:
        collect.extend(secret_problems)
    else:
        problems.extend(secret_problems)
    if problems:
        raise ConfigError(problems)
    return Config(settings=settings, profile=profile, root=root, secrets=secrets)


def _load_profile(name: str, mappings: Path, problems: list[Problem], config_file: Path) -> Profile | None:
    path = mappings / "profiles" / f"{name}.toml"
    if not name or not path.exists():
        known = sorted(p.stem for p in (mappings / "profiles").glob("*.toml"))
        problems.append(Problem(str(config_file), "profile", repr(name), "một trong: " + ", ".join(known)))
        return None
    try:
        data, text = read_toml(path, error=ConfigError)
        return validate(Profile, data, path=path, text=text, error=ConfigError)
    except ConfigError as exc:
        problems.extend(exc.problems)
        return None


def _needed_secrets(settings: Settings) -> list[tuple[tuple[str | int, ...], str]]:
    needed: list[tuple[tuple[str | int, ...], str]] = []
    for i, src in enumerate(settings.source):
        name = getattr(src, "password_env", None)
        if name and src.enabled:
            needed.append((("source", i, "password_env"), name))
    if settings.portal and settings.portal.enabled:
        needed.append((("portal", "password_env"), settings.portal.password_env))
    if settings.smtp and settings.smtp.password_env:
        needed.append((("smtp", "password_env"), settings.smtp.password_env))
    if settings.database.password_env:
        needed.append((("database", "password_env"), settings.database.password_env))
    return needed


def _secrets_file_path(data: Mapping[str, Any], root: Path) -> Path | None:
    raw = data.get("paths", {}).get("secrets_file") if isinstance(data.get("paths"), Mapping) else None
    if not isinstance(raw, str) or not raw:
        return None
    return Path(raw) if Path(raw).is_absolute() else root / raw


def _raw_secret_names(
    data: Mapping[str, Any], loc: tuple[str | int, ...] = ()
) -> list[tuple[tuple[str | int, ...], str]]:
    """(location, variable name) of every `*_env` key in enabled tables of unvalidated data."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    if isinstance(data, Mapping):
        if data.get("enabled") is False:
            return found
        for key, value in data.items():
            if key.endswith("_env") and isinstance(value, str):
                found.append(((*loc, key), value))
            else:
                found += _raw_secret_names(value, (*loc, key))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            found += _raw_secret_names(item, (*loc, i))
    return found


def _load_secrets(
    settings: Settings,
    root: Path,
    env: Mapping[str, str],
    config_file: Path,
    text: str,
    problems: list[Problem],
) -> dict[str, str]:
    secrets_path = settings.paths.secrets_file
    if secrets_path is not None and not secrets_path.is_absolute():
        secrets_path = root / secrets_path
    return _check_secrets(_needed_secrets(settings), secrets_path, env, config_file, text, problems)


def _check_secrets(
    needed: list[tuple[tuple[str | int, ...], str]],
    secrets_path: Path | None,
    env: Mapping[str, str],
    config_file: Path,
    text: str,
    problems: list[Problem],
) -> dict[str, str]:
    from_file = _read_secrets_file(secrets_path, problems) if secrets_path is not None else {}
    secrets: dict[str, str] = {}
    for loc, name in needed:
        value = env.get(name) or from_file.get(name)
        if not isinstance(value, str) or not value:
            where = f"biến môi trường {name}" + (
                f" hoặc khóa {name} trong tệp {secrets_path}" if secrets_path else ""
            )
            key = ".".join(map(str, loc))
            problems.append(
                Problem(
                    str(config_file),
                    key,
                    repr(name),
                    f"{where} được đặt giá trị (hiện chưa có)",
                    locate(text, loc),
                )
            )
            continue
        register_secret(value)
        secrets[name] = value
    return secrets


def _read_secrets_file(path: Path, problems: list[Problem]) -> dict[str, Any]:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        problems.append(
            Problem(str(path), "", "(không tồn tại)", "tệp bí mật có ở đường dẫn paths.secrets_file")
        )
        return {}
    if os.name == "posix" and mode & 0o077:
        problems.append(
            Problem(
                str(path),
                "",
                f"quyền {mode:04o} (người khác đọc được)",
                f"quyền 0600 (chạy: chmod 600 {path})",
            )
        )
        return {}
    try:
        data, _ = read_toml(path, error=ConfigError)
    except ConfigError as exc:
        # never echo a secrets file's content: keep only where the problem is
        problems.extend(
            Problem(p.file, p.key, "(ẩn)", 'cú pháp TOML hợp lệ: NAME = "giá trị"', p.line)
            for p in exc.problems
        )
        return {}
    for name, value in data.items():
        if isinstance(value, str) and value:
            register_secret(value)
        if not name.startswith(ENV_PREFIX):
            problems.append(Problem(str(path), name, "(ẩn)", f"tên bắt đầu bằng {ENV_PREFIX}"))
    return data


def _secret_looking_keys(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    found = []
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            found += _secret_looking_keys(value, dotted + ".")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, Mapping):
                    found += _secret_looking_keys(item, f"{dotted}.{i}.")
        elif any(w in key.lower() for w in _SECRET_KEY_WORDS) and not key.endswith(_NOT_SECRET_SUFFIXES):
            found.append(dotted)
    return found


def _without_keys(data: Mapping[str, Any], dotted: set[str], prefix: str = "") -> dict[str, Any]:
    """A copy of `data` without the secret-looking keys, so no later message can echo their value."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        here = f"{prefix}{key}"
        if here in dotted:
            continue
        if isinstance(value, Mapping):
            out[key] = _without_keys(value, dotted, here + ".")
        elif isinstance(value, list):
            out[key] = [
                _without_keys(v, dotted, f"{here}.{i}.") if isinstance(v, Mapping) else v
                for i, v in enumerate(value)
            ]
        else:
            out[key] = value
    return out


def _env_hint(key: str) -> str:
    name = key.rsplit(".", 1)[-1]
    return f"'{name}_env = \"{ENV_PREFIX}...\"' và đặt giá trị trong biến môi trường hoặc tệp bí mật 0600"
