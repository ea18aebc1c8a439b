"""The single writer: group commit, idempotency across a group, rollback of a failed group."""

from __future__ import annotations

import threading

import pyarrow as pa
import pytest


def _rows(ids):
    from centric.web._writer import arrow_schema

    schema = arrow_schema("events")
    n = len(ids)
    cols = {name: pa.nulls(n, schema.field(name).type) for name in schema.names}
    cols["event_id"] = pa.array(ids, pa.string())
    cols["name"] = pa.array(["page_view"] * n, pa.string())
    cols["occurred_at"] = pa.array([0] * n, pa.timestamp("us", tz="UTC"))
    return pa.table(cols, schema=schema)


@pytest.fixture
def store(tmp_path):
    from centric.store import connect

    s = connect(f"duckdb://{tmp_path}/w.duckdb")
    yield s
    s.close()


def test_concurrent_batches_are_grouped_and_each_id_is_stored_once(store):
    from centric.web._writer import Writer

    w = Writer(store, threading.RLock())
    # 16 threads, 20 batches each of 50 ids; batches overlap by half with the previous thread's ids
    results = {}
    gate = threading.Barrier(16)

    def worker(t):
        gate.wait()
        out = []
        for b in range(20):
            ids = [f"e{t}-{b}-{i}" for i in range(25)] + [f"e{(t + 1) % 16}-{b}-{i}" for i in range(25)]
            out.append(w.submit("events", _rows(ids)))
        results[t] = out

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(16)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    w.stop()
    unique = 16 * 20 * 25  # every id is "e{t}-{b}-{i}" for i < 25
    assert store.count("events") == unique
    assert store.con.con.execute("SELECT count(DISTINCT event_id) FROM events").fetchone()[0] == unique
    all_results = [r for rs in results.values() for r in rs]
    assert sum(r.accepted for r in all_results) == unique
    assert sum(r.accepted + r.duplicates for r in all_results) == 16 * 20 * 50
    assert w.rows_committed == unique
    assert w.commits < 16 * 20  # batches waiting together were committed together


def test_a_failed_write_is_rolled_back_and_does_not_fail_its_group(store):
    from centric.exceptions import StoreError
    from centric.web._writer import Writer, WriteResult, _Item

    w = Writer(store, threading.RLock())
    assert w.submit("events", _rows(["keep"])).accepted == 1
    w.stop()
    # queue an insert and a failing call before the thread runs: they form one group, one transaction
    a, b = _Item("events", _rows(["ok-1", "ok-2"]), None), _Item(None, None, _boom)
    w.queue.put(a)
    w.queue.put(b)
    w.start()
    with pytest.raises(StoreError, match="rolled back: disk on fire"):
        b.future.result(timeout=30)
    assert a.future.result(timeout=30) == WriteResult(2, 0)  # retried alone after the group failed
    w.stop()
    assert w.commits == 2
    # the failing call's own insert was rolled back
    assert [r[0] for r in store.con.con.execute("SELECT event_id FROM events ORDER BY 1").fetchall()] == [
        "keep", "ok-1", "ok-2"]


def _boom(store):
    store.con.con.execute("INSERT INTO events (event_id, name) VALUES ('also-lost', 'x')")
    raise RuntimeError("disk on fire")


def test_submit_validates_the_table_name(store):
    from centric.exceptions import UnknownTableError
    from centric.web._writer import Writer

    with pytest.raises(UnknownTableError, match="Unknown table 'evnts'"):
        Writer(store, threading.RLock()).submit("evnts", _rows(["x"]))


def test_rows_of_erased_people_are_dropped_and_counted(store):
    """The writer checks the suppression list as the importer does (keyed hashes, normalised values)."""
    import datetime as dt

    from centric.privacy._suppress import suppress_identifiers
    from centric.web._writer import Writer

    secret = b"s" * 40
    w = Writer(store, threading.RLock(), secret=secret)
    first = w.submit("events", _rows(["a1", "a2"]))  # before anyone is erased: no list, nothing dropped
    assert (first.accepted, first.duplicates, first.suppressed) == (2, 0, 0)
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    suppress_identifiers(store, secret, [("anonymous", "anon-erased"), ("customer_ref", "web:gone")],
                         request_id="r1", at=at)
    rows = _rows(["b1", "b2", "b3", "b4", "a1"])
    rows = rows.set_column(rows.schema.get_field_index("anonymous_id"), "anonymous_id",
                           pa.array(["anon-erased", "anon-ok", None, None, None], pa.string()))
    rows = rows.set_column(rows.schema.get_field_index("customer_ref"), "customer_ref",
                           pa.array([None, None, "web:gone", "web:here", None], pa.string()))
    res = w.submit("events", rows)
    w.stop()
    # b1 (erased anonymous id) and b3 (erased customer_ref) dropped; a1 was stored already
    assert (res.accepted, res.duplicates, res.suppressed) == (2, 1, 2)
    got = sorted(store.table("events").event_id.execute())
    assert got == ["a1", "a2", "b2", "b4"]


def test_a_suppression_list_without_a_secret_fails_the_write_and_stores_nothing(store, monkeypatch):
    import datetime as dt

    from centric.exceptions import StoreError
    from centric.privacy._suppress import suppress_identifiers
    from centric.web._writer import Writer

    monkeypatch.delenv("CENTRIC_SECRET", raising=False)
    suppress_identifiers(store, b"k" * 40, [("anonymous", "x")], request_id=None,
                         at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    w = Writer(store, threading.RLock())
    with pytest.raises(StoreError, match="no secret to check it with"):
        w.submit("events", _rows(["c1"]))
    w.stop()
    assert store.count("events") == 0
