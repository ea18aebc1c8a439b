"""Automations run inside `centric serve`: the server's scheduler calls the activation runner."""

from __future__ import annotations

import datetime as dt

import pandas as pd


def test_scheduler_runs_saved_automations_once_per_trigger(api):
    from centric.activation import run_automations, save_automation
    from centric.web.app import Scheduler

    _client, app, _keys = api
    assert run_automations in app.state.scheduled
    store = app.state.store
    now = dt.datetime.now(dt.UTC)
    with app.state.store_lock:
        cid = store.table("customers").customer_id.execute().iloc[0]
        store.append("feedback", pd.DataFrame({
            "response_id": ["SCHED-1"], "customer_id": [cid], "instrument": ["nps"], "score": [2.0],
            "comment": ["Giao hàng quá chậm"], "submitted_at": [now - dt.timedelta(hours=1)],
        }))
        save_automation(store, "call back detractors", {
            "trigger": {"type": "survey_detractor"}, "guards": {"holdout": 0},
            "action": {"type": "alert", "note": "gọi lại trong 24 h"},
        }, automation_id="detractor-callback")
        before = store.table("alerts").filter(lambda t: t.kind == "automation").count().execute()

    sched = Scheduler(app.state, interval=3600)
    sched.run_once()
    sched.run_once()  # a second round finds nothing new: the idempotency key holds

    al = store.table("alerts").filter(lambda t: t.kind == "automation").execute()
    assert len(al) == before + 1
    row = al[al.feedback_id == "SCHED-1"].iloc[0]
    assert row.customer_id == cid and row.comment == "Giao hàng quá chậm"
