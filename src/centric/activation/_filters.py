"""A small, validated filter language over customer attributes, scores, personas and consent.

A filter list is JSON: ``[{"field": "churn_risk", "op": "ge", "value": 0.7}, ...]``; all filters must
hold (AND). Fields come from a whitelist (:data:`FIELDS`); each names its table, column and type, so
a filter can never reach an arbitrary column. Evaluation is one Ibis expression (DuckDB or Spark).

Operators: ``eq ne lt le gt ge`` (one value), ``in not_in`` (a list), ``between`` (``[low, high]``,
inclusive), ``is_null not_null`` (no value). The pseudo-field ``consent`` takes a purpose id with
``eq`` and keeps the customers for whom :func:`centric.privacy.allowed_customers` allows it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import ibis

from centric.exceptions import InputError

__all__ = ["FIELDS", "OPS", "Field", "apply_filters", "parse_filters"]


@dataclass(frozen=True)
class Field:
    """A filterable field: where it lives and what type its values have."""

    table: str
    column: str
    kind: str  # number | text | bool | time


FIELDS: dict[str, Field] = {
    # the golden record
    "gender": Field("customers", "gender", "text"),
    "birth_year": Field("customers", "birth_year", "number"),
    "province": Field("customers", "province", "text"),
    "life_stage": Field("customers", "life_stage", "text"),
    "created_at": Field("customers", "created_at", "time"),
    # scores written by analyze
    "revenue": Field("customer_scores", "revenue", "number"),
    "orders": Field("customer_scores", "orders", "number"),
    "margin": Field("customer_scores", "margin", "number"),
    "engagement_index": Field("customer_scores", "engagement_index", "number"),
    "recency_days": Field("customer_scores", "recency_days", "number"),
    "churned": Field("customer_scores", "churned", "bool"),
    "p_alive": Field("customer_scores", "p_alive", "number"),
    "expected_purchases_12m": Field("customer_scores", "expected_purchases_12m", "number"),
    "clv_12m": Field("customer_scores", "clv_12m", "number"),
    "churn_risk": Field("customer_scores", "churn_risk", "number"),
    "first_order_at": Field("customer_scores", "first_order_at", "time"),
    "last_order_at": Field("customer_scores", "last_order_at", "time"),
    # personas
    "persona_id": Field("customer_personas", "persona_id", "number"),
    "persona_name_en": Field("customer_personas", "persona_name_en", "text"),
    "persona_name_vi": Field("customer_personas", "persona_name_vi", "text"),
    "rfm_segment": Field("customer_personas", "rfm_segment", "text"),
    # next best action (written by the recommendations step when present)
    "next_best_action": Field("next_best_actions", "action", "text"),
}
CONSENT = "consent"
OPS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "between", "is_null", "not_null")
_ORDERED = {"lt", "le", "gt", "ge", "between"}


def _fail(i: int, msg: str) -> InputError:
    return InputError(f"Audience filter #{i + 1}: {msg}")


def _check_value(i: int, name: str, kind: str, v: Any) -> None:
    ok = {
        "number": isinstance(v, int | float) and not isinstance(v, bool),
        "text": isinstance(v, str),
        "bool": isinstance(v, bool),
        "time": isinstance(v, str),
    }[kind]
    if not ok:
        raise _fail(i, f"field {name!r} takes {kind} values; got {v!r}.")


def parse_filters(filters: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate a filter list (JSON text or Python) and return it normalised.

    Raises :class:`InputError` naming the filter, the field/op/value and what is allowed.
    """
    if isinstance(filters, str):
        try:
            filters = json.loads(filters)
        except json.JSONDecodeError as exc:
            raise InputError(f"Audience filters are not valid JSON ({exc.msg} at character {exc.pos}).") from None
    if not isinstance(filters, list):
        raise InputError(f"Audience filters must be a JSON list of {{field, op, value}} objects; got {filters!r}.")
    out = []
    for i, f in enumerate(filters):
        if not isinstance(f, dict) or "field" not in f or "op" not in f:
            raise _fail(i, f"each filter is an object with 'field', 'op' and 'value'; got {f!r}.")
        extra = sorted(set(f) - {"field", "op", "value"})
        if extra:
            raise _fail(i, f"unknown keys {extra}; allowed: field, op, value.")
        name, op, v = f["field"], f["op"], f.get("value")
        if name == CONSENT:
            from centric.privacy import PURPOSES

            if op != "eq" or v not in PURPOSES:
                raise _fail(i, f"'consent' takes op 'eq' and a purpose id ({', '.join(PURPOSES)}); got {op!r} {v!r}.")
            out.append({"field": name, "op": op, "value": v})
            continue
        if name not in FIELDS:
            raise _fail(i, f"unknown field {name!r}; allowed fields: {', '.join([*FIELDS, CONSENT])}.")
        if op not in OPS:
            raise _fail(i, f"unknown op {op!r}; allowed ops: {', '.join(OPS)}.")
        kind = FIELDS[name].kind
        if op in _ORDERED and kind in ("text", "bool"):
            raise _fail(i, f"op {op!r} needs an ordered field; {name!r} is {kind}.")
        if op in ("is_null", "not_null"):
            if v is not None:
                raise _fail(i, f"op {op!r} takes no value; got {v!r}.")
        elif op in ("in", "not_in"):
            if not isinstance(v, list) or not v:
                raise _fail(i, f"op {op!r} takes a non-empty list; got {v!r}.")
            for x in v:
                _check_value(i, name, kind, x)
        elif op == "between":
            if not isinstance(v, list) or len(v) != 2:
                raise _fail(i, f"op 'between' takes [low, high]; got {v!r}.")
            for x in v:
                _check_value(i, name, kind, x)
        else:
            _check_value(i, name, kind, v)
        out.append({"field": name, "op": op, "value": v})
    return out


