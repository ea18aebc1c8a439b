"""``centric recommend evaluate|show`` and ``centric nba show``: recommendations and next best action."""

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


recommend_app = typer.Typer(help="Product recommendations: evaluate the models, show a customer's list.",
                            no_args_is_help=True)
nba_app = typer.Typer(help="Next best action per customer (win-back, cross-sell, survey, leave alone).",
                      no_args_is_help=True)

Workspace = Annotated[Path | None, typer.Option("--workspace", "-w")]
Lang = Annotated[str | None, typer.Option("--lang", help="Language: vi or en.")]


def _rows(store: Any, table: str, customer_id: str, lang: str) -> Any:
    from centric.exceptions import InputError
    from centric.i18n import t

    if not store.has_table(table):
        raise InputError(t("recommend.cli.no_table", lang).replace("{table}", table))
    tb = store.table(table)
    df = tb.filter(tb.customer_id == customer_id).execute()
    if df.empty:
        raise InputError(t("recommend.cli.customer_not_found", lang).replace("{id}", repr(customer_id)))
    return df


@recommend_app.command("evaluate")
@_boundary
def evaluate_cmd(
    k: Annotated[int, typer.Option("--k", min=1, help="List length (top k).")] = 10,
    test_days: Annotated[int, typer.Option("--test-days", min=1, help="Days after the cut that are tested.")] = 180,
    view_weight: Annotated[float, typer.Option("--view-weight", min=0.0,
                                               help="Weight of a product view (a purchase is 1).")] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the evaluation as JSON.")] = False,
    lang: Lang = None,
    workspace: Workspace = None,
) -> None:
    """Time-split holdout of every model (popularity, buy again, item-based, ALS): precision, recall, NDCG, coverage."""
    from centric.cli import _lang, _open, _settings
    from centric.i18n import t
    from centric.recommend import evaluate_time_split

    s = _settings(workspace)
    lang = _lang(lang, s)
    with _open(s) as store:
        ev = evaluate_time_split(store, k=k, test_days=test_days, view_weight=view_weight)
    if as_json:
        typer.echo(json.dumps(ev, ensure_ascii=False, indent=2, default=str))
        return
    R.console.print(
        t("recommend.method", lang).replace("{cut}", ev["cut"][:10]).replace("{days}", str(ev["test_days"]))
        .replace("{n}", R.fmt_number(ev["n_users"], lang)).replace("{k}", str(k))
    )
    table = Table(title=t("recommend.title", lang))
    cols = ("model", "precision", "recall", "ndcg", "coverage", "lift")
    for c in cols:
        head = t(f"recommend.col.{c}", lang).replace("{k}", str(k))
        table.add_column(head, justify="left" if c == "model" else "right")
    for name, m in ev["models"].items():
        lift = ev["ndcg_lift_vs_popularity"].get(name)
        table.add_row(
            t(f"recommend.model.{name}", lang),
            *(R.fmt_number(m[c], lang, 3) for c in ("precision", "recall", "ndcg")),
            R.fmt_percent(100 * m["coverage"], lang),
            "—" if lift is None else ("+" if lift >= 0 else "") + R.fmt_percent(100 * lift, lang),
        )
    R.console.print(table)


@recommend_app.command("show")
@_boundary
def show_cmd(
    customer_id: Annotated[str, typer.Argument(help="The customer's id (customers.customer_id).")],
    lang: Lang = None,
    workspace: Workspace = None,
) -> None:
    """Print a customer's stored recommendations with the reason for each (written by 'centric analyze')."""
    from centric.cli import _lang, _open, _settings
    from centric.i18n import t

    s = _settings(workspace)
    lang = _lang(lang, s)
    with _open(s) as store:
        df = _rows(store, "recommendations", customer_id, lang).sort_values("rank")
    table = Table(title=t("recommend.cli.header", lang).replace("{id}", customer_id))
    for c in ("#", "product", "category", "score", "model", "because") if lang == "en" else (
            "#", "sản phẩm", "nhóm hàng", "điểm", "mô hình", "lý do"):
        table.add_column(c, justify="right" if c in ("#", "score", "điểm") else "left")
    for r in df.itertuples():
        table.add_row(str(r.rank), f"{r.product_name} ({r.product_id})", str(r.category),
                      R.fmt_number(r.score, lang, 2), str(r.model), r.because_vi if lang == "vi" else r.because_en)
    R.console.print(table)


@nba_app.command("show")
@_boundary
def nba_show_cmd(
    customer_id: Annotated[str, typer.Argument(help="The customer's id (customers.customer_id).")],
    lang: Lang = None,
    workspace: Workspace = None,
) -> None:
    """Print a customer's next best action, its expected value and why (written by 'centric analyze')."""
    from centric.cli import _lang, _open, _settings
    from centric.i18n import fmt_money, t

    s = _settings(workspace)
    lang = _lang(lang, s)
    with _open(s) as store:
        row = _rows(store, "next_best_actions", customer_id, lang).iloc[0]
    R.console.print(f"[bold]{t('recommend.cli.nba_header', lang).replace('{id}', customer_id)}[/bold]")
    prio = "—" if row["priority"] is None or row["priority"] != row["priority"] else str(int(row["priority"]))
    R.console.print(f"{t('recommend.nba.action', lang)}: {t('recommend.action.' + str(row['action']), lang)}"
                    f" ({row['action']}) · EV {fmt_money(row['expected_value'], lang)} · #{prio}")
    R.console.print(row["reason_vi"] if lang == "vi" else row["reason_en"])
