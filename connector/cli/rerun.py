"""`connector rerun REF`: fetch one document again, print what changed and how the push went.

Exit 0 when the document is in the register as fetched and its tasks' push did not fail; 1 when
REF names nothing (or several documents), the source could not give the document back, or the
portal refused. It runs while `connector run` runs (see `connector.sync.rerun`).
"""

from __future__ import annotations

import sys

from connector.calendar import WorkingCalendar
from connector.config import Config
from connector.errors import UserError, to_message
from connector.mappings import Mappings
from connector.register.db import open_register
from connector.service import ConfiguredAdapters
from connector.sync.rerun import RerunResult, rerun_document


def run_rerun(cfg: Config, maps: Mappings, cal: WorkingCalendar, *, ref: str) -> int:
    """Re-run the document `ref` names; print the changes in Vietnamese."""
    register = open_register(cfg.register_url, busy_timeout=cfg.settings.database.busy_timeout_seconds)

    try:
        result = rerun_document(register, cfg, maps, cal, ref, adapters=ConfiguredAdapters(cfg, maps))
    except UserError as exc:
        sys.stderr.write(to_message(exc) + "\n")
        return 1
    finally:
        register.dispose()
    for line in render(result):
        sys.stdout.write(line + "\n")
    if not result.ok:
        sys.stderr.write(f"Xem chi tiết: connector log --doc {ref}\n")
    return 0 if result.ok else 1


def render(result: RerunResult) -> list[str]:
    """The clerk's lines: the document, each change («trước» → «sau»), the outcome and the push."""
    name = result.number or result.source_ref
    lines = [f"Văn bản {name} (nguồn {result.source}, mã {result.source_ref}):"]
    if result.outcome != "failed":
        if result.changes:
            lines += [f"  {c.label}: {_q(c.before)} → {_q(c.after)}" for c in result.changes]
        else:
            lines.append("  Không có gì thay đổi.")
    lines += [f"  {m}" for m in result.messages]
    return lines


def _q(text: str | None) -> str:
    return f"«{text}»" if text is not None else "(trống)"
