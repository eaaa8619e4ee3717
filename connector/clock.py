"""The office's clock: every date and time limit is in Asia/Ho_Chi_Minh, whatever the server's zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def now() -> datetime:
    """Aware current time in Vietnam."""
    return datetime.now(TZ)


def today() -> date:
    """Today's date in Vietnam (the server may run in UTC)."""
    return now().date()
