"""Benchmark recommender training at SF 1: Centric's item-based and ALS vs implicit's ALS, same matrix, same run.

Run manually (not part of the tests)::

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_recommend.py                 # generate + import SF 1 (minutes)
    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_recommend.py --store duckdb:///tmp/sf1/centric.duckdb

The parent process builds the time-split data once (train: completed purchases before
``as_of − 180 d`` of the customers who allow analytics; test: what they bought in the 180 days
after) and writes it to a temporary file. Each model then runs in its own child process on that
same customer × product matrix, so its peak memory (``ru_maxrss``) is its own:

popularity        Centric ``PopularityRecommender`` (baseline)
buy_again         Centric ``BuyAgainRecommender`` (baseline)
item_knn          Centric ``ItemKNNRecommender`` (co-purchase cosine, 50 neighbours, shrink 10, self weight 1)
als               Centric ``ALSRecommender`` (wraps ``implicit.cpu.als``; factors 16, λ 0.1, α 5, 15 sweeps)
implicit_als      ``implicit.cpu.als.AlternatingLeastSquares`` called directly with the same
                  hyper-parameters, recommending with its own ``recommend`` (filters every product the
                  customer already has, ignores repeat categories and availability)

Each reports fit time, time to recommend top-10 for every evaluated customer, peak RSS during
fit + recommend (``VmHWM`` after resetting it once the data is loaded; ``peak_over_data_mb`` is
that peak minus the RSS with the data loaded), and precision/recall/NDCG@10 and coverage on the
holdout.

``--step`` times the whole ``recommend`` step of ``centric analyze`` (``recommend_step``: the five evaluated
variants, the served lists, next best actions and writing both tables) on a copy of an analysed workspace's
store, each run in a fresh process, with its phases (evaluate, build, nba, writes). With ``--baseline-src
DIR`` (the ``src`` folder of another checkout, e.g. ``git archive HEAD src | tar -x -C /tmp/head``) the
same step of that code runs too, alternating with the current code, so before and after are measured back
to back under the same load; the evaluation numbers and both tables are compared row by row::

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_recommend.py --step --store duckdb:///ws/centric.duckdb \
        --baseline-src /tmp/head/src --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

MODELS = ("popularity", "buy_again", "item_knn", "als", "implicit_als")
K = 10


def _status_mb(field: str) -> float:
    """VmRSS / VmHWM of this process from /proc (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def _reset_peak() -> None:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0), so the peak measured next is the model's own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:  # pragma: no cover - not Linux
        pass


def _worker(name: str, data_path: str) -> dict:
    with open(data_path, "rb") as fh:
        d = pickle.load(fh)
    from centric.recommend import (
        ALSRecommender,
        BuyAgainRecommender,
        ItemKNNRecommender,
        PopularityRecommender,
        ranking_metrics,
    )

    train, relevant = d["train"], d["relevant"]
    import gc

    gc.collect()
    _reset_peak()
    users = list(relevant)
    out: dict = {"model": name, "rss_mb_data_loaded": _status_mb("VmRSS")}
    if name == "implicit_als":
        holder = PopularityRecommender().fit(train)  # only to build the identical CSR matrix
        m = holder.matrix_
        del holder
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        t = time.perf_counter()
        with threadpool_limits(1, "blas"):
            model = AlternatingLeastSquares(
                factors=16, regularization=0.1, alpha=5.0, iterations=15, random_state=0, num_threads=1
            )
            model.fit(m, show_progress=False)
        out["fit_s"] = time.perf_counter() - t
        users_idx = {u: i for i, u in enumerate(train["customer_id"].astype(str).unique())}
        item_ids = train["product_id"].astype(str).unique()
        rows = [users_idx[u] for u in users]
        t = time.perf_counter()
        ids, _ = model.recommend(rows, m[rows], N=K, filter_already_liked_items=True)
        out["recommend_s"] = time.perf_counter() - t
        lists = {u: [item_ids[j] for j in ids[i] if j >= 0] for i, u in enumerate(users)}
    else:
        model = {
            "popularity": PopularityRecommender(),
            "buy_again": BuyAgainRecommender(),
            "item_knn": ItemKNNRecommender(),
            "als": ALSRecommender(factors=16, regularization=0.1, alpha=5.0),
        }[name]
        t = time.perf_counter()
        model.fit(train)
        out["fit_s"] = time.perf_counter() - t
        t = time.perf_counter()
        recs = model.recommend(users, K, repeat_items=d["repeat"], available_items=d["available"])
        out["recommend_s"] = time.perf_counter() - t
        lists = recs.sort_values(["customer_id", "rank"]).groupby("customer_id", sort=False)["product_id"].agg(list)
        lists = lists.to_dict()
    out["peak_rss_mb"] = _status_mb("VmHWM")  # peak during fit + recommend
    out["peak_over_data_mb"] = round(out["peak_rss_mb"] - out["rss_mb_data_loaded"], 1)
    out.update(ranking_metrics(lists, relevant, k=K, catalogue_size=d["catalogue"]))
    return out


