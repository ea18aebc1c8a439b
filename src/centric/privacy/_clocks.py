"""The legal clocks of a rights request.

Modes:

* ``pdp`` (default; PDP Law 91/2025 + Decree 356/2025): acknowledge within **2 working days**
  (Vietnamese holidays and Tết counted, :mod:`._calendar`); complete within **15 days**, or
  **20** when a processor or third party must act; **one** extension of up to 15 days.
* ``gdpr`` (GDPR Art. 12(3)): acknowledge within 2 working days (house rule); complete within
  **one month**; one extension of **two months**.
* ``legacy72`` (Decree 13/2023): acknowledge and complete within **72 hours**; no extension.

Days are calendar days counted from the day after receipt; a deadline is the end of its day
(23:59:59.999999) in the workspace zone (default Asia/Ho_Chi_Minh), returned in UTC.
"""

from __future__ import annotations

import calendar
import datetime as _dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd

from centric.exceptions import InputError
from centric.privacy._calendar import add_working_days

__all__ = ["MODES", "Clock", "clock"]

MODES = ("pdp", "gdpr", "legacy72")


@dataclass(frozen=True)
class Clock:
    """Deadlines of one request (aware UTC datetimes)."""

    ack_due: _dt.datetime
    due_at: _dt.datetime
    extension_until: _dt.datetime | None  # the latest date one extension can reach (None: no extension)


def _end_of(day: _dt.date, tz: ZoneInfo) -> _dt.datetime:
    local = _dt.datetime.combine(day, _dt.time(23, 59, 59, 999999), tzinfo=tz)
    return local.astimezone(_dt.UTC)


def _add_months(day: _dt.date, months: int) -> _dt.date:
    m = day.month - 1 + months
    y, m = day.year + m // 12, m % 12 + 1
    return _dt.date(y, m, min(day.day, calendar.monthrange(y, m)[1]))


def clock(received_at: _dt.datetime | pd.Timestamp, mode: str = "pdp", *, processor: bool = False,
          tz: str = "Asia/Ho_Chi_Minh") -> Clock:
    """Deadlines for a request received at ``received_at`` under ``mode``.

    Examples
    --------
    >>> import datetime as dt
    >>> c = clock(dt.datetime(2026, 2, 13, 10, tzinfo=dt.UTC))   # Friday before Tết 2026
    >>> c.ack_due.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()   # Tết week is off
    datetime.date(2026, 2, 24)
    """
    if mode not in MODES:
        raise InputError(f"Unknown clock mode {mode!r}; modes are: {', '.join(MODES)}.")
    zone = ZoneInfo(tz)
    t = pd.Timestamp(received_at)
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    received = t.to_pydatetime()
    day = received.astimezone(zone).date()
    if mode == "legacy72":
        due = received + _dt.timedelta(hours=72)
        return Clock(due, due, None)
    ack = _end_of(add_working_days(day, 2), zone)
    if mode == "gdpr":
        due_day = _add_months(day, 1)
        return Clock(ack, _end_of(due_day, zone), _end_of(_add_months(day, 3), zone))
    days = 20 if processor else 15
    due_day = day + _dt.timedelta(days=days)
    return Clock(ack, _end_of(due_day, zone), _end_of(due_day + _dt.timedelta(days=15), zone))
