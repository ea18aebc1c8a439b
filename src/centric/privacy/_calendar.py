"""Vietnamese public holidays 2025–2028 and working-day arithmetic for the rights-request clocks.

The Labour Code 2019 (Art. 112) sets the holidays: New Year (1 Jan), Tết (5 days, the exact days
chosen by the Prime Minister each year), Hùng Kings' day (10th day of the 3rd lunar month),
Reunification day (30 Apr), Labour day (1 May) and National day (2 Sep plus one adjacent day).
A holiday on a weekend gives a compensatory day on the next working day (Art. 112(3)).

``HOLIDAYS`` lists the *weekdays* off (weekends are never working days anyway), each with its
source and whether it is confirmed (``True``) or our estimate (``False``). Estimates follow the
pattern of past years; check them against the government's schedule when it is published and pass
corrections as ``extra``/``removed`` to :func:`working_days_after`. Make-up Saturdays that the
civil service sometimes works are not counted as working days.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

__all__ = ["HOLIDAYS", "add_working_days", "is_working_day", "working_days_after"]

D = _dt.date
_LC = "Labour Code 45/2019/QH14 Art. 112"

#: weekday -> (name, confirmed?, source)
HOLIDAYS: dict[_dt.date, tuple[str, bool, str]] = {
    # 2025
    D(2025, 1, 1): ("Tết Dương lịch / New Year", True, _LC),
    **{D(2025, 1, d): ("Tết Nguyên đán Ất Tỵ / Lunar New Year", True,
                      "MOLISA notice on Tết 2025: off 25 Jan – 2 Feb 2025 (Tết = 29 Jan)")
       for d in (27, 28, 29, 30, 31)},
    D(2025, 4, 7): ("Giỗ Tổ Hùng Vương / Hùng Kings' day (10/3 lunar)", True, _LC),
    D(2025, 4, 30): ("Ngày Giải phóng miền Nam / Reunification day", True, _LC),
    D(2025, 5, 1): ("Quốc tế Lao động / Labour day", True, _LC),
    D(2025, 5, 2): ("Nghỉ bù / swap day (civil service; worked Sat 26 Apr)", True,
                    "Government decision on the 30/4–1/5/2025 swap for civil servants"),
    D(2025, 9, 1): ("Quốc khánh / National day (adjacent day)", True, "MOLISA notice: off 30 Aug – 2 Sep 2025"),
    D(2025, 9, 2): ("Quốc khánh / National day", True, _LC),
    # 2026
    D(2026, 1, 1): ("Tết Dương lịch / New Year", True, _LC),
    **{D(2026, 2, d): ("Tết Nguyên đán Bính Ngọ / Lunar New Year", True,
                      "Ministry of Home Affairs schedule for Tết 2026: off 14–22 Feb 2026 (Tết = 17 Feb)")
       for d in (16, 17, 18, 19, 20)},
    D(2026, 4, 27): ("Nghỉ bù Giỗ Tổ Hùng Vương / compensatory day (10/3 lunar = Sun 26 Apr)", True, _LC),
    D(2026, 4, 30): ("Ngày Giải phóng miền Nam / Reunification day", True, _LC),
    D(2026, 5, 1): ("Quốc tế Lao động / Labour day", True, _LC),
    D(2026, 9, 1): ("Quốc khánh / National day (adjacent day — estimate: 1 or 3 Sep)", False, _LC),
    D(2026, 9, 2): ("Quốc khánh / National day", True, _LC),
    # 2027 (Tết = Sat 6 Feb 2027)
    D(2027, 1, 1): ("Tết Dương lịch / New Year", True, _LC),
    **{D(2027, 2, d): ("Tết Nguyên đán Đinh Mùi / Lunar New Year (estimate)", False,
                      "estimate: eve of Tết + 4 days, weekend days compensated") for d in (5, 8, 9, 10, 11)},
    D(2027, 4, 16): ("Giỗ Tổ Hùng Vương / Hùng Kings' day (estimate from the new moon of 7 Apr)", False, _LC),
    D(2027, 4, 30): ("Ngày Giải phóng miền Nam / Reunification day", True, _LC),
    D(2027, 5, 3): ("Nghỉ bù Quốc tế Lao động / compensatory day (1 May is a Saturday)", True, _LC),
    D(2027, 9, 2): ("Quốc khánh / National day", True, _LC),
    D(2027, 9, 3): ("Quốc khánh / National day (adjacent day — estimate)", False, _LC),
    # 2028 (Tết = Wed 26 Jan 2028)
    D(2028, 1, 3): ("Nghỉ bù Tết Dương lịch / compensatory day (1 Jan is a Saturday)", True, _LC),
    **{D(2028, 1, d): ("Tết Nguyên đán Mậu Thân / Lunar New Year (estimate)", False,
                      "estimate: eve of Tết + 4 days, weekend days compensated") for d in (25, 26, 27, 28, 31)},
    D(2028, 4, 4): ("Giỗ Tổ Hùng Vương / Hùng Kings' day (estimate from the new moon of 26 Mar)", False, _LC),
    D(2028, 5, 1): ("Quốc tế Lao động / Labour day", True, _LC),
    D(2028, 5, 2): ("Nghỉ bù / compensatory day (30 Apr is a Sunday)", True, _LC),
    D(2028, 9, 1): ("Quốc khánh / National day (adjacent day — estimate)", False, _LC),
    D(2028, 9, 4): ("Nghỉ bù Quốc khánh / compensatory day (2 Sep is a Saturday)", True, _LC),
}

FIRST, LAST = D(2025, 1, 1), D(2028, 12, 31)


def is_working_day(day: _dt.date, *, extra: Iterable[_dt.date] = (), removed: Iterable[_dt.date] = ()) -> bool:
    """Monday–Friday and not a public holiday (``extra`` adds days off, ``removed`` takes listed ones away)."""
    if day.weekday() >= 5:
        return False
    if day in set(removed):
        return True
    return day not in HOLIDAYS and day not in set(extra)


def add_working_days(start: _dt.date, n: int, **kw: Iterable[_dt.date]) -> _dt.date:
    """The ``n``-th working day after ``start`` (``start`` itself is not counted)."""
    if n < 0:
        raise ValueError(f"n must be ≥ 0; got {n}")
    day, left = start, n
    while left:
        day += _dt.timedelta(days=1)
        if is_working_day(day, **kw):
            left -= 1
    return day


def working_days_after(start: _dt.date, n: int, **kw: Iterable[_dt.date]) -> _dt.date:
    """Alias of :func:`add_working_days`, named for the legal text ("within n working days")."""
    return add_working_days(start, n, **kw)
