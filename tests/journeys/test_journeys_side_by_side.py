"""Sessions and funnels from time buckets equal the per-event window, side by side.

The bucket path (``centric.journeys._buckets``) is what ``sessions`` and ``funnel`` run; the
per-event window is what ``sessionize`` returns. Feeding an already sessionised table to
``sessions``/``funnel`` makes them use those sessions, so both paths run on the same data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from centric.journeys import funnel, sessionize, sessions
from centric.journeys._funnel import funnel_and_cut
from centric.store import connect

STEPS = ("page_view", "product_view", "add_to_cart", "begin_checkout", "purchase")


def _random_log(seed: int, n_actors: int = 60, n_events: int = 3000) -> pd.DataFrame:
    """Events whose gaps sit on and around the 30-minute rule (±1 µs, exactly 1800 s, fractions)."""
    rng = np.random.default_rng(seed)
    rows = []
    start = pd.Timestamp("2025-06-01", tz="UTC")
    gaps = np.array([0.0, 1.0, 59.5, 600.0, 1799.0, 1799.999999, 1800.0, 1800.000001, 3600.0, 86400.0])
    for a in range(n_actors):
        t = start + pd.Timedelta(seconds=float(rng.integers(0, 10_000)))
        for _ in range(n_events // n_actors):
            t = t + pd.Timedelta(seconds=float(rng.choice(gaps)))
            name = STEPS[rng.integers(0, len(STEPS))] if rng.random() < 0.9 else "email_open"
            anon = rng.random() < 0.3
            rows.append(
                {
                    "customer_id": None if anon else f"c{a}",
                    "anonymous_id": f"a{a}" if anon or rng.random() < 0.5 else None,
                    "occurred_at": t.floor("us"),
                    "name": name,
                    "channel": [None, "web", "app"][rng.integers(0, 3)],
                }
            )
    df = pd.DataFrame(rows)
    df["event_id"] = [f"E{i:06d}" for i in range(len(df))]
    df["customer_ref"] = df["customer_id"].map(lambda c: None if c is None else f"web:{c}")
    df["session_id"] = None
    return df


@pytest.fixture(scope="module", params=[1, 2, 3])
def random_store(request):
    store = connect("duckdb://")
    store.append("events", _random_log(request.param))
    yield store
    store.close()


def _by_window(ev, **kw):
    return sessionize(ev, **kw)


def test_bucket_sessions_equal_the_event_window(random_store):
    ev = random_store.table("events")
    for gap in (30, 1, 7.5):
        new = sessions(ev, gap_minutes=gap).execute().sort_values("session_key").reset_index(drop=True)
        old = sessions(_by_window(ev, gap_minutes=gap)).execute()
        old = old.sort_values("session_key").reset_index(drop=True)
        cols = ["session_key", "actor", "customer_id", "start", "end", "duration_seconds", "n_events", "converted"]
        pd.testing.assert_frame_equal(new[cols], old[cols], check_dtype=False)
        # the first event's channel: equal where the first instant holds one event
        assert len(new) == len(old) > 100


def test_bucket_funnels_equal_the_event_window(random_store):
    ev = random_store.table("events")
    for by in (None, "channel"):
        new = funnel(ev, STEPS, by=by)
        old = funnel(_by_window(ev, gap_minutes=30), STEPS, by=by)
        pd.testing.assert_frame_equal(new, old)
        assert new["entered"].iloc[0] > 50
    overall, cut = funnel_and_cut(ev, STEPS, by="channel")
    pd.testing.assert_frame_equal(overall, funnel(_by_window(ev, gap_minutes=30), STEPS))
    pd.testing.assert_frame_equal(cut, funnel(_by_window(ev, gap_minutes=30), STEPS, by="channel"))


def test_out_of_order_units_take_the_join_chain(random_store):
    """Random steps put later steps before earlier ones in many sessions: the dirty path is used."""
    ev = random_store.table("events")
    out = funnel(ev, ("add_to_cart", "page_view", "purchase"))
    ref = funnel(_by_window(ev, gap_minutes=30), ("add_to_cart", "page_view", "purchase"))
    pd.testing.assert_frame_equal(out, ref)
    assert out["converted"].iloc[0] > 0


def test_demo_sessions_and_funnels_match(demo_store):
    store, _, _ = demo_store
    ev = store.table("events")
    new = sessions(ev).execute().sort_values("session_key").reset_index(drop=True)
    old = sessions(_by_window(ev)).execute().sort_values("session_key").reset_index(drop=True)
    assert len(new) == len(old) > 1000
    pd.testing.assert_frame_equal(new.drop(columns="channel"), old.drop(columns="channel"), check_dtype=False)
    assert (new["channel"] == old["channel"]).mean() > 0.99
    pd.testing.assert_frame_equal(funnel(ev, by="channel"), funnel(_by_window(ev), by="channel"))


def _reference_paths(df: pd.DataFrame, to: str, max_steps: int) -> dict[tuple[str, ...], int]:
    """Top paths by hand in pandas: cut each actor's time-ordered events at the first ``to``."""
    d = df[(df["customer_id"].notna() | df["anonymous_id"].notna()) & (df["name"] != "email_sent")].copy()
    d["actor"] = d["customer_id"].fillna(d["anonymous_id"])
    d = d.sort_values(["actor", "occurred_at", "event_id"])
    out: dict[tuple[str, ...], int] = {}
    for _, g in d.groupby("actor", sort=False):
        names = list(g["name"])
        if to not in names:
            continue
        names = names[: names.index(to) + 1]
        steps = [n for i, n in enumerate(names) if i == 0 or names[i - 1] != n]
        key = (*steps[-max_steps:], len(steps) > max_steps)
        out[key] = out.get(key, 0) + 1
    return out


