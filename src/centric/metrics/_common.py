"""Shared helpers: column checks, workspace time zone, periods, grouping, ``as_of``.

Periods are computed inside the backend as integer indexes in the workspace
time zone (default ``Asia/Ho_Chi_Minh``), so they are identical on DuckDB and
Spark and cheap to compare ("the previous period" is ``index - 1``):

* ``"M"``: ``year * 12 + month - 1``
* ``"Q"``: ``year * 4 + quarter - 1``
* ``"W"``: ISO weeks starting on Monday, counted from Monday 1969-12-29.

Only time zones with a fixed UTC offset (no daylight saving since 1980, such as
Asia/Ho_Chi_Minh, Asia/Bangkok, Asia/Singapore, UTC) are supported: the shift
is then an exact constant and runs unchanged on every backend.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import ibis
import pandas as pd

from centric._ibis import epoch_seconds
from centric.exceptions import InputError, InvalidParameterError

DEFAULT_TZ = "Asia/Ho_Chi_Minh"
FREQS = ("M", "Q", "W")
_EPOCH_MONDAY = pd.Timestamp("1969-12-29")


def check_table(table: Any, required: Sequence[str], *, name: str) -> ibis.Table:
    """Check that ``table`` is an Ibis table with the ``required`` columns."""
    if not isinstance(table, ibis.Table):
        raise InvalidParameterError(
            f"The {name!r} argument must be an Ibis table (e.g. store.table({name!r})). "
            f"Got {type(table).__name__} instead. Wrap pandas frames with ibis.memtable(df)."
        )
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise InputError(
            f"Required column {missing[0]!r} missing from {name!r}. Columns present: {list(table.columns)}."
        )
    return table


@lru_cache(maxsize=32)
def tz_offset_seconds(tz: str) -> int:
    """The constant UTC offset of ``tz`` in seconds, or raise if it has DST."""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise InvalidParameterError(
            f"The 'tz' parameter must be an IANA time zone such as 'Asia/Ho_Chi_Minh'. Got {tz!r} instead."
        ) from None
    offsets = {
        _dt.datetime(y, m, 15, 12, tzinfo=zone).utcoffset() for y in range(1980, 2041) for m in (1, 4, 7, 10)
    }
    if len(offsets) != 1:
        raise InvalidParameterError(
            f"The 'tz' parameter must be a time zone with a fixed UTC offset (no daylight saving), "
            f"such as 'Asia/Ho_Chi_Minh'. Got {tz!r}, whose offset changes over the year."
        )
    (off,) = offsets
    assert off is not None
    return int(off.total_seconds())


def check_freq(freq: Any) -> str:
    """Validate a period frequency."""
    if freq not in FREQS:
        raise InvalidParameterError(
            f"The 'freq' parameter must be one of {list(FREQS)} (month, quarter, ISO week). "
            f"Got {freq!r} instead."
        )
    return str(freq)


def period_index(ts: ibis.Value, freq: str, tz: str = DEFAULT_TZ) -> ibis.Value:
    """Integer period index of timestamp column ``ts`` in zone ``tz`` (a backend expression)."""
    check_freq(freq)
    off = tz_offset_seconds(tz)
    if freq == "W":
        local_days = ((epoch_seconds(ts) + off) / 86400).floor()
        return ((local_days + 3) / 7).floor().cast("int64")
    local = ts + ibis.interval(seconds=off) if off else ts
    if freq == "M":
        return (local.year() * 12 + local.month() - 1).cast("int64")
    return (local.year() * 4 + local.quarter() - 1).cast("int64")


def index_to_period(idx: Any, freq: str) -> pd.Period:
    """Turn a period index back into a :class:`pandas.Period`."""
    i = int(idx)
    if freq == "M":
        return pd.Period(year=i // 12, month=i % 12 + 1, freq="M")
    if freq == "Q":
        return pd.Period(year=i // 4, quarter=i % 4 + 1, freq="Q")
    return pd.Period(_EPOCH_MONDAY + pd.Timedelta(days=7 * i), freq="W-SUN")


def periods_column(values: Any, freq: str) -> pd.Series:
    """A Series of :class:`pandas.Period` from period indexes (missing → NaT)."""
    return pd.Series(
        [pd.NaT if pd.isna(v) else index_to_period(v, freq) for v in values],
        dtype=f"period[{period_freq(freq)}]",
    )


def period_freq(freq: str) -> str:
    return {"M": "M", "Q": "Q-DEC", "W": "W-SUN"}[freq]


def check_by(table: ibis.Table, by: Any, *, name: str) -> str | None:
    """Validate ``by``: None, ``"period"`` or a column of ``table``."""
    if by is None or by == "period":
        return by
    if not isinstance(by, str) or by not in table.columns:
        raise InvalidParameterError(
            f"The 'by' parameter must be None, 'period' or a column of {name!r} "
            f"({sorted(table.columns)}); join a customer attribute first to segment by it. "
            f"Got {by!r} instead."
        )
    return by


def with_group(
    table: ibis.Table, by: str | None, *, time_col: str, freq: str, tz: str
) -> tuple[ibis.Table, str | None]:
    """Add a ``_g`` group column (or nothing when ``by`` is None)."""
    if by is None:
        return table, None
    if by == "period":
        check_freq(freq)
        return table.mutate(_g=period_index(table[time_col], freq, tz)), "period"
    return table.mutate(_g=table[by]), by


def group_labels(values: pd.Series, by: str | None, freq: str) -> pd.Series:
    """Human labels for the ``_g`` column after execution."""
    if by == "period":
        return periods_column(values, freq)
    return values.reset_index(drop=True)


def to_utc(value: Any, *, name: str, tz: str = DEFAULT_TZ) -> _dt.datetime:
    """Parse ``as_of``-like values; naive values are read in the workspace zone."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        ts = pd.NaT
    if value is None or pd.isna(ts):
        raise InvalidParameterError(
            f"The {name!r} parameter must be a date or datetime (e.g. '2024-07-01'). Got {value!r} instead."
        )
    if ts.tzinfo is None:
        ts = ts.tz_localize(ZoneInfo(tz))
    return ts.tz_convert("UTC").to_pydatetime()


def customer_key(table: ibis.Table) -> ibis.Value:
    """The customer of a row: ``customer_id``; unresolved rows fall back to ``customer_ref``."""
    if "customer_ref" in table.columns:
        return ibis.coalesce(table.customer_id, table.customer_ref)
    return table.customer_id


def completed_orders(orders: ibis.Table, statuses: Sequence[str] | None) -> ibis.Table:
    """Orders counted as purchases: status in ``statuses`` (NULL status counts as completed)."""
    if statuses is None or "status" not in orders.columns:
        return orders
    if isinstance(statuses, str) or not all(isinstance(s, str) for s in statuses):
        raise InvalidParameterError(
            f"The 'statuses' parameter must be a list of order statuses such as ['completed'], "
            f"or None for all orders. Got {statuses!r} instead."
        )
    cond = orders.status.isin(list(statuses))
    if "completed" in statuses:
        cond = cond | orders.status.isnull()
    return orders.filter(cond)
