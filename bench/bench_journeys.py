"""Benchmark the journeys step on DuckDB at scale (SF 10 ≈ 50M events).

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_journeys.py                 # 50M events (SF 10)
    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_journeys.py --events 10000000 --window

A synthetic ``events`` table of N rows is built directly in DuckDB SQL inside a Centric store
(a DuckDB file in a temporary folder): 1 customer per 50 events (20% of sessions anonymous),
sessions spread over two years with a realistic funnel (page_view → product_view 85% →
add_to_cart 60% → begin_checkout 90% → purchase 85% on web, 65% on app), 45 s ± between
events and an extra page view in half the sessions, and a ``customer_personas`` table (four
personas). Building is not timed. Then each measurement runs in a fresh process (so its peak
memory is its own):

* ``step``: the whole journeys step of ``analyze`` (:func:`centric.journeys._step.journeys_step`):
  sessions, the funnel overall, by channel and by persona, friction, top paths, stages overall
  and by persona — with the step's own seconds per part;
* ``parts``: the public calls one by one — :func:`~centric.journeys.sessions` counted in the
  backend, :func:`~centric.journeys.funnel` overall and by channel;
* ``window`` (with ``--window``): the same sessions and funnels from the per-event window
  (:func:`~centric.journeys.sessionize`, two window passes over every event), the previous way.

Prints one JSON object (seconds, peak RSS per process, machine) and appends it to
``bench/out/journeys.jsonl``.
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
    _persona_table(store)
    n = store.count("events")
    store.close()
    return {"rows": n, "build_seconds": round(time.perf_counter() - t0, 2), "actors": actors}


def _persona_table(store) -> None:
    store.con.raw_sql(
        "CREATE OR REPLACE TABLE customer_personas AS SELECT DISTINCT customer_id, "
        "'P' || (hash(customer_id) % 4) AS persona_name_en FROM events WHERE customer_id IS NOT NULL"
    )


def step(db: Path) -> dict[str, float]:
    from centric.journeys._step import journeys_step
    from centric.pipeline import Results
    from centric.store import connect

    store = connect(f"duckdb://{db}")
    r = Results(run_id="bench", summary={})
    t = time.perf_counter()
    journeys_step(store, r)
    out = {"step_s": round(time.perf_counter() - t, 2), "step_peak_rss_mb": round(_rss_mb(), 1)}
    j = r.summary["journeys"]
    assert j["status"] == "ok", j
    out.update({f"step_{k}_s": v for k, v in j["timings"].items()})
    out["n_sessions"] = j["sessions"]["n"]
    out["funnel_entered"] = [int(x["n"]) for x in j["funnel"]]
    store.close()
    return out


def parts(db: Path, window: bool = False) -> dict[str, float]:
    from centric.journeys import funnel, sessionize, sessions
    from centric.store import connect

    store = connect(f"duckdb://{db}")
    ev = store.table("events")
    tag = "window_" if window else ""
    src = (lambda: sessionize(ev)) if window else (lambda: ev)
    out: dict[str, float] = {}
    t = time.perf_counter()
    out[f"{tag}n_sessions"] = int(sessions(src()).count().execute())
    out[f"{tag}sessions_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    f = funnel(src())
    out[f"{tag}funnel_s"] = round(time.perf_counter() - t, 2)
    out[f"{tag}funnel_entered"] = [int(x) for x in f["entered"]]
    t = time.perf_counter()
    funnel(src(), by="channel")
    out[f"{tag}funnel_by_channel_s"] = round(time.perf_counter() - t, 2)
    out[f"{tag}peak_rss_mb"] = round(_rss_mb(), 1)
    store.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=50_000_000, help="rows of the events table (SF 10: 50M)")
    ap.add_argument("--window", action="store_true", help="also time the per-event window (slow)")
    ap.add_argument("--worker", choices=["build", "step", "parts", "window"])
    ap.add_argument("--db")
    args = ap.parse_args()
    if args.worker:
        db = Path(args.db)
        if args.worker == "build":
            res = build(db, args.events)
        elif args.worker == "step":
            res = step(db)
        else:
            res = parts(db, window=args.worker == "window")
        print(json.dumps(res))
        return
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory(prefix="centric-bench-journeys-") as tmp:
        db = Path(tmp) / "centric.duckdb"
        res = {}
        for worker in ("build", "step", "parts", *(["window"] if args.window else [])):
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