def _step_worker(db: str, dump: str) -> dict:
    """Run ``recommend_step`` once on the DuckDB file ``db``; time it and its phases; pickle its output."""
    import types

    import pandas as pd

    import centric.recommend._step as step_mod
    from centric.pipeline import _as_of
    from centric.store import Store, connect

    phases: dict[str, float] = {}
    cpu: dict[str, float] = {}

    def timed(name, fn):  # type: ignore[no-untyped-def]
        def run(*a, **kw):  # type: ignore[no-untyped-def]
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                return fn(*a, **kw)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - t0
                cpu[name] = cpu.get(name, 0.0) + time.process_time() - c0

        return run

    for name in ("evaluate_time_split", "build_recommendations", "next_best_actions"):
        setattr(step_mod, name, timed(name, getattr(step_mod, name)))
    Store.replace = timed("store.replace", Store.replace)  # type: ignore[method-assign]
    store = connect(f"duckdb://{db}")
    results = types.SimpleNamespace(summary={"run_id": "bench"}, frames={})
    as_of = _as_of(store)
    t0, c0 = time.perf_counter(), time.process_time()
    step_mod.recommend_step(store, results, as_of)
    out = {
        "step_s": round(time.perf_counter() - t0, 2),
        "step_cpu_s": round(time.process_time() - c0, 2),  # all threads of the process (DuckDB's included)
        "phases_s": {k: round(v, 2) for k, v in phases.items()},
        "phases_cpu_s": {k: round(v, 2) for k, v in cpu.items()},
        "load_avg_1m": os.getloadavg()[0],
        "peak_rss_mb": _status_mb("VmHWM"),
    }
    rec = results.summary["recommend"]
    tables = {
        n: store.table(n).execute().drop(columns=["computed_at", "run_id"], errors="ignore")
        for n in ("recommendations", "next_best_actions")
    }
    store.close()
    with open(dump, "wb") as fh:
        pickle.dump(
            {"evaluation": rec.get("evaluation"), "served": rec.get("served"), "nba": rec.get("nba"), **tables}, fh
        )
    _ = pd  # imported for the pickled frames
    return out


def _same_output(a: dict, b: dict) -> dict:
    """Compare two step outputs: evaluation numbers, and both tables row by row."""
    keys = ("precision", "recall", "ndcg", "coverage", "n_users")
    ev_a, ev_b = a["evaluation"] or {}, b["evaluation"] or {}
    diff = [
        f"{m}.{k}"
        for m in ev_a.get("models", {})
        for k in keys
        if ev_a["models"][m][k] != ev_b.get("models", {}).get(m, {}).get(k)
    ]
    return {
        "evaluation_identical": not diff and ev_a.get("n_users") == ev_b.get("n_users"),
        "evaluation_differences": diff,
        "recommendations_identical": bool(a["recommendations"].equals(b["recommendations"])),
        "next_best_actions_identical": bool(a["next_best_actions"].equals(b["next_best_actions"])),
        "summary_identical": a["served"] == b["served"] and a["nba"] == b["nba"],
    }


