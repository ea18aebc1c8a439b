"""Benchmark the main job: demo generation, import and analyze at a scale factor, and the
cohort query at SF 10 on DuckDB against a pandas peer.

Each step runs in its own process so its peak memory (max RSS) is its own.

    python bench/bench_pipeline.py --scale 1            # SF 1 end to end
    python bench/bench_pipeline.py --cohort-orders 10000000

Results are printed as JSON and appended to bench/out/pipeline.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

STEP = r"""
import json, resource, sys, time
from pathlib import Path
step, ws, scale = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
t0 = time.perf_counter()
info = {}
if step == "generate":
    from centric.demo import generate
    w = generate(ws, scale=scale, seed=42)
    info = {"rows": sum(w.counts.values()), "counts": w.counts}
elif step == "import":
    from centric.store import connect
    from centric.ingest import import_paths
    with connect(f"duckdb://{ws}/centric.duckdb") as store:
        reps = import_paths(store, [ws / "exports"])
    info = {"rows": sum(r.rows_read for r in reps), "quarantined": sum(r.rows_quarantined for r in reps)}
elif step == "analyze":
    from centric.store import connect
    from centric.pipeline import analyze
    from centric.report import write_report
    with connect(f"duckdb://{ws}/centric.duckdb") as store:
        res = analyze(store)
        write_report(res, ws / "report", lang="vi")
    info = {"customers": res.summary["counts"]["customers"], "timings": res.summary["timings"]}
info["seconds"] = round(time.perf_counter() - t0, 2)
info["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
print(json.dumps(info))
"""

COHORT = r"""
import json, resource, sys, time
import duckdb, ibis, numpy as np, pandas as pd
n = int(sys.argv[1]); path = sys.argv[2]; which = sys.argv[3]
if which == "make":
    con = duckdb.connect(path)
    con.execute(f'''CREATE OR REPLACE TABLE orders AS
      SELECT 'o' || i AS order_id, 'C' || (hash(i) % {max(n // 10, 1)}) AS customer_id,
             TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(CAST(abs(hash(i * 7)) % 63072000 AS BIGINT)) AS ordered_at,
             'completed' AS status, CAST(100000 + abs(hash(i * 13)) % 900000 AS DECIMAL(18,2)) AS total_amount
      FROM range({n}) t(i)''')
    con.close(); print(json.dumps({"made": n})); sys.exit()
t0 = time.perf_counter()
if which == "centric":
    from centric.metrics import cohort_retention
    con = ibis.duckdb.connect(path)
    res = cohort_retention(con.table("orders"), freq="M", by="customers")
    shape = list(res.shares.shape); checksum = float(np.nansum(res.counts.to_numpy(dtype=float)))
else:  # pandas peer: the usual groupby recipe
    df = duckdb.connect(path, read_only=True).execute("SELECT customer_id, ordered_at FROM orders").df()
    local = df["ordered_at"].dt.tz_convert("Asia/Ho_Chi_Minh").dt.tz_localize(None).dt.to_period("M")
    df = pd.DataFrame({"c": df["customer_id"], "p": local})
    df["cohort"] = df.groupby("c")["p"].transform("min")
    df["age"] = (df["p"] - df["cohort"]).apply(lambda x: x.n)
    cells = df.drop_duplicates(["c", "p"]).groupby(["cohort", "age"]).size().unstack()
    shape = list(cells.shape); checksum = float(np.nansum(cells.to_numpy(dtype=float)))
print(json.dumps({"seconds": round(time.perf_counter() - t0, 2), "shape": shape, "checksum": checksum,
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""


def _run(code: str, *args: str) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise SystemExit(f"step {args[0]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "date": time.strftime("%Y-%m-%d"), "mem_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--cohort-orders", type=int, default=10_000_000)
    ap.add_argument("--skip-pipeline", action="store_true")
    ap.add_argument("--skip-cohort", action="store_true")
    args = ap.parse_args()
    result: dict = {"machine": machine()}
    with tempfile.TemporaryDirectory(prefix="centric-bench-") as tmp:
        if not args.skip_pipeline:
            ws = Path(tmp) / "ws"
            steps = {}
            for step in ("generate", "import", "analyze"):
                steps[step] = _run(STEP, step, str(ws), str(args.scale))
                print(step, json.dumps(steps[step]), flush=True)
            result["pipeline"] = {"scale": args.scale, "steps": steps,
                                  "total_seconds": round(sum(s["seconds"] for s in steps.values()), 1),
                                  "peak_rss_mb": max(s["peak_rss_mb"] for s in steps.values())}
        if not args.skip_cohort:
            db = str(Path(tmp) / "cohort.duckdb")
            _run(COHORT, str(args.cohort_orders), db, "make")
            c = _run(COHORT, str(args.cohort_orders), db, "centric")
            p = _run(COHORT, str(args.cohort_orders), db, "pandas")
            assert c["shape"][0] == p["shape"][0], (c, p)
            result["cohort"] = {"orders": args.cohort_orders, "centric_duckdb": c, "pandas": p,
                                "speedup": round(p["seconds"] / c["seconds"], 1)}
            print("cohort", json.dumps(result["cohort"]), flush=True)
    OUT.mkdir(exist_ok=True)
    with open(OUT / "pipeline.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(result) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
