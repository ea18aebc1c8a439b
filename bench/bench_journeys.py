"""Benchmark sessionisation and funnels on DuckDB at scale (SF 10 ≈ 50M events).

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_journeys.py                 # 50M events (SF 10)
    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_journeys.py --events 10000000

A synthetic ``events`` table of N rows is built directly in DuckDB SQL inside a Centric store
(a DuckDB file in a temporary folder): 1 customer per 50 events (20% of sessions anonymous),
sessions spread over two years with a realistic funnel (page_view → product_view 85% →
add_to_cart 60% → begin_checkout 90% → purchase 85% on web, 65% on app), 45 s ± between
events and an extra page view in half the sessions. Building is not timed. Then, in a fresh
process (so peak memory is its own), the journeys calls are timed:

* ``sessions``: :func:`centric.journeys.sessions` counted in the backend (sessionisation:
  ``lag`` + running sum over every event, then one row per session);
* ``funnel``: :func:`centric.journeys.funnel` overall;
* ``funnel_by_channel``: the same cut by channel;
* ``step_sessions_and_funnels``: what the pipeline's journeys step does — one sessionisation,
  materialised and shared by the sessions table and the overall and by-channel funnels.

Prints one JSON object (seconds per step, total, peak RSS of the timing process, machine)
and appends it to ``bench/out/journeys.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

BUILD_SQL = """
CREATE OR REPLACE TABLE _sess AS
SELECT s,
       (hash(s, 1) % 1000000) / 1e6 AS u1, (hash(s, 2) % 1000000) / 1e6 AS u2,
       (hash(s, 3) % 1000000) / 1e6 AS u3, (hash(s, 4) % 1000000) / 1e6 AS u4,
       (hash(s, 5) % 1000000) / 1e6 AS u5, (hash(s, 6) % 1000000) / 1e6 AS u6,
       CASE WHEN (hash(s, 7) % 100) < 40 THEN 'app' ELSE 'web' END AS channel,
       hash(s, 8) % {actors} AS a,
       TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds((hash(s, 9) % 63072000)::BIGINT) AS start
FROM range({sessions}) t(s);

CREATE OR REPLACE TABLE _depth AS
SELECT *, 1 + (u6 < 0.5)::INT AS pv,
       CASE WHEN u1 >= 0.85 THEN 0 WHEN u2 >= 0.60 THEN 1 WHEN u3 >= 0.90 THEN 2
            WHEN u4 >= CASE WHEN channel = 'app' THEN 0.65 ELSE 0.85 END THEN 3 ELSE 4 END AS reach
FROM _sess;

INSERT INTO events
SELECT 'EV' || lpad((s * 8 + k)::VARCHAR, 12, '0') AS event_id,
       NULL AS customer_ref,
       CASE WHEN a % 5 = 0 THEN NULL ELSE 'C' || a END AS customer_id,
       'A' || a AS anonymous_id,
       start + to_seconds((k * 45 + hash(s, k, 10) % 30)::BIGINT) AS occurred_at,
       CASE WHEN k < pv THEN 'page_view'
            ELSE ['product_view', 'add_to_cart', 'begin_checkout', 'purchase'][k - pv + 1] END AS name,
       channel,
       NULL AS session_id,
       NULL AS properties,
       'bench' AS batch_id
FROM (SELECT *, unnest(range(pv + reach)) AS k FROM _depth)
LIMIT {events};
DROP TABLE _sess; DROP TABLE _depth;
"""


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def build(db: Path, n_events: int) -> dict[str, float]:
    from centric.store import connect

    t0 = time.perf_counter()
    store = connect(f"duckdb://{db}")
    per_session = 1.5 + 0.85 * (1 + 0.6 * (1 + 0.9 * (1 + 0.77)))  # expected events per session
    sessions = int(n_events / per_session * 1.05) + 10
    actors = max(n_events // 50, 10)
    store.con.raw_sql(BUILD_SQL.format(sessions=sessions, actors=actors, events=n_events))
    n = store.count("events")
    store.close()
    return {"rows": n, "build_seconds": round(time.perf_counter() - t0, 2), "actors": actors}


def run(db: Path) -> dict[str, float]:
    from centric.journeys import funnel, sessions
    from centric.journeys._common import SYSTEM_EVENTS
    from centric.journeys._funnel import funnel_and_cut
    from centric.journeys._sessions import _sessionize
    from centric.store import connect

    store = connect(f"duckdb://{db}")
    ev = store.table("events")
    out: dict[str, float] = {}
    t = time.perf_counter()
    s = sessions(ev)
    out["n_sessions"] = int(s.count().execute())
    out["sessions_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    f = funnel(ev)
    out["funnel_s"] = round(time.perf_counter() - t, 2)
    out["funnel_entered"] = [int(x) for x in f["entered"]]
    t = time.perf_counter()
    funnel(ev, by="channel")
    out["funnel_by_channel_s"] = round(time.perf_counter() - t, 2)
    out["total_s"] = round(out["sessions_s"] + out["funnel_s"] + out["funnel_by_channel_s"], 2)
    # what the journeys step does: one sessionisation, materialised, shared by the sessions table
    # and the overall and by-channel funnels
    t = time.perf_counter()
    with _sessionize(ev, gap_minutes=30, source_sessions=False, exclude=SYSTEM_EVENTS, seq=False,
                     keep=["customer_id", "channel", "name"]).cache() as shared:
        sess = sessions(shared)
        sess.group_by("channel").aggregate(n=sess.count(), converted=sess.converted.cast("int64").sum()).execute()
        funnel_and_cut(shared, by="channel")
    out["step_sessions_and_funnels_s"] = round(time.perf_counter() - t, 2)
    out["peak_rss_mb"] = round(_rss_mb(), 1)
    store.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=50_000_000, help="rows of the events table (SF 10: 50M)")
    ap.add_argument("--worker", choices=["build", "run"])
    ap.add_argument("--db")
    args = ap.parse_args()
    if args.worker:
        fn = build if args.worker == "build" else run
        res = fn(Path(args.db), args.events) if args.worker == "build" else fn(Path(args.db))
        print(json.dumps(res))
        return
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory(prefix="centric-bench-journeys-") as tmp:
        db = Path(tmp) / "centric.duckdb"
        res = {}
        for worker in ("build", "run"):
            p = subprocess.run(
                [sys.executable, __file__, "--worker", worker, "--db", str(db), "--events", str(args.events)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if p.returncode != 0:
                sys.exit(f"{worker} failed:\n{p.stderr[-3000:]}")
            res.update(json.loads(p.stdout.strip().splitlines()[-1]))
        res["db_mb"] = round(db.stat().st_size / 2**20, 1)
    res.update(
        events=args.events,
        cpus=os.cpu_count(),
        machine=platform.machine(),
        python=platform.python_version(),
        at=time.strftime("%Y-%m-%dT%H:%M:%S"),
    )
    OUT.mkdir(exist_ok=True)
    with open(OUT / "journeys.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(res) + "\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
