"""Benchmark churn training (target ≤ 60 s) and explanation (target ≤ 15 s) at SF 1 on 2 cores; prints JSON.

Run manually (not part of the tests)::

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_churn.py                 # generate + import SF 1 (minutes)
    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_churn.py --store duckdb:///tmp/sf1/centric.duckdb

Without ``--store`` the demo retailer is generated at ``--scale`` (default 1, seed 42)
into a temporary folder, imported with :func:`centric.ingest.import_paths` and resolved
with :func:`centric.identity.resolve` (the import is the slow part: about 3 minutes at
SF 1; it is timed but is not churn training). Then, each timed separately:

frame_train   ``churn_frame`` at as_of − 180 d (features + label + BG/NBD P(alive)), Ibis on DuckDB
frame_test    ``churn_frame`` at as_of − 90 d (the later window)
fit           ``ChurnClassifier().fit`` on the training frame (LightGBM, 1 thread, 3-fold isotonic)
evaluate      ``evaluate`` on the later window (model and recency baseline)
predict       ``predict_proba`` on the later window
contributions ``ChurnClassifier.contributions`` (TreeSHAP once per decision pattern of each tree) for every
              customer of the later window, 1 thread
reasons_vi_en the reasons in Vietnamese and in English (``render_reasons_vi_en``, as ``churn_step`` does)
contributions_direct  (unless ``--no-compare``) LightGBM ``pred_contrib=True`` on every row, 1 thread: the
              previous path, timed in the same run; ``compare`` gives the largest difference from it and the
              largest additivity error (contributions + bias − raw log-odds)

"training" = frame_train + fit (the number compared with the 60 s target); ``fit`` alone
is reported too. "explain" = contributions + reasons_vi_en (target ≤ 15 s). Peak RSS is
``ru_maxrss`` of this process (including the import when it runs).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", help="an existing store URL (skips generate + import)")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--horizon-days", type=int, default=90)
    ap.add_argument("--no-compare", action="store_true", help="skip LightGBM's direct pred_contrib (slow)")
    args = ap.parse_args(argv)

    import numpy as np
    import pandas as pd

    from centric.churn import FEATURES, ChurnClassifier, churn_frame, evaluate
    from centric.churn._reasons import render_reasons_vi_en
    from centric.store import connect

    timings: dict[str, float] = {}
    out: dict = {"scale": args.scale, "seed": args.seed, "horizon_days": args.horizon_days}
    tmp = None
    if args.store:
        store = connect(args.store)
        out["store"] = args.store
    else:
        from centric.demo import generate
        from centric.identity import resolve
        from centric.ingest import import_paths

        tmp = tempfile.TemporaryDirectory(prefix="centric-bench-churn-")
        root = Path(tmp.name)
        t = time.perf_counter()
        generate(root / "w", scale=args.scale, seed=args.seed)
        timings["generate"] = time.perf_counter() - t
        store = connect(f"duckdb://{root / 'centric.duckdb'}")
        t = time.perf_counter()
        import_paths(store, [root / "w" / "exports"])
        timings["import"] = time.perf_counter() - t
        t = time.perf_counter()
        resolve(store)
        timings["resolve"] = time.perf_counter() - t
        out["rss_mb_after_import"] = _rss_mb()

    last = pd.Timestamp(store.table("orders").ordered_at.max().execute())
    last = last.tz_localize("UTC") if last.tzinfo is None else last.tz_convert("UTC")
    end = last + pd.Timedelta(seconds=1)
    h = pd.Timedelta(days=args.horizon_days)
    t = time.perf_counter()
    train = churn_frame(store, cutoff=end - 2 * h, horizon_days=args.horizon_days)
    timings["frame_train"] = time.perf_counter() - t
    t = time.perf_counter()
    test = churn_frame(store, cutoff=end - h, horizon_days=args.horizon_days)
    timings["frame_test"] = time.perf_counter() - t
    cols = list(FEATURES)
    t = time.perf_counter()
    model = ChurnClassifier(args.horizon_days).fit(train[cols], train["churned"])
    timings["fit"] = time.perf_counter() - t
    t = time.perf_counter()
    ev = evaluate(model, test[cols], test["churned"])
    timings["evaluate"] = time.perf_counter() - t
    t = time.perf_counter()
    model.predict_proba(test[cols])
    timings["predict"] = time.perf_counter() - t
    t = time.perf_counter()
    contrib = model.contributions(test[cols])  # TreeSHAP, once (as churn_step does)
    timings["contributions"] = time.perf_counter() - t
    t = time.perf_counter()
    vi, _ = render_reasons_vi_en(test[cols], contrib, reference=model.reference_)
    timings["reasons_vi_en"] = time.perf_counter() - t
    timings["training"] = timings["frame_train"] + timings["fit"]
    timings["explain"] = timings["contributions"] + timings["reasons_vi_en"]
    out["customers_with_a_reason"] = int(vi["reason_1"].notna().sum())
    if not args.no_compare:
        booster = model.booster_.booster_
        A = test[cols].to_numpy(np.float64)
        t = time.perf_counter()
        direct = booster.predict(A, pred_contrib=True, num_threads=1)
        timings["contributions_direct"] = time.perf_counter() - t
        margin = booster.predict(A, raw_score=True, num_threads=1)
        out["compare"] = {
            "max_abs_diff_vs_direct": float(np.abs(contrib.to_numpy() - direct).max()),
            "max_additivity_error": float(np.abs(contrib.to_numpy().sum(axis=1) - margin).max()),
            "speedup": round(timings["contributions_direct"] / timings["contributions"], 1),
        }
    out.update(
        {
            "n_train": len(train),
            "n_test": len(test),
            "timings_s": {k: round(v, 2) for k, v in timings.items()},
            "target_training_s": 60,
            "training_within_target": timings["training"] <= 60,
            "target_explain_s": 15,
            "explain_within_target": timings["explain"] <= 15,
            "peak_rss_mb": _rss_mb(),
            "metrics": {"model": ev["model"], "baseline": ev["baseline"]},
            "machine": {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count()},
        }
    )
    store.close()
    if tmp is not None:
        tmp.cleanup()
    print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
