"""``centric churn show`` and ``centric churn evaluate``: churn risk with reasons, and how good it is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from centric.cli import _render as R


def _boundary(fn: Any) -> Any:
    from centric.cli import _boundary as boundary

    return boundary(fn)


churn_app = typer.Typer(
    help="Churn risk: who is likely to stop buying, and why (vi/en).", no_args_is_help=True
)

_WORDS = {
    "en": {
        "title": "Top {n} customers by churn risk (no purchase in the next {h} days)",
        "risk": "risk",
        "reasons": "reasons",
        "none": "—",
        "computed": "Churn scores computed now (run {run}).",
        "total": "{n:,} customers scored; {k:,} with risk ≥ 70%.",
        "eval_title": "Churn risk on a later window (cutoff {cut}, {n:,} customers, {rate:.0%} churned)",
        "metric": "metric",
        "model": "churn model",
        "baseline": "recency baseline",
        "beats": "The model beats the recency baseline.",
        "not_beats": "The model does NOT beat the recency baseline.",
        "targets": "Targets (AUC ≥ {auc}, ECE ≤ {ece}): {ok}.",
    },
    "vi": {
        "title": "{n} khách có rủi ro rời bỏ cao nhất (không mua trong {h} ngày tới)",
        "risk": "rủi ro",
        "reasons": "lý do",
        "none": "—",
        "computed": "Đã tính điểm rủi ro rời bỏ (lượt chạy {run}).",
        "total": "Đã chấm điểm {n:,} khách; {k:,} khách có rủi ro ≥ 70%.",
        "eval_title": "Rủi ro rời bỏ trên giai đoạn sau (mốc cắt {cut}, {n:,} khách, {rate:.0%} rời bỏ)",
        "metric": "chỉ số",
        "model": "mô hình rời bỏ",
        "baseline": "mô hình cơ sở (lần mua cuối)",
        "beats": "Mô hình tốt hơn mô hình cơ sở theo thời gian từ lần mua cuối.",
        "not_beats": "Mô hình KHÔNG tốt hơn mô hình cơ sở theo thời gian từ lần mua cuối.",
        "targets": "Mục tiêu (AUC ≥ {auc}, ECE ≤ {ece}): {ok}.",
    },
}
_METRICS = (
    ("roc_auc", "ROC-AUC"),
    ("pr_auc", "PR-AUC"),
    ("brier", "Brier"),
    ("ece", "ECE (10 bins)"),
    ("lift_top_decile", "lift, top 10%"),
)


def _score(store: Any, s: Any, horizon_days: int) -> str:
    """Run the churn step now (writes ``churn_scores``); returns its run id."""
    import datetime as _dt
    import uuid

    from centric.churn import churn_step
    from centric.churn._backtest import _last_instant
    from centric.exceptions import InputError
    from centric.pipeline import Results

    run_id = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    results = Results(run_id=run_id, summary={"headline": {}, "warnings": []}, frames={})
    churn_step(store, results, _last_instant(store), horizon_days=horizon_days, tz=s.timezone)
    cm = results.summary["churn_model"]
    if not cm.get("available"):
        raise InputError(cm["reason"])
    return run_id


@churn_app.command("show")
@_boundary
def show_cmd(
    top: Annotated[int, typer.Option("--top", min=1, help="Show the N riskiest customers.")] = 20,
    lang: Annotated[str | None, typer.Option("--lang", help="Language of the reasons: vi or en.")] = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="Recompute the scores even if stored.")] = False,
    horizon_days: Annotated[
        int, typer.Option("--horizon-days", min=1, help="Horizon H when computing.")
    ] = 90,
    workspace: Annotated[Path | None, typer.Option("--workspace", "-w")] = None,
) -> None:
    """List the customers most likely to stop buying, with their top reasons."""
    from centric.cli import _lang, _open, _settings

    s = _settings(workspace)
    language = _lang(lang, s)
    words = _WORDS[language]
    with _open(s) as store:
        if refresh or not store.has_table("churn_scores"):
            run = _score(store, s, horizon_days)
            R.console.print(words["computed"].format(run=run))
        scores = store.table("churn_scores").execute()
    scores = scores.sort_values(["churn_risk", "customer_id"], ascending=[False, True])
    h = int(scores["horizon_days"].iloc[0]) if "horizon_days" in scores and len(scores) else horizon_days
    table = Table(title=words["title"].format(n=min(top, len(scores)), h=h))
    table.add_column("customer_id")
    table.add_column(words["risk"], justify="right")
    table.add_column(words["reasons"])
    cols = [f"reason_{k}_{language}" for k in (1, 2, 3)]
    for row in scores.head(top).to_dict("records"):
        reasons = "; ".join(str(row[c]) for c in cols if c in row and isinstance(row[c], str) and row[c])
        table.add_row(str(row["customer_id"]), f"{100 * row['churn_risk']:.0f}%", reasons or words["none"])
    R.console.print(table)
    R.console.print(words["total"].format(n=len(scores), k=int((scores["churn_risk"] >= 0.7).sum())))


@churn_app.command("evaluate")
@_boundary
def evaluate_cmd(
    horizon_days: Annotated[int, typer.Option("--horizon-days", min=1, help="Horizon H of the label.")] = 90,
    calibration: Annotated[str, typer.Option("--calibration", help="isotonic or sigmoid.")] = "isotonic",
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole backtest as JSON.")] = False,
    lang: Annotated[str | None, typer.Option("--lang", help="vi or en.")] = None,
    workspace: Annotated[Path | None, typer.Option("--workspace", "-w")] = None,
) -> None:
    """Backtest: train at end − 2H, evaluate at end − H, next to the recency-only baseline."""
    from centric.churn import backtest
    from centric.cli import _lang, _open, _settings

    if calibration not in ("isotonic", "sigmoid"):
        raise typer.BadParameter(
            f"{calibration!r} is not a calibration; use isotonic or sigmoid.", param_hint="--calibration"
        )
    s = _settings(workspace)
    language = _lang(lang, s)
    words = _WORDS[language]
    with _open(s) as store:
        bt = backtest(store, horizon_days=horizon_days, tz=s.timezone, calibration=calibration)
    if as_json:
        typer.echo(json.dumps(bt, indent=2, ensure_ascii=False, default=str))
        return
    test = bt["test"]
    table = Table(
        title=words["eval_title"].format(cut=test["cutoff"][:10], n=test["n"], rate=test["churn_rate"])
    )
    for col in (words["metric"], words["model"], words["baseline"]):
        table.add_column(col, justify="left" if col == words["metric"] else "right")
    m, b = bt["metrics"]["model"], bt["metrics"]["baseline"]
    for key, label in _METRICS:
        table.add_row(label, f"{m[key]:.3f}", f"{b[key]:.3f}")
    R.console.print(table)
    R.console.print(bt["label"][language])
    R.console.print(words["beats"] if bt["beats_baseline"] else words["not_beats"])
    t = bt["targets"]
    ok = (
        ("met" if language == "en" else "đạt")
        if t["met"]
        else ("not met" if language == "en" else "chưa đạt")
    )
    R.console.print(words["targets"].format(auc=t["roc_auc_min"], ece=t["ece_max"], ok=ok))
