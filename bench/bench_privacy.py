"""Benchmark privacy operations on a demo workspace (DuckDB): erasure end to end, audit chain.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_privacy.py --scale 0.1     # builds the demo if needed
    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_privacy.py --workspace /tmp/priv-sf1 --scale 1

Timed, on a copy of the workspace: ``erase_customer`` of one customer with workspace files
(deletes in every table, store rewrite, export/truth rewrite, byte scan of every file), split into
its phases; the suppression check on a full re-import of the original exports (import with vs
without a suppression list, on fresh stores); ``append_audit`` × 1000 and ``verify_audit`` over them.
Prints one JSON object and appends it to ``bench/out/privacy.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--workspace", type=Path, default=None)
    a = ap.parse_args()
    ws = a.workspace or Path(tempfile.gettempdir()) / f"centric-priv-sf{a.scale:g}"
    if not (ws / "centric.duckdb").exists():
        subprocess.check_call([sys.executable, "-m", "centric", "demo", "--scale", str(a.scale), "--seed", "42",
                               "--workspace", str(ws), "--lang", "en"], stdout=subprocess.DEVNULL)
    from centric.ingest import import_paths
    from centric.privacy import append_audit, erase_customer, verify_audit
    from centric.privacy._erase import compact_duckdb, delete_person, person_identifiers
    from centric.privacy._scrub import scan_workspace
    from centric.privacy._suppress import Suppressor
    from centric.store import connect

    tmp = Path(tempfile.mkdtemp(prefix="centric-priv-bench-"))
    copy = tmp / "ws"
    shutil.copytree(ws, copy)
    originals = tmp / "orig"
    shutil.copytree(ws / "exports", originals)
    secret = (copy / ".centric-secret").read_bytes()
    store = connect(f"duckdb://{copy}/centric.duckdb")
    cid = store.con.con.execute(  # a person in two sources whose name nobody else has (name hits are ambiguous)
        "SELECT customer_id FROM customers c WHERE n_records = 2 AND email IS NOT NULL AND (SELECT count(*) FROM "
        "customer_records d WHERE d.display_name = c.display_name) = 2 ORDER BY customer_id LIMIT 1").fetchone()[0]
    res: dict[str, object] = {"scale": a.scale, "customers": store.count("customers"), "events": store.count("events"),
                              "store_mb": round((copy / "centric.duckdb").stat().st_size / 2**20, 1),
                              "workspace_mb": round(sum(f.stat().st_size for f in copy.rglob("*") if f.is_file())
                                                    / 2**20, 1)}
    t = time.perf_counter()
    who = person_identifiers(store, cid)
    res["find_person_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    delete_person(store, who, Suppressor(secret, set()))
    res["delete_rows_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    compact_duckdb(store)
    res["compact_store_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    scan_workspace(copy, who)
    res["scan_files_s"] = round(time.perf_counter() - t, 2)
    store.close()
    # end to end on a second copy
    shutil.rmtree(copy)
    shutil.copytree(ws, copy)
    store = connect(f"duckdb://{copy}/centric.duckdb")
    t = time.perf_counter()
    cert = erase_customer(store, cid, secret=secret, workspace=copy, actor="bench")
    res["erase_end_to_end_s"] = round(time.perf_counter() - t, 2)
    res["rows_deleted"] = cert["rows_deleted"]
    hits = cert["residual_scan"]["hits"]
    res["residual_files_email_or_phone"] = sum(1 for h in hits.values() if h.get("email") or h.get("phone"))
    res["residual_files_name_only"] = sum(1 for h in hits.values() if set(h) == {"name"})  # namesakes
    t = time.perf_counter()
    reps = import_paths(store, [originals], secret=secret)
    res["reimport_with_suppression_s"] = round(time.perf_counter() - t, 2)
    res["rows_suppressed"] = sum(r.rows_suppressed for r in reps)
    store.close()
    fresh = connect(f"duckdb://{tmp}/fresh.duckdb")
    t = time.perf_counter()
    import_paths(fresh, [originals])
    res["import_without_suppression_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    for i in range(1000):
        append_audit(fresh, actor="bench", action="profile.view", subject=f"C{i}", details={"i": i})
    res["audit_append_per_row_ms"] = round((time.perf_counter() - t), 3)
    t = time.perf_counter()
    assert verify_audit(fresh) == []
    res["audit_verify_1000_s"] = round(time.perf_counter() - t, 3)
    fresh.close()
    res.update(python=platform.python_version(), cpus=os.cpu_count(),
               note="shared 2-core machine, noisy; one run")
    shutil.rmtree(tmp, ignore_errors=True)
    OUT.mkdir(exist_ok=True)
    with open(OUT / "privacy.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(res) + "\n")
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
