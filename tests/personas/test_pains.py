"""Persona pain points: themes, lift with interval and Fisher p against hand calculation and the demo."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from centric.personas import PersonaModel, customer_features, pain_sentence, profile_personas
from centric.personas._pains import pain_points, pain_stats, themes_of
from centric.store import connect

from .conftest import AS_OF


def _ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz="UTC")


def _fisher_two_sided(a: int, n1: int, b: int, n2: int) -> float:
    """Fisher's exact test by direct hypergeometric enumeration (independent of scipy)."""
    k, n = a + b, n1 + n2

    def pr(x: int) -> float:
        return math.comb(n1, x) * math.comb(n2, k - x) / math.comb(n, k)

    p0 = pr(a)
    return sum(pr(x) for x in range(max(0, k - n2), min(k, n1) + 1) if pr(x) <= p0 * (1 + 1e-7))


@pytest.mark.parametrize(
    ("text", "themes"),
    [
        ("Nhân viên thái độ không tốt", ["staff"]),  # "không" must not read as "hỏng" (quality)
        ("Hàng bị lỗi, chất lượng kém", ["quality"]),
        ("Thanh toán bị lỗi mấy lần", ["payment"]),
        ("don hang giao cham qua", ["delivery"]),
        ("Giao trễ hẹn, không ai báo trước", ["delivery"]),
        ("Sản phẩm không giống hình, thất vọng", ["quality"]),
        ("Quá nhiều bước, rất rối", ["checkout"]),
        ("Đổi trả rất phiền phức", ["returns"]),
        ("So happy with it", []),  # "app" only as a whole word
        ("The app keeps crashing", ["app"]),
        (None, []),
    ],
)
def test_themes_are_whole_keywords_of_the_folded_text(text, themes):
    assert themes_of(text) == themes


@pytest.fixture
def hand_store():
    """Persona 0: c00–c39 (40), persona 1: c40–c99 (60); x1 is outside the labelled customers."""
    store = connect("duckdb://")
    p0 = [f"c{i:02d}" for i in range(40)]
    p1 = [f"c{i:02d}" for i in range(40, 100)]
    tickets = []
    # delivery: 20 of persona 0 (c00 twice), 6 of persona 1
    for cid in [*p0[:20], p0[0], *p1[:6]]:
        tickets.append((cid, "Giao hàng chậm", "2025-03-01"))
    # quality: 12 of persona 1 by ticket; an unmatched topic for 2 of persona 1
    tickets += [(cid, "Sản phẩm lỗi", "2025-03-02") for cid in p1[10:22]]
    tickets += [(cid, "Khiếu nại khác", "2025-03-02") for cid in p1[30:32]]
    tickets.append(("x1", "Giao hàng chậm", "2025-03-01"))  # not labelled: counts nowhere
    tickets.append((p1[50], "Giao hàng chậm", "2026-02-01"))  # after as_of: ignored
    store.append(
        "tickets",
        pd.DataFrame(
            {
                "ticket_id": [f"t{i}" for i in range(len(tickets))],
                "customer_id": [t[0] for t in tickets],
                "topic": [t[1] for t in tickets],
                "opened_at": [_ts(t[2]) for t in tickets],
            }
        ),
    )
    fb = []  # (customer, instrument, version, score, comment, touchpoint)
    fb += [(cid, "nps", None, 2.0, "Hàng bị lỗi, chất lượng kém", "post_purchase") for cid in p0[20:23]]
    fb += [(cid, "nps", None, 3.0, "Nhân viên thái độ không tốt", "post_purchase") for cid in p0[23:28]]
    fb.append((p1[40], "csat", None, 1.0, "Staff were rude", None))
    fb.append((p0[1], "nps", None, 4.0, "Giao hàng quá chậm, đóng gói cẩu thả", "post_purchase"))  # +1 event
    fb += [(cid, "nps", None, 9.0, "Sản phẩm tốt, giao hàng nhanh", "post_purchase") for cid in p1[:30]]
    fb += [(cid, "ces", "2.0", 2.0, None, "checkout") for cid in p1[45:51]]  # low CES 2.0: checkout
    fb += [(cid, "ces", "2.0", 6.0, None, "checkout") for cid in p0[28:38]]  # easy: not a pain
    fb += [(cid, "ces", "1.0", 5.0, None, "checkout") for cid in p0[38:40]]  # CES 1.0, 5 = hard
    store.append(
        "feedback",
        pd.DataFrame(
            {
                "response_id": [f"r{i}" for i in range(len(fb))],
                "customer_id": [f[0] for f in fb],
                "instrument": [f[1] for f in fb],
                "instrument_version": [f[2] for f in fb],
                "score": [f[3] for f in fb],
                "comment": [f[4] for f in fb],
                "touchpoint": [f[5] for f in fb],
                "submitted_at": _ts("2025-04-01"),
            }
        ),
    )
    labels = pd.Series([0] * 40 + [1] * 60, index=p0 + p1, name="persona_id")
    yield store, labels
    store.close()


