"""`connector check`: validate the config, every mapping file and the register; report all at once.

An IT admin runs this after every edit. It never stops at the first problem: a config error does
not hide a mapping error, and cross-file problems (a profile naming a unit code that units.toml
lacks, a source naming a recipe that does not exist) are found too.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from connector.config import Config, load
from connector.errors import ConfigError, ConnectorError, MappingError, Problem, to_message
from connector.log import redact_text
from connector.mappings import Mappings, load_all
from connector.service import check_recipes, live_check


def run_check(config_path: Path, *, live: bool = False) -> int:
    """Print every problem found and return 0 when there is none, 1 otherwise.

    With `live`, a valid config goes on to sign in to each site it names and open each read page
    once (read-only, `connector.service.live_check`); a page that does not match makes it 1.
    """
    problems: list[Problem] = []
    cfg: Config | None = None
    maps: Mappings | None = None
    if not config_path.exists():
        problems.append(
            Problem(str(config_path), "", "(chưa có tệp)", "sao chép config.example.toml thành config.toml")
        )
    else:
        try:
            cfg = load(config_path, collect=problems)
        except ConfigError as exc:
            problems.extend(exc.problems)
    mappings_dir = cfg.mappings_dir if cfg else _mappings_named_in(config_path)
    try:
        maps = load_all(mappings_dir)
    except MappingError as exc:
        problems.extend(exc.problems)
    problems.extend(p for p in _check_excel_map(mappings_dir) if p not in problems)  # a syntax error: once
    if cfg and maps:
        problems.extend(_cross_checks(cfg, maps, str(config_path)))
        problems.extend(check_recipes(cfg, maps))
    register_line = _check_register(cfg) if cfg else None

    if problems:
        print(f"Phát hiện {len(problems)} lỗi cần sửa:", file=sys.stderr)
        for p in problems:
            print(f"  - {redact_text(str(p))}", file=sys.stderr)
        print("Sửa các lỗi trên rồi chạy lại `connector check`.", file=sys.stderr)
        return 1
    assert cfg is not None and maps is not None
    print(f"Cấu hình hợp lệ: {config_path} (hồ sơ: {cfg.profile.title}).")
    swaps = len(maps.calendar.day_off) + len(maps.calendar.work_day)
    print(
        f"Tệp ánh xạ hợp lệ: {len(maps.units)} đơn vị, {len(maps.issuers)} cơ quan ban hành, "
        f"{len(maps.bodies.national)} cơ quan trung ương, {len(maps.statuses)} trạng thái, "
        f"{swaps} ngày hoán đổi."
    )
    if register_line is not None:
        ok, line = register_line
        print(line, file=sys.stdout if ok else sys.stderr)
        if not ok:
            return 1
    return _live(cfg, maps) if live else 0


def _live(cfg: Config, maps: Mappings) -> int:
    """The read-only trial on the real sites; 1 when a page did not match or a site did not answer."""
    try:
        lines, failed = live_check(cfg, maps)
    except ConnectorError as exc:
        print(redact_text(to_message(exc)), file=sys.stderr)
        return 1
    for line in lines:
        print(redact_text(line))
    return 1 if failed else 0


def _cross_checks(cfg: Config, maps: Mappings, config_file: str) -> list[Problem]:
    found: list[Problem] = []
    profile_file = str(cfg.mappings_dir / "profiles" / f"{cfg.settings.profile}.toml")
    codes = {u.code for u in maps.units}
    for code in [*cfg.profile.our_units, cfg.profile.office_unit]:
        if code not in codes:
            found.append(
                Problem(profile_file, "our_units", repr(code), "một mã có trong mappings/units.toml")
            )
    for i, src in enumerate(cfg.settings.source):
        recipe = getattr(src, "recipe", None)
        if recipe and recipe not in maps.recipes:
            found.append(
                Problem(
                    config_file,
                    f"source.{i}.recipe",
                    repr(recipe),
                    f"tên một tệp có thật: mappings/{recipe}.toml",
                )
            )
    portal = cfg.settings.portal
    if portal and portal.enabled and portal.recipe not in maps.recipes:
        found.append(
            Problem(
                config_file,
                "portal.recipe",
                repr(portal.recipe),
                f"tên một tệp có thật: mappings/{portal.recipe}.toml",
            )
        )
    known_optional = {o.name for o in maps.calendar.optional_day_off}
    for name in cfg.settings.calendar.optional_days_off:
        if name not in known_optional:
            found.append(
                Problem(
                    config_file,
                    "calendar.optional_days_off",
                    repr(name),
                    "một tên có trong mappings/calendar.toml",
                )
            )
    return found


def _mappings_named_in(config_path: Path) -> Path:
    """The mappings folder a config with other errors still names (so its files get checked, not
    a guessed folder's); ./mappings beside it when even that cannot be read."""
    try:
        named = tomllib.loads(config_path.read_text(encoding="utf-8")).get("paths", {}).get("mappings")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, AttributeError):
        named = None
    folder = Path(named) if isinstance(named, str) and named else Path("mappings")
    return folder if folder.is_absolute() else config_path.parent / folder


def _check_excel_map(mappings_dir: Path) -> list[Problem]:
    """mappings/excel.toml (read by import-excel), validated when present, each problem with its line."""
    from connector.office.excel.settings import FILE_NAME, load_excel_map

    if not (mappings_dir / FILE_NAME).exists():
        return []
    try:
        load_excel_map(mappings_dir)
    except MappingError as exc:
        return list(exc.problems)
    return []


def _check_register(cfg: Config) -> tuple[bool, str]:
    from connector.register.db import Register, head_revision

    url = cfg.register_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return True, f"Sổ theo dõi: chưa có, sẽ được tạo ở lần chạy đầu tại {url.removeprefix('sqlite:///')}."
    try:
        register = Register(url, busy_timeout=cfg.settings.database.busy_timeout_seconds)
        try:
            current = register.revision()
        finally:
            register.dispose()
    except ConnectorError as exc:
        return False, to_message(exc)
    except Exception as exc:  # a driver error: report it as the register being unreachable
        return (
            False,
            f"Không kết nối được sổ theo dõi ({type(exc).__name__}). Kiểm tra database.url trong cấu hình.",
        )
    head = head_revision()
    if current is None:
        return True, "Sổ theo dõi: cơ sở dữ liệu trống, cấu trúc sẽ được tạo ở lần chạy đầu."
    if current == head:
        return True, f"Sổ theo dõi: kết nối được, cấu trúc phiên bản {current} (mới nhất)."
    return (
        True,
        f"Sổ theo dõi: cấu trúc phiên bản {current}, sẽ tự nâng cấp lên {head} ở lần chạy sau (có sao lưu).",
    )
