"""Benchmark centric.clv against lifetimes 0.11.3, side by side in one run.

Run manually (not part of the tests)::

    python3.11 -m venv .venv-lifetimes
    .venv-lifetimes/bin/pip install lifetimes==0.11.3 'pandas<2' 'numpy<2' 'scipy<1.13'
    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_clv.py            # writes bench/clv_results.md

Every step runs in its own subprocess (centric in ``.venv``, lifetimes in
``.venv-lifetimes``) so peak memory (``ru_maxrss``) is per step. Input data are
generated once (seeded) into ``bench/out/`` as ``.npz`` files readable by both
environments; loading them is not timed. The same script is the worker: it is
re-invoked with ``--worker STEP --impl centric|lifetimes``.

Steps
-----
bgnbd_fit_1m   BG/NBD fit on 1M simulated customers (days / 7 times).
pareto_cdnow   Pareto/NBD fit on the CDNOW master (23,570 customers, 78 weeks).
rfm_10m        RFM summary of 10M transactions (1M customers, 2 years).
calhold_10m    Calibration/holdout split of the same 10M transactions.
calhold_1m     The same on the first 1M transactions (lifetimes is slow here).
score_1m       P(alive) + expected purchases for 1M customers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
CDNOW = Path("/work/shared/data/cdnow/CDNOW_master.txt")
if not CDNOW.exists():  # pragma: no cover
    CDNOW = ROOT.parent / "shared" / "data" / "cdnow" / "CDNOW_master.txt"
PY_CENTRIC = ROOT / ".venv" / "bin" / "python"
PY_LIFETIMES = ROOT / ".venv-lifetimes" / "bin" / "python"
START = np.datetime64("2022-01-01")
CAL_END, OBS_END = "2023-06-30", "2023-12-31"
BG_TRUE = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}


# --------------------------------------------------------------------------- data (seeded)
def _sim_customers(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """BG/NBD customers acquired over 12 weeks, observed for 52 weeks; times at day resolution."""
    r, alpha, a, b = BG_TRUE.values()
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    T_days = 364 - rng.integers(0, 84, n)
    x = np.zeros(n)
    tx = np.zeros(n)
    t = np.zeros(n)
    alive = np.ones(n, bool)
    while alive.any():
        idx = np.flatnonzero(alive)
        t[idx] += rng.exponential(1 / lam[idx]) * 7
        inside = t[idx] <= T_days[idx]
        buy = idx[inside]
        x[buy] += 1
        tx[buy] = t[buy]
        alive[idx[~inside]] = False
        alive[buy[rng.random(len(buy)) < p[buy]]] = False
    return {"frequency": x, "recency": np.floor(tx) / 7, "T": T_days / 7.0}


def _sim_transactions(n_customers: int, n_tx: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """n_tx purchases of n_customers over two years: customer, second of the purchase, amount."""
    first = rng.integers(0, 365, n_customers)  # first purchase day
    weights = rng.gamma(0.8, 1.0, n_customers)
    extra = rng.multinomial(n_tx - n_customers, weights / weights.sum())
    cust = np.repeat(np.arange(n_customers), 1 + extra)
    lo = first[cust]
    day = lo + (rng.random(len(cust)) * (730 - lo)).astype(np.int64)
    day[np.r_[0, np.cumsum(1 + extra)[:-1]]] = first  # each customer's first purchase
    sec = day * 86400 + rng.integers(0, 86400, len(cust))
    amount = np.round(rng.gamma(2.0, 25.0, len(cust)) + 1, 2)
    order = rng.permutation(len(cust))
    return {"customer_id": cust[order], "seconds": sec[order], "amount": amount[order]}


def make_data() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    if not (OUT / "sim1m.npz").exists():
        np.savez(OUT / "sim1m.npz", **_sim_customers(1_000_000, np.random.default_rng(1)))
    if not (OUT / "tx10m.npz").exists():
        np.savez(OUT / "tx10m.npz", **_sim_transactions(1_000_000, 10_000_000, np.random.default_rng(2)))


def _tx_frame(n: int | None = None):  # type: ignore[no-untyped-def]
    import pandas as pd

    z = np.load(OUT / "tx10m.npz")
    cust, sec, amt = z["customer_id"], z["seconds"], z["amount"]
    if n is not None:
        cust, sec, amt = cust[:n], sec[:n], amt[:n]
    ts = START.astype("datetime64[s]") + sec.astype("timedelta64[s]")
    return pd.DataFrame({"customer_id": cust, "ordered_at": pd.to_datetime(ts), "amount": amt})


def _cdnow_master():  # type: ignore[no-untyped-def]
    import pandas as pd

    df = pd.read_csv(CDNOW, sep=r"\s+", header=0, names=["customer_id", "date", "cds", "amount"])
    df["ordered_at"] = pd.to_datetime(df["date"].astype(str), format="%Y%m%d")
    return df


# --------------------------------------------------------------------------- workers
def _peak_mb() -> float:
    """Peak resident set size of this process (VmHWM; ru_maxrss is inherited across fork/exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:  # pragma: no cover - not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def worker_lifetimes(step: str) -> dict:
    import warnings

    import pandas as pd
    from lifetimes import BetaGeoFitter, ParetoNBDFitter
    from lifetimes.utils import calibration_and_holdout_data, summary_data_from_transaction_data

    warnings.filterwarnings("ignore")
    res: dict = {}
    if step == "bgnbd_fit_1m":
        z = np.load(OUT / "sim1m.npz")
        f, r, T = (pd.Series(z[k]) for k in ("frequency", "recency", "T"))
        base = _peak_mb()
        t0, c0 = time.perf_counter(), time.process_time()
        m = BetaGeoFitter().fit(f, r, T)
        res["seconds"], res["cpu_seconds"] = time.perf_counter() - t0, time.process_time() - c0
        res["params"] = m.params_[["r", "alpha", "a", "b"]].tolist()
        # lifetimes' own likelihood (mean NLL) on the unscaled data at its estimates
        nll = BetaGeoFitter._negative_log_likelihood(
            np.log(res["params"]), f.values, r.values, T.values, np.ones(len(f)), 0.0
        )
        res["ll"] = -float(nll) * len(f)
    elif step == "pareto_cdnow":
        df = _cdnow_master()
        s = summary_data_from_transaction_data(
            df, "customer_id", "ordered_at", observation_period_end="1998-06-30", freq="D", freq_multiplier=7
        )
        base = _peak_mb()
        t0, c0 = time.perf_counter(), time.process_time()
        m = ParetoNBDFitter().fit(s["frequency"], s["recency"], s["T"])
        res["seconds"], res["cpu_seconds"] = time.perf_counter() - t0, time.process_time() - c0
        res["params"] = m.params_[["r", "alpha", "s", "beta"]].tolist()
        res["ll"] = float(
            np.sum(
                ParetoNBDFitter._conditional_log_likelihood(
                    res["params"], s["frequency"].values, s["recency"].values, s["T"].values
                )
            )
        )
        res["n"] = len(s)
    elif step in ("rfm_10m", "calhold_10m", "calhold_1m"):
        df = _tx_frame(1_000_000 if step.endswith("1m") else None)
        base = _peak_mb()
        t0, c0 = time.perf_counter(), time.process_time()
        if step == "rfm_10m":
            s = summary_data_from_transaction_data(
                df,
                "customer_id",
                "ordered_at",
                monetary_value_col="amount",
                observation_period_end=OBS_END,
                freq="D",
                freq_multiplier=7,
            )
            res["checksum"] = [
                len(s),
                float(s["frequency"].sum()),
                float(s["recency"].sum()),
                float(s["T"].sum()),
                float(s["monetary_value"].sum()),
            ]
        else:
            s = calibration_and_holdout_data(
                df,
                "customer_id",
                "ordered_at",
                calibration_period_end=CAL_END,
                observation_period_end=OBS_END,
                freq="D",
                freq_multiplier=7,
            )
            res["checksum"] = [
                len(s),
                float(s["frequency_cal"].sum()),
                float(s["recency_cal"].sum()),
                float(s["T_cal"].sum()),
                float(s["frequency_holdout"].sum()),
            ]
        if "seconds" not in res:
            res["seconds"], res["cpu_seconds"] = time.perf_counter() - t0, time.process_time() - c0
    elif step == "score_1m":
        z = np.load(OUT / "sim1m.npz")
        f, r, T = (z[k] for k in ("frequency", "recency", "T"))
        m = BetaGeoFitter()
        m.params_ = pd.Series(BG_TRUE)
        base = _peak_mb()
        t0, c0 = time.perf_counter(), time.process_time()
        e = m.conditional_expected_number_of_purchases_up_to_time(52.0, f, r, T)
        pa = m.conditional_probability_alive(f, r, T)
        res["seconds"], res["cpu_seconds"] = time.perf_counter() - t0, time.process_time() - c0
        res["checksum"] = [float(np.sum(e)), float(np.sum(pa))]
    else:
        raise SystemExit(f"unknown step {step!r}")
    res["peak_mb"] = _peak_mb()
    res["step_mb"] = res["peak_mb"] - base
    return res


def worker_centric(step: str) -> dict:
    import ibis
    import pandas as pd

    from centric.clv import (
        BetaGeoModel,
        ParetoNBDModel,
        calibration_holdout,
        compress,
        rfm_summary,
        score,
    )

    res: dict = {}
    if step == "bgnbd_fit_1m":
        z = np.load(OUT / "sim1m.npz")
        rfm = pd.DataFrame({k: z[k] for k in ("frequency", "recency", "T")})
        base = _peak_mb()
        t0, c0 = time.perf_counter(), time.process_time()
        c = compress(rfm)
        t1 = time.perf_counter()
        m = BetaGeoModel().fit(c)
        res["seconds"], res["cpu_seconds"] = time.perf_counter() - t0, time.process_time() - c0
        res["compress_seconds"] = t1 - t0
        res["distinct_rows"] = len(c)
        res["params"] = m.params_.tolist()
        res["ll"] = m.log_likelihood_
    elif step == "pareto_cdnow":
        df = _cdnow_master()
        s = rfm_summary(df, monetary_value_col=None, observation_end="1998-06-30").execute()
        base = _peak_mb()
        t0, c0 = time.perf_counter(), time.process_time()
        c = compress(s)
        m = ParetoNBDModel().fit(c)
        res["seconds"], res["cpu_seconds"] = time.perf_counter() - t0, time.process_time() - c0
        res["distinct_rows"] = len(c)
        res["params"] = m.params_.tolist()
        res["ll"] = m.log_likelihood_
        res["n"] = len(s)
    elif step in ("rfm_10m", "calhold_10m", "calhold_1m"):
        con = ibis.duckdb.connect()
        con.raw_sql("SET TimeZone = 'UTC'")
        con.raw_sql(f"SET threads = {os.environ.get('BENCH_THREADS', '2')}")
        frame = _tx_frame(1_000_000 if step.endswith("1m") else None)
        con.create_table("orders", frame)
        orders = con.table("orders")
        base = _peak_mb()
        t0, c0 = time.perf_counter(), time.process_time()
        if step == "rfm_10m":
            s = rfm_summary(
                orders, monetary_value_col="amount", observation_end=OBS_END, status_col=None
            ).execute()
            res["seconds"], res["cpu_seconds"] = time.perf_counter() - t0, time.process_time() - c0
            t1 = time.perf_counter()  # the same pandas frame lifetimes gets (ibis memtable on DuckDB)
            s2 = rfm_summary(
                frame, monetary_value_col="amount", observation_end=OBS_END, status_col=None
            ).execute()
            res["variants"] = {"from the pandas frame (as lifetimes)": time.perf_counter() - t1}
            assert len(s2) == len(s)
            res["checksum"] = [
                len(s),
                float(s["frequency"].sum()),
                float(s["recency"].sum()),
                float(s["T"].sum()),
                float(s["monetary_value"].sum()),
            ]
        else:
            s = calibration_holdout(
                orders,
                calibration_end=CAL_END,
                observation_end=OBS_END,
                monetary_value_col=None,
                status_col=None,
            ).execute()
            res["checksum"] = [
                len(s),
                float(s["frequency_cal"].sum()),
                float(s["recency_cal"].sum()),
                float(s["T_cal"].sum()),
                float(s["frequency_holdout"].sum()),
            ]
        if "seconds" not in res:
            res["seconds"], res["cpu_seconds"] = time.perf_counter() - t0, time.process_time() - c0
    elif step == "score_1m":
        z = np.load(OUT / "sim1m.npz")
        rfm = pd.DataFrame({k: z[k] for k in ("frequency", "recency", "T")})
        rfm.insert(0, "customer_id", np.arange(len(rfm)))
        m = BetaGeoModel()
        m.params_ = pd.Series(BG_TRUE)
        con = ibis.duckdb.connect()
        con.raw_sql(f"SET threads = {os.environ.get('BENCH_THREADS', '2')}")
        con.create_table("rfm", rfm)
        base = _peak_mb()
        # in memory, as lifetimes: distinct rows in NumPy, broadcast back
        t0, c0 = time.perf_counter(), time.process_time()
        mem = score(rfm, m, t=52.0)
        res["seconds"], res["cpu_seconds"] = time.perf_counter() - t0, time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        out = score(rfm, m, t=52.0).execute()
        v = {"`score(frame).execute()`: pandas frame in, pandas frame out": time.perf_counter() - t0}
        t0, c0 = time.perf_counter(), time.process_time()
        e = m.expected_purchases(rfm, t=52.0)
        pa = m.probability_alive(rfm)
        v["`expected_purchases` + `probability_alive` on the frame (two passes)"] = time.perf_counter() - t0
        t0, c0 = time.perf_counter(), time.process_time()
        con.create_table("scores", score(con.table("rfm"), m, t=52.0))  # joined back and stored in DuckDB
        v["`score(table)` on a DuckDB table, result stored in DuckDB"] = time.perf_counter() - t0
        t0, c0 = time.perf_counter(), time.process_time()
        out_db = score(con.table("rfm"), m, t=52.0).execute()
        v["`score(table).execute()` on a DuckDB table, pulled into pandas"] = time.perf_counter() - t0
        res["variants"] = v
        assert mem is not None and len(out_db) == len(out)
        res["checksum"] = [float(out["expected_purchases"].sum()), float(out["p_alive"].sum())]
        res["checksum_pandas"] = [float(e.sum()), float(pa.sum())]
        res["checksum_duckdb"] = [float(out_db["expected_purchases"].sum()), float(out_db["p_alive"].sum())]
    else:
        raise SystemExit(f"unknown step {step!r}")
    res["peak_mb"] = _peak_mb()
    res["step_mb"] = res["peak_mb"] - base
    return res


# --------------------------------------------------------------------------- orchestration
STEPS = ["bgnbd_fit_1m", "pareto_cdnow", "rfm_10m", "calhold_1m", "calhold_10m", "score_1m"]
TARGETS = {
    "bgnbd_fit_1m": 50,
    "pareto_cdnow": 20,
    "rfm_10m": 30,
    "calhold_10m": 30,
    "calhold_1m": 30,
    "score_1m": 5,
}
TITLES = {
    "bgnbd_fit_1m": "BG/NBD fit, 1M simulated customers",
    "pareto_cdnow": "Pareto/NBD fit, CDNOW master (23,570)",
    "rfm_10m": "RFM summary, 10M transactions",
    "calhold_1m": "Calibration/holdout, 1M transactions",
    "calhold_10m": "Calibration/holdout, 10M transactions",
    "score_1m": "Scoring 1M customers (P(alive) + E[X(52)])",
}


def run_step(step: str, impl: str, timeout: int) -> dict:
    py = PY_CENTRIC if impl == "centric" else PY_LIFETIMES
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", PYTHONPATH=str(ROOT / "src"))
    try:
        proc = subprocess.run(
            [str(py), __file__, "--worker", step, "--impl", impl],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    if proc.returncode != 0:
        return {
            "error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"rc {proc.returncode}"
        }
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _ll_at(step: str, params: list[float]) -> float:
    """Log-likelihood of the step's data at ``params`` with centric's likelihood (common yardstick)."""
    import pandas as pd

    from centric.clv import BetaGeoModel, ParetoNBDModel, compress, rfm_summary

    if step == "bgnbd_fit_1m":
        z = np.load(OUT / "sim1m.npz")
        c = compress(pd.DataFrame({k: z[k] for k in ("frequency", "recency", "T")}))
        m = BetaGeoModel()
    else:
        c = compress(
            rfm_summary(_cdnow_master(), monetary_value_col=None, observation_end="1998-06-30").execute()
        )
        m = ParetoNBDModel()
    m.params_ = pd.Series(params, index=list(m._param_names))
    return m.log_likelihood(c)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker")
    ap.add_argument("--impl", choices=["centric", "lifetimes"])
    ap.add_argument("--steps", default=",".join(STEPS))
    ap.add_argument("--timeout", type=int, default=420)
    ap.add_argument("--out", default=str(ROOT / "bench" / "clv_results.md"))
    ap.add_argument(
        "--only", choices=["centric", "lifetimes"], help="re-run one side, keep the other's stored result"
    )
    args = ap.parse_args()
    if args.worker:
        fn = worker_centric if args.impl == "centric" else worker_lifetimes
        print(json.dumps(fn(args.worker)))
        return
    make_data()
    store = OUT / "clv_results.json"
    results: dict[str, dict] = json.loads(store.read_text()) if store.exists() else {}
    for step in args.steps.split(","):
        old = results.get(step, {})
        c = (
            old["centric"]
            if args.only == "lifetimes" and "centric" in old
            else run_step(step, "centric", args.timeout)
        )
        lt = (
            old["lifetimes"]
            if args.only == "centric" and "lifetimes" in old
            else run_step(step, "lifetimes", args.timeout)
        )
        results[step] = {"centric": c, "lifetimes": lt}
        print(step, json.dumps(results[step]), flush=True)
        if "params" in c and "params" in lt:
            results[step]["ll_centric_at_lifetimes_params"] = _ll_at(step, lt["params"])
    store.write_text(json.dumps(results, indent=2))  # steps re-run later replace earlier ones
    write_markdown({k: results[k] for k in STEPS if k in results}, Path(args.out))


def _versions() -> str:
    vers = {}
    for impl, py in (("centric", PY_CENTRIC), ("lifetimes", PY_LIFETIMES)):
        code = (
            "import numpy, scipy, pandas; v = {'numpy': numpy.__version__, 'scipy': scipy.__version__, "
            "'pandas': pandas.__version__}\n"
        )
        code += (
            "import ibis, duckdb; v.update(ibis=ibis.__version__, duckdb=duckdb.__version__)\n"
            if impl == "centric"
            else "import lifetimes; v.update(lifetimes=lifetimes.__version__)\n"
        )
        code += "import json; print(json.dumps(v))"
        out = subprocess.run(
            [str(py), "-c", code], capture_output=True, text=True, check=False
        ).stdout.strip()
        vers[impl] = json.loads(out) if out else {}
    return "; ".join(f"{k}: " + ", ".join(f"{n} {v}" for n, v in d.items()) for k, d in vers.items())


def write_markdown(results: dict[str, dict], path: Path) -> None:
    cpu = "unknown"
    try:
        for line in subprocess.run(
            ["lscpu"], capture_output=True, text=True, check=False
        ).stdout.splitlines():
            if line.startswith("Model name"):
                cpu = line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover
        pass
    lines = [
        "## CLV: centric.clv vs lifetimes 0.11.3",
        "",
        f"Machine: {os.cpu_count()} cores ({cpu}), Linux {platform.release()}, Python {platform.python_version()}; "
        f"date {dt.date.today().isoformat()}. Each step in its own process, OMP/OpenBLAS at 1 thread, DuckDB at 2 threads.",
        f"Versions: {_versions()}.",
        "",
        "| step | lifetimes (s) | centric (s) | speed-up | target | CPU-time ratio "
        "| lifetimes peak RSS (MB) | centric peak RSS (MB) | agreement |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for step, r in results.items():
        c, lt = r["centric"], r["lifetimes"]
        if "error" in c or "error" in lt:
            lines.append(
                f"| {TITLES[step]} | {lt.get('seconds', lt.get('error'))} | {c.get('seconds', c.get('error'))} "
                "| – | – | – | – | – | – |"
            )
            continue
        ratio = lt["seconds"] / c["seconds"]
        cpu_ratio = (
            f"{lt['cpu_seconds'] / c['cpu_seconds']:.1f}×"
            if "cpu_seconds" in c and "cpu_seconds" in lt
            else "–"
        )
        agree = ""
        if "ll" in c:
            rel = abs(c["ll"] - lt["ll"]) / abs(lt["ll"])
            agree = (
                f"LL {c['ll']:.4f} vs {lt['ll']:.4f} (rel. diff {rel:.1e}, each with its own likelihood code)"
            )
        elif "checksum" in c:
            cs, ls = np.array(c["checksum"]), np.array(lt["checksum"])
            rel = float(np.max(np.abs(cs - ls) / np.maximum(np.abs(ls), 1e-300)))
            agree = f"same output (max rel. diff of column sums {rel:.1e})"
        lines.append(
            f"| {TITLES[step]} | {lt['seconds']:.2f} | {c['seconds']:.3f} | **{ratio:.1f}×** "
            f"| ≥{TARGETS[step]}× | {cpu_ratio} | {lt['peak_mb']:.0f} | {c['peak_mb']:.0f} | {agree} |"
        )
        for label, secs in c.get("variants", {}).items():  # the same step measured another way
            lines.append(
                f"| ↳ {label} | {lt['seconds']:.2f} | {secs:.3f} | {lt['seconds'] / secs:.1f}× "
                f"| ≥{TARGETS[step]}× | | | | same process as the row above |"
            )
    lines += ["", "Notes:", ""]
    b = results.get("bgnbd_fit_1m", {}).get("centric", {})
    if "distinct_rows" in b:
        lines.append(
            f"- BG/NBD 1M: centric time includes compressing 1M rows to {b['distinct_rows']:,} distinct "
            f"(x, t_x, T) rows ({b['compress_seconds']:.2f} s) and the fit on them."
        )
    p = results.get("pareto_cdnow", {}).get("centric", {})
    if "distinct_rows" in p:
        lines.append(
            f"- Pareto/NBD CDNOW: {p['n']:,} customers, {p['distinct_rows']:,} distinct rows; lifetimes uses "
            "Nelder-Mead, centric BFGS with an analytic gradient."
        )
    for step in ("bgnbd_fit_1m", "pareto_cdnow"):
        r = results.get(step, {})
        if "ll_centric_at_lifetimes_params" in r:
            lines.append(
                f"- {TITLES[step]}: centric's likelihood at lifetimes' estimates = "
                f"{r['ll_centric_at_lifetimes_params']:.4f}."
            )
    s = results.get("score_1m", {}).get("centric", {})
    if "variants" in s:
        lines.append(
            "- Scoring: the headline centric time is `score()` on the 1M-row pandas frame (in memory, like "
            "lifetimes on NumPy arrays): distinct (x, t_x, T) rows found by hashing, P(alive) and E[X(52)] "
            "computed on them (hyp2f1 once per distinct (x, T) pair), broadcast back with the inverse index; "
            "the result is an Ibis memtable over the finished pandas frame. `.execute()` on it adds "
            "Ibis/DuckDB's copy of the frame. The DuckDB-table rows are the scale-out path (distinct rows "
            "to NumPy, predictions joined back inside the backend; nothing per customer enters Python)."
        )
    lines.append(
        "- RFM and calibration/holdout: centric runs `rfm_summary` / `calibration_holdout` on a DuckDB "
        "table (data loaded before timing) and executes to pandas (the ↳ row: on the same pandas frame "
        "lifetimes gets, via an Ibis memtable on DuckDB); lifetimes runs "
        "`summary_data_from_transaction_data` / `calibration_and_holdout_data` (freq='D', "
        "freq_multiplier=7) on a pandas frame."
    )
    lines.append(
        "- CPU-time ratio: lifetimes' process CPU time over centric's for the same timed section "
        "(`time.process_time`, all threads; DuckDB runs 2 threads, so centric's CPU time can exceed its "
        "wall time). It is less sensitive than wall time to other load on the shared cores."
    )
    lines.append(
        "- Peak RSS is the whole worker process (data loading included), from `VmHWM` in /proc/self/status."
    )
    path.write_text("\n".join(lines) + "\n")
    print(path.read_text())


if __name__ == "__main__":
    sys.exit(main())