def test_hand_computed_lift_interval_and_p_value(hand_store):
    store, labels = hand_store
    out = pain_points(store, labels, _ts("2026-01-01"), 10, min_count=5)
    by = {p["key"]: p for p in out[0]}
    d = by["delivery"]
    # 20 of 40 vs 6 of 60: share 0.5 vs 0.1, lift 5; Katz se = sqrt(1/20 - 1/40 + 1/6 - 1/60) = 0.41833
    assert (d["customers"], d["n"], d["customers_others"], d["n_others"]) == (20, 40, 6, 60)
    assert d["count"] == 22 and d["per_100_customers"] == pytest.approx(55.0)  # c00 twice, c01's comment
    assert d["source"] == "feedback+tickets"
    assert d["share"] == pytest.approx(0.5) and d["share_others"] == pytest.approx(0.1)
    assert d["lift"] == pytest.approx(5.0)
    assert d["lift_low"] == pytest.approx(2.2023, abs=1e-3) and d["lift_high"] == pytest.approx(11.351, abs=1e-2)
    assert d["p_value"] == pytest.approx(_fisher_two_sided(20, 40, 6, 60), rel=1e-9)
    assert d["distinctive"] and not d["small_sample"]
    # staff: 5 of 40 vs 1 of 60 → lift 7.5, se = sqrt(1/5 - 1/40 + 1 - 1/60) = 1.07626 → low 0.910
    s = by["staff"]
    assert s["lift"] == pytest.approx(7.5) and s["lift_low"] == pytest.approx(0.9098, abs=1e-3)
    assert not s["distinctive"] and not s["small_sample"]
    # quality: 3 of 40 by comment vs 12 of 60 by ticket; checkout: CES 1.0 score 5 for 2 of 40
    assert by["quality"]["customers"] == 3 and by["quality"]["lift"] == pytest.approx(0.375)
    assert by["checkout"]["customers"] == 2 and by["checkout"]["customers_others"] == 6
    assert by["quality"]["small_sample"] and by["checkout"]["small_sample"]
    # distinctive first, then enough customers, then small samples (shown, not hidden)
    # (small ones by lift too: checkout (2/40)/(6/60) = 0.5 before quality 0.375)
    assert [p["key"] for p in out[0]] == ["delivery", "staff", "checkout", "quality"]
    one = {p["key"]: p for p in out[1]}
    assert one["quality"]["lift"] == pytest.approx((12 / 60) / (3 / 40))
    assert one["quality"]["p_value"] == pytest.approx(_fisher_two_sided(12, 60, 3, 40), rel=1e-9)
    assert one["checkout"]["customers"] == 6  # low CES at the checkout touchpoint, no comment needed
    assert one["ticket:Khiếu nại khác"]["label_vi"] == "Khiếu nại khác"
    assert one["ticket:Khiếu nại khác"]["lift"] is None  # nobody else has it
    assert one["delivery"]["customers"] == 6  # the ticket after as_of is not counted
    assert out[1][0]["key"] == "quality"  # 2.67× with interval above 1
    assert "feedback:quality" not in one and "staff" in one