def _lit(kind: str, v: Any) -> Any:
    if kind == "time":
        import pandas as pd

        ts = pd.Timestamp(v)
        return (ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")).to_pydatetime()
    return v


def _predicate(col: ibis.Value, kind: str, op: str, v: Any) -> ibis.BooleanValue:
    if op == "is_null":
        return col.isnull()
    if op == "not_null":
        return col.notnull()
    if op in ("in", "not_in"):
        vals = [_lit(kind, x) for x in v]
        return col.isin(vals) if op == "in" else (col.notin(vals) | col.isnull())
    if op == "between":
        return col.between(_lit(kind, v[0]), _lit(kind, v[1]))
    x = _lit(kind, v)
    return {
        "eq": lambda: col == x,
        "ne": lambda: (col != x) | col.isnull(),
        "lt": lambda: col < x,
        "le": lambda: col <= x,
        "gt": lambda: col > x,
        "ge": lambda: col >= x,
    }[op]()


def apply_filters(store: Any, base: ibis.Table, filters: list[dict[str, Any]]) -> ibis.Table:
    """Keep the rows of ``base`` (it has ``customer_id``) whose customer passes every filter.

    A filter on a table that does not exist yet (no analysis run) keeps nobody, never everybody.
    """
    out = base
    for f in parse_filters(filters):
        if f["field"] == CONSENT:
            from centric.privacy import allowed_customers

            out = out.semi_join(allowed_customers(store, f["value"]), "customer_id")
            continue
        spec = FIELDS[f["field"]]
        if not store.has_table(spec.table) or spec.column not in store.table(spec.table).columns:
            out = out.filter(ibis.literal(False))
            continue
        src = store.table(spec.table)
        one = src.select("customer_id", _v=src[spec.column])
        pred = _predicate(one._v, spec.kind, f["op"], f["value"])
        if f["op"] in ("ne", "not_in", "is_null"):
            # customers without a row count as NULL
            hit = one.filter(~pred).select("customer_id")
            out = out.anti_join(hit, "customer_id")
            if f["op"] == "is_null":
                continue
        else:
            out = out.semi_join(one.filter(pred).select("customer_id"), "customer_id")
    return out
