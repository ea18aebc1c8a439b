"""Benchmark the web app's HTML pages: response time per page at a scale factor (target p95 <= 200 ms at SF 1).

The app serves a demo workspace through uvicorn on 127.0.0.1; one logged-in client (httpx) asks
every page ``--rounds`` times in turn (after one warm-up round that fills the chart cache) and
the script prints p50/p95/max per page and overall as JSON (also appended to
``bench/out/web_pages.jsonl``).

    python bench/bench_web_pages.py --scale 1                      # builds /tmp/centric-bench-sf1 first
    python bench/bench_web_pages.py --workspace /tmp/pages-sf1     # an existing demo workspace
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PASSWORD = "bench password 0123456789"


def build_workspace(scale: float) -> Path:
    ws = Path(f"/tmp/centric-bench-sf{scale:g}")
    if (ws / "runs" / "latest.pkl").exists():
        return ws
    exe = Path(sys.executable).parent / "centric"
    subprocess.run([str(exe), "demo", "--scale", str(scale), "--seed", "42", "--workspace", str(ws)], check=True)
    return ws


def make_app(ws: Path):  # type: ignore[no-untyped-def]
    """The real app when the whole web package is there; else the pages on the contract's bare app."""
    from centric.config import Settings

    settings = Settings(workspace=ws, store_url=f"duckdb://{ws}/centric.duckdb", lang="vi")
    settings.secret(create=True)
    try:
        from centric.web.app import create_app

        return create_app(settings)
    except ImportError:
        import threading as _th

        from fastapi import FastAPI
        from fastapi.staticfiles import StaticFiles

        from centric.store import connect
        from centric.web import auth, pages_routes
        from centric.web._http import RequestContextMiddleware
        from centric.web._pages_support import HERE as WEB
        from centric.web.errors import install_error_handlers

        app = FastAPI()
        app.state.store = connect(settings.store_url)
        app.state.store_lock = _th.RLock()
        app.state.settings = settings
        app.state.secret = settings.secret()
        app.state.scheduled = []
        install_error_handlers(app)
        app.add_middleware(RequestContextMiddleware, default_lang="vi")
        app.include_router(auth.router)
        app.include_router(pages_routes.router)
        app.mount("/static", StaticFiles(directory=str(WEB / "static")), name="static")
        return app


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--workspace", type=Path)
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    src = args.workspace or build_workspace(args.scale)
    ws = Path(f"/tmp/centric-bench-pages-{os.getpid()}")
    shutil.copytree(src, ws, ignore=shutil.ignore_patterns("exports", "truth"))
    import httpx
    import uvicorn

    from centric.web import _accounts as acc

    app = make_app(ws)
    with app.state.store_lock:
        acc.create_user(app.state.store, email="bench@example.vn", role="admin", password=PASSWORD)
        con = app.state.store.con.con
        cid = con.execute("select customer_id from customer_scores "
                          "order by orders desc nulls last limit 1").fetchone()[0]
        typical = con.execute("select customer_id from customer_scores where orders is not null "
                              "order by customer_id limit 1 offset 1000").fetchone()[0]
        phone = con.execute("select phone from customers where phone like '+84%' limit 1").fetchone()[0]
        batch = con.execute("select batch_id from quarantine limit 1").fetchone()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    pages = [
        "/", "/customers", "/customers?q=nguyen", f"/customers?q=0{phone[3:]}", "/customers?risk=high&page=3",
        f"/customers/{typical}", f"/customers/{cid}", "/personas", "/journeys", "/value", "/feedback",
        "/feedback?band=detractor&with_comment=true", "/data", "/settings",
    ]
    if batch:
        pages.append(f"/data?batch={batch[0]}")
    times: dict[str, list[float]] = {p: [] for p in pages}
    cold: dict[str, float] = {}
    with httpx.Client(base_url=base, headers={"Accept": "text/html"}, timeout=60) as c:
        c.get("/login")
        r = c.post("/login", data={"email": "bench@example.vn", "password": PASSWORD,
                                   "csrf_token": c.cookies.get("centric_csrf"), "next": "/"})
        assert r.status_code == 303, (r.status_code, r.text[:300])
        for p in pages:
            t0 = time.perf_counter()
            r = c.get(p)
            cold[p] = round((time.perf_counter() - t0) * 1000, 1)
            assert r.status_code == 200, (p, r.status_code, r.text[:300])
        for _ in range(args.rounds):
            for p in pages:
                t0 = time.perf_counter()
                r = c.get(p)
                times[p].append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, (p, r.status_code)
    server.should_exit = True
    thread.join(10)
    shutil.rmtree(ws, ignore_errors=True)
    every = [v for vs in times.values() for v in vs]
    result = {
        "bench": "web_pages", "workspace": str(src), "rounds": args.rounds, "cpus": os.cpu_count(),
        "python": platform.python_version(), "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "overall_ms": {"p50": round(pct(every, 0.5), 1), "p95": round(pct(every, 0.95), 1),
                       "max": round(max(every), 1)},
        "pages_ms": {p: {"p50": round(pct(v, 0.5), 1), "p95": round(pct(v, 0.95), 1), "max": round(max(v), 1),
                         "cold": cold[p]} for p, v in times.items()},
    }
    print(json.dumps(result, indent=1, ensure_ascii=False))
    OUT.mkdir(exist_ok=True)
    with open(OUT / "web_pages.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