def test_top_paths_equal_a_pandas_reference(random_store):
    from centric.journeys import top_paths

    df = random_store.table("events").execute()
    for max_steps in (2, 4):
        got = top_paths(random_store.table("events"), to="purchase", max_steps=max_steps, top=10_000)
        mine = {(*r.steps, bool(r.truncated)): int(r.customers) for r in got.itertuples()}
        assert mine == _reference_paths(df, "purchase", max_steps)
        assert got.attrs["converters"] == sum(mine.values()) > 10


def test_stage_flags_equal_the_event_window(random_store, demo_store):
    """``actor_flags`` (one group-by) against ``StageModel.event_stages`` (per-event window)."""
    import ibis

    from centric.journeys._stages import StageModel, actor_flags

    model = StageModel()
    for store in (random_store, demo_store[0]):
        ev = store.table("events")
        ev = ev.filter(ev.name != "email_sent")
        fb = store.table("feedback")
        staged = model.event_stages(ev).select("actor", "stage")
        p = fb.filter((fb.instrument == "nps") & (fb.score >= model.promoter_min) & fb.customer_id.notnull())
        long = staged.union(p.select(actor=p.customer_id, stage=ibis.literal(model.advocacy_stage)), distinct=False)
        ref = long.group_by("actor").aggregate(
            **{f"f{i}": (long.stage == s).any().cast("int64") for i, s in enumerate(model.stages)}
        )
        cols = ["actor", *[f"f{i}" for i in range(len(model.stages))]]
        ref = ref.execute()[cols].sort_values("actor").reset_index(drop=True)
        new = actor_flags(ev, fb, model).execute()[cols]
        new = new[new[cols[1:]].sum(axis=1) > 0].sort_values("actor").reset_index(drop=True)
        pd.testing.assert_frame_equal(new, ref, check_dtype=False)
        assert ref["f3"].sum() > 0  # retention by a repeat purchase is exercised


