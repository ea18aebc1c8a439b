"""Consent enforcement: the one place that decides whether a purpose is allowed for a customer.

Every consumer calls these functions: analysis steps that profile, activation at send time, the
survey form before storing wellbeing answers. The current state of a customer's consent for a
purpose is the latest record (by ``recorded_at``) over all of the customer's source records;
a purpose is allowed when that record says ``granted``. Purposes whose legal basis is not consent
(``service``) are allowed for every customer. Customers under restriction (a data-subject request)
are allowed nothing but storage.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd

from centric.privacy._purposes import purpose as _purpose

__all__ = ["Decision", "allowed_customers", "check", "consent_state", "restricted_customers"]


@dataclass(frozen=True)
class Decision:
    """Whether ``purpose`` is allowed for ``customer_id``, and why (a sentence a person can read)."""

    customer_id: str
    purpose: str
    allowed: bool
    reason: str


def consent_state(store: Any, at: _dt.datetime | pd.Timestamp | None = None) -> ibis.Table:
    """Current consent per (customer_id, purpose): the latest record at ``at`` (default now).

    Columns: ``customer_id``, ``purpose``, ``status`` (granted/withdrawn), ``recorded_at``.
    Records without a ``customer_id`` (identity not yet resolved) are left out.
    """
    c = store.table("consents").filter(ibis._.customer_id.notnull())
    if at is not None:
        c = c.filter(c.recorded_at <= pd.Timestamp(at).to_pydatetime())
    w = ibis.window(group_by=[c.customer_id, c.purpose], order_by=[ibis.desc(c.recorded_at), ibis.desc(c.status)])
    ranked = c.mutate(_rn=ibis.row_number().over(w))
    return ranked.filter(ranked._rn == 0).select("customer_id", "purpose", "status", "recorded_at")


def restricted_customers(store: Any) -> ibis.Table:
    """Customers whose processing is restricted (column ``customer_id``); empty when none."""
    if store.has_table("restrictions"):
        r = store.table("restrictions")
        return r.filter(r.lifted_at.isnull()).select("customer_id").distinct()
    return store.table("customers").filter(ibis.literal(False)).select("customer_id")


def allowed_customers(store: Any, purpose: str, at: _dt.datetime | pd.Timestamp | None = None) -> ibis.Table:
    """The customers (column ``customer_id``) for whom ``purpose`` is allowed, as an Ibis table.

    Evaluated in the backend, so callers semi-join it onto their own tables::

        ok = allowed_customers(store, "analytics")
        scored = scores.semi_join(ok, "customer_id")
    """
    p = _purpose(purpose)
    if p.needs_consent:
        s = consent_state(store, at)
        ok = s.filter((s.purpose == p.id) & (s.status == "granted")).select("customer_id")
    else:
        ok = store.table("customers").select("customer_id")
    return ok.anti_join(restricted_customers(store), "customer_id").distinct()


def check(store: Any, customer_id: str, purpose: str, at: _dt.datetime | pd.Timestamp | None = None) -> Decision:
    """Decide one customer and purpose now (activation calls this at send time)."""
    p = _purpose(purpose)
    if restricted_customers(store).filter(ibis._.customer_id == customer_id).count().execute():
        return Decision(customer_id, p.id, False, "processing is restricted at the customer's request")
    if not p.needs_consent:
        return Decision(customer_id, p.id, True, f"legal basis: {p.basis}")
    s = consent_state(store, at)
    row = s.filter((s.customer_id == customer_id) & (s.purpose == p.id)).execute()
    if row.empty:
        return Decision(customer_id, p.id, False, f"no consent recorded for {p.id!r}")
    st = str(row["status"].iloc[0])
    when = pd.Timestamp(row["recorded_at"].iloc[0]).isoformat()
    if st == "granted":
        return Decision(customer_id, p.id, True, f"consent granted at {when}")
    return Decision(customer_id, p.id, False, f"consent withdrawn at {when}")
