"""Benchmark the public survey pages: latency of a one-click answer, its follow-up and the form.

The real app (``centric.web.create_app``) serves a DuckDB store through uvicorn on 127.0.0.1. The
store holds ``--background`` imported answers (100,000 by default, about the feedback volume of the
demo at SF 1) and ``--customers`` customers. One httpx client then answers as ``--answers``
different customers, in turn: the one-click link (answer + detractor alert stored, one
transaction), the follow-up POST (reason added) and the form page. Prints p50/p95/max per step and
the answers per second as JSON (also appended to ``bench/out/surveys.jsonl``).

    python bench/bench_surveys.py                 # fresh store in a temporary folder
    python bench/bench_surveys.py --answers 500 --background 500000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"


def seed_store(store, customers: int, background: int) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(7)
    ids = [f"C{i:07d}" for i in range(customers)]
    store.append("customer_records", pd.DataFrame({"customer_ref": [f"pos:{c}" for c in ids], "source": "pos",
                                                   "external_id": ids, "customer_id": ids}))
    store.append("customers", pd.DataFrame({"customer_id": ids, "n_records": 1}))
    who = rng.integers(0, customers, background)
    store.append("feedback", pd.DataFrame({
        "response_id": [f"PH{i:08d}" for i in range(background)],
        "customer_ref": [f"pos:{ids[w]}" for w in who], "customer_id": [ids[w] for w in who],
        "survey_id": "nps-post-purchase", "instrument": "nps", "instrument_version": "1.0", "question_id": "nps",
        "score": rng.integers(0, 11, background).astype(float), "channel": "email", "language": "vi",
        "submitted_at": pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 3e7, background), "s"),
    }))


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, 100 * q))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--answers", type=int, default=300)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--background", type=int, default=100_000)
    args = ap.parse_args()

    import httpx
    import uvicorn

    from centric.config import Settings
    from centric.store import connect
    from centric.surveys import get_survey, one_click_links, survey_link, survey_token
    from centric.web import create_app

    os.environ.pop("CENTRIC_SECRET", None)
    ws = Path(tempfile.mkdtemp(prefix="centric-bench-surveys-"))
    settings = Settings(workspace=ws, store_url=f"duckdb://{ws}/centric.duckdb", lang="vi")
    secret = settings.secret(create=True)
    store = connect(settings.store_url)
    t0 = time.perf_counter()
    seed_store(store, args.customers, args.background)
    seeded = time.perf_counter() - t0
    app = create_app(settings, store=store)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    nps = get_survey(None, "nps")
    steps: dict[str, list[float]] = {"one_click": [], "follow_up": [], "form": []}
    with httpx.Client(base_url=base, timeout=30) as client:
        start = time.perf_counter()
        for i in range(args.answers):
            tok = survey_token(secret, "nps", f"C{i:07d}")
            url = dict(one_click_links("", nps, tok))[i % 7]  # scores 0-6: every answer raises an alert
            for step, call in (
                ("one_click", lambda url=url: client.get(url)),
                ("follow_up", lambda tok=tok: client.post("/s/nps/1", data={"t": tok, "comment": "Giao hàng chậm"})),
                ("form", lambda tok=tok: client.get(survey_link("", "nps", tok))),
            ):
                t = time.perf_counter()
                r = call()
                steps[step].append(1000 * (time.perf_counter() - t))
                assert r.status_code == 200, (step, r.status_code, r.text[:300])
        wall = time.perf_counter() - start
    stored = store.count("feedback") - args.background
    alerts = store.count("alerts")
    server.should_exit = True
    result = {
        "bench": "surveys", "answers": args.answers, "customers": args.customers, "background": args.background,
        "stored": stored, "alerts": alerts, "seed_s": round(seeded, 2), "wall_s": round(wall, 2),
        "answers_per_s": round(args.answers / wall, 1),
        **{f"{k}_ms": {"p50": round(pct(v, 0.5), 1), "p95": round(pct(v, 0.95), 1), "max": round(max(v), 1)}
           for k, v in steps.items()},
        "machine": f"{platform.machine()} {os.cpu_count()} cpu", "python": platform.python_version(),
    }
    print(json.dumps(result, indent=2))
    OUT.mkdir(exist_ok=True)
    with (OUT / "surveys.jsonl").open("a") as f:
        f.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