def test_stage_tables_cut_equals_joining_every_event(demo_store):
    import ibis

    from centric.journeys._stages import stage_table, stage_tables

    store = demo_store[0]
    ev, fb = store.table("events"), store.table("feedback")
    ids = ev.filter(ev.customer_id.notnull()).select("customer_id").distinct().execute()["customer_id"]
    attr = pd.DataFrame({"customer_id": ids, "persona": [f"P{sum(map(ord, c)) % 3}" for c in ids]})
    attr = ibis.memtable(attr)
    overall, cut = stage_tables(ev, fb, attr, by="persona")
    joined = ev.left_join(attr, "customer_id").drop("customer_id_right")
    pd.testing.assert_frame_equal(overall, stage_table(ev, fb))
    ref = stage_table(joined, fb, by="persona")
    adv = cut["stage"] == "advocacy"
    cols = ["persona", "position", "stage", "customers"]
    pd.testing.assert_frame_equal(cut.loc[~adv, cols], ref.loc[~adv, cols])
    # the one intended difference: a promoter with no own events (only e-mail sends, or none) now counts
    # in their persona, not "(unknown)"
    f = fb.execute()
    promoters = set(f.loc[(f["instrument"] == "nps") & (f["score"] >= 9), "customer_id"].dropna())
    own = ev.filter(ev.name != "email_sent").select("customer_id").distinct().execute()["customer_id"]
    silent = promoters - set(own.dropna())
    moved = attr.execute().set_index("customer_id")["persona"].reindex(sorted(silent)).dropna().value_counts()
    assert moved.sum() > 0  # the case is in the demo
    diff = cut.loc[adv].set_index("persona")["customers"] - ref.loc[adv].set_index("persona")["customers"]
    for persona, d in diff.items():
        expected = -int(moved.sum()) if persona == "(unknown)" else int(moved.get(persona, 0))
        assert d == expected, persona
    assert set(cut["persona"]) >= {"P0", "(unknown)"}


def test_step_persona_funnel_equals_joining_every_event(demo_store):
    """The step's persona funnel reuses the overall sessions; the same as cutting every event by persona."""
    import ibis

    from centric.journeys._step import _bucket_part

    store = demo_store[0]
    ev = store.table("events")
    ids = ev.filter(ev.customer_id.notnull()).select("customer_id").distinct().execute()["customer_id"]
    attr = ibis.memtable(pd.DataFrame({"customer_id": ids, "persona": [f"P{sum(map(ord, c)) % 3}" for c in ids]}))

    class WithPersonas:  # the store, plus a customer_personas table
        def has_table(self, name):
            return name == "customer_personas" or store.has_table(name)

        def table(self, name):
            return attr if name == "customer_personas" else store.table(name)

    out: dict = {}
    overall, _, fp = _bucket_part(WithPersonas(), ev, out, STEPS, 30)
    joined = ev.left_join(attr, "customer_id").drop("customer_id_right")
    pd.testing.assert_frame_equal(fp, funnel(_by_window(joined), STEPS, by="persona"))
    pd.testing.assert_frame_equal(overall, funnel(_by_window(ev), STEPS))
    assert out["sessions"]["n"] == sessions(_by_window(ev)).count().execute()
    assert set(fp["persona"]) == {"P0", "P1", "P2", "(unknown)"}


def test_in_order_sessions_are_counted_in_one_query(monkeypatch):
    """Where every session's steps come in funnel order, the counts need no per-session reach table."""
    import centric.journeys._funnel as fmod

    rng = np.random.default_rng(5)
    rows, t0 = [], pd.Timestamp("2025-06-01", tz="UTC")
    for a in range(80):
        t = t0 + pd.Timedelta(seconds=float(rng.integers(0, 5000)))
        for _ in range(6):
            depth = int(rng.integers(1, len(STEPS) + 1))
            for k in range(depth):
                t = t + pd.Timedelta(seconds=float(rng.choice([0.0, 30.0, 1799.0])))
                rows.append(
                    {
                        "customer_id": f"c{a}",
                        "anonymous_id": None,
                        "occurred_at": t,
                        "name": STEPS[k],
                        "channel": ["web", "app"][a % 2],
                    }
                )
            t = t + pd.Timedelta(seconds=float(rng.choice([1800.0, 1800.5, 7200.0])))
    df = pd.DataFrame(rows)
    df["event_id"] = [f"E{i:05d}" for i in range(len(df))]
    df["customer_ref"] = "web:" + df["customer_id"]
    df["session_id"] = None
    store = connect("duckdb://")
    store.append("events", df)
    ev = store.table("events")
    ref_overall = funnel(_by_window(ev), STEPS)
    ref_cut = funnel(_by_window(ev), STEPS, by="channel")

    def no_reach(*a, **k):
        raise AssertionError("the exact reach table was built although no session is out of order")

    monkeypatch.setattr(fmod, "_reach", no_reach)
    pd.testing.assert_frame_equal(funnel(ev, STEPS), ref_overall)
    overall, cut = funnel_and_cut(ev, STEPS, by="channel")
    pd.testing.assert_frame_equal(overall, ref_overall)
    pd.testing.assert_frame_equal(cut, ref_cut)
    assert ref_overall["entered"].iloc[0] == 80 * 6
    store.close()
