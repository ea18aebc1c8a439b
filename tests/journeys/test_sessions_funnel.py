"""Sessions and funnels on a hand-computed event log, on DuckDB and on local Spark."""

from __future__ import annotations

import pandas as pd
import pytest
from journeys_helpers import hand_events

from centric.exceptions import InputError, InvalidParameterError
from centric.journeys import funnel, sessionize, sessions
from centric.metrics._intervals import wilson_interval

STEPS = ["page_view", "product_view", "add_to_cart", "begin_checkout", "purchase"]


def _t(hms: str) -> pd.Timestamp:
    return pd.Timestamp(f"2025-03-01 {hms}", tz="UTC")


def _check_sessions(got: pd.DataFrame) -> None:
    got = got.sort_values("session_key").reset_index(drop=True)
    assert got["session_key"].tolist() == ["a1#0", "c1#0", "c1#1", "c1#2", "c2#0", "c2#1", "c2#2"]
    assert got["n_events"].tolist() == [5, 6, 2, 1, 2, 1, 3]
    assert got["channel"].tolist() == ["web", "web", "web", "web", "app", "app", "app"]
    assert got["converted"].tolist() == [False, True, False, False, False, False, False]
    assert got["duration_seconds"].tolist() == [240, 1200, 600, 0, 1200, 0, 120]
    assert pd.to_datetime(got["start"], utc=True).tolist() == [
        _t("08:00"),
        _t("10:00"),
        _t("12:00"),
        _t("12:40"),
        _t("09:00"),
        _t("09:55"),
        _t("11:00"),
    ]
    assert pd.to_datetime(got["end"], utc=True).iloc[1] == _t("10:20")


def _check_overall(f: pd.DataFrame) -> None:
    assert f["entered"].tolist() == [6, 4, 2, 2, 1]
    assert f["converted"].tolist()[:4] == [4, 2, 2, 1]
    assert f["median_seconds_to_next"].tolist()[:4] == [330.0, 60.0, 60.0, 120.0]


def _check_by_channel(f: pd.DataFrame) -> None:
    assert f[f["channel"] == "web"]["entered"].tolist() == [4, 3, 2, 2, 1]
    assert f[f["channel"] == "app"]["entered"].tolist() == [2, 1, 0, 0, 0]
    assert f["median_seconds_to_next"].fillna(-1).tolist() == [
        1200.0,
        -1,
        -1,
        -1,
        -1,
        60.0,
        60.0,
        60.0,
        120.0,
        -1,
    ]


def test_backends_agree(backend_store):
    """The same sessions and funnels, to the number, on DuckDB and on local Spark."""
    backend_store.append("events", hand_events())
    ev = backend_store.table("events")
    _check_sessions(sessions(ev).execute())
    _check_overall(funnel(ev, STEPS))
    by = funnel(ev, STEPS, by="channel")
    _check_by_channel(by)


def test_sessions_by_inactivity(hand_store):
    _check_sessions(sessions(hand_store.table("events")).execute())


def test_sessionize_keeps_source_sessions_when_asked(hand_store):
    ev = sessionize(hand_store.table("events"), source_sessions=True).execute()
    assert set(ev.loc[ev["actor"] == "c2", "session_key"]) == {"S2"}
    per_session = sessions(hand_store.table("events"), source_sessions=True).execute()
    assert per_session.set_index("session_key").loc["S2", "n_events"] == 6
    assert ev["session_key"].nunique() == 5
    assert "email_sent" not in set(ev["name"])  # a send is not the customer's activity
    assert len(ev) == 20  # 22 rows - 1 send - 1 row with no id
    c1 = ev[ev["actor"] == "c1"].sort_values("seq")
    assert c1["session_no"].tolist() == [0, 0, 0, 0, 0, 0, 1, 1, 2]


def test_gap_parameter(hand_store):
    got = sessions(hand_store.table("events"), gap_minutes=120).execute()
    # c1: 10:20 → 12:00 is 100 min (joined), 12:10 → 12:40 joined; c2: 09:55 → 11:00 joined
    assert sorted(got["session_key"]) == ["a1#0", "c1#0", "c2#0"]
    with pytest.raises(InvalidParameterError, match="'gap_minutes' parameter of sessionize must be a number > 0"):
        sessionize(hand_store.table("events"), gap_minutes=0)


def test_funnel_overall(hand_store):
    f = funnel(hand_store.table("events"), STEPS)
    assert f["entered"].tolist() == [6, 4, 2, 2, 1]
    assert f["converted"].tolist()[:4] == [4, 2, 2, 1]
    assert f["converted"].isna().tolist() == [False] * 4 + [True]
    assert f["conversion"].tolist()[:4] == pytest.approx([4 / 6, 2 / 4, 1.0, 0.5])
    assert f["median_seconds_to_next"].tolist()[:4] == [330.0, 60.0, 60.0, 120.0]
    assert f["share_of_start"].tolist() == pytest.approx([1, 4 / 6, 2 / 6, 2 / 6, 1 / 6])
    assert f["transition"].tolist()[:4] == [
        "page_view→product_view",
        "product_view→add_to_cart",
        "add_to_cart→begin_checkout",
        "begin_checkout→purchase",
    ]
    low, high = wilson_interval(4, 6)
    assert (f["low"].iloc[0], f["high"].iloc[0]) == pytest.approx((float(low), float(high)))
    assert (f["low"].iloc[0], f["high"].iloc[0]) == pytest.approx((0.3000, 0.9032), abs=1e-4)
    assert f["small_sample"].all()


