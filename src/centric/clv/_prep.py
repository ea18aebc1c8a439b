"""Data preparation for the CLV models, as Ibis expressions (DuckDB and Spark alike).

* :func:`rfm_summary` turns a transaction log into one row per customer:
  ``frequency`` (repeat purchase periods), ``recency``, ``T`` and
  ``monetary_value`` (mean of the repeat periods' totals), following the
  conventions of lifetimes' ``summary_data_from_transaction_data``.
* :func:`calibration_holdout` does the same for a calibration period and counts
  the purchases of a holdout period, for validation.
* :func:`compress` reduces an RFM table to its distinct rows with a ``weight``:
  what the models are fitted on, small at any number of customers.

Time conventions
----------------
``period`` is the unit of ``recency`` and ``T`` (``"D"``, ``"W"`` or ``"M"``);
``resolution`` is the calendar unit within which several purchases count once.

* ``resolution="D"`` (default): purchases are de-duplicated per calendar day
  and times are day differences divided by the days in a period (7 for weeks,
  365.2425/12 for months), so ``recency`` and ``T`` are fractional. This is the
  convention of Fader, Hardie & Lee (2005) for CDNOW ("days / 7") and of
  lifetimes with ``freq="D", freq_multiplier=7``.
* ``resolution=period``: purchases are grouped into calendar periods (weeks
  start on Monday, as pandas' ``W`` periods) and times are the days between
  the periods' first days divided by the period length: whole weeks, or
  months of 365.2425/12 days, exactly lifetimes with ``freq=period``.

Calendar days are the dates of the timestamps in the backend session's time
zone, a plain ``CAST(ts AS DATE)`` (the store's DuckDB and Spark sessions run
in UTC, so instants stored in UTC give UTC days); dates are used as they are.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from centric.exceptions import InputError, InvalidParameterError

__all__ = ["calibration_holdout", "compress", "rfm_summary"]

_PERIODS = ("D", "W", "M")
_DAYS = {"D": 1.0, "W": 7.0, "M": 365.2425 / 12.0}  # numpy's mean month, as lifetimes
_EPOCH = _dt.date(1970, 1, 1)
HINT = "Hint: build inputs with centric.clv.rfm_summary()."


# --------------------------------------------------------------------------- helpers
def _check_period(period: str, resolution: str | None) -> tuple[str, str]:
    if period not in _PERIODS:
        raise InvalidParameterError(
            f"The 'period' parameter must be one of {list(_PERIODS)}. Got {period!r} instead."
        )
    res = "D" if resolution is None else resolution
    if res not in ("D", period):
        raise InvalidParameterError(
            f"The 'resolution' parameter must be 'D' or the period ({period!r}). Got {resolution!r} instead."
        )
    return period, res


def _as_table(transactions: Any, datetime_col: str) -> ir.Table:
    if isinstance(transactions, ir.Table):
        return transactions
    if isinstance(transactions, pd.DataFrame):
        frame = transactions
        if datetime_col in frame.columns and not pd.api.types.is_datetime64_any_dtype(frame[datetime_col]):
            frame = frame.copy()
            try:
                frame[datetime_col] = pd.to_datetime(frame[datetime_col])
            except (ValueError, TypeError) as exc:
                raise InputError(
                    f"Column {datetime_col!r} must hold dates or timestamps; "
                    f"{frame[datetime_col].iloc[0]!r} could not be parsed."
                ) from exc
        return ibis.memtable(frame)
    raise InputError(
        f"transactions must be an ibis Table or a pandas DataFrame; got {type(transactions).__name__}."
    )


def _require(table: ir.Table, cols: Sequence[str]) -> None:
    present = list(table.columns)
    for c in cols:
        if c not in present:
            raise InputError(
                f"Required column {c!r} missing from transactions. Columns present: {present}. "
                "Pass customer_id_col=, datetime_col= or monetary_value_col= to name yours."
            )


def _day_expr(col: ir.Value) -> ir.DateValue:
    """Calendar date of a date or timestamp column (a plain cast: the cheapest day key to group on)."""
    if col.type().is_date():
        return col
    if col.type().is_string():
        col = col.cast("timestamp")
    return col.date()


def _index_expr(day: ir.DateValue, unit: str) -> ir.DateValue:
    """First day of the calendar period holding each date (weeks start on Monday, as pandas' 'W')."""
    return day if unit == "D" else day.truncate(unit)


def _days(date: ir.Value) -> ir.IntegerValue:
    """Days since 1970-01-01 of a date (applied after aggregation, on one row per customer)."""
    return date.epoch_days().cast("int64")


def _to_date(value: Any, name: str) -> _dt.date:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise InvalidParameterError(f"The {name!r} parameter must be a date; got {value!r}.") from exc
    if ts is pd.NaT:
        raise InvalidParameterError(f"The {name!r} parameter must be a date; got {value!r}.")
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC")
    return ts.date()


def _date_index(d: _dt.date, unit: str) -> int:
    """First day of the calendar period holding ``d`` (as in :func:`_index_expr`)."""
    day = (d - _EPOCH).days
    if unit == "D":
        return day
    if unit == "W":
        return ((day + 3) // 7) * 7 - 3
    return (_dt.date(d.year, d.month, 1) - _EPOCH).days


def _prepared(
    transactions: Any,
    *,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None,
    status_col: str | None,
    statuses: Sequence[str],
    resolution: str,
) -> ir.Table:
    """Validated, filtered transactions as (customer_id, day, p, amount)."""
    table = _as_table(transactions, datetime_col)
    need = [customer_id_col, datetime_col] + ([monetary_value_col] if monetary_value_col else [])
    _require(table, need)
    if status_col is not None and status_col in table.columns:
        st = table[status_col]
        table = table.filter(st.isnull() | st.isin(list(statuses)))
    dtcol = table[datetime_col]
    if not (dtcol.type().is_timestamp() or dtcol.type().is_date() or dtcol.type().is_string()):
        raise InputError(f"Column {datetime_col!r} must hold dates or timestamps; it is {dtcol.type()}.")
    day = _day_expr(dtcol)
    cols: dict[str, Any] = {
        "customer_id": table[customer_id_col],
        "day": day,
        "p": _index_expr(day, resolution),
    }
    if monetary_value_col:
        cols["amount"] = table[monetary_value_col].cast("float64")
    return table.select(**cols)


def _validate(prepared: ir.Table, *, end_day: int | None, end_name: str, has_amount: bool) -> dict[str, Any]:
    """One pass of checks; raises InputError on empty data, nulls, negatives, future dates."""
    t = prepared
    aggs: dict[str, Any] = {
        "n": t.count(),
        "null_id": t.customer_id.isnull().cast("int64").sum(),
        "null_day": t.day.isnull().cast("int64").sum(),
        "min_day": _days(t.day.min()),
        "max_day": _days(t.day.max()),
    }
    if has_amount:
        aggs["null_amount"] = t.amount.isnull().cast("int64").sum()
        aggs["neg_amount"] = (t.amount < 0).cast("int64").sum()
    if end_day is not None:
        aggs["future"] = (t.day > ibis.literal(_EPOCH + _dt.timedelta(days=end_day))).cast("int64").sum()
    row = t.aggregate(**aggs).execute().iloc[0].to_dict()
    n = int(row["n"])
    if n == 0:
        raise InputError(
            "No transactions to summarise (0 rows after filtering on status). "
            "Load orders first, or check the status filter (statuses=('completed',))."
        )
    if int(row["null_id"] or 0):
        raise InputError(
            f"{int(row['null_id'])} transaction(s) have no customer id; resolve or drop them first."
        )
    if int(row["null_day"] or 0):
        raise InputError(f"{int(row['null_day'])} transaction(s) have no date; fix or drop them first.")
    if has_amount:
        if int(row["null_amount"] or 0):
            raise InputError(
                f"{int(row['null_amount'])} transaction(s) have no amount; fill or drop them "
                "(or pass monetary_value_col=None)."
            )
        if int(row["neg_amount"] or 0):
            raise InputError(
                f"{int(row['neg_amount'])} transaction(s) have a negative amount; amounts must be >= 0. "
                "Record returns with status='returned' (they are left out) instead of negative orders."
            )
    if end_day is not None and int(row["future"] or 0):
        last = _EPOCH + _dt.timedelta(days=int(row["max_day"]))
        end = _EPOCH + _dt.timedelta(days=end_day)
        raise InputError(
            f"{int(row['future'])} transaction(s) are dated after {end_name}={end.isoformat()!r} "
            f"(the latest is {last.isoformat()!r}). Filter them out first, or choose a later {end_name}."
        )
    return row


def _summary(t: ir.Table, *, end_p: int, div: float, has_amount: bool, suffix: str = "") -> ir.Table:
    """Per-customer frequency/recency/T/monetary_value from (customer_id, p, amount)."""
    aggs: dict[str, Any] = {}
    if has_amount:
        aggs["value"] = t.amount.sum()
    per = (
        t.group_by(["customer_id", "p"]).aggregate(**aggs)
        if aggs
        else t.select("customer_id", "p").distinct()
    )
    if has_amount:
        cust = per.group_by("customer_id").aggregate(
            n=per.count(),
            first=per.p.min(),
            last=per.p.max(),
            total=per.value.sum(),
            first_value=per.value.argmin(per.p),  # the first period's total (arg_min / min_by)
        )
        cust = cust.mutate(repeat_value=cust.total - cust.first_value)
    else:
        cust = per.group_by("customer_id").aggregate(n=per.count(), first=per.p.min(), last=per.p.max())
    first = _days(cust["first"])
    out: dict[str, Any] = {
        "customer_id": cust.customer_id,
        f"frequency{suffix}": (cust.n - 1).cast("int64"),
        f"recency{suffix}": (_days(cust["last"]) - first).cast("float64") / div,
        f"T{suffix}": (ibis.literal(end_p, "int64") - first).cast("float64") / div,
    }
    if has_amount:
        out[f"monetary_value{suffix}"] = ibis.ifelse(
            cust.n > 1, cust.repeat_value / (cust.n - 1).cast("float64"), 0.0
        ).cast("float64")
    return cust.select(**out)


# --------------------------------------------------------------------------- public API
def rfm_summary(
    transactions: Any,
    *,
    customer_id_col: str = "customer_id",
    datetime_col: str = "ordered_at",
    monetary_value_col: str | None = "total_amount",
    period: str = "W",
    resolution: str | None = "D",
    observation_end: Any = None,
    status_col: str | None = "status",
    statuses: Sequence[str] = ("completed",),
) -> ir.Table:
    """Summarise a transaction log into one RFM row per customer, as an Ibis expression.

    Parameters
    ----------
    transactions : ibis.Table or pandas.DataFrame
        One row per purchase (e.g. ``store.table("orders")``). A pandas frame is
        wrapped in :func:`ibis.memtable`.
    customer_id_col, datetime_col, monetary_value_col : str
        Column names. ``monetary_value_col=None`` leaves ``monetary_value`` out.
    period : {"W", "D", "M"}, default "W"
        Unit of ``recency`` and ``T``.
    resolution : {"D", period}, default "D"
        Calendar unit within which several purchases count once (see the module
        notes): ``"D"`` gives fractional periods (days / 7 for weeks), the period
        itself gives whole calendar periods as lifetimes' ``freq``.
    observation_end : date-like, optional
        End of the observation period (inclusive); defaults to the last purchase
        date. Transactions after it raise :class:`InputError`.
    status_col : str or None, default "status"
        When the column exists, only rows whose status is in ``statuses`` (or null)
        are counted; cancelled and returned orders are left out.
    statuses : sequence of str, default ("completed",)

    Returns
    -------
    ibis.Table
        ``customer_id``, ``frequency`` (distinct purchase periods - 1), ``recency``
        (last - first purchase), ``T`` (observation end - first purchase) and
        ``monetary_value`` (mean of the repeat periods' totals; 0 when frequency is 0).

    Raises
    ------
    InputError
        Empty data, a missing column, null ids/dates/amounts, negative amounts, or
        transactions after ``observation_end``.

    Examples
    --------
    >>> import pandas as pd
    >>> from centric.clv import rfm_summary
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                    "ordered_at": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-08"]),
    ...                    "total_amount": [10.0, 5.0, 20.0, 7.0]})
    >>> rfm_summary(tx, observation_end="2024-01-29").execute().sort_values("customer_id").to_dict("list")
    {'customer_id': ['a', 'b'], 'frequency': [1, 0], 'recency': [2.0, 0.0], 'T': [4.0, 3.0], 'monetary_value': [20.0, 0.0]}

    References
    ----------
    .. [1] lifetimes, ``lifetimes.utils.summary_data_from_transaction_data``.
    .. [2] Fader, Hardie & Lee (2005), Marketing Science 24(2): CDNOW, time in weeks = days / 7.
    """
    period, res = _check_period(period, resolution)
    t = _prepared(
        transactions,
        customer_id_col=customer_id_col,
        datetime_col=datetime_col,
        monetary_value_col=monetary_value_col,
        status_col=status_col,
        statuses=statuses,
        resolution=res,
    )
    has_amount = monetary_value_col is not None
    end_day = (
        None if observation_end is None else (_to_date(observation_end, "observation_end") - _EPOCH).days
    )
    row = _validate(t, end_day=end_day, end_name="observation_end", has_amount=has_amount)
    if observation_end is None:
        end = _EPOCH + _dt.timedelta(days=int(row["max_day"]))
    else:
        end = _to_date(observation_end, "observation_end")
    div = _DAYS[period]
    return _summary(t, end_p=_date_index(end, res), div=div, has_amount=has_amount)


def calibration_holdout(
    transactions: Any,
    *,
    calibration_end: Any,
    observation_end: Any = None,
    customer_id_col: str = "customer_id",
    datetime_col: str = "ordered_at",
    monetary_value_col: str | None = "total_amount",
    period: str = "W",
    resolution: str | None = "D",
    status_col: str | None = "status",
    statuses: Sequence[str] = ("completed",),
) -> ir.Table:
    """Split a transaction log into a calibration summary and holdout counts.

    Customers whose first purchase is after ``calibration_end`` are left out (they
    are not in the calibration cohort), as in lifetimes'
    ``calibration_and_holdout_data``.

    Parameters
    ----------
    transactions : ibis.Table or pandas.DataFrame
        One row per purchase.
    calibration_end : date-like
        Last day (inclusive) of the calibration period.
    observation_end : date-like, optional
        Last day (inclusive) of the holdout period; defaults to the last purchase.
    customer_id_col, datetime_col, monetary_value_col, period, resolution, status_col, statuses
        As in :func:`rfm_summary`.

    Returns
    -------
    ibis.Table
        ``customer_id``, ``frequency_cal``, ``recency_cal``, ``T_cal``,
        ``monetary_value_cal``, ``frequency_holdout`` (distinct purchase periods in
        the holdout), ``monetary_value_holdout`` (mean period total in the holdout,
        0 when none) and ``duration_holdout`` (holdout length in periods).

    Examples
    --------
    >>> import pandas as pd
    >>> from centric.clv import calibration_holdout
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a"],
    ...                    "ordered_at": pd.to_datetime(["2024-01-01", "2024-01-15", "2024-02-05"]),
    ...                    "total_amount": [10.0, 20.0, 30.0]})
    >>> ch = calibration_holdout(tx, calibration_end="2024-01-28", observation_end="2024-02-25").execute()
    >>> ch[["frequency_cal", "T_cal", "frequency_holdout", "duration_holdout"]].iloc[0].tolist()
    [1.0, 3.857142857142857, 1.0, 4.0]

    References
    ----------
    .. [1] lifetimes, ``lifetimes.utils.calibration_and_holdout_data``.
    """
    period, res = _check_period(period, resolution)
    t = _prepared(
        transactions,
        customer_id_col=customer_id_col,
        datetime_col=datetime_col,
        monetary_value_col=monetary_value_col,
        status_col=status_col,
        statuses=statuses,
        resolution=res,
    )
    has_amount = monetary_value_col is not None
    cal_end = _to_date(calibration_end, "calibration_end")
    obs_day = (
        None if observation_end is None else (_to_date(observation_end, "observation_end") - _EPOCH).days
    )
    row = _validate(t, end_day=obs_day, end_name="observation_end", has_amount=has_amount)
    obs_end = (
        _EPOCH + _dt.timedelta(days=int(row["max_day"]))
        if obs_day is None
        else _to_date(observation_end, "observation_end")
    )
    if obs_end <= cal_end:
        raise InvalidParameterError(
            f"observation_end ({obs_end.isoformat()!r}) must be after calibration_end "
            f"({cal_end.isoformat()!r})."
        )
    cal_day = (cal_end - _EPOCH).days
    if int(row["min_day"]) > cal_day:
        raise InputError(
            f"No transactions on or before calibration_end={cal_end.isoformat()!r} "
            "(the calibration period is empty); choose a later calibration_end."
        )
    div = _DAYS[period]
    cal = _summary(
        t.filter(t.day <= ibis.literal(cal_end)),
        end_p=_date_index(cal_end, res),
        div=div,
        has_amount=has_amount,
        suffix="_cal",
    )
    hold_tx = t.filter(t.day > ibis.literal(cal_end))
    if has_amount:
        per = hold_tx.group_by(["customer_id", "p"]).aggregate(value=hold_tx.amount.sum())
        hold = per.group_by("customer_id").aggregate(
            frequency_holdout=per.count(), monetary_value_holdout=per.value.mean()
        )
    else:
        per = hold_tx.select("customer_id", "p").distinct()
        hold = per.group_by("customer_id").aggregate(frequency_holdout=per.count())
    hold = hold.rename(hid="customer_id")
    joined = cal.left_join(hold, cal.customer_id == hold.hid)
    duration = (_date_index(obs_end, res) - _date_index(cal_end, res)) / div
    cols: dict[str, Any] = {c: joined[c] for c in cal.columns}
    cols["frequency_holdout"] = joined.frequency_holdout.fill_null(0).cast("float64")
    if has_amount:
        cols["monetary_value_holdout"] = joined.monetary_value_holdout.fill_null(0.0).cast("float64")
    cols["duration_holdout"] = ibis.literal(float(duration), "float64")
    return joined.select(**cols)


def compress(rfm: Any, *, columns: Sequence[str] = ("frequency", "recency", "T")) -> pd.DataFrame:
    """Distinct rows of ``columns`` with a ``weight`` (number of customers).

    This is what the models are fitted on: its size is bounded by the number of
    distinct (x, t_x, T) triples, not by the number of customers. For an ibis
    Table the grouping runs inside the backend and only the distinct rows come
    back to Python.

    Parameters
    ----------
    rfm : ibis.Table or pandas.DataFrame
        Output of :func:`rfm_summary` (or any frame with ``columns``). A ``weight``
        column, if present, is summed.
    columns : sequence of str
        The grouping columns; ``("frequency", "recency", "n_periods")`` for BG/BB.

    Returns
    -------
    pandas.DataFrame
        ``columns`` + ``weight``, sorted by ``columns``.

    Examples
    --------
    >>> import pandas as pd
    >>> from centric.clv import compress
    >>> rfm = pd.DataFrame({"frequency": [0, 0, 1], "recency": [0.0, 0.0, 2.0], "T": [5.0, 5.0, 5.0]})
    >>> compress(rfm)["weight"].tolist()
    [2, 1]
    """
    cols = list(columns)
    if isinstance(rfm, ir.Table):
        present = list(rfm.columns)
        for c in cols:
            if c not in present:
                raise InputError(
                    f"Required column {c!r} missing from data. Columns present: {present}. {HINT}"
                )
        if "weight" in present:
            expr = rfm.group_by(cols).aggregate(weight=rfm.weight.sum())
        else:
            expr = rfm.group_by(cols).aggregate(weight=rfm.count())
        out = expr.execute()
    elif isinstance(rfm, pd.DataFrame):
        for c in cols:
            if c not in rfm.columns:
                raise InputError(
                    f"Required column {c!r} missing from data. Columns present: {list(rfm.columns)}. {HINT}"
                )
        from centric.clv._base import unique_rows

        w = rfm["weight"].to_numpy() if "weight" in rfm.columns else None
        uniq, weights, _ = unique_rows({c: rfm[c].to_numpy() for c in cols}, w, inverse=False)
        out = pd.DataFrame(uniq)  # already in lexicographic order
        out["weight"] = (
            weights
            if w is not None and not np.issubdtype(np.asarray(w).dtype, np.integer)
            else weights.astype(np.int64)
        )
        return out
    else:
        raise InputError(f"rfm must be an ibis Table or a pandas DataFrame; got {type(rfm).__name__}. {HINT}")
    return out.sort_values(cols, kind="stable").reset_index(drop=True)
