"""Benchmark automation evaluation over SF 1 customers (≈100k customers, ≈5M events) on DuckDB.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_activation.py                     # builds SF 1 if needed
    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_activation.py --workspace /tmp/act-sf1

The SF 1 demo workspace (``centric demo --scale 1 --seed 42``) is built first when ``--workspace``
has none (not timed). Then, in a fresh process, on a copy of its store, each automation is
*evaluated* — trigger, conditions, dedup against ``messages``, consent join, contact data, quiet hours
per customer — with :func:`centric.activation.run_automation` (``dry_run=True``), at ``now`` = the
end of the demo's data + 3 h, 10:00 local time:

* ``cart_abandoned``: add_to_cart in the last 72 h with no purchase since (5M events scanned);
* ``score_threshold``: churn_risk ≥ 0.7 crossing, with a persona condition;
* ``schedule_all``: a weekly newsletter to every customer with e-mail consent (≈100k candidates);
* ``all_dry_run``: :func:`run_automations` over the three (what ``centric serve`` does each minute,
  minus the sends).

Then ``cart_send``: the cart automation for real into an in-memory transport (render, MIME, message
rows), to give a per-message cost. Target (issue 7): evaluation over SF 1 customers ≤ 10 s.
Prints one JSON object and appends it to ``bench/out/activation.jsonl``.
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
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

TIMED = r"""
import datetime as dt, json, resource, sys, time
from centric.store import connect
from centric.activation import (Channels, MemoryTransport, run_automation, run_automations, save_automation,
                                save_template)
from centric.config import Settings
from pathlib import Path

ws = Path(sys.argv[1])
store = connect(f"duckdb://{ws}/centric.duckdb")
end = store.table("events").occurred_at.max().execute()
now = (end.to_pydatetime().astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=3))
# move to 10:00 local (03:00 UTC) the next day so quiet hours do not hide the work
now = (now + dt.timedelta(days=1)).replace(hour=3)
save_template(store, "t", "{{ Addressee }} ơi", "{{ greeting }}\n{% for p in products %}- {{ p.name }}\n{% endfor %}",
              None, template_id="t")
defs = {
    "cart_abandoned": {"trigger": {"type": "cart_abandoned", "lookback_hours": 72 + 27},
                       "action": {"type": "email", "template_id": "t"}},
    "score_threshold": {"trigger": {"type": "score_threshold", "field": "churn_risk", "value": 0.7},
                        "conditions": [{"field": "rfm_segment", "op": "in",
                                        "value": ["at_risk", "cant_lose_them", "about_to_sleep", "hibernating"]}],
                        "action": {"type": "email", "template_id": "t"}},
    "schedule_all": {"trigger": {"type": "schedule", "every": "week", "at": "09:00"},
                     "conditions": [{"field": "consent", "op": "eq", "value": "marketing_email"}],
                     "action": {"type": "email", "template_id": "t"}},
}
autos = {k: save_automation(store, k, d, automation_id=k) for k, d in defs.items()}
ch = Channels(secret=b"b" * 32, email=MemoryTransport(), sleep=lambda s: None)
out = {"now": now.isoformat(), "customers": int(store.count("customers")), "events": int(store.count("events"))}
for k, a in autos.items():
    run_automation(store, a, ch, now=now, dry_run=True)  # warm (first query compiles)
    t0 = time.perf_counter()
    r = run_automation(store, a, ch, now=now, dry_run=True)
    out[k] = {"seconds": round(time.perf_counter() - t0, 3), "candidates": r.candidates, "deferred": r.deferred}
s = Settings(workspace=ws, store_url=f"duckdb://{ws}/centric.duckdb")
t0 = time.perf_counter()
rs = run_automations(store, s, now, channels=ch, dry_run=True)
out["all_dry_run"] = {"seconds": round(time.perf_counter() - t0, 3), "candidates": sum(r.candidates for r in rs)}
mail = MemoryTransport()
ch2 = Channels(secret=b"b" * 32, email=mail, sleep=lambda s: None)
t0 = time.perf_counter()
r = run_automation(store, autos["cart_abandoned"], ch2, now=now)
sec = time.perf_counter() - t0
out["cart_send"] = {"seconds": round(sec, 3), **r.to_dict(), "emails": len(mail.sent),
                    "ms_per_candidate": round(1000 * sec / max(r.candidates, 1), 1)}
out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
print(json.dumps(out))
"""


def _machine() -> dict[str, object]:
    import datetime as dt

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "date": dt.date.today().isoformat(),
        "mem_gb": round(mem, 1),
        "load_1m": round(os.getloadavg()[0], 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workspace", type=Path, default=Path(tempfile.gettempdir()) / "centric-bench-sf1")
    ap.add_argument("--scale", type=float, default=1.0)
    args = ap.parse_args()
    ws = args.workspace
    if not (ws / "centric.duckdb").exists() or not (ws / "runs").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "centric",
                "demo",
                "--scale",
                str(args.scale),
                "--seed",
                "42",
                "--workspace",
                str(ws),
                "--lang",
                "en",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    with tempfile.TemporaryDirectory(prefix="centric-bench-act-") as tmp:
        copy = Path(tmp) / "ws"
        copy.mkdir()
        shutil.copy2(ws / "centric.duckdb", copy / "centric.duckdb")
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        res = subprocess.run(
            [sys.executable, "-c", TIMED, str(copy)], capture_output=True, text=True, env=env, check=False
        )
        if res.returncode != 0:
            sys.stderr.write(res.stdout + res.stderr)
            sys.exit(1)
        timed = json.loads(res.stdout.strip().splitlines()[-1])
    result = {"machine": _machine(), "activation": {"scale": args.scale, **timed}}
    print(json.dumps(result, ensure_ascii=False, indent=2))
    OUT.mkdir(exist_ok=True)
    with open(OUT / "activation.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
