"""``centric clv fit`` and ``centric clv predict``: the buy-till-you-die models from the command line."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from centric.cli import _render as R
from centric.exceptions import InputError


def _boundary(fn: Any) -> Any:
    from centric.cli import _boundary as boundary

    return boundary(fn)


clv_app = typer.Typer(help="Customer lifetime value: fit BG/NBD-family models and score customers.",
                      no_args_is_help=True)

MODELS = {"bg-nbd": "BetaGeoModel", "pareto-nbd": "ParetoNBDModel", "mbg-nbd": "ModifiedBetaGeoModel"}
MODEL_FILE = "models/clv.pkl"


def _fit(store: Any, model: str, period: str, penalizer: float) -> dict[str, Any]:
    from centric import clv

    if model not in MODELS:
        raise typer.BadParameter(f"{model!r} is not a model; choose one of {', '.join(MODELS)}.", param_hint="--model")
    rfm = clv.rfm_summary(store.table("orders"), period=period)
    comp = clv.compress(rfm)
    tx = getattr(clv, MODELS[model])(penalizer=penalizer).fit(comp)
    rep = rfm.filter((rfm.frequency > 0) & (rfm.monetary_value > 0)).select("frequency", "monetary_value").execute()
    if len(rep) < 30:
        raise InputError(
            f"Only {len(rep)} customers have repeat purchases; the Gamma-Gamma spend model needs at least 30."
        )
    gg = clv.GammaGammaModel(penalizer=penalizer).fit(rep)
    return {"model": model, "period": period, "transaction_model": tx, "gamma_gamma": gg,
            "n_customers": int(comp["weight"].sum()), "distinct_rows": len(comp)}


def _params_table(fitted: dict[str, Any]) -> Table:
    table = Table(title=f"{fitted['model']} + Gamma-Gamma ({fitted['n_customers']:,} customers, "
                        f"{fitted['distinct_rows']:,} distinct (x, t_x, T) rows)")
    for col in ("model", "parameter", "estimate", "std. error", "95% interval"):
        table.add_column(col, justify="left" if col in ("model", "parameter") else "right")
    for label, m in (("transactions", fitted["transaction_model"]), ("spend", fitted["gamma_gamma"])):
        s = m.summary_
        for name, row in s.iterrows():
            table.add_row(label, str(name), f"{row.iloc[0]:.4g}", f"{row.iloc[1]:.3g}",
                          f"{row.iloc[2]:.4g} … {row.iloc[3]:.4g}")
        table.add_row(label, "log-likelihood", f"{m.log_likelihood_:.1f}", "", "")
    return table


def _fitted_json(fitted: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: fitted[k] for k in ("model", "period", "n_customers", "distinct_rows")}
    for key in ("transaction_model", "gamma_gamma"):
        m = fitted[key]
        out[key] = {"params": {k: float(v) for k, v in m.params_.items()},
                    "standard_errors": {k: float(v) for k, v in m.standard_errors_.items()},
                    "log_likelihood": float(m.log_likelihood_)}
    return out


@clv_app.command("fit")
@_boundary
def fit_cmd(
    model: Annotated[str, typer.Option("--model", help="bg-nbd, pareto-nbd or mbg-nbd.")] = "bg-nbd",
    period: Annotated[str, typer.Option("--period", help="Time unit: W (weeks), D or M.")] = "W",
    penalizer: Annotated[float, typer.Option("--penalizer", min=0.0, help="L2 penalty on log-parameters.")] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the estimates as JSON.")] = False,
    workspace: Annotated[Path | None, typer.Option("--workspace", "-w")] = None,
) -> None:
    """Fit a purchase model and the Gamma-Gamma spend model on the store's completed orders."""
    from centric.cli import _open, _settings

    s = _settings(workspace)
    with _open(s) as store:
        fitted = _fit(store, model, period, penalizer)
    path = s.workspace / MODEL_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        pickle.dump(fitted, fh)
    if as_json:
        typer.echo(json.dumps(_fitted_json(fitted), indent=2))
        return
    R.console.print(_params_table(fitted))
    R.console.print(f"Saved to {path}")


@clv_app.command("predict")
@_boundary
def predict_cmd(
    horizon_months: Annotated[int, typer.Option("--horizon-months", min=1, max=120)] = 12,
    annual_discount: Annotated[float, typer.Option("--annual-discount", min=0.0, max=1.0,
                                                   help="Annual discount rate (converted to monthly).")] = 0.10,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write all customers to .csv or .parquet.")] = None,
    top: Annotated[int, typer.Option("--top", min=0, help="Show the N most valuable customers.")] = 10,
    workspace: Annotated[Path | None, typer.Option("--workspace", "-w")] = None,
) -> None:
    """Score every customer: P(alive), expected purchases and CLV over the horizon."""
    from centric import clv
    from centric.cli import _open, _settings

    s = _settings(workspace)
    path = s.workspace / MODEL_FILE
    if not path.exists():
        raise InputError(f"No fitted model in {str(s.workspace)!r}. Run 'centric clv fit' first.")
    if output is not None and output.suffix.lower() not in (".csv", ".parquet"):
        raise InputError(f"--output must end in .csv or .parquet; got {output.name!r}.")
    with open(path, "rb") as fh:
        fitted = pickle.load(fh)
    with _open(s) as store:
        rfm = clv.rfm_summary(store.table("orders"), period=fitted["period"])
        scored = clv.score(rfm, fitted["transaction_model"], gamma_gamma=fitted["gamma_gamma"],
                           horizon_months=horizon_months, annual_discount_rate=annual_discount,
                           period=fitted["period"]).execute()
    scored = scored.sort_values("clv", ascending=False)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        if output.suffix.lower() == ".csv":
            scored.to_csv(output, index=False)
        else:
            scored.to_parquet(output, index=False)
        R.console.print(f"{len(scored):,} customers written to {output}")
    table = Table(title=f"Top {top} customers by {horizon_months}-month CLV")
    for col in ("customer_id", "frequency", "P(alive)", "expected purchases", "CLV"):
        table.add_column(col, justify="left" if col == "customer_id" else "right")
    for row in scored.head(top).itertuples():
        table.add_row(str(row.customer_id), str(int(row.frequency)), f"{row.p_alive:.2f}",
                      f"{row.expected_purchases:.2f}", R.fmt_money(row.clv, s.lang))
    R.console.print(table)
    R.console.print(f"{len(scored):,} customers; total {horizon_months}-month CLV "
                    f"{R.fmt_money(float(scored['clv'].sum()), s.lang)}")
