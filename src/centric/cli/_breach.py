"""``centric breach new|list|notice|notified``: the breach register with its 72-hour countdown."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from centric.cli import _render as R
from centric.cli._privacy import JsonOpt, WorkspaceOpt, _actor, _boundary, _echo, _store

__all__ = ["breach_app"]

breach_app = typer.Typer(help="The breach register (72-hour notice).", no_args_is_help=True)


# --------------------------------------------------------------------------------------- breach
@breach_app.command("new")
@_boundary
def breach_new(nature: Annotated[str, typer.Option(help="What happened.")],
               aware_at: Annotated[str | None, typer.Option(help="When you became aware (ISO; default now).")] = None,
               categories: Annotated[str, typer.Option()] = "",
               subjects: Annotated[int | None, typer.Option(help="Approximate number of people.")] = None,
               consequences: Annotated[str, typer.Option()] = "", measures: Annotated[str, typer.Option()] = "",
               contact: Annotated[str, typer.Option()] = "", workspace: WorkspaceOpt = None) -> None:
    """Register a breach; the 72-hour clock starts at awareness."""
    from centric.privacy import register_breach

    _, store = _store(workspace)
    with store:
        bid = register_breach(store, nature=nature, aware_at=aware_at, categories=categories, approx_subjects=subjects,
                              consequences=consequences, measures=measures, contact=contact, actor=_actor())
    R.console.print(f"{bid}: notify the authority within 72 hours / thông báo cơ quan trong 72 giờ")


@breach_app.command("list")
@_boundary
def breach_list(as_json: JsonOpt = False, workspace: WorkspaceOpt = None) -> None:
    """Breaches with hours left before the 72-hour deadline."""
    from centric.privacy import breach_status

    _, store = _store(workspace)
    with store:
        df = breach_status(store)
    rows = json.loads(df[["breach_id", "status", "deadline", "hours_left", "late"]].to_json(
        orient="records", date_format="iso")) if len(df) else []
    if as_json:
        _echo(rows)
        return
    for r in rows:
        R.console.print(f"{r['breach_id']} · {r['status']} · deadline {r['deadline']} · hours left {r['hours_left']}"
                        + (" · LATE" if r["late"] else ""))


@breach_app.command("notice")
@_boundary
def breach_notice_cmd(breach_id: str, lang: Annotated[str, typer.Option()] = "vi",
                      audience: Annotated[str, typer.Option(help="authority or subjects")] = "authority",
                      workspace: WorkspaceOpt = None) -> None:
    """Print the notification text for a breach."""
    from centric.exceptions import InputError
    from centric.privacy import breach_notice, breach_status

    _, store = _store(workspace)
    with store:
        df = breach_status(store)
    hit = df[df["breach_id"] == breach_id]
    if hit.empty:
        raise InputError(f"Unknown breach {breach_id!r}; list them with 'centric breach list'.")
    typer.echo(breach_notice(hit.iloc[0].to_dict(), lang=lang, audience=audience))


@breach_app.command("notified")
@_boundary
def breach_notified(breach_id: str, audience: Annotated[str, typer.Option()] = "authority",
                    workspace: WorkspaceOpt = None) -> None:
    """Record that the authority (or the people affected) were notified."""
    from centric.privacy import mark_notified

    _, store = _store(workspace)
    with store:
        mark_notified(store, breach_id, audience=audience, actor=_actor())
    R.console.print(f"{breach_id}: {audience} notified")
