"""Make one report file: pick the tasks, build the workbook, save it atomically.

Both `connector report` and the scheduler's job call `make_report`, so a report made by hand
and one made on the profile's date are the same document.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from connector.config import Config, ReportRule
from connector.domain import Status
from connector.errors import UserError
from connector.mappings import Mappings
from connector.office.reports.periods import KIND_LABELS, Kind, Period
from connector.office.reports.rows import select_rows
from connector.office.reports.workbook import Heading, build, save_atomically
from connector.register.db import Register

UNITS_SIGNER = "THỦ TRƯỞNG PHÒNG, ĐƠN VỊ"
_WHO_SLUG = {"office": "van-phong", "units": "don-vi"}


@dataclass(frozen=True)
class Written:
    """What was written, for the CLI line and the sync-log event."""

    path: Path
    kind: Kind
    who: str
    period: Period
    as_of: date
    rows: int
    held_for_review: int
    by_status: dict[str, int]

    def line(self) -> str:
        """One Vietnamese sentence: what was made, where, with how many tasks of which status."""
        label = KIND_LABELS[self.kind]
        late = sum(n for s, n in self.by_status.items() if "quá hạn" in s and not s.startswith("Đã"))
        done = sum(n for s, n in self.by_status.items() if s.startswith("Đã hoàn thành"))
        text = (
            f"Đã lập {label}, kỳ {self.period.label} ({self.rows} nhiệm vụ: {done} đã hoàn thành, "
            f"{late} đang quá hạn; trạng thái tính đến ngày {self.as_of:%d/%m/%Y}): {self.path}"
        )
        if self.held_for_review:
            text += (
                f"\n{self.held_for_review} nhiệm vụ đang chờ kiểm tra nên chưa đưa vào báo cáo; "
                "xác nhận chúng trên trang theo dõi (mục Chờ kiểm tra) rồi chạy lại `connector report "
                f"{self.kind} --period {self.period.key}`."
            )
        return text

    def detail(self) -> dict[str, object]:
        return {
            "kind": self.kind, "who": self.who, "period": self.period.key, "path": str(self.path),
            "as_of": self.as_of.isoformat(), "rows": self.rows, "held_for_review": self.held_for_review,
            "by_status": self.by_status,
        }  # fmt: skip


def cli_path(cfg: Config, kind: str, period: Period) -> Path:
    """Where `connector report` writes when no `--out` is given."""
    return cfg.reports_dir / f"bao-cao-{kind}-{period.key}.xlsx"


def job_path(cfg: Config, rule: ReportRule, period: Period) -> Path:
    """Where the scheduler writes the report of `rule`: one file per kind, who and period."""
    return cfg.reports_dir / f"bao-cao-{rule.kind}-{period.key}-{_WHO_SLUG[rule.who]}.xlsx"


def heading(
    cfg: Config, rule: ReportRule | None, kind: Kind, period: Period, as_of: date, made_on: date
) -> Heading:
    """The text around the table, from the profile, its rule for `kind` and the [reports] settings."""
    profile, settings = cfg.profile, cfg.settings.reports
    units = rule is not None and rule.who == "units"
    title = (
        rule.title if rule else f"{KIND_LABELS[kind].capitalize()} về tình hình, kết quả thực hiện nhiệm vụ"
    )
    basis = rule.basis if rule else "theo yêu cầu (hồ sơ Sở không quy định thời hạn cho loại báo cáo này)"
    return Heading(
        province_body=f"UBND TỈNH {profile.province.upper()}",
        department=profile.department.upper(),
        place=profile.province,
        made_on=made_on,
        title=title,
        period_line=(
            f"Kỳ báo cáo: {period.label} (từ ngày {period.start:%d/%m/%Y} đến ngày {period.end:%d/%m/%Y}); "
            f"trạng thái tính đến ngày {as_of:%d/%m/%Y}"
        ),
        basis=basis,
        signer_title=UNITS_SIGNER if units else settings.signer_title,
        signer_name="" if units else settings.signer_name,
        recipients=tuple(rule.recipients) if rule else (),
    )


def make_report(
    register: Register,
    cfg: Config,
    maps: Mappings,
    *,
    kind: Kind,
    rule: ReportRule | None,
    period: Period,
    out: Path,
    today: date,
) -> Written:
    """Write the report of `period` to `out` (replacing it) and say what was written."""
    if period.start > today:
        raise UserError(
            f"Kỳ báo cáo {period.label} chưa bắt đầu (hôm nay {today:%d/%m/%Y}); chưa có gì để báo cáo.",
            hint=f"connector report {kind}",
        )
    as_of = min(period.end, today)
    with register.read() as s:
        selection = select_rows(s, maps, cfg.profile, period.start, as_of)
    rows = selection.rows
    wb = build(heading(cfg, rule, kind, period, as_of, today), rows)
    save_atomically(wb, out)
    counts = Counter(str(r.status) for r in rows)
    return Written(
        path=out,
        kind=kind,
        who=rule.who if rule else "office",
        period=period,
        as_of=as_of,
        rows=len(rows),
        held_for_review=selection.held_for_review,
        by_status={str(s): counts.get(str(s), 0) for s in Status},
    )
