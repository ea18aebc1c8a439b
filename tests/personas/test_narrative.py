"""Names and narratives from templates, in Vietnamese and English."""

from __future__ import annotations

import unicodedata

from centric.personas import name_personas, narrative, trait_phrase


def _profile(pid: int, traits: list[tuple[str, float]], **kw):
    base = {
        "persona_id": pid,
        "n_customers": 120,
        "share": 0.12,
        "revenue_share": 0.41,
        "mean_revenue": 8_500_000.0,
        "mean_clv": 2_000_000.0,
        "channels": {"pos": 0.7, "web": 0.3},
        "top_categories": [{"category": "Nước hoa", "share": 0.4, "lift": 2.3}],
        "nps": {"value": 31.0, "low": 20.0, "high": 42.0, "n": 150, "suppressed": False},
        "churn": {"churned_share": 0.2, "mean_risk": 0.3},
        "pain_points": [{"label_en": "Slow or careless delivery", "label_vi": "Giao hàng chậm hoặc cẩu thả"}],
        "traits": [{"feature": f, "lift": v, "effect_size": 1.0} for f, v in traits],
        "lifts": {"monetary": 3.0, "aov": 1.8, "frequency": 1.6, **dict(traits)},
    }
    return {**base, **kw}


def test_narrative_names_the_top_trait_in_both_languages():
    p = _profile(0, [("cat:Nước hoa", 2.3), ("channel:pos", 1.4)])
    (names,) = [name_personas([p])]
    assert names[0] == {
        "en": "Loyal big spenders · perfume",
        "vi": "Khách chi tiêu lớn trung thành · nước hoa",
    }
    en = narrative(p, names[0]["en"], "en")
    vi = narrative(p, names[0]["vi"], "vi")
    print(en, vi, sep="\n")
    assert en.startswith("Loyal big spenders · perfume — 12% of customers, 41% of revenue.")
    assert "They buy perfume 2.3× more than other customers, mostly shopping in store." in en
    assert "NPS 31 (95% interval 20 to 42; n = 150)." in en
    assert "Most common complaint: slow or careless delivery." in en
    assert (
        "Nhóm khách này mua nước hoa nhiều gấp 2,3 lần so với các khách hàng khác, chủ yếu mua tại cửa hàng."
        in vi
    )
    assert "8.500.000" in vi and "12% khách hàng, 41% doanh thu." in vi
    assert vi == unicodedata.normalize("NFC", vi)
    assert "anh" not in vi.lower().split() and "chị" not in vi.lower().split()


def test_less_than_average_and_suppressed_nps():
    p = _profile(
        1,
        [("frequency", 0.25)],
        nps={"value": None, "low": None, "high": None, "n": 4, "suppressed": True},
        lifts={"frequency": 0.25, "monetary": 0.5, "aov": 1.0},
    )
    en = narrative(p, "X", "en")
    vi = narrative(p, "X", "vi")
    assert "They order 4.0× less than other customers" in en
    assert "NPS: too few answers (n = 4)." in en
    assert "ít hơn 4,0 lần" in vi and "chưa đủ câu trả lời" in vi


def test_names_are_unique():
    a = _profile(0, [("cat:Nước hoa", 2.3)])
    b = _profile(1, [("cat:Nước hoa", 2.1)], channels={"web": 0.8, "pos": 0.2})
    c = _profile(2, [("cat:Nước hoa", 2.0)], channels={"web": 0.9, "pos": 0.1})
    names = name_personas([a, b, c])
    for lang in ("en", "vi"):
        assert len({n[lang] for n in names}) == 3
    assert names[0]["en"] == "Loyal big spenders · perfume (in store)"
    assert names[1]["en"] == "Loyal big spenders · perfume (on the web store) 1"


def test_trait_phrases():
    assert trait_phrase("cat:Đồ gia dụng", "en") == "buy household goods"
    assert trait_phrase("cat:Đồ gia dụng", "vi") == "mua đồ gia dụng"
    assert trait_phrase("channel:shopee", "en") == "shop on Shopee"
    assert trait_phrase("life:new_parent", "vi") == "là cha mẹ mới"
    assert trait_phrase("cat:Unknown thing", "en") == "buy Unknown thing"