def test_profiles_carry_the_pain_points_with_their_n(hand_store):
    store, labels = hand_store
    feats = pd.DataFrame({"monetary": 1.0, "frequency": 1.0}, index=labels.index)
    prof = profile_personas(feats, labels.to_numpy(), store=store, as_of="2026-01-01", n_top=2)
    assert [p["key"] for p in prof[0]["pain_points"]] == ["delivery", "staff"]
    assert prof[0]["pain_points"][0]["n"] == prof[0]["n_customers"] == 40


def test_pain_stats_edge_cases():
    assert pain_stats(0, 10, 0, 10)["lift"] is None
    st = pain_stats(3, 10, 0, 20)
    assert st["share"] == pytest.approx(0.3) and st["lift"] is None and st["lift_low"] > 0
    assert pain_stats(5, 0, 5, 10)["share"] is None


def test_pain_sentence_in_both_languages():
    p = {
        "label_en": "Slow or careless delivery",
        "label_vi": "Giao hàng chậm hoặc cẩu thả",
        "lift": 2.1,
        "share": 0.12,
        "share_others": 0.0571,
        "customers": 140,
        "distinctive": True,
    }
    assert pain_sentence([p], "en") == (
        "They complain about slow or careless delivery 2.1× more often than other customers "
        "(12.0% of them vs 5.7% of others; n = 140)."
    )
    assert pain_sentence([p], "vi") == (
        "Nhóm khách này phàn nàn về giao hàng chậm hoặc cẩu thả nhiều gấp 2,1 lần so với các khách hàng "
        "khác (12,0% so với 5,7%; n = 140)."
    )
    flat = {**p, "distinctive": False}
    assert pain_sentence([flat], "en").startswith("No complaint is clearly more frequent")
    assert "Không có phàn nàn nào" in pain_sentence([flat], "vi")
    assert pain_sentence([], "en") == ""


@pytest.fixture(scope="module")
def demo_profiles(persona_ws):
    _ws, store, _truth = persona_ws
    feats = customer_features(store, as_of=AS_OF)
    model = PersonaModel(random_state=0).fit(feats)
    profiles = profile_personas(feats, model.labels_, store=store, as_of=AS_OF, n_top=20)
    return feats, model.labels_, profiles


def test_demo_pain_points_follow_the_planted_channel_mechanisms(demo_profiles):
    """The simulator plants no topic per segment; it plants pains per channel: only delivered (web,
    Shopee) orders are late, Shopee orders raise no tickets, and app checkouts have a CES friction
    rate of 0.40 against 0.05 on the web (params.json). So the persona with the highest web share
    must complain most about delivery, and the one with the highest app share about checkout."""
    feats, labels, profiles = demo_profiles
    by_pid = {p["persona_id"]: {x["key"]: x for x in p["pain_points"]} for p in profiles}
    means = feats.groupby(labels)[["channel:web", "app_share"]].mean()
    for feature, key in (("channel:web", "delivery"), ("app_share", "checkout")):
        top = int(means[feature].idxmax())
        mine = by_pid[top][key]
        assert mine["distinctive"], (feature, mine)
        others = [by_pid[p][key]["lift"] for p in by_pid if p != top and key in by_pid[p]]
        assert mine["lift"] > max(others), (feature, mine["lift"], others)


def test_demo_top_pain_points_differ_between_personas(demo_profiles):
    _f, _l, profiles = demo_profiles
    tops = [p["pain_points"][0] for p in profiles if p["pain_points"]]
    assert len({t["key"] for t in tops}) > 1
    for t in tops:
        assert t["n"] > 0 and 0 <= t["share"] <= 1 and "lift_low" in t and "p_value" in t
        if t["distinctive"]:
            assert t["lift_low"] > 1 and t["customers"] >= 10