def test_funnel_by_channel(hand_store):
    f = funnel(hand_store.table("events"), STEPS, by="channel")
    web, app = f[f["channel"] == "web"], f[f["channel"] == "app"]
    assert web["entered"].tolist() == [4, 3, 2, 2, 1]
    assert app["entered"].tolist() == [2, 1, 0, 0, 0]
    assert web["median_seconds_to_next"].iloc[0] == 60.0
    assert app["median_seconds_to_next"].iloc[0] == 1200.0
    assert app["conversion"].tolist()[:2] == [0.5, 0.0]
    assert pd.isna(app["conversion"].iloc[2])  # nobody entered: no conversion, no interval
    assert pd.isna(app["low"].iloc[2])


def test_funnel_within_customer(hand_store):
    f = funnel(hand_store.table("events"), STEPS, within="customer")
    assert f["entered"].tolist() == [3, 3, 3, 3, 1]
    assert f["median_seconds_to_next"].tolist()[:4] == [60.0, 60.0, 60.0, 120.0]


def test_funnel_with_source_sessions(hand_store):
    f = funnel(hand_store.table("events"), STEPS, by="channel", source_sessions=True)
    assert f[f["channel"] == "app"]["entered"].tolist() == [1, 1, 1, 1, 0]


def test_funnel_by_a_joined_attribute(hand_store):
    import ibis

    personas = ibis.memtable(pd.DataFrame({"customer_id": ["c1", "c2"], "persona": ["Loyal", "New"]}))
    ev = hand_store.table("events")
    joined = ev.left_join(personas, "customer_id").drop("customer_id_right")
    f = funnel(joined, STEPS, by="persona")
    assert sorted(set(f["persona"])) == ["(unknown)", "Loyal", "New"]
    assert f[f["persona"] == "(unknown)"]["entered"].tolist() == [1, 1, 1, 1, 0]  # the anonymous visitor
    assert f[f["persona"] == "Loyal"]["entered"].tolist() == [3, 2, 1, 1, 1]


def test_funnel_errors(hand_store):
    ev = hand_store.table("events")
    with pytest.raises(InvalidParameterError, match="needs at least two distinct event names"):
        funnel(ev, ["page_view"])
    with pytest.raises(InvalidParameterError, match="'within' parameter of funnel must be"):
        funnel(ev, STEPS, within="day")
    with pytest.raises(InputError, match="no column 'persona'"):
        funnel(ev, STEPS, by="persona")


def test_journeys_step_cuts_by_persona_when_the_store_has_them(hand_store):
    from centric.journeys import figures, journeys_step
    from centric.pipeline import Results

    hand_store.replace(
        "customer_personas",
        pd.DataFrame({"customer_id": ["c1", "c2"], "persona_id": [0, 1], "persona_name_en": ["Loyal", "New"]}),
    )
    results = Results("t", {"headline": {}})
    journeys_step(hand_store, results)
    j = results.summary["journeys"]
    assert j["status"] == "ok"
    assert [r["n"] for r in j["funnel_by_persona"]["Loyal"]] == [3, 2, 1, 1, 1]
    assert [r["n"] for r in j["funnel"]] == [6, 4, 2, 2, 1]
    assert j["friction"] and all(r["feedback_n"] == 0 for r in j["friction"])
    assert set(results.frames["stages_by_persona"]["persona"]) == {"(unknown)", "Loyal", "New"}
    assert len(figures(results.frames, "vi")) == 6


def test_journeys_step_without_events_says_so():
    from centric.journeys import journeys_step
    from centric.pipeline import Results
    from centric.store import connect

    results = Results("t", {"headline": {}})
    journeys_step(connect("duckdb://"), results)
    assert results.summary["journeys"]["status"] == "no events"
    assert "journeys: no 'page_view' events" in results.summary["warnings"][0]


def test_reach_times_fast_path_matches_the_join_chain():
    """The one-group-by reach times equal the step-by-step chain, out-of-order units included."""
    import ibis
    import numpy as np

    from centric.journeys._funnel import _reach_chain, reach_times

    rng = np.random.default_rng(5)
    n = 4000
    frame = pd.DataFrame(
        {
            "unit": rng.integers(0, 400, n).astype("int64"),
            "grp": rng.choice(["x", "y"], n),
            "name": rng.choice([*STEPS, "other"], n, p=[0.3, 0.25, 0.2, 0.1, 0.1, 0.05]),
            "_t": rng.integers(0, 60, n).astype("int64"),  # many ties and steps out of order
        }
    )
    con = ibis.duckdb.connect()
    ev = con.create_table("ev", frame)
    ev = ev.filter(ev.name.isin(STEPS))
    for keys in (["unit"], ["unit", "grp"]):
        fast = reach_times(ev, STEPS, keys).execute().sort_values(keys).reset_index(drop=True)
        slow = _reach_chain(ev, STEPS, keys).execute().sort_values(keys).reset_index(drop=True)
        assert len(fast) > 100
        cols = keys + [f"t{k}" for k in range(len(STEPS))]
        pd.testing.assert_frame_equal(fast[cols], slow[cols], check_dtype=False)


def test_funnel_and_cut_equals_two_funnels(hand_store):
    from centric.journeys._funnel import funnel_and_cut

    ev = hand_store.table("events")
    overall, by = funnel_and_cut(ev, STEPS, by="channel")
    pd.testing.assert_frame_equal(overall, funnel(ev, STEPS))
    pd.testing.assert_frame_equal(by, funnel(ev, STEPS, by="channel"))
    _check_overall(overall)
    _check_by_channel(by)
