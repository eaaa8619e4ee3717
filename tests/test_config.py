"""Configuration: every problem at once, located, in Vietnamese; secrets only from env or a 0600 file."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.config import load
from connector.errors import ConfigError

ENV = {"CONNECTOR_EOFFICE_PASSWORD": "eoffice-pw-123", "CONNECTOR_PORTAL_PASSWORD": "portal-pw-456"}


def test_example_config_loads(workspace: Path) -> None:
    cfg = load(workspace / "config.toml", environ=ENV)
    assert cfg.profile.department == "Sở Nông nghiệp và Phát triển nông thôn"
    assert cfg.secret("CONNECTOR_PORTAL_PASSWORD") == "portal-pw-456"
    assert cfg.register_url == f"sqlite:///{workspace / 'data' / 'register.sqlite3'}"
    assert [s.name for s in cfg.settings.source] == ["eoffice", "lienthong", "hopthu"]


@pytest.mark.parametrize(
    ("profile", "department"), [("nong-nghiep-2022", "Sở Nông nghiệp"), ("tu-phap-2018", "Sở Tư pháp")]
)
def test_profile_is_one_line(workspace: Path, profile: str, department: str) -> None:
    path = workspace / "config.toml"
    path.write_text(path.read_text().replace('profile = "nong-nghiep-2022"', f'profile = "{profile}"'))
    cfg = load(path, environ=ENV)
    assert cfg.profile.department.startswith(department)
    assert cfg.profile.time_limits.push_working_days == 2
    kinds = {(r.kind, r.who, r.month, r.day) for r in cfg.profile.report}
    if profile == "tu-phap-2018":
        assert {
            ("half-year", "units", 6, 5),
            ("half-year", "office", 6, 15),
            ("annual", "office", 11, 28),
        } <= kinds
    else:
        assert {
            ("monthly", "units", None, 19),
            ("half-year", "office", 6, 10),
            ("annual", "office", 12, 10),
        } <= kinds


def test_every_problem_reported_with_file_line_and_expectation(workspace: Path) -> None:
    path = workspace / "config.toml"
    text = path.read_text()
    text = text.replace("busy_timeout_seconds = 30", 'busy_timeout_seconds = "nhanh"')
    text = text.replace("interval_minutes = 10", 'interval_minutes = 10\ncolour = "xanh"')
    text = text.replace('profile = "nong-nghiep-2022"', 'profile = "nong-nghiep-2099"')
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load(path, environ=ENV)
    message = info.value.message
    lines = text.splitlines()
    by_key = {p.key: p for p in info.value.problems}
    assert set(by_key) >= {"database.busy_timeout_seconds", "source.0.colour", "profile"}
    assert lines[by_key["database.busy_timeout_seconds"].line - 1].startswith("busy_timeout_seconds")
    assert lines[by_key["source.0.colour"].line - 1].startswith("colour")
    assert "'nhanh'" in message and "một số" in message
    assert "không có khóa này" in message
    assert str(path) in message


def test_unknown_profile_lists_known(workspace: Path) -> None:
    path = workspace / "config.toml"
    path.write_text(path.read_text().replace('profile = "nong-nghiep-2022"', 'profile = "lam-nghiep"'))
    with pytest.raises(ConfigError) as info:
        load(path, environ=ENV)
    assert "nong-nghiep-2022" in info.value.message and "tu-phap-2018" in info.value.message


def test_password_in_toml_refused_and_never_echoed(workspace: Path) -> None:
    path = workspace / "config.toml"
    path.write_text(
        path.read_text().replace(
            'username = "snn.kontum"', 'username = "snn.kontum"\npassword = "Bi-mat-2026"'
        )
    )
    with pytest.raises(ConfigError) as info:
        load(path, environ=ENV)
    assert "Bi-mat-2026" not in info.value.message
    assert any(p.key == "portal.password" for p in info.value.problems)
    assert "biến môi trường" in info.value.message


def test_dashboard_account_problems_in_words_and_a_pasted_password_never_echoed(workspace: Path) -> None:
    path = workspace / "config.toml"
    path.write_text(
        path.read_text()
        + '\n[[web.user]]\nname = "Văn Thư"\npassword_hash = "Mat-khau-dan-nham-2026"\n'
        + '\n[[source]]\nname = "Hộp thư"\ntype = "edxml"\nfolder = "x"\n'
    )
    with pytest.raises(ConfigError) as info:
        load(path, environ=ENV)
    by_key = {p.key: p for p in info.value.problems}
    assert "Mat-khau-dan-nham-2026" not in info.value.message
    assert "connector hash-password" in by_key["web.user.0.password_hash"].expected
    assert "chữ thường không dấu" in by_key["web.user.0.name"].expected
    assert "chữ thường không dấu" in by_key["source.3.name"].expected
    assert "should match" not in info.value.message  # pydantic's English never reaches the admin


def test_missing_secret_names_variable_and_line(workspace: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load(workspace / "config.toml", environ={"CONNECTOR_EOFFICE_PASSWORD": "x-123"})
    [problem] = info.value.problems
    assert problem.key == "portal.password_env"
    assert "CONNECTOR_PORTAL_PASSWORD" in str(problem)
    assert problem.line is not None


def _with_secrets_file(workspace: Path, mode: int) -> Path:
    secrets = workspace / "secrets.toml"
    secrets.write_text('CONNECTOR_EOFFICE_PASSWORD = "tu-tep-1"\nCONNECTOR_PORTAL_PASSWORD = "tu-tep-2"\n')
    secrets.chmod(mode)
    path = workspace / "config.toml"
    path.write_text(
        path.read_text().replace(
            '# secrets_file = "/etc/connector/secrets.toml"', 'secrets_file = "secrets.toml"'
        )
    )
    return path


def test_secrets_file_0600_accepted_env_wins(workspace: Path) -> None:
    path = _with_secrets_file(workspace, 0o600)
    cfg = load(path, environ={"CONNECTOR_PORTAL_PASSWORD": "tu-moi-truong"})
    assert cfg.secret("CONNECTOR_EOFFICE_PASSWORD") == "tu-tep-1"
    assert cfg.secret("CONNECTOR_PORTAL_PASSWORD") == "tu-moi-truong"


def test_loose_secrets_file_refused(workspace: Path) -> None:
    path = _with_secrets_file(workspace, 0o644)
    with pytest.raises(ConfigError) as info:
        load(path, environ={})
    assert "chmod 600" in info.value.message
    assert "0644" in info.value.message
    assert "tu-tep-1" not in info.value.message


def test_toml_syntax_error_has_line(workspace: Path) -> None:
    path = workspace / "config.toml"
    path.write_text('profile = "nong-nghiep-2022"\n[paths\n')
    with pytest.raises(ConfigError) as info:
        load(path, environ=ENV)
    assert info.value.problems[0].line == 2
    assert "dòng 2" in info.value.message


def test_database_password_only_from_secret(workspace: Path) -> None:
    path = workspace / "config.toml"
    base = path.read_text()
    path.write_text(
        base.replace('url = ""', 'url = "postgresql+psycopg://connector:Lo-Mat-Khau@127.0.0.1/so"')
    )
    with pytest.raises(ConfigError) as info:
        load(path, environ=ENV)
    assert "Lo-Mat-Khau" not in info.value.message
    assert "password_env" in info.value.message
    path.write_text(
        base.replace('url = ""', 'url = "postgresql+psycopg://connector@127.0.0.1/so"').replace(
            '# password_env = "CONNECTOR_DB_PASSWORD"', 'password_env = "CONNECTOR_DB_PASSWORD"'
        )
    )
    cfg = load(path, environ={**ENV, "CONNECTOR_DB_PASSWORD": "p@ss/word"})
    assert cfg.register_url == "postgresql+psycopg://connector:p%40ss%2Fword@127.0.0.1/so"
