"""The demo ground truth: identity, injected rows, money, surveys and the BG/NBD process."""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from demo_helpers import read_csv, read_jsonl
from scipy.special import hyp2f1

from centric.demo import generate


def _money(text: str) -> int:
    return int(text.replace("\u00a0₫", "").replace(".", ""))


def _orders(exports) -> pd.DataFrame:
    """All orders of the three order files, as (order_id, ref, total, discount), duplicates dropped."""
    _, pos = read_csv(exports / "pos_orders.csv", ";")
    rows = {(r[0], "pos:" + r[1], _money(r[5]), _money(r[6])) for r in pos}
    rows |= {
        (o["order_id"], "web:" + o["customer_id"], o["total_amount"], o["discount"])
        for o in read_jsonl(exports / "web_orders.jsonl")
    }
    _, shopee = read_csv(exports / "shopee_orders.csv")
    rows |= {(r[0], "shopee:" + r[1], int(r[4]), 0) for r in shopee}
    return pd.DataFrame(sorted(rows), columns=["order_id", "ref", "total", "discount"])


def test_truth_covers_every_customer_ref(world):
    ex = world.exports_dir
    records = pd.read_parquet(world.truth_dir / "records.parquet")
    known = set(records["customer_ref"])
    assert records["customer_ref"].is_unique
    refs = set(_orders(ex)["ref"])
    _, pos = read_csv(ex / "pos_customers.csv", ";")
    refs |= {"pos:" + r[0] for r in pos}
    refs |= {"web:" + c["customer_id"] for c in read_jsonl(ex / "web_customers.jsonl")}
    refs |= {e["customer_id"] for e in read_jsonl(ex / "events.jsonl") if e["customer_id"]}
    for name in ("feedback.csv", "tickets.csv", "consents.csv"):
        refs |= {r[1] for r in read_csv(ex / name)[1]}
    assert refs <= known
    assert refs == known  # and nothing in the truth that no export mentions
    assert not records.loc[records.source == "shopee", "linkable"].any()
    assert records.loc[records.source != "shopee", "linkable"].all()


def test_order_totals_equal_lines_minus_discount(world):
    orders = _orders(world.exports_dir)
    assert orders["order_id"].is_unique
    _, items = read_csv(world.exports_dir / "order_items.csv")
    lines = pd.DataFrame(items, columns=["order_id", "line", "product_id", "quantity", "unit_price"])
    lines[["line", "quantity", "unit_price"]] = lines[["line", "quantity", "unit_price"]].astype(int)
    assert not lines.duplicated(["order_id", "line"]).any()
    assert lines["line"].between(1, 4).all() and (lines["unit_price"] > 0).all()
    gross = (lines.quantity * lines.unit_price).groupby(lines.order_id).sum()
    assert set(gross.index) == set(orders.order_id)
    o = orders.set_index("order_id")
    assert (o.total + o.discount == gross.reindex(o.index)).all()
    assert (o.total % 1000 == 0).all()
    discounted = o.discount > 0
    assert 0.08 < discounted.mean() < 0.16
    rate = o.discount[discounted] / (o.total + o.discount)[discounted]
    assert rate.between(0.04, 0.16).all()


