"""Storing answers: metrics count them, resubmits are idempotent, alerts, wellbeing consent, alert stats."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from centric import metrics
from centric.exceptions import InputError
from centric.privacy import check
from centric.surveys import (
    WITHDRAWN,
    add_comment,
    alert_stats,
    get_survey,
    new_nonce,
    open_alerts,
    respond_alert,
    response_key,
    submit_answers,
)
from conftest import add_consent, add_customer

NPS = get_survey(None, "nps")
CSAT = get_survey(None, "csat")
CES = get_survey(None, "ces")
LIFE = get_survey(None, "life_impact")


def _anon(store, survey, qid, score, **kw):
    key = response_key(survey.id, nonce=new_nonce())
    return submit_answers(store, survey, key=key, scores={qid: score}, **kw)


def _nps(store):
    return metrics.nps(store.table("feedback"), min_n=1, suppress_below=1)


def test_web_answers_count_in_nps_as_a_hand_calculation_says(store):
    for score in (10, 8, 2):
        assert _anon(store, NPS, "nps", score).stored == 1
    r = _nps(store)  # P=1, Pa=1, D=1: 100·(1−1)/3 = 0
    assert (r.value, r.n, r.extra["promoters"], r.extra["detractors"]) == (0.0, 3, 1, 1)
    _anon(store, NPS, "nps", 9)  # P=2, D=1, n=4: 100·(2−1)/4 = 25
    assert _nps(store).value == 25.0
    row = store.table("feedback").execute().iloc[0]
    assert (row.instrument, row.instrument_version, row.question_id, row.channel, row.touchpoint) == (
        "nps", "1.0", "nps", "web", "relationship")


def test_resubmitting_the_same_answer_set_updates_instead_of_adding(store):
    key = response_key("nps", token="tok-1")
    first = submit_answers(store, NPS, key=key, scores={"nps": 3})
    assert (first.stored, first.updated, len(first.alerts)) == (1, 0, 1)
    again = submit_answers(store, NPS, key=key, scores={"nps": 3})
    assert (again.stored, again.updated, again.alerts) == (0, 1, ())
    changed = submit_answers(store, NPS, key=key, scores={"nps": 9}, comment="Nhầm, xin lỗi")
    assert (changed.stored, changed.updated, changed.alerts) == (0, 1, ())
    fb = store.table("feedback").execute()
    assert len(fb) == 1 and fb.score.iloc[0] == 9.0 and fb.comment.iloc[0] == "Nhầm, xin lỗi"
    assert _nps(store).value == 100.0
    # the alert follows the answer: withdrawn (nobody had responded), out of the stats, then re-opened
    al = store.table("alerts").execute().iloc[0]
    assert (al.score, al.responded_by, al.note) == (9.0, WITHDRAWN, "the answer was changed to 9")
    assert open_alerts(store).empty and alert_stats(store).n == 0
    submit_answers(store, NPS, key=key, scores={"nps": 2})
    al = store.table("alerts").execute()
    assert al[["kind", "score", "responded_by", "note"]].values.tolist() == [["detractor", 2.0, None, None]]
    assert pd.isna(al.resolved_at.iloc[0]) and len(open_alerts(store)) == 1 and alert_stats(store).n == 1


def test_an_answered_alert_is_kept_when_the_score_changes(store):
    key = response_key("nps", token="tok-2")
    aid = submit_answers(store, NPS, key=key, scores={"nps": 1}).alerts[0]
    respond_alert(store, aid, by="lan")
    submit_answers(store, NPS, key=key, scores={"nps": 10})
    al = store.table("alerts").execute().iloc[0]
    assert (al.score, al.responded_by) == (10.0, "lan") and pd.isna(al.resolved_at)
    ok = submit_answers(store, NPS, key=response_key("nps", token="tok-3"), scores={"nps": 10})
    late = submit_answers(store, NPS, key=ok.response_key, scores={"nps": 0})  # 10 was a slip: now a detractor
    assert late.alerts == (f"AL-{ok.response_key}-nps",) and store.count("alerts") == 2


@pytest.mark.parametrize(
    ("survey", "qid", "score", "kind"),
    [
        (NPS, "nps", 0, "detractor"), (NPS, "nps", 6, "detractor"), (NPS, "nps", 7, None),
        (CSAT, "csat", 1, "low_csat"), (CSAT, "csat", 2, "low_csat"), (CSAT, "csat", 3, None),
        (CES, "ces", 3, "high_effort"), (CES, "ces", 4, None),
    ],
)
def test_alert_rules_at_their_boundaries(shared_store, survey, qid, score, kind):
    res = _anon(shared_store, survey, qid, score, customer_id=None)
    a = shared_store.table("alerts")
    alerts = a.filter(a.feedback_id == f"{res.response_key}-{qid}").execute()
    if kind is None:
        assert res.alerts == () and alerts.empty
    else:
        assert len(res.alerts) == 1 and alerts.kind.tolist() == [kind] and alerts.score.tolist() == [float(score)]
        assert alerts.feedback_id.iloc[0] == f"{res.response_key}-{qid}"


def test_scores_outside_the_scale_are_refused_and_nothing_is_stored(store):
    key = response_key("nps", token="x")
    with pytest.raises(InputError, match=r"Score '11' for question 'nps' of survey 'nps' is not allowed: "
                                         r"it must be a whole number from 0 to 10\."):
        submit_answers(store, NPS, key=key, scores={"nps": "11"})
    with pytest.raises(InputError, match="Score 'abc' for question 'csat'"):
        submit_answers(store, CSAT, key=key, scores={"csat": "abc"})
    with pytest.raises(InputError, match=r"has no question\(s\) \['bogus'\]"):
        submit_answers(store, NPS, key=key, scores={"bogus": 1})
    with pytest.raises(InputError, match="No answer was given to survey 'nps'"):
        submit_answers(store, NPS, key=key, scores={"nps": ""})
    with pytest.raises(InputError, match="must be 32 hexadecimal characters"):
        response_key("nps", nonce="../../etc")
    assert store.count("feedback") == 0 and store.count("alerts") == 0


def test_follow_up_reason_goes_on_the_answer_and_its_alert(store):
    key = response_key("nps", token="tok")
    with pytest.raises(InputError, match="answer the survey first"):
        add_comment(store, NPS, key=key, comment="x")
    submit_answers(store, NPS, key=key, scores={"nps": 4})
    assert add_comment(store, NPS, key=key, comment="  Giao hàng chậm  ") is True
    assert add_comment(store, NPS, key=key, comment="   ") is False
    assert store.table("feedback").execute().comment.tolist() == ["Giao hàng chậm"]
    assert store.table("alerts").execute().comment.tolist() == ["Giao hàng chậm"]
    with pytest.raises(InputError, match=r"The comment has 2001 characters; at most 2000 are allowed\."):
        add_comment(store, NPS, key=key, comment="a" * 2001)


def test_a_link_for_a_customer_no_longer_in_the_store_stores_nothing(store):
    with pytest.raises(InputError, match="This link is no longer valid"):
        submit_answers(store, NPS, key="k", scores={"nps": 1}, customer_id="C-erased")
    assert (store.count("feedback"), store.count("alerts")) == (0, 0)


def test_known_customer_answers_carry_the_source_ref_and_survive_identity_resolution(store):
    from centric.identity import resolve

    add_customer(store, "C1", "pos:KH001")
    submit_answers(store, NPS, key=response_key("nps", token="t1"), scores={"nps": 2}, customer_id="C1")
    assert store.table("feedback").execute().customer_ref.tolist() == ["pos:KH001"]
    resolve(store)
    rec = store.table("customer_records").execute()
    fb = store.table("feedback").execute()
    assert fb.customer_id.tolist() == rec.customer_id.tolist()  # the answer follows its person


LIFE_SCORES = {"li1": 5, "li2": 4, "li3": 3, "li4": 2, "oecd_a1": 7}


def test_wellbeing_answers_need_consent_for_a_known_customer(store):
    add_customer(store, "C1", "pos:KH001")
    key = response_key("life_impact", token="t1")
    res = submit_answers(store, LIFE, key=key, scores=LIFE_SCORES, customer_id="C1")
    assert (res.consent, res.saved, res.stored) == ("missing", False, 0)
    assert store.count("feedback") == 0 and store.count("consents") == 0
    res = submit_answers(store, LIFE, key=key, scores=LIFE_SCORES, customer_id="C1", consent=True)
    assert (res.consent, res.stored) == ("recorded", 5)
    c = store.table("consents").execute().iloc[0]
    assert (c.customer_ref, c.customer_id, c.purpose, c.status, c.method) == (
        "pos:KH001", "C1", "wellbeing_survey", "granted", "survey_form")
    assert check(store, "C1", "wellbeing_survey").allowed
    audit = store.table("audit_log").execute()
    assert audit[["actor", "action", "subject"]].values.tolist() == [["customer", "consent.grant", "C1"]]
    # the Life Impact Index reads them: item mean (5+4+3+2)/4 = 3.5 → 100·(3.5−1)/4 = 62.5
    li = metrics.life_impact_index(store.table("feedback"), min_n=1, suppress_below=1)
    assert (li.value, li.n) == (62.5, 1)


def test_wellbeing_consent_on_file_withdrawn_and_restricted(store):
    add_customer(store, "C1", "pos:1")
    add_customer(store, "C2", "pos:2")
    add_customer(store, "C3", "pos:3")
    add_consent(store, "C1", "pos:1", "wellbeing_survey", "granted", "2026-01-05T00:00:00Z")
    add_consent(store, "C2", "pos:2", "wellbeing_survey", "granted", "2026-01-05T00:00:00Z")
    add_consent(store, "C2", "pos:2", "wellbeing_survey", "withdrawn", "2026-02-05T00:00:00Z")
    store.append("restrictions", pd.DataFrame([{"restriction_id": "R1", "customer_id": "C3",
                                                "created_at": pd.Timestamp("2026-03-01T00:00:00Z")}]))
    on_file = submit_answers(store, LIFE, key="k1", scores=LIFE_SCORES, customer_id="C1")
    withdrawn = submit_answers(store, LIFE, key="k2", scores=LIFE_SCORES, customer_id="C2")
    restricted = submit_answers(store, LIFE, key="k3", scores=LIFE_SCORES, customer_id="C3", consent=True)
    assert (on_file.consent, withdrawn.consent, restricted.consent) == ("on_file", "missing", "refused")
    fb = store.table("feedback").execute()
    assert sorted(set(fb.customer_id)) == ["C1"] and len(fb) == 5
    assert store.count("consents") == 4  # C3's ticked box is kept as evidence; nothing else was added


def test_anonymous_wellbeing_consent_is_recorded_under_the_answer_sets_ref(store):
    key = response_key("life_impact", nonce="0" * 32)
    assert submit_answers(store, LIFE, key=key, scores=LIFE_SCORES).consent == "missing"
    assert store.count("feedback") == 0
    res = submit_answers(store, LIFE, key=key, scores=LIFE_SCORES, consent=True)
    assert res.consent == "recorded"
    fb = store.table("feedback").execute()
    c = store.table("consents").execute()
    assert set(fb.customer_ref) == {f"survey:{key}"} == set(c.customer_ref)
    assert c.evidence.iloc[0] == f'{{"survey_id": "life_impact", "response_key": "{key}", "checkbox": true}}'
    submit_answers(store, LIFE, key=key, scores=LIFE_SCORES, consent=True)  # double submit
    assert store.count("consents") == 1 and store.count("feedback") == 5 and store.count("audit_log") == 1


def test_alert_stats_time_to_first_response_by_hand(store):
    t0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
    now = dt.datetime(2026, 3, 3, 8, 0, tzinfo=dt.UTC)
    keys = []
    for i, created in enumerate([t0] * 4 + [now - dt.timedelta(hours=30), now - dt.timedelta(hours=1)]):
        key = response_key("nps", token=f"t{i}")
        res = submit_answers(store, NPS, key=key, scores={"nps": 1}, now=created)
        keys.append(res.alerts[0])
    for alert, hours in zip(keys, (1, 2, 3, 10), strict=False):
        respond_alert(store, alert, by="an", at=t0 + dt.timedelta(hours=hours))
    respond_alert(store, keys[0], by="someone-else", at=t0 + dt.timedelta(hours=5), resolve=True)
    st = alert_stats(store, now=now)
    # answered after 1, 2, 3, 10 h: median 2.5; p90 = 3 + 0.7·(10 − 3) = 7.9; decided = 4 answered + the
    # 30-hour-old open one; within 24 h: 4 of 5
    assert (st.n, st.answered, st.open) == (6, 4, 2)
    assert st.median_hours == pytest.approx(2.5)
    assert st.p90_hours == pytest.approx(7.9)
    assert st.within_24h == pytest.approx(0.8)
    a = store.table("alerts").execute().set_index("alert_id").loc[keys[0]]
    assert a.responded_by == "an" and a.resolved_at == pd.Timestamp(t0 + dt.timedelta(hours=5))
    with pytest.raises(InputError, match="Unknown alert 'AL-nope'"):
        respond_alert(store, "AL-nope", by="an")
    still_open = open_alerts(store)
    assert len(still_open) == 5 and keys[0] not in set(still_open.alert_id)
    assert still_open.alert_id.iloc[0] == keys[5]  # newest first
    empty = alert_stats(store, kinds=("low_csat",), now=now)
    assert (empty.n, empty.median_hours, empty.within_24h) == (0, None, None)


def test_answer_alert_and_consent_are_committed_together_or_not_at_all(store, monkeypatch):
    import centric.surveys._answers as answers

    def broken(*args, **kwargs):
        raise RuntimeError("disk full while writing the alert")

    monkeypatch.setattr(answers, "raise_alert", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        submit_answers(store, NPS, key=response_key("nps", token="t"), scores={"nps": 1})
    original = answers.insert_rows

    def insert_rows(store, table, rows):
        if table == "feedback":
            raise RuntimeError("disk full while writing the answers")
        return original(store, table, rows)

    monkeypatch.setattr(answers, "insert_rows", insert_rows)
    with pytest.raises(RuntimeError, match="disk full"):  # a sensitive survey: the consent is rolled back too
        submit_answers(store, LIFE, key="k", scores={"li1": 1}, consent=True)
    assert (store.count("feedback"), store.count("alerts"), store.count("consents"), store.count("audit_log")) == (
        0, 0, 0, 0)


def test_the_portable_path_used_off_duckdb_gives_the_same_rows(store, monkeypatch):
    """Spark has no row UPDATE: the Ibis rewrite path must store exactly what the DuckDB fast path does."""
    add_customer(store, "C1", "pos:KH001")
    monkeypatch.setattr(store, "kind", "generic")  # atomic() becomes a plain block, writes go through Ibis
    key = response_key("nps", token="t")
    submit_answers(store, NPS, key=key, scores={"nps": 5}, customer_id="C1")
    submit_answers(store, NPS, key=key, scores={"nps": 4}, customer_id="C1")
    add_comment(store, NPS, key=key, comment="Chờ lâu")
    fb = store.table("feedback").execute()
    assert fb[["customer_ref", "score", "comment"]].values.tolist() == [["pos:KH001", 4.0, "Chờ lâu"]]
    al = store.table("alerts").execute()
    assert al[["kind", "score", "comment"]].values.tolist() == [["detractor", 4.0, "Chờ lâu"]]
