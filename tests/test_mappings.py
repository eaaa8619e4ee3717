"""The shipped mappings are valid; a broken one is reported with file, line and all problems."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from connector.domain import Origin, Status
from connector.errors import MappingError
from connector.mappings import Mappings, load_all


def test_shipped_mappings(maps: Mappings) -> None:
    assert {s.status for s in maps.statuses} == set(Status)
    assert any(u.kind == "internal" and u.email for u in maps.units)
    assert {"eoffice", "portal"} <= set(maps.recipes)


@pytest.mark.parametrize(
    ("name", "on", "code"),
    [
        ("Sở NN&PTNT", date(2022, 12, 15), "SNNPTNT"),
        ("Sở Nông nghiệp và Phát triển nông thôn", date(2025, 4, 1), "SNNMT_KT"),  # merged 1/3/2025
        ("Sở Nông nghiệp và Phát triển nông thôn", date(2026, 1, 5), "SNNMT"),  # then Quảng Ngãi 1/7/2025
        ("Sở Tài nguyên và Môi trường", date(2025, 5, 1), "SNNMT_KT"),
        ("Sở Nông nghiệp và Môi trường", date(2025, 4, 1), "SNNMT_KT"),
        ("Sở Nông nghiệp và Môi trường", date(2025, 9, 1), "SNNMT"),
        ("sở  kế hoạch và đầu tư", date(2024, 1, 1), "SKHDT"),
        ("Sở Kế hoạch và Đầu tư", date(2025, 3, 2), "STC"),
        ("Uỷ ban nhân dân huyện Đắk Glei", date(2023, 1, 1), "UBND_DKG"),
        ("Phòng Kế hoạch Tài chính", None, "KHTC"),
        ("Sở Không Có", date(2024, 1, 1), None),
    ],
)
def test_unit_resolution_follows_renames(
    maps: Mappings, name: str, on: date | None, code: str | None
) -> None:
    ref = maps.resolve_unit(name, on)
    assert ref.code == code
    assert ref.name == name.strip()


def test_issuer_origin(maps: Mappings) -> None:
    ref, issuer = maps.resolve_issuer("ỦY BAN NHÂN DÂN TỈNH KON TUM", date(2024, 3, 1))
    assert ref.code == "UBND_KT" and issuer is not None and issuer.origin is Origin.UBND_TINH
    _, later = maps.resolve_issuer("UBND tỉnh Kon Tum", date(2025, 8, 1))
    assert later is None  # the province no longer exists after 1/7/2025


def test_broken_mappings_all_problems_with_lines(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1] / "mappings"
    for f in root.glob("*.toml"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    units = (tmp_path / "units.toml").read_text(encoding="utf-8")
    units = units.replace('code = "STC"', 'code = "STC"\nemail = "khong-phai-email"', 1)
    units = units.replace('code = "SXD"', 'code = "SXD"\nvalid_from = "mai"', 1)
    (tmp_path / "units.toml").write_text(units, encoding="utf-8")
    statuses = (tmp_path / "statuses.toml").read_text(encoding="utf-8")
    cut = statuses.index('[[status]]\nstatus = "Chưa thực hiện quá hạn"')
    (tmp_path / "statuses.toml").write_text(statuses[:cut], encoding="utf-8")
    (tmp_path / "calendar.toml").write_text(
        '[[work_day]]\ndate = 2026-11-23\nreason = "thứ Hai"\n', encoding="utf-8"
    )

    with pytest.raises(MappingError) as info:
        load_all(tmp_path)
    problems = info.value.problems
    files = {Path(p.file).name for p in problems}
    assert files == {"units.toml", "statuses.toml", "calendar.toml"}
    email = next(p for p in problems if p.key.endswith("email"))
    assert units.splitlines()[email.line - 1].startswith("email")
    valid_from = next(p for p in problems if p.key.endswith("valid_from"))
    assert units.splitlines()[valid_from.line - 1].startswith("valid_from")
    assert "YYYY-MM-DD" in valid_from.expected
    assert any("Chưa thực hiện quá hạn" in p.expected for p in problems)
    assert any("thứ Bảy hoặc Chủ nhật" in p.expected for p in problems)


def test_duplicate_unit_code(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1] / "mappings"
    for f in root.glob("*.toml"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    with (tmp_path / "units.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[[unit]]\ncode = "STC"\nname = "Sở Tài chính (bản sao)"\n')
    with pytest.raises(MappingError, match="không được trùng: STC"):
        load_all(tmp_path)
