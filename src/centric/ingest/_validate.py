"""Validation and quarantine: normalise a chunk field by field, split good rows from bad ones.

A row is quarantined when any field fails to normalise or a required field is
empty; it keeps *all* its reasons, each ``"<field>: <value!r> ... (expected ...)"``.
Rows whose cells are all empty are *blank*: counted and skipped.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from centric.ingest import _columns as C
from centric.ingest import _enums as E
from centric.ingest import _normalise as N
from centric.ingest._mapping import ColumnMapping
from centric.schema import table_spec

__all__ = ["Checked", "DuplicateTracker", "column_rule", "validate_chunk"]

_PREFIXED = r"^[a-z][a-z0-9_\-]*:"
Rule = tuple[str, Callable[[pd.Series], C.Column]]


@dataclass
class Checked:
    """The outcome of :func:`validate_chunk`.

    Attributes
    ----------
    good
        Normalised rows in canonical columns.
    bad
        Quarantine rows: ``row_number``, ``raw`` (JSON of the file's cells), ``reasons``.
    kinds
        Reason kinds (``'ordered_at: invalid date'``) and how often they occurred.
    blank
        Number of blank rows skipped.
    """

    good: pd.DataFrame
    bad: pd.DataFrame
    kinds: Counter[str] = field(default_factory=Counter)
    blank: int = 0
    content: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def column_rule(table: str, column: str, *, timezone: str) -> Rule:
    """``(reason kind, column normaliser)`` for one canonical column."""
    col = table_spec(table).column(column)
    if col.kind == "phone":
        return "invalid phone", C.phone_column
    if col.kind == "email":
        return "invalid email", C.email_column
    if col.kind == "money":
        return "invalid amount", C.money_column
    if col.kind == "time":
        return "invalid date", partial(C.datetime_column, timezone=timezone)
    if col.kind == "json":
        return "invalid JSON", C.json_column
    if column == "status" and table in E.STATUS_WORDS:
        return "invalid status", partial(C.via_unique, func=partial(E.normalise_status, table=table))
    if column == "gender":
        return "invalid gender", partial(C.via_unique, func=E.normalise_gender)
    if column == "instrument":
        return "invalid instrument", partial(C.via_unique, func=E.normalise_instrument)
    if column == "currency":
        return "invalid currency", partial(C.via_unique, func=E.normalise_currency)
    if column == "birth_year":
        return "invalid birth year", partial(C.via_unique, func=N.normalise_birth_year)
    if col.dtype.is_integer():
        return "invalid integer", partial(C.via_unique, func=N.normalise_integer)
    return "invalid text", C.text_column


def _blank_rows(frame: pd.DataFrame) -> np.ndarray:
    blank = np.ones(len(frame), dtype=bool)
    for name in frame.columns:  # each column only on the rows still blank so far
        idx = np.flatnonzero(blank)
        if not len(idx):
            break
        col = frame[name] if len(idx) == len(frame) else frame[name].iloc[idx]
        blank[idx] = C.missing_mask(col, tokens=False).to_numpy()
    return blank


def validate_chunk(frame: pd.DataFrame, rows: np.ndarray, mapping: ColumnMapping, *, source: str,
                   timezone: str, currency: str, line_counter: dict[str, int] | None = None) -> Checked:
    """Normalise one chunk of raw text and split it into good and quarantined rows.

    Parameters
    ----------
    frame
        Raw cells under the file's headers.
    rows
        Row number of each record (for the quarantine).
    mapping
        The resolved :class:`~._mapping.ColumnMapping`.
    source, timezone, currency
        The source name (prefix of ``customer_ref``), workspace zone and default currency.
    line_counter
        Running line numbers per order, used when an order-items file has no line column.
    """
    table = mapping.table
    spec = table_spec(table)
    frame = frame.reset_index(drop=True)
    blank = _blank_rows(frame)
    for header in (*mapping.columns, *mapping.extras):  # JSON Lines chunks may lack some keys
        if header not in frame.columns:
            frame[header] = None
    f = frame.loc[~blank].reset_index(drop=True)
    rows = np.asarray(rows)[~blank]
    out: dict[str, pd.Series] = {}
    problems: list[tuple[str, str, pd.Series]] = []
    header_of = {canon: header for header, canon in mapping.columns.items()}
    for header, canon in mapping.columns.items():
        if canon == "score":
            continue
        kind, rule = column_rule(table, canon, timezone=timezone)
        values, reasons = rule(f[header])
        out[canon] = values
        problems.append((canon, kind, reasons))
    if "score" in header_of:
        out["score"], reasons = _scores(f[header_of["score"]], out.get("instrument"),
                                        out.get("instrument_version"))
        problems.append(("score", "invalid score", reasons))
    _derive(out, f, table, source=source, currency=currency, n=len(f), line_counter=line_counter)
    if mapping.extras and mapping.json_column:
        out[mapping.json_column] = _with_extras(f, mapping.extras, out.get(mapping.json_column))
    failed = {name: reasons.notna() for name, _, reasons in problems}
    for col in spec.columns:
        if col.required and col.name in out:
            header = header_of.get(col.name, header_of.get("external_id", ""))
            empty = out[col.name].isna()
            if col.name in failed:
                empty &= ~failed[col.name]
            raw = f[header] if header in f else pd.Series(None, index=f.index, dtype=object)
            why = pd.Series(None, index=f.index, dtype=object)
            if empty.any():
                why.loc[empty] = [_missing_reason(col.name, v) for v in raw[empty].tolist()]
            problems.append((col.name, "missing required value", why))
    bad_mask = np.zeros(len(f), dtype=bool)
    kinds: Counter[str] = Counter()
    field_msgs: list[tuple[str, pd.Series]] = []
    for name, kind, reasons in problems:
        hit = reasons.notna().to_numpy()
        if hit.any():
            bad_mask |= hit
            kinds[f"{name}: {kind}"] += int(hit.sum())
            field_msgs.append((name, reasons))
    good = pd.DataFrame({c: out[c] for c in spec.names if c in out}).loc[~bad_mask].reset_index(drop=True)
    bad = _quarantine_rows(f, rows, bad_mask, field_msgs)
    content = row_hashes([f[h].tolist() for h in f.columns], len(f))[~bad_mask]
    return Checked(good, bad, kinds, int(blank.sum()), content)


def row_hashes(columns: list[list[Any]], n: int) -> np.ndarray:
    """One 64-bit hash per row of ``columns`` (stable within this process only)."""
    if not columns:
        return np.zeros(n, dtype=np.int64)
    return np.fromiter(map(hash, zip(*columns, strict=True)), dtype=np.int64, count=n)


def _missing_reason(column: str, value: Any) -> str:
    shown = "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()
    return f"{shown!r} is empty, but {column} is required (expected a value)"


def _scores(raw: pd.Series, instrument: pd.Series | None, version: pd.Series | None) -> C.Column:
    inst = instrument if instrument is not None else pd.Series(None, index=raw.index, dtype=object)
    ver = version if version is not None else pd.Series(None, index=raw.index, dtype=object)
    keys = list(zip(raw.tolist(), inst.tolist(), ver.tolist(), strict=True))
    cache = {k: N.normalise_score(k[0], instrument=k[1], version=k[2]) for k in set(keys)}
    values = pd.Series([cache[k][0] for k in keys], index=raw.index, dtype=object)
    reasons = pd.Series([cache[k][1] for k in keys], index=raw.index, dtype=object)
    return values, reasons


def _derive(out: dict[str, pd.Series], f: pd.DataFrame, table: str, *, source: str, currency: str,
            n: int, line_counter: dict[str, int] | None) -> None:
    names = table_spec(table).names
    index = f.index
    if table == "customer_records":
        ext = out.get("external_id", pd.Series(None, index=index, dtype=object))
        out["customer_ref"] = (source + ":" + ext).where(ext.notna(), None)
    elif "customer_ref" in out:
        ref = C._arrow(out["customer_ref"])
        prefixed = pc.fill_null(pc.match_substring_regex(ref, _PREFIXED), True)  # nulls stay null
        joined = pc.binary_join_element_wise(source + ":", ref, "")
        out["customer_ref"] = C._series(pc.if_else(prefixed, ref, joined), index)
    if "source" in names:
        out["source"] = pd.Series(source, index=index, dtype=object)
    if "currency" in names:
        cur = out.get("currency", pd.Series(None, index=index, dtype=object))
        out["currency"] = cur.where(cur.notna(), currency)
    if table == "order_items" and "line" not in out:
        counter = line_counter if line_counter is not None else {}
        lines = []
        for order in out.get("order_id", pd.Series(None, index=index)).tolist():
            if order is None:
                lines.append(None)
                continue
            counter[order] = counter.get(order, 0) + 1
            lines.append(counter[order])
        out["line"] = pd.Series(lines, index=index, dtype=object)
    if table == "events" and "event_id" not in out:
        digest = pd.util.hash_pandas_object(f, index=False).to_numpy()
        out["event_id"] = pd.Series([f"{source}:{h:016x}" for h in digest], index=index, dtype=object)


def _with_extras(f: pd.DataFrame, extras: tuple[str, ...], base: pd.Series | None) -> pd.Series:
    cols = [f[h].tolist() for h in extras]
    bases = base.tolist() if base is not None else [None] * len(f)
    result: list[str | None] = []
    for i, start in enumerate(bases):
        obj: dict[str, Any] = json.loads(start) if isinstance(start, str) else {}
        for header, values in zip(extras, cols, strict=True):
            text = N.normalise_text(values[i])[0]
            if text is not None and header not in obj:
                obj[header] = text
        result.append(json.dumps(obj, ensure_ascii=False) if obj else None)
    return pd.Series(result, index=f.index, dtype=object)


def _quarantine_rows(f: pd.DataFrame, rows: np.ndarray, bad_mask: np.ndarray,
                     field_msgs: list[tuple[str, pd.Series]]) -> pd.DataFrame:
    idx = np.flatnonzero(bad_mask)
    if not len(idx):
        return pd.DataFrame({"row_number": pd.Series(dtype="int64"), "raw": [], "reasons": []})
    raws = f.iloc[idx].to_dict("records")
    reasons = []
    for i in idx:
        found = [f"{name}: {msgs.iat[i]}" for name, msgs in field_msgs if msgs.iat[i] is not None
                 and msgs.iat[i] == msgs.iat[i]]
        reasons.append("; ".join(found))
    return pd.DataFrame({
        "row_number": rows[idx].astype("int64"),
        "raw": [json.dumps({k: _plain(v) for k, v in r.items()}, ensure_ascii=False) for r in raws],
        "reasons": reasons,
    })


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return str(value)


class DuplicateTracker:
    """Keys seen so far in one file: the first row of a key is kept, later ones merged.

    A later row whose content (the file's cells) differs from the first is also
    counted as a *conflicting* duplicate; it is still merged: the first row wins.
    """

    def __init__(self, key: tuple[str, ...]) -> None:
        self.key = list(key)
        self._keys = np.zeros(0, dtype=np.int64)  # sorted key hashes seen so far
        self._content = np.zeros(0, dtype=np.int64)  # content hash of each, same order

    def split(self, good: pd.DataFrame, content: np.ndarray) -> tuple[pd.DataFrame, int, int]:
        """Return ``(rows to store, duplicates merged, conflicting duplicates)``."""
        if good.empty:
            return good, 0, 0
        keys = row_hashes([good[k].tolist() for k in self.key], len(good))
        pos = np.searchsorted(self._keys, keys)
        pos_c = np.minimum(pos, max(len(self._keys) - 1, 0))
        seen_before = (self._keys[pos_c] == keys) if len(self._keys) else np.zeros(len(keys), dtype=bool)
        first_here = ~pd.Series(keys).duplicated(keep="first").to_numpy()
        keep = first_here & ~seen_before
        dup = ~keep
        conflicts = 0
        if dup.any():
            ref = pd.Series(content[keep], index=keys[keep])
            prior_ref = pd.Series(self._content[pos_c[dup & seen_before]], index=keys[dup & seen_before])
            ref = pd.concat([ref, prior_ref])
            ref = ref[~ref.index.duplicated(keep="first")]
            conflicts = int((ref.reindex(keys[dup]).to_numpy() != content[dup]).sum())
        all_keys = np.concatenate([self._keys, keys[keep]])
        order = np.argsort(all_keys, kind="stable")
        self._keys = all_keys[order]
        self._content = np.concatenate([self._content, content[keep]])[order]
        return good.loc[keep].reset_index(drop=True), int(dup.sum()), conflicts
