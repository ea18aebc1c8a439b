"""Column normalisers: the rules of :mod:`._normalise` applied to whole pandas columns.

Each function takes a column of raw text and returns ``(values, reasons)``, two
Series aligned with the input: ``reasons`` holds ``None`` or the sentence of
the scalar normaliser. Common shapes are handled with pandas string operations
(vectorised); whatever the fast path does not settle goes through the scalar
function once per distinct value, so both paths give the same answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from centric.ingest import _normalise as N

__all__ = [
    "Column",
    "datetime_column",
    "email_column",
    "json_column",
    "missing_mask",
    "money_column",
    "phone_column",
    "text_column",
    "via_unique",
]

Column = tuple[pd.Series, pd.Series]
_NULLS = pa.array(sorted(N.NULL_TOKENS), type=pa.string())
_SPACES = "[\\s\u00a0\u202f]"


def _arrow(raw: pd.Series) -> pa.StringArray:
    """The column as an Arrow string array (pyarrow.compute kernels are vectorised C++)."""
    values = raw.to_numpy(dtype=object)
    try:
        return pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None or v != v else str(v) for v in values], type=pa.string())


def _full(arr: pa.Array, pattern: str) -> pa.Array:
    """Boolean array: the whole cell matches ``pattern`` (nulls are False)."""
    return pc.fill_null(pc.match_substring_regex(arr, f"^(?:{pattern})$"), False)


def _series(arr: pa.Array, index: pd.Index) -> pd.Series:
    return pd.Series(arr.to_pandas(), index=index, dtype=object)


def _missing_arrow(arr: pa.Array, *, tokens: bool = True) -> pa.Array:
    trimmed = pc.utf8_trim_whitespace(arr)
    empty = pc.or_(pc.is_null(trimmed), pc.equal(trimmed, ""))
    if tokens:
        empty = pc.or_(empty, pc.is_in(pc.utf8_lower(trimmed), value_set=_NULLS))
    return pc.fill_null(empty, True)


def missing_mask(raw: pd.Series, *, tokens: bool = True) -> pd.Series:
    """Cells that hold no value (blank; with ``tokens`` also ``'N/A'``, ``'null'``...)."""
    mask = _missing_arrow(_arrow(raw), tokens=tokens).to_numpy(zero_copy_only=False)
    return pd.Series(mask, index=raw.index, dtype=bool)


def _empty_reasons(index: pd.Index) -> pd.Series:
    return pd.Series(None, index=index, dtype=object)


def via_unique(raw: pd.Series, func: Callable[..., N.Result], mask: pd.Series | None = None,
               **kw: Any) -> Column:
    """Apply scalar ``func`` once per distinct value of ``raw[mask]``."""
    keep = raw.notna().to_numpy()
    if mask is not None:
        keep &= np.asarray(mask, dtype=bool)
    pos = np.flatnonzero(keep)
    values = np.full(len(raw), None, dtype=object)
    reasons = np.full(len(raw), None, dtype=object)
    if len(pos):
        codes, uniques = pd.factorize(raw.to_numpy(dtype=object)[pos])
        got = np.empty(len(uniques), dtype=object)
        why = np.empty(len(uniques), dtype=object)
        for i, u in enumerate(uniques):
            got[i], why[i] = func(u, **kw)
        values[pos] = got[codes]
        reasons[pos] = why[codes]
    return pd.Series(values, index=raw.index, dtype=object), pd.Series(reasons, index=raw.index, dtype=object)


def text_column(raw: pd.Series) -> Column:
    """NFC and trimmed; blank becomes ``None``."""
    arr = pc.utf8_trim_whitespace(pc.utf8_normalize(_arrow(raw), "NFC"))
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    return _series(arr, raw.index), _empty_reasons(raw.index)


def _merge(values: pd.Series, reasons: pd.Series, todo: pd.Series | np.ndarray, raw: pd.Series,
           func: Callable[..., N.Result], **kw: Any) -> Column:
    todo = pd.Series(np.asarray(todo, dtype=bool), index=raw.index)
    if todo.any():
        v, r = via_unique(raw, func, todo, **kw)
        if _is_time(values):
            values.loc[todo] = pd.to_datetime(v[todo], utc=True).astype(values.dtype)
        else:
            values = values.astype(object)
            values.loc[todo] = v[todo]
        reasons.loc[todo] = r[todo]
        reasons = reasons.astype(object).where(reasons.notna(), None)
    return values, reasons


def _is_time(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.DatetimeTZDtype)


def _np(mask: pa.Array) -> np.ndarray:
    return np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)


def phone_column(raw: pd.Series) -> Column:
    """E.164 phone numbers (see :func:`~._normalise.normalise_phone`)."""
    arr = _arrow(raw)
    miss = _missing_arrow(arr)
    digits = pc.replace_substring_regex(pc.utf8_trim_whitespace(arr), N.PHONE_STRIP, "")
    ok = pc.and_(_full(digits, N.PHONE_VN), pc.invert(miss))
    nsn = pc.replace_substring_regex(digits, f"^(?:{N.PHONE_VN})$", r"\1\2\3")
    e164 = pc.binary_join_element_wise("+84", nsn, "")
    values = _series(pc.if_else(ok, e164, pa.scalar(None, pa.string())), raw.index)
    todo = ~_np(ok) & ~_np(miss)
    return _merge(values, _empty_reasons(raw.index), todo, raw, N.normalise_phone)


def email_column(raw: pd.Series) -> Column:
    """Lower-case, validated e-mail addresses."""
    arr = _arrow(raw)
    miss = _missing_arrow(arr)
    low = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
    ok = pc.and_(_full(low, N.EMAIL), pc.invert(miss))
    values = _series(pc.if_else(ok, low, pa.scalar(None, pa.string())), raw.index)
    return _merge(values, _empty_reasons(raw.index), ~_np(ok) & ~_np(miss), raw, N.normalise_email)


def money_column(raw: pd.Series) -> Column:
    """Exact ``Decimal`` amounts with 2 places."""
    arr = _arrow(raw)
    miss = _missing_arrow(arr)
    text = pc.utf8_trim_whitespace(arr)
    text = pc.replace_substring_regex(text, f"^{N.MONEY_CURRENCY}|{N.MONEY_CURRENCY}$", "")
    text = pc.replace_substring_regex(text, _SPACES, "")
    negative = pc.fill_null(pc.starts_with(text, "-"), False)
    text = pc.replace_substring_regex(text, "^[+-]", "")
    null = pa.scalar(None, pa.string())
    canon = pa.nulls(len(arr), pa.string())
    pending = pc.invert(miss)
    for pattern, thousands, decimal_sep in N.MONEY_FORMS:  # the first form that fits decides
        hit = pc.and_(_full(text, pattern), pending)
        if not pc.any(hit).as_py():
            continue
        got = text
        if thousands:
            got = pc.replace_substring(got, thousands, "")
        if decimal_sep:
            got = pc.replace_substring(got, decimal_sep, ".")
        canon = pc.if_else(hit, got, canon)
        pending = pc.and_(pending, pc.invert(hit))
    exact = _full(canon, r"\d{1,16}(?:\.\d{0,2}0*)?")
    canon = pc.replace_substring_regex(canon, r"^(\d+\.\d{0,2})0*$", r"\1")
    canon = pc.if_else(negative, pc.binary_join_element_wise("-", canon, ""), canon)
    canon = pc.if_else(pc.and_(exact, pc.invert(miss)), canon, null)
    # Decimal values in an Arrow-backed column: no Python object per cell (they become
    # ``Decimal`` objects only if some value needs the scalar rule below)
    values = pd.Series(pd.arrays.ArrowExtensionArray(pc.cast(canon, pa.decimal128(18, 2))), index=raw.index)
    todo = ~_np(pc.is_valid(canon)) & ~_np(miss)
    return _merge(values, _empty_reasons(raw.index), todo, raw, N.normalise_money)


#: zero-padded day-first forms, parsed by Arrow and checked by formatting back.
_ARROW_DATES = (
    (r"\d{2}/\d{2}/\d{4}", "%d/%m/%Y"),
    (r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", "%d/%m/%Y %H:%M"),
    (r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}", "%d/%m/%Y %H:%M:%S"),
    (r"\d{2}-\d{2}-\d{4}", "%d-%m-%Y"),
)


_NAT = np.iinfo(np.int64).min
_UTC_US = pa.timestamp("us", "UTC")
#: years a ``datetime64[ns]`` column can hold; others go through the scalar normaliser.
_NS_YEARS = (1678, 2261)


def _iso_stamps(sub: pa.Array, local: str | None) -> pa.Array:
    """ISO 8601 text -> UTC timestamps by Arrow's parser; null where it does not settle exactly.

    ``local`` is the zone of values without an offset (``None``: the values carry one).
    A value Arrow rejects (a 30 February, an ambiguous local time...) nulls only its own
    part: the array is halved until the rejected values are isolated in small pieces.
    """
    try:
        if local is None:
            return pc.cast(sub, _UTC_US)
        naive = pc.cast(sub, pa.timestamp("us"))
        return pc.assume_timezone(naive, local, ambiguous="raise", nonexistent="raise").cast(_UTC_US)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        if len(sub) <= 64:
            return pa.nulls(len(sub), _UTC_US)
        mid = len(sub) // 2
        return pa.concat_arrays([_iso_stamps(sub.slice(0, mid), local), _iso_stamps(sub.slice(mid), local)])


def datetime_column(raw: pd.Series, *, timezone: str) -> Column:
    """Aware UTC timestamps (``datetime64[ns, UTC]``); local times read in ``timezone``."""
    N.zone(timezone)  # validates the name
    arr = pc.utf8_trim_whitespace(_arrow(raw))
    miss = _np(_missing_arrow(arr))
    stamps_ns = np.full(len(arr), _NAT, dtype=np.int64)
    done = miss.copy()
    for pattern, fmt in _ARROW_DATES:
        hit = _np(_full(arr, pattern)) & ~done
        if not hit.any():
            continue
        sub = arr.filter(pa.array(hit))
        local = pc.strptime(sub, format=fmt, unit="us", error_is_null=True)
        same = pc.fill_null(pc.equal(pc.strftime(local, format=fmt), sub), False)
        stamps = pc.assume_timezone(local, timezone, ambiguous="earliest", nonexistent="earliest")
        stamps = pc.if_else(same, stamps, pa.scalar(None, stamps.type))
        series = stamps.to_pandas().dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
        stamps_ns[np.flatnonzero(hit)] = series.array.asi8
        done |= hit
    # ISO 8601 (with an offset, or local): the reference's fromisoformat, vectorised by Arrow.
    # The patterns do not overlap the day-first forms above, so the order does not matter.
    for pattern, local in ((N.ISO_OFFSET, None), (N.ISO_LOCAL, timezone)):
        hit = _np(_full(arr, pattern)) & ~done
        if not hit.any():
            continue
        idx = np.flatnonzero(hit)
        stamps = _iso_stamps(arr.take(pa.array(idx)), local)
        year = pc.year(stamps)
        ok = pc.fill_null(pc.and_(pc.greater_equal(year, _NS_YEARS[0]), pc.less_equal(year, _NS_YEARS[1])), False)
        ok_np = _np(ok)
        micros = pc.fill_null(stamps.cast(pa.int64()), 0).to_numpy(zero_copy_only=False)
        stamps_ns[idx[ok_np]] = micros[ok_np] * 1000
        done[idx[ok_np]] = True
    values = pd.Series(pd.DatetimeIndex(stamps_ns.view("M8[ns]")).tz_localize("UTC"), index=raw.index)
    rest = np.flatnonzero(~done & (stamps_ns == _NAT))
    left = pd.Series(arr.take(pa.array(rest)).to_numpy(zero_copy_only=False), index=raw.index[rest],
                     dtype=object)
    steps = [*N.DATE_FORMATS, (N.ISO_LOCAL, "ISO8601"), (N.ISO_OFFSET, "ISO8601+")]
    for pattern, fmt in steps:
        if left.empty:
            break
        hit = left.str.fullmatch(pattern).eq(True)
        if not hit.any():
            continue
        got = left[hit]
        if fmt == "ISO8601+":
            stamps = pd.to_datetime(got, format="ISO8601", utc=True, errors="coerce")
        else:
            local = pd.to_datetime(got, format=fmt, errors="coerce")
            stamps = local.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
        values.loc[got.index] = stamps.astype("datetime64[ns, UTC]")
        left = left[~hit]
    todo = values.isna().to_numpy() & ~miss
    return _merge(values, _empty_reasons(raw.index), todo, raw, N.normalise_datetime, timezone=timezone)


def json_column(raw: pd.Series) -> Column:
    """JSON objects (kept as written when valid)."""
    arr = _arrow(raw)
    miss = _missing_arrow(arr)
    text = pc.utf8_trim_whitespace(arr)
    looks = pc.fill_null(pc.and_(pc.starts_with(text, "{"), pc.ends_with(text, "}")), False)
    looks = pc.and_(looks, pc.invert(miss))
    ok = np.zeros(len(arr), dtype=bool)
    idx = np.flatnonzero(_np(looks))
    if len(idx):
        coded = text.take(pa.array(idx)).dictionary_encode()  # each distinct text checked once
        valid = _json_objects(coded.dictionary)
        ok[idx] = valid[coded.indices.to_numpy(zero_copy_only=False)]
    values = _series(pc.if_else(pa.array(ok), text, pa.scalar(None, pa.string())), raw.index)
    return _merge(values, _empty_reasons(raw.index), ~ok & ~_np(miss), raw, N.normalise_json)


def _json_objects(text: pa.Array) -> np.ndarray:
    """Vectorised check that each ``{...}`` string is valid JSON (DuckDB's parser)."""
    import duckdb

    con = duckdb.connect()
    try:
        con.register("t", pa.table({"v": text.cast(pa.string())}))
        res = con.execute("SELECT coalesce(json_valid(v), false) FROM t").fetchnumpy()
        return np.asarray(next(iter(res.values())), dtype=bool)
    except duckdb.Error:
        return np.zeros(len(text), dtype=bool)
    finally:
        con.close()
