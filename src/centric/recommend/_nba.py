"""Next best action per customer: win-back offer, cross-sell, survey request or leave alone.

For each customer with churn risk ``r`` (``churn_scores``; else ``1 − p_alive``), 12-month value
``V`` (``customer_scores.clv_12m``; else historical revenue per year), average order value ``A`` and
top personal recommendation priced ``P``, the expected value (VND) of each action is:

* ``win_back      = r · V · save_rate − save_rate · offer_discount · A − contact_cost``
* ``cross_sell    = (1 − r) · conversion · P − contact_cost``
* ``survey_request = survey_value − contact_cost``
* ``leave_alone   = 0``

Eligibility (consent through :func:`centric.privacy.allowed_customers`, never decided here):

* any contact needs a marketing purpose (``marketing_email``/``zalo``/``sms``/``messenger``),
  except a survey request, which needs ``surveys``;
* win-back and cross-sell use profiling, so they also need ``personalisation``; win-back needs
  ``r ≥ win_back_min_risk`` (0.30); cross-sell needs a personal recommendation;
* a survey request only when the customer has not answered a survey in ``survey_gap_days``;
* contact fatigue: ``max_contacts`` or more messages sent in the last ``fatigue_days`` ⇒ leave alone.

The eligible action with the highest expected value is chosen when that value is > 0, otherwise
leave alone. Ties go win_back > cross_sell > survey_request. ``priority`` ranks the customers who
get an action by expected value (1 = first); it is empty for leave alone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from centric.i18n import fmt_money, fmt_percent, t
from centric.privacy import allowed_customers

__all__ = ["ACTIONS", "MARKETING_PURPOSES", "NBAPolicy", "next_best_actions"]

ACTIONS = ("win_back", "cross_sell", "survey_request", "leave_alone")
MARKETING_PURPOSES = ("marketing_email", "marketing_zalo", "marketing_sms", "marketing_messenger")
NBA_COLUMNS = ["customer_id", "action", "expected_value", "priority", "reason_en", "reason_vi", "computed_at"]


@dataclass(frozen=True)
class NBAPolicy:
    """The stated assumptions of the expected values (VND and shares); override any of them."""

    save_rate: float = 0.10  # share of at-risk customers a win-back offer keeps
    win_back_min_risk: float = 0.30  # a win-back offer only for customers at least this likely to leave
    offer_discount: float = 0.15  # discount of the win-back offer, as a share of the order value
    conversion: float = 0.04  # chance a personal recommendation message leads to buying it
    survey_value: float = 3_000.0  # value of one more answer (VND)
    contact_cost: float = 500.0  # cost of one message (VND)
    survey_gap_days: int = 180
    fatigue_days: int = 7
    max_contacts: int = 2

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ids(store: Any, purpose: str) -> set[str]:
    return set(allowed_customers(store, purpose).execute()["customer_id"].astype(str))


def _customer_frame(store: Any, as_of: pd.Timestamp) -> pd.DataFrame:
    cs = pd.DataFrame()
    if store.has_table("customer_scores"):
        t_cs = store.table("customer_scores")
        keep = [
            c
            for c in ("customer_id", "revenue", "orders", "first_order_at", "clv_12m", "p_alive", "churn_risk")
            if c in t_cs.columns
        ]
        # only the columns used; through Arrow, which converts a timestamp column with NULLs at once
        cs = t_cs.select(*keep).to_pyarrow().to_pandas()
    df = store.table("customers").select("customer_id").execute()
    df["customer_id"] = df["customer_id"].astype(str)
    if len(cs):
        df = df.merge(cs, on="customer_id", how="left")
    if store.has_table("churn_scores"):
        ch = store.table("churn_scores").select("customer_id", "churn_risk").execute()
        df = df.drop(columns=[c for c in ("churn_risk",) if c in df]).merge(ch, on="customer_id", how="left")
    for c in ("revenue", "orders", "clv_12m", "p_alive", "churn_risk"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float) if c in df else np.nan
    risk = df["churn_risk"].where(df["churn_risk"].notna(), 1.0 - df["p_alive"])
    df["risk"] = risk
    years = 1.0
    if "first_order_at" in df:
        first = pd.to_datetime(df["first_order_at"], utc=True)
        years = ((as_of - first).dt.total_seconds() / (365.25 * 86400)).clip(lower=1.0)
    df["value"] = df["clv_12m"].where(df["clv_12m"].notna(), df["revenue"] / years)
    df["aov"] = df["revenue"] / df["orders"].where(df["orders"] > 0)
    return df


def next_best_actions(
    store: Any,
    recommendations: pd.DataFrame | None = None,
    *,
    as_of: Any = None,
    policy: NBAPolicy | None = None,
) -> pd.DataFrame:
    """One row per customer: ``customer_id, action, expected_value, priority, reason_en, reason_vi, computed_at``."""
    pol = policy or NBAPolicy()
    now = pd.Timestamp.now(tz="UTC")
    as_of = pd.Timestamp(as_of) if as_of is not None else now
    if as_of.tzinfo is None:
        as_of = as_of.tz_localize("UTC")
    df = _customer_frame(store, as_of)
    personal = _ids(store, "personalisation")
    marketing = set().union(*(_ids(store, p) for p in MARKETING_PURPOSES))
    surveys = _ids(store, "surveys")
    msgs = store.table("messages")
    since = (as_of - pd.Timedelta(days=pol.fatigue_days)).to_pydatetime()
    recent = msgs.filter(msgs.status == "sent", msgs.sent_at >= since, msgs.sent_at <= as_of.to_pydatetime())
    sent = recent.group_by("customer_id").aggregate(n=recent.count()).execute()
    sent_n = df["customer_id"].map(dict(zip(sent["customer_id"].astype(str), sent["n"], strict=True))).fillna(0)
    fb = store.table("feedback")
    fb = fb.filter(fb.customer_id.notnull(), fb.submitted_at <= as_of.to_pydatetime())
    last_fb = fb.group_by("customer_id").aggregate(last=fb.submitted_at.max()).execute()
    last = df["customer_id"].map(dict(zip(last_fb["customer_id"].astype(str), last_fb["last"], strict=True)))
    last = pd.to_datetime(last, utc=True)
    no_recent_answer = last.isna() | (last < as_of - pd.Timedelta(days=pol.survey_gap_days))
    top = pd.DataFrame(columns=["customer_id", "product_id", "product_name"])
    if recommendations is not None and len(recommendations):
        r = recommendations[(recommendations["model"] != "popularity") & (recommendations["rank"] == 1)]
        top = r[["customer_id", "product_id", "product_name"]]
    prices = store.table("products").select("product_id", "price").execute()
    top = top.merge(prices, on="product_id", how="left")
    df = df.merge(top.drop_duplicates("customer_id"), on="customer_id", how="left")
    df["price"] = pd.to_numeric(df["price"], errors="coerce").astype(float)

    is_p = df["customer_id"].isin(personal).to_numpy()
    is_m = df["customer_id"].isin(marketing).to_numpy()
    is_s = df["customer_id"].isin(surveys).to_numpy()
    tired = (sent_n >= pol.max_contacts).to_numpy()
    r, v, a, p = (df[c].to_numpy(float) for c in ("risk", "value", "aov", "price"))
    ev_wb = r * v * pol.save_rate - pol.save_rate * pol.offer_discount * np.nan_to_num(a) - pol.contact_cost
    ev_cs = (1.0 - r) * pol.conversion * p - pol.contact_cost
    ev_sv = np.full(len(df), pol.survey_value - pol.contact_cost)
    ev = np.stack(
        [
            np.where(is_p & is_m & ~tired & np.isfinite(ev_wb) & (r >= pol.win_back_min_risk), ev_wb, -np.inf),
            np.where(is_p & is_m & ~tired & np.isfinite(ev_cs), ev_cs, -np.inf),
            np.where(is_s & ~tired & no_recent_answer.to_numpy(), ev_sv, -np.inf),
        ],
        axis=1,
    )
    best = np.argmax(ev, axis=1)  # first max wins: win_back > cross_sell > survey_request
    best_ev = ev[np.arange(len(df)), best]
    act = np.where(best_ev > 0, np.array(ACTIONS)[best], "leave_alone")
    out = pd.DataFrame(
        {"customer_id": df["customer_id"], "action": act, "expected_value": np.where(best_ev > 0, best_ev, 0.0)}
    )
    acting = out["action"] != "leave_alone"
    prio = out.loc[acting, "expected_value"].rank(method="first", ascending=False).astype("int64")
    out["priority"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out.loc[acting, "priority"] = prio.to_numpy()
    n_sent = sent_n.to_numpy().astype(int)
    reachable = is_m | is_s
    for lang in ("en", "vi"):
        out[f"reason_{lang}"] = _reasons(lang, act, best_ev, df, reachable, tired, n_sent, pol)
    out["computed_at"] = now
    out = out[NBA_COLUMNS].sort_values(["priority", "customer_id"], na_position="last", kind="stable")
    return out.reset_index(drop=True)


def _reasons(
    lang: str,
    act: np.ndarray,
    ev: np.ndarray,
    df: pd.DataFrame,
    reachable: np.ndarray,
    tired: np.ndarray,
    n_sent: np.ndarray,
    pol: NBAPolicy,
) -> np.ndarray:
    """:func:`_reason` for every customer: once per customer who gets an action, once per distinct
    (fatigued, reachable, messages sent) for those left alone (their text depends on nothing else)."""
    out = np.empty(len(act), dtype=object)
    acting = np.flatnonzero(act != "leave_alone")
    rows = df.iloc[acting][["risk", "value", "product_name"]].to_dict("records")
    out[acting] = [
        _reason(lang, act[i], float(ev[i]), r, bool(reachable[i]), bool(tired[i]), int(n_sent[i]), pol)
        for i, r in zip(acting, rows, strict=True)
    ]
    idle = np.flatnonzero(act == "leave_alone")
    if len(idle):
        n_idle = np.where(tired[idle], n_sent[idle], 0)  # the count only shows in the fatigue text
        combos = pd.DataFrame({"tired": tired[idle], "reachable": reachable[idle], "n": n_idle})
        codes, uniques = pd.factorize(pd.MultiIndex.from_frame(combos))
        text = np.array(
            [_reason(lang, "leave_alone", 0.0, {}, bool(r), bool(ti), int(n), pol) for ti, r, n in uniques],
            dtype=object,
        )
        out[idle] = text[codes]
    return out


def _reason(
    lang: str, action: str, ev: float, row: dict[str, Any], reachable: bool, tired: bool, n: int, pol: NBAPolicy
) -> str:
    def money(x: float) -> str:
        return fmt_money(round(x), lang)

    def pct(x: float) -> str:
        return fmt_percent(100 * x, lang, 0) if np.isfinite(x) else "—"

    if action == "win_back":
        return (
            t("recommend.reason.win_back", lang)
            .replace("{risk}", pct(row["risk"]))
            .replace("{clv}", money(row["value"]))
            .replace("{ev}", money(ev))
        )
    if action == "cross_sell":
        return (
            t("recommend.reason.cross_sell", lang)
            .replace("{risk}", pct(row["risk"]))
            .replace("{product}", str(row["product_name"]))
            .replace("{ev}", money(ev))
        )
    if action == "survey_request":
        return (
            t("recommend.reason.survey_request", lang)
            .replace("{days}", str(pol.survey_gap_days))
            .replace("{ev}", money(ev))
        )
    if tired:
        return t("recommend.reason.fatigue", lang).replace("{n}", str(n)).replace("{days}", str(pol.fatigue_days))
    if not reachable:
        return t("recommend.reason.no_consent", lang)
    return t("recommend.reason.low_value", lang)
