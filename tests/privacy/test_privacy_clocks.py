"""Legal clocks across Tết, weekends and holidays, checked against the calendar by hand."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from centric.exceptions import InputError
from centric.privacy import HOLIDAYS, add_working_days, clock, is_working_day

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def _local(ts):
    return ts.astimezone(VN)


def test_tet_2026_is_off_and_acknowledgement_waits():
    # Tết Bính Ngọ = Tue 17 Feb 2026; Mon 16 – Fri 20 Feb are off
    assert all(not is_working_day(dt.date(2026, 2, d)) for d in range(14, 23))
    assert is_working_day(dt.date(2026, 2, 13)) and is_working_day(dt.date(2026, 2, 23))
    # received Friday 13 Feb 17:00 VN: working days after it are Mon 23, Tue 24
    c = clock(dt.datetime(2026, 2, 13, 10, 0, tzinfo=dt.UTC))
    assert _local(c.ack_due) == dt.datetime(2026, 2, 24, 23, 59, 59, 999999, tzinfo=VN)
    # 15 calendar days from 13 Feb = 28 Feb; the extension adds 15 more = 15 Mar
    assert _local(c.due_at).date() == dt.date(2026, 2, 28)
    assert _local(c.extension_until).date() == dt.date(2026, 3, 15)


def test_weekend_receipt_and_time_zone_edge():
    # 16:30 UTC Fri 6 Mar 2026 is 23:30 Fri in Hanoi (a Friday receipt) -> Mon 9, Tue 10
    c = clock(dt.datetime(2026, 3, 6, 16, 30, tzinfo=dt.UTC))
    assert _local(c.ack_due).date() == dt.date(2026, 3, 10)
    # 17:30 UTC the same day is already Saturday 00:30 in Hanoi -> Mon 9, Tue 10 as well
    assert _local(clock(dt.datetime(2026, 3, 6, 17, 30, tzinfo=dt.UTC)).ack_due).date() == dt.date(2026, 3, 10)
    # Sunday receipt -> Mon, Tue
    assert _local(clock(dt.datetime(2026, 3, 8, 3, tzinfo=dt.UTC)).ack_due).date() == dt.date(2026, 3, 10)


def test_april_may_holidays_2026():
    # Wed 29 Apr: Thu 30 Apr and Fri 1 May are holidays -> Mon 4, Tue 5 May
    assert add_working_days(dt.date(2026, 4, 29), 2) == dt.date(2026, 5, 5)
    # Hùng Kings' day falls on Sun 26 Apr 2026 -> compensatory Mon 27 Apr
    assert not is_working_day(dt.date(2026, 4, 27))
    assert add_working_days(dt.date(2026, 4, 24), 1) == dt.date(2026, 4, 28)


def test_tet_2025_and_national_day_2025():
    assert add_working_days(dt.date(2025, 1, 24), 2) == dt.date(2025, 2, 4)   # Tết 27–31 Jan 2025
    assert add_working_days(dt.date(2025, 8, 29), 1) == dt.date(2025, 9, 3)   # 1–2 Sep 2025


def test_processor_gdpr_and_legacy_modes():
    r = dt.datetime(2026, 1, 31, 2, 0, tzinfo=dt.UTC)  # Sat 31 Jan 2026, 09:00 VN
    assert _local(clock(r, processor=True).due_at).date() == dt.date(2026, 2, 20)
    g = clock(r, "gdpr")
    assert _local(g.due_at).date() == dt.date(2026, 2, 28)          # one month, clipped to month end
    assert _local(g.extension_until).date() == dt.date(2026, 4, 30)  # plus two months
    legacy = clock(r, "legacy72")
    assert legacy.due_at == r + dt.timedelta(hours=72) and legacy.extension_until is None


def test_holiday_table_is_weekdays_with_sources():
    assert all(d.weekday() < 5 for d in HOLIDAYS)
    assert {d.year for d in HOLIDAYS} == {2025, 2026, 2027, 2028}
    assert all(src for _, _, src in HOLIDAYS.values())
    assert HOLIDAYS[dt.date(2026, 2, 17)][1] is True  # Tết 2026 confirmed


def test_unknown_mode():
    with pytest.raises(InputError, match="Unknown clock mode 'fast'"):
        clock(dt.datetime(2026, 1, 5, tzinfo=dt.UTC), "fast")