def _valid_phone(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    if digits.startswith("84"):
        digits = "0" + digits[2:]
    return bool(re.fullmatch(r"0[35789]\d{8}", digits))


def _valid_date(text: str, fmt: str) -> bool:
    try:
        datetime.strptime(text, fmt)
    except ValueError:
        return False
    return True


def test_injected_rows_match_params(world):
    params = json.loads((world.truth_dir / "params.json").read_text(encoding="utf-8"))
    _header, rows = read_csv(world.exports_dir / "pos_customers.csv", ";")
    bad_phone = sum(1 for r in rows if r[2] and not _valid_phone(r[2]))
    bad_date = sum(1 for r in rows if not _valid_date(r[7], "%d/%m/%Y"))
    dups = len(rows) - len({tuple(r) for r in rows})
    expected = params["injected"]["pos_customers.csv"]
    assert (bad_phone, bad_date, dups) == (expected["bad_phone"], expected["bad_date"], expected["duplicate"])
    assert bad_phone + bad_date == expected["total"] > 0
    _, orders = read_csv(world.exports_dir / "pos_orders.csv", ";")
    bad_date = sum(1 for r in orders if not _valid_date(r[2], "%d/%m/%Y %H:%M"))
    dups = len(orders) - len({tuple(r) for r in orders})
    expected = params["injected"]["pos_orders.csv"]
    assert (bad_date, dups) == (expected["bad_date"], expected["duplicate"])
    assert 0.002 < expected["total"] / len(orders) < 0.02


def test_family_phone_traps_share_a_phone(world):
    params = json.loads((world.truth_dir / "params.json").read_text(encoding="utf-8"))
    persons = pd.read_parquet(world.truth_dir / "persons.parquet").set_index("person_id")
    traps = params["family_phone_traps"]
    assert traps["count"] == len(traps["pairs"]) >= 1
    for pair in traps["pairs"]:
        a, b = pair["persons"]
        assert persons.loc[a, "phone"] == persons.loc[b, "phone"] == pair["phone"]
        assert persons.loc[a, "family_trap_with"] == b
    others = persons[persons.family_trap_with.isna()]
    assert others["phone"].is_unique and others["email"].dropna().is_unique


def test_life_stage_consistent_with_age(world):
    persons = pd.read_parquet(world.truth_dir / "persons.parquet")
    age = 2025 - persons.birth_year
    bounds = {
        "student": (18, 23),
        "young_professional": (23, 32),
        "new_parent": (25, 36),
        "family_with_children": (32, 50),
        "empty_nester": (50, 64),
        "retiree": (60, 78),
    }
    for stage, (lo, hi) in bounds.items():
        sel = age[persons.life_stage == stage]
        assert len(sel) and sel.between(lo, hi).all(), stage


def test_exported_orders_match_truth_counts(world):
    orders = _orders(world.exports_dir)
    records = pd.read_parquet(world.truth_dir / "records.parquet")
    persons = pd.read_parquet(world.truth_dir / "persons.parquet")
    per_person = orders.merge(records, left_on="ref", right_on="customer_ref").groupby("person_id").size()
    truth = persons.set_index("person_id")["n_orders"]
    assert per_person.reindex(truth.index, fill_value=0).equals(truth)
    assert (
        (persons.n_orders == persons.n_repeat + 1) & (persons.alive_at_end == persons.death_time.isna())
    ).all()


def _nps(scores: np.ndarray) -> tuple[float, float]:
    p, d = np.mean(scores >= 9), np.mean(scores <= 6)
    return 100 * (p - d), 100 * math.sqrt(((p + d) - (p - d) ** 2) / len(scores))


def test_survey_metrics_agree_with_truth(world):
    params = json.loads((world.truth_dir / "params.json").read_text(encoding="utf-8"))["surveys"]
    _, rows = read_csv(world.exports_dir / "feedback.csv")
    by = defaultdict(list)
    for r in rows:
        by[(r[3], r[4], r[5])].append(int(r[6]))
    nps = np.array(by[("nps", "", "nps")])
    value, se = _nps(nps)
    assert len(nps) == params["nps"]["n"]
    assert abs(value - params["nps"]["true_nps"]) < 4 * se
    csat = np.array(by[("csat", "", "csat")])
    top2 = 100 * np.mean(csat >= 4)
    assert abs(top2 - params["csat"]["true_top2_pct"]) < 4 * 100 * math.sqrt(0.25 / len(csat))
    ces2 = np.array(by[("ces", "2.0", "ces")])
    assert abs(ces2.mean() - params["ces_2.0"]["true_mean"]) < 4 * ces2.std() / math.sqrt(len(ces2))
    ces1 = np.array(by[("ces", "1.0", "ces")])
    assert len(ces1) == params["ces_1.0"]["n"] > 0
    assert len(by[("life_impact", "1.0", "q1")]) == params["life_impact"]["n"] > 0


def test_surveys_follow_experience(world):
    """Late deliveries show up as lower NPS, in the comments too."""
    _, rows = read_csv(world.exports_dir / "feedback.csv")
    nps = [r for r in rows if r[3] == "nps"]
    low = Counter(r[7] for r in nps if int(r[6]) <= 6 and r[7])
    high = Counter(r[7] for r in nps if int(r[6]) >= 9 and r[7])
    assert "Sản phẩm tốt, giao hàng nhanh" in high and "Sản phẩm tốt, giao hàng nhanh" not in low
    persons = pd.read_parquet(world.truth_dir / "persons.parquet")
    records = pd.read_parquet(world.truth_dir / "records.parquet").set_index("customer_ref")
    sat = persons.set_index("person_id")["satisfaction"]
    df = pd.DataFrame({"ref": [r[1] for r in nps], "score": [int(r[6]) for r in nps]})
    df["sat"] = sat.reindex(records.person_id.reindex(df.ref).to_numpy()).to_numpy()
    assert df[["score", "sat"]].corr().iloc[0, 1] > 0.4


def test_consents_granted_then_withdrawn(world):
    _, rows = read_csv(world.exports_dir / "consents.csv")
    state: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in rows:
        state[(r[1], r[2])].append(r[3])
    assert all(s in (["granted"], ["granted", "withdrawn"]) for s in state.values())
    withdrawn = sum(s == ["granted", "withdrawn"] for s in state.values()) / len(state)
    assert 0.04 < withdrawn < 0.10


def _expected_repeats(t: np.ndarray, r: float, alpha: float, a: float, b: float) -> np.ndarray:
    """BG/NBD E[X(t)] (Fader, Hardie & Lee 2005, eq. 9)."""
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))


@pytest.mark.slow
def test_repeat_purchases_follow_bgnbd(tmp_path):
    world = generate(tmp_path / "big", scale=0.3, seed=11)
    prm = world.params["bgnbd"]
    persons = pd.read_parquet(world.truth_dir / "persons.parquet")
    expected = _expected_repeats(
        persons.exposure_weeks.to_numpy(), prm["r"], prm["alpha"], prm["a"], prm["b"]
    )
    observed = persons.n_repeat.to_numpy()
    se = observed.std() / math.sqrt(len(observed))
    assert abs(observed.mean() - expected.mean()) < max(3 * se, 0.01 * expected.mean())
    assert abs(observed.mean() / expected.mean() - 1) < 0.03
    # the truth counts are the exported counts (checked at SF 0.01); here: orders per customer ~ 10
    orders = sum(world.counts[f] for f in ("pos_orders.csv", "web_orders.jsonl", "shopee_orders.csv"))
    assert 8 < orders / len(persons) < 12
    # Gamma-Gamma: the mean order value is p * gamma / (q - 1) = 450,000 VND
    gg = world.params["gamma_gamma"]
    items = pd.read_csv(world.exports_dir / "order_items.csv")
    gross = (items.quantity * items.unit_price).sum()
    web = pd.read_json(world.exports_dir / "web_orders.jsonl", lines=True)
    assert abs(gross / items.order_id.nunique() / gg["mean_order_value"] - 1) < 0.06
    assert web.total_amount.mean() == pytest.approx(gg["mean_order_value"], rel=0.05)
