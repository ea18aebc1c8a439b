"""Audiences on the demo workspace: the filter language, backend evaluation checked with pandas, exports."""

from __future__ import annotations

import csv
import io

import pytest

from centric.activation import (
    audience_members,
    delete_audience,
    export_audience,
    get_audience,
    hash_email,
    hash_phone,
    list_audiences,
    parse_filters,
    save_audience,
)
from centric.exceptions import InputError
from centric.privacy import allowed_customers


@pytest.mark.parametrize(
    ("filters", "phrase"),
    [
        ("[{", "not valid JSON"),
        ('{"field": "gender"}', "must be a JSON list"),
        ([{"field": "password", "op": "eq", "value": "x"}], "unknown field 'password'; allowed fields: gender"),
        ([{"field": "churn_risk", "op": "like", "value": 1}], "unknown op 'like'"),
        ([{"field": "churn_risk", "op": "ge", "value": "high"}], "field 'churn_risk' takes number values; got 'high'"),
        ([{"field": "gender", "op": "gt", "value": "f"}], "op 'gt' needs an ordered field"),
        ([{"field": "gender", "op": "in", "value": "female"}], "op 'in' takes a non-empty list"),
        ([{"field": "churn_risk", "op": "between", "value": [0.1]}], "takes \\[low, high\\]"),
        ([{"field": "consent", "op": "eq", "value": "spam"}], "'consent' takes op 'eq' and a purpose id"),
        ([{"field": "gender", "op": "eq", "value": "f", "sql": "1=1"}], "unknown keys \\['sql'\\]"),
    ],
)
def test_bad_filters_are_refused(filters, phrase):
    with pytest.raises(InputError, match=phrase):
        parse_filters(filters)


def test_members_match_a_pandas_evaluation(act_store):
    store = act_store
    filters = [
        {"field": "churn_risk", "op": "ge", "value": 0.5},
        {"field": "gender", "op": "eq", "value": "female"},
        {"field": "rfm_segment", "op": "in", "value": ["at_risk", "about_to_sleep", "hibernating"]},
    ]
    got = set(audience_members(store, filters).execute().customer_id)
    c = store.table("customers").execute()
    s = store.table("customer_scores").execute()
    p = store.table("customer_personas").execute()
    want = (
        set(s.customer_id[s.churn_risk >= 0.5])
        & set(c.customer_id[c.gender == "female"])
        & set(p.customer_id[p.rfm_segment.isin(["at_risk", "about_to_sleep", "hibernating"])])
    )
    assert got == want and len(want) > 5


def test_ne_and_null_ops_count_missing_rows(act_store):
    store = act_store
    c = store.table("customers").execute()
    ne = set(audience_members(store, [{"field": "gender", "op": "ne", "value": "female"}]).execute().customer_id)
    assert ne == set(c.customer_id[c.gender != "female"])  # includes NULL genders
    nul = set(audience_members(store, [{"field": "gender", "op": "is_null"}]).execute().customer_id)
    assert nul == set(c.customer_id[c.gender.isna()])
    s = store.table("customer_scores").execute()
    no_score = set(c.customer_id) - set(s.customer_id)
    got = set(audience_members(store, [{"field": "clv_12m", "op": "is_null"}]).execute().customer_id)
    assert no_score <= got  # customers without a score row count as NULL


def test_consent_filter_uses_the_privacy_decision(act_store):
    store = act_store
    got = set(
        audience_members(store, [{"field": "consent", "op": "eq", "value": "marketing_zalo"}]).execute().customer_id
    )
    assert got == set(allowed_customers(store, "marketing_zalo").execute().customer_id)


def test_save_list_get_delete(act_store):
    store = act_store
    a = save_audience(store, "Khách nữ có nguy cơ", '[{"field": "churn_risk", "op": "ge", "value": 0.7}]')
    assert a.audience_id == "khach-nu-co-nguy-co"
    save_audience(store, "Khách nữ có nguy cơ", [{"field": "churn_risk", "op": "ge", "value": 0.8}])
    assert [x.audience_id for x in list_audiences(store)] == ["khach-nu-co-nguy-co"]
    assert get_audience(store, a.audience_id).filters[0]["value"] == 0.8
    assert delete_audience(store, a.audience_id) is True
    with pytest.raises(InputError, match="No audience 'khach-nu-co-nguy-co'; saved audiences: none"):
        get_audience(store, a.audience_id)


def test_exports_keep_consented_members_and_hash_for_each_platform(act_store, tmp_path):
    store = act_store
    a = save_audience(store, "risk", [{"field": "churn_risk", "op": "ge", "value": 0.3}])
    members = set(audience_members(store, a).execute().customer_id)
    ok = set(allowed_customers(store, "personalisation").execute().customer_id)
    c = store.table("customers").execute().set_index("customer_id")
    want_ids = sorted(members & ok)
    text, n = export_audience(store, "risk", fmt="csv", path=tmp_path / "a.csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["customer_id"] for r in rows] == want_ids and n == len(want_ids)
    assert list(rows[0]) == ["customer_id", "display_name", "email", "phone", "churn_risk"]
    assert (tmp_path / "a.csv").read_text("utf-8") == text
    contactable = [cid for cid in want_ids if isinstance(c.email[cid], str) or isinstance(c.phone[cid], str)]
    for fmt, head in (("meta", ["email", "phone"]), ("google", ["Email", "Phone"])):
        text, n = export_audience(store, a, fmt=fmt)
        lines = list(csv.reader(io.StringIO(text)))
        assert lines[0] == head and n == len(contactable) == len(lines) - 1
        first = contactable[0]
        e = c.email[first] if isinstance(c.email[first], str) else None
        p = c.phone[first] if isinstance(c.phone[first], str) else None
        assert lines[1] == [hash_email(e, fmt) or "", hash_phone(p, fmt) or ""]
        assert all(len(x) in (0, 64) for line in lines[1:] for x in line)
    audit = store.table("audit_log").execute()
    assert (audit.action == "audience.export").sum() == 3
