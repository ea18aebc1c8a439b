"""``centric personas show``: the workspace's personas, with their narratives, in vi or en."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from centric.cli import _render as R


def _boundary(fn: Any) -> Any:
    from centric.cli import _boundary as boundary

    return boundary(fn)


personas_app = typer.Typer(
    help="Personas: who the customers are, found from the data, in words.", no_args_is_help=True
)


def _profiles(store: Any) -> tuple[Any, dict[str, Any] | None]:
    """The stored profiles, or recomputed ones (with the statement when data is too thin)."""
    import pandas as pd

    if store.has_table("persona_profiles"):
        return store.table("persona_profiles").order_by("persona_id").execute(), None
    from types import SimpleNamespace

    from centric.personas import personas_step
    from centric.pipeline import _as_of

    results = SimpleNamespace(summary={}, frames={})
    personas_step(store, results, _as_of(store))
    info = results.summary["personas"]
    if info.get("status") != "ok":
        return pd.DataFrame(), info
    return store.table("persona_profiles").order_by("persona_id").execute(), info


@personas_app.command("show")
@_boundary
def show_cmd(
    lang: Annotated[str | None, typer.Option("--lang", help="Language: vi or en.")] = None,
    workspace: Annotated[Path | None, typer.Option("--workspace", "-w")] = None,
) -> None:
    """Print the personas table and each persona's narrative (computed by 'centric analyze', else now)."""
    from centric.cli import _lang, _open, _settings

    s = _settings(workspace)
    lang = _lang(lang, s)
    with _open(s) as store:
        df, info = _profiles(store)
    if info is not None and info.get("status") != "ok":
        R.console.print(info["message_vi"] if lang == "vi" else info["message"])
        return
    vi = lang == "vi"
    table = Table(title="Chân dung khách hàng" if vi else "Personas")
    for col in (
        ("#", "tên", "khách hàng", "tỷ lệ", "doanh thu")
        if vi
        else ("#", "name", "customers", "share", "revenue share")
    ):
        table.add_column(col, justify="left" if col in ("tên", "name") else "right")
    for row in df.itertuples():
        rev = (
            "—"
            if row.revenue_share is None or row.revenue_share != row.revenue_share
            else R.fmt_percent(100 * row.revenue_share, lang)
        )
        table.add_row(
            str(row.persona_id),
            row.name_vi if vi else row.name_en,
            R.fmt_number(row.n_customers, lang),
            R.fmt_percent(100 * row.share, lang),
            rev,
        )
    R.console.print(table)
    for row in df.itertuples():
        R.console.print(row.narrative_vi if vi else row.narrative_en)
        R.console.print("")
