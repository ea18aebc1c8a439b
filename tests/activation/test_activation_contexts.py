"""Template contexts for real demo customers: honorific, given name, persona line, products, signed link."""

from __future__ import annotations

import pandas as pd

from centric._tokens import verify
from centric.activation import customer_contexts, prefs_link

SECRET = b"p" * 32


def _pick(store, gender, segment):
    c = store.table("customers").execute()
    p = store.table("customer_personas").execute()
    m = c.merge(p, on="customer_id")
    m = (
        m[(m.gender == gender) & (m.rfm_segment == segment) & m.display_name.notna()]
        if gender
        else m[m.gender.isna() & (m.rfm_segment == segment) & m.display_name.notna()]
    )
    return m.sort_values("customer_id").iloc[0]


def test_contexts_for_demo_customers(act_store):
    store = act_store
    if store.has_table("recommendations"):  # test the fallback: best sellers
        store.con.drop_table("recommendations")
    woman = _pick(store, "female", "champions")
    man = _pick(store, "male", "at_risk")
    unknown = _pick(store, None, "at_risk")
    ids = [woman.customer_id, man.customer_id, unknown.customer_id]
    ctx = customer_contexts(
        store, ids, lang="vi", prefs_url=prefs_link(SECRET, "https://shop.example"), brand="Shop Hoa"
    )
    w_name, m_name = woman.display_name.split()[-1], man.display_name.split()[-1]
    assert ctx[woman.customer_id]["greeting"] == f"Chào chị {w_name},"
    assert (
        ctx[woman.customer_id]["persona_line"]
        == f"Cảm ơn chị {w_name} đã luôn là khách hàng thân thiết nhất của chúng tôi."
    )
    assert ctx[man.customer_id]["greeting"] == f"Chào anh {m_name},"
    assert ctx[man.customer_id]["persona_line"] == f"Chúng tôi có ưu đãi riêng mời anh {m_name} quay lại."
    assert ctx[unknown.customer_id]["greeting"] == "Kính chào Quý khách,"
    assert ctx[unknown.customer_id]["Addressee"] == "Quý khách"
    token = ctx[man.customer_id]["preferences_url"].rsplit("/p/", 1)[1]
    assert verify(SECRET, "prefs", token) == {"c": man.customer_id}
    # without recommendations: the three best sellers by quantity
    items = store.table("order_items").execute()
    top = items.groupby("product_id").quantity.sum().sort_values(ascending=False).head(3).index
    names = store.table("products").execute().set_index("product_id").name
    assert [p["name"] for p in ctx[woman.customer_id]["products"]] == [names[i] for i in top]


def test_recommendations_are_used_when_present(act_store):
    store = act_store
    cid = store.table("customers").order_by("customer_id").limit(1).execute().customer_id.iloc[0]
    store.replace(
        "recommendations",
        pd.DataFrame(
            {
                "customer_id": [cid] * 4,
                "rank": [2, 1, 3, 4],
                "product_id": ["P2", "P1", "P3", "P4"],
                "product_name": ["Son môi", "Nước hoa", "Kem dưỡng", "Túi xách"],
                "category": "Làm đẹp",
                "score": [0.5, 0.9, 0.3, 0.1],
                "model": "itemknn",
                "because_en": ["because you bought X"] * 4,
                "because_vi": ["vì bạn đã mua X"] * 4,
            }
        ),
    )
    ctx = customer_contexts(store, [cid], lang="vi", prefs_url=lambda c: "u")
    assert [p["name"] for p in ctx[cid]["products"]] == ["Nước hoa", "Son môi", "Kem dưỡng"]
    assert ctx[cid]["products"][0]["because"] == "vì bạn đã mua X"