def step_bench(store_url: str, baseline_src: str | None, repeat: int) -> dict:
    """Time ``recommend_step`` (current code, and ``baseline_src`` when given) in alternating fresh processes."""
    src = store_url.removeprefix("duckdb://")
    tmp = tempfile.TemporaryDirectory(prefix="centric-bench-step-")
    db = str(Path(tmp.name) / "centric.duckdb")
    shutil.copyfile(src, db)  # the step writes two tables: never into the workspace itself
    variants = [("baseline", baseline_src)] if baseline_src else []
    variants.append(("current", None))
    runs: dict[str, list[dict]] = {name: [] for name, _ in variants}
    for _ in range(repeat):
        for name, path in variants:
            env = dict(os.environ)
            if path:
                env["PYTHONPATH"] = path + os.pathsep + env.get("PYTHONPATH", "")
            dump = str(Path(tmp.name) / f"{name}.pkl")
            proc = subprocess.run(
                [sys.executable, __file__, "--step-worker", db, "--data", dump],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            )
            runs[name].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    out: dict = {"store": store_url, "repeat": repeat, "load_avg_1m_end": os.getloadavg()[0]}
    for name, rs in runs.items():
        out[name] = {
            "step_s": [r["step_s"] for r in rs],
            "median_step_s": statistics.median(r["step_s"] for r in rs),
            "step_cpu_s": [r["step_cpu_s"] for r in rs],
            "median_step_cpu_s": statistics.median(r["step_cpu_s"] for r in rs),
            "load_avg_1m": [r["load_avg_1m"] for r in rs],
            "phases_s": rs[-1]["phases_s"],
            "phases_cpu_s": rs[-1]["phases_cpu_s"],
            "peak_rss_mb": max(r["peak_rss_mb"] for r in rs),
        }
    if baseline_src:
        dumps = {}
        for name, _ in variants:
            with open(Path(tmp.name) / f"{name}.pkl", "rb") as fh:
                dumps[name] = pickle.load(fh)
        out["same_output"] = _same_output(dumps["baseline"], dumps["current"])
    tmp.cleanup()
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", help="an existing store URL (skips generate + import)")
    ap.add_argument("--step", action="store_true", help="time the whole recommend step (needs --store)")
    ap.add_argument("--baseline-src", help="with --step: also time the step of the code in this src folder")
    ap.add_argument("--repeat", type=int, default=1, help="with --step: runs of each variant")
    ap.add_argument("--step-worker", help=argparse.SUPPRESS)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--test-days", type=int, default=180)
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.step_worker:
        res = _step_worker(args.step_worker, args.data)
        print(json.dumps(res))
        return res
    if args.step:
        if not args.store or not args.store.startswith("duckdb://"):
            ap.error("--step needs --store duckdb:///path/to/an/analysed/centric.duckdb")
        res = step_bench(args.store, args.baseline_src, args.repeat)
        print(json.dumps(res, indent=2))
        return res
    if args.worker:
        res = _worker(args.worker, args.data)
        print(json.dumps(res))
        return res

    import pandas as pd

    from centric.privacy import allowed_customers
    from centric.recommend import interactions, product_info, purchases, repeat_categories
    from centric.store import connect

    timings: dict[str, float] = {}
    out: dict = {"scale": args.scale, "seed": args.seed, "test_days": args.test_days, "k": K}
    tmp = tempfile.TemporaryDirectory(prefix="centric-bench-rec-")
    root = Path(tmp.name)
    if args.store:
        store = connect(args.store)
        out["store"] = args.store
    else:
        from centric.demo import generate
        from centric.identity import resolve
        from centric.ingest import import_paths

        t = time.perf_counter()
        generate(root / "w", scale=args.scale, seed=args.seed)
        timings["generate"] = time.perf_counter() - t
        store = connect(f"duckdb://{root / 'centric.duckdb'}")
        t = time.perf_counter()
        import_paths(store, [root / "w" / "exports"])
        resolve(store)
        timings["import_resolve"] = time.perf_counter() - t
    last = pd.Timestamp(store.table("orders").ordered_at.max().execute())
    as_of = last + pd.Timedelta(seconds=1)
    cut = as_of - pd.Timedelta(days=args.test_days)
    ok = allowed_customers(store, "analytics")
    t = time.perf_counter()
    train = interactions(store, end=cut, customers=ok)
    timings["interactions"] = time.perf_counter() - t
    test = purchases(store, start=cut, end=as_of).semi_join(ok, "customer_id").execute()
    warm = set(train["customer_id"])
    relevant = {u: set(g["product_id"]) for u, g in test.groupby("customer_id") if u in warm}
    rc = repeat_categories(store, end=cut)
    info = product_info(store)
    data = {
        "train": train[["customer_id", "product_id", "weight"]],
        "relevant": relevant,
        "repeat": info.loc[info["category"].isin(rc.loc[rc["repeat"], "category"]), "product_id"].tolist(),
        "available": info.loc[info["available"], "product_id"].tolist(),
        "catalogue": int(info["available"].sum()),
    }
    store.close()
    path = root / "data.pkl"
    with open(path, "wb") as fh:
        pickle.dump(data, fh)
    out.update(
        {
            "cut": cut.isoformat(),
            "train_rows": len(train),
            "train_customers": len(warm),
            "products": int(train["product_id"].nunique()),
            "eval_customers": len(relevant),
            "repeat_categories": int(rc["repeat"].sum()),
        }
    )
    results = []
    for name in MODELS:
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", name, "--data", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    pop = next(r["ndcg"] for r in results if r["model"] == "popularity")
    for r in results:
        r["ndcg_vs_popularity"] = r["ndcg"] / pop - 1.0
        for key in ("fit_s", "recommend_s", "precision", "recall", "ndcg", "coverage", "ndcg_vs_popularity"):
            r[key] = round(r[key], 4)
    out.update(
        {
            "timings_s": {k: round(v, 2) for k, v in timings.items()},
            "models": results,
            "machine": {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count()},
        }
    )
    tmp.cleanup()
    print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
