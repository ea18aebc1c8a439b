"""``centric audiences|automations|email``: thin commands over :mod:`centric.activation`."""

from __future__ import annotations

import datetime as _dt
import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from centric.cli import _render as R
from centric.exceptions import InputError

__all__ = ["audiences_app", "automations_app", "email_app"]

audiences_app = typer.Typer(
    help="Audiences: saved segments, exported as CSV or hashed lists for Meta / Google.", no_args_is_help=True
)
automations_app = typer.Typer(
    help="Automations: trigger → conditions → action, with consent, quiet hours, frequency caps, dedup and a holdout.",
    no_args_is_help=True,
)
email_app = typer.Typer(
    help="E-mail written from a sample: make a template, preview it for real customers, send.", no_args_is_help=True
)

Workspace = Annotated[Path | None, typer.Option("--workspace", "-w", help="Workspace folder.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _boundary(fn: Any) -> Any:
    from centric.cli import _boundary as boundary

    return boundary(fn)


def _ctx(workspace: Path | None) -> Any:
    from centric.cli import _settings

    return _settings(workspace)


def _open(s: Any) -> Any:
    from centric.cli import _open as op

    return op(s)


def _json_arg(text: str, what: str) -> str:
    """JSON given inline or as ``@file``."""
    if text.startswith("@"):
        p = Path(text[1:])
        if not p.exists():
            raise InputError(f"The {what} file {str(p)!r} does not exist.")
        return p.read_text("utf-8")
    return text


def _when(now: str | None, tz: str) -> _dt.datetime | None:
    if not now:
        return None
    from zoneinfo import ZoneInfo

    try:
        ts = _dt.datetime.fromisoformat(now)
    except ValueError:
        raise typer.BadParameter(
            f"{now!r} is not an ISO date-time (e.g. 2026-01-01T10:00+07:00).", param_hint="--now"
        ) from None
    return (ts.replace(tzinfo=ZoneInfo(tz)) if ts.tzinfo is None else ts).astimezone(_dt.UTC)


def _channels(s: Any) -> Any:
    from centric.activation import Channels, SMTPConfig

    return Channels(secret=s.secret(), timezone=s.timezone, lang=s.lang, smtp=SMTPConfig.from_env())


# -- audiences ------------------------------------------------------------------------------------
@audiences_app.command("save")
@_boundary
def audiences_save(
    name: Annotated[str, typer.Argument(help="Audience name.")],
    filters: Annotated[str, typer.Option("--filters", help="JSON list of {field, op, value}, or @file.")],
    audience_id: Annotated[str | None, typer.Option("--id", help="Id (default: from the name).")] = None,
    description: Annotated[str, typer.Option("--description")] = "",
    workspace: Workspace = None,
) -> None:
    """Save (or replace) an audience and say how many customers it has now."""
    from centric.activation import audience_members, save_audience

    s = _ctx(workspace)
    with _open(s) as store:
        a = save_audience(store, name, _json_arg(filters, "filters"), audience_id=audience_id, description=description)
        n = int(audience_members(store, a).count().execute())
    R.console.print(
        f"{R.t('activation.cli.saved', s.lang)}: [bold]{a.audience_id}[/bold] — "
        f"{R.t('activation.cli.members', s.lang)}: {n:,}"
    )


@audiences_app.command("list")
@_boundary
def audiences_list(workspace: Workspace = None, as_json: AsJson = False) -> None:
    """List the saved audiences with their current size."""
    from centric.activation import audience_members, list_audiences

    s = _ctx(workspace)
    with _open(s) as store:
        rows = [
            {
                "audience_id": a.audience_id,
                "name": a.name,
                "filters": a.filters,
                "members": int(audience_members(store, a).count().execute()),
            }
            for a in list_audiences(store)
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    tab = Table("id", "name", R.t("activation.cli.members", s.lang), "filters")
    for r in rows:
        tab.add_row(r["audience_id"], r["name"], f"{r['members']:,}", json.dumps(r["filters"], ensure_ascii=False))
    R.console.print(tab)


@audiences_app.command("export")
@_boundary
def audiences_export(
    audience_id: Annotated[str, typer.Argument(help="Audience id.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write.")],
    fmt: Annotated[
        str, typer.Option("--format", help="csv, meta (Custom Audiences) or google (Customer Match).")
    ] = "csv",
    purpose: Annotated[str, typer.Option("--purpose", help="Consent purpose members must have.")] = "personalisation",
    workspace: Workspace = None,
) -> None:
    """Export an audience (only members who consented to --purpose); the export is audited."""
    from centric.activation import export_audience

    s = _ctx(workspace)
    with _open(s) as store:
        _, n = export_audience(store, audience_id, fmt=fmt, purpose=purpose, path=out, actor="cli")
    R.console.print(f"{R.t('activation.cli.exported', s.lang)}: {n:,} → [bold]{out}[/bold]")


# -- automations ----------------------------------------------------------------------------------
@automations_app.command("save")
@_boundary
def automations_save(
    name: Annotated[str, typer.Argument(help="Automation name.")],
    definition: Annotated[
        str, typer.Option("--definition", help="JSON definition (trigger, conditions, action, guards), or @file.")
    ],
    automation_id: Annotated[str | None, typer.Option("--id")] = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="Save it switched off.")] = False,
    workspace: Workspace = None,
) -> None:
    """Save (or replace) an automation."""
    from centric.activation import save_automation

    s = _ctx(workspace)
    with _open(s) as store:
        a = save_automation(
            store, name, _json_arg(definition, "definition"), automation_id=automation_id, enabled=not disabled
        )
    R.console.print(f"{R.t('activation.cli.saved', s.lang)}: [bold]{a.automation_id}[/bold]")


@automations_app.command("list")
@_boundary
def automations_list(workspace: Workspace = None, as_json: AsJson = False) -> None:
    """List the automations."""
    from centric.activation import list_automations

    s = _ctx(workspace)
    with _open(s) as store:
        autos = list_automations(store)
    rows = [{"automation_id": a.automation_id, "name": a.name, "enabled": a.enabled, **a.definition()} for a in autos]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    tab = Table("id", "name", "on", "trigger", "action", "holdout")
    for a in autos:
        tab.add_row(
            a.automation_id,
            a.name,
            "✓" if a.enabled else "–",
            a.trigger["type"],
            f"{a.action['type']} ({a.channel})",
            f"{a.guards['holdout']:.0%}",
        )
    R.console.print(tab)


def _print_results(results: list[Any], lang: str) -> None:
    tab = Table(
        "automation",
        R.t("activation.cli.candidates", lang),
        R.t("activation.cli.sent", lang),
        R.t("activation.cli.failed", lang),
        R.t("activation.cli.deferred", lang),
        R.t("activation.cli.suppressed", lang),
    )
    for r in results:
        sup = ", ".join(f"{R.t('activation.reason.' + k, lang)}: {v}" for k, v in sorted(r.suppressed.items()))
        tab.add_row(r.automation_id, f"{r.candidates:,}", f"{r.sent:,}", f"{r.failed:,}", f"{r.deferred:,}", sup or "0")
    R.console.print(tab)
    for r in results:
        if r.error:
            R.error(f"{r.automation_id}: {r.error}")


@automations_app.command("run")
@_boundary
def automations_run(
    once: Annotated[bool, typer.Option("--once", help="Run every enabled automation once, then exit.")] = False,
    interval: Annotated[float, typer.Option("--interval", min=5, help="Seconds between rounds without --once.")] = 60,
    now: Annotated[
        str | None, typer.Option("--now", help="Pretend it is this time (ISO; for backfills/tests).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Evaluate only: send and write nothing.")] = False,
    workspace: Workspace = None,
    as_json: AsJson = False,
) -> None:
    """Run the automations (SMTP from CENTRIC_SMTP_*; links from CENTRIC_BASE_URL)."""
    from centric.activation import run_automations

    s = _ctx(workspace)
    while True:
        with _open(s) as store:
            ch = _channels(s)
            try:
                results = run_automations(store, s, _when(now, s.timezone), channels=ch, dry_run=dry_run)
            finally:
                close = getattr(ch.email, "close", None)
                if close is not None:
                    close()
        if as_json:
            typer.echo(json.dumps([r.to_dict() for r in results], ensure_ascii=False))
        else:
            _print_results(results, s.lang)
        if once:
            return
        time.sleep(interval)


@automations_app.command("report")
@_boundary
def automations_report(
    automation_id: Annotated[str, typer.Argument(help="Automation id.")],
    now: Annotated[str | None, typer.Option("--now", help="Evaluate as of this time (ISO).")] = None,
    workspace: Workspace = None,
    as_json: AsJson = False,
) -> None:
    """Messages by status and the uplift: conversion of treated − held-out customers, with a 95% interval."""
    from centric.activation import automation_report, get_automation

    s = _ctx(workspace)
    with _open(s) as store:
        rep = automation_report(store, get_automation(store, automation_id), now=_when(now, s.timezone))
    if as_json:
        typer.echo(json.dumps(rep, ensure_ascii=False, default=str))
        return
    R.console.print(f"[bold]{automation_id}[/bold] — messages: {rep['messages']}")
    tr, ho = rep["treated"], rep["holdout"]
    R.console.print(
        f"treated {tr['converted']}/{tr['n']} · {R.t('activation.cli.holdout', s.lang)} "
        f"{ho['converted']}/{ho['n']} · pending {rep['pending']}"
    )
    if rep["uplift"] is not None:
        lo, hi = rep["interval"]
        R.console.print(
            f"{R.t('activation.cli.uplift', s.lang)}: {rep['uplift'] * 100:+.1f} pp "
            f"(95%: {lo * 100:+.1f} … {hi * 100:+.1f} pp, Newcombe)"
        )


# -- e-mail ---------------------------------------------------------------------------------------
@email_app.command("template")
@_boundary
def email_template(
    sample: Annotated[Path, typer.Option("--sample", help="A sample e-mail (text or HTML; 'Subject:' first line).")],
    name: Annotated[str, typer.Option("--name", help="Template name.")],
    template_id: Annotated[str | None, typer.Option("--id")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="Language of added lines: vi or en.")] = None,
    workspace: Workspace = None,
) -> None:
    """Turn a sample e-mail into a template (honorific greeting, products, persona line, unsubscribe link)."""
    from centric.activation import save_template, template_from_sample

    s = _ctx(workspace)
    if not sample.exists():
        raise InputError(f"The sample file {str(sample)!r} does not exist.")
    subject, text, html = template_from_sample(sample.read_text("utf-8"), lang=lang or s.lang)
    with _open(s) as store:
        tpl = save_template(store, name, subject, text, html, template_id=template_id)
    R.console.print(f"{R.t('activation.cli.saved', s.lang)}: [bold]{tpl.template_id}[/bold]")
    R.console.print(f"Subject: {subject}", markup=False)
    R.console.print(text or html or "", markup=False)


@email_app.command("preview")
@_boundary
def email_preview(
    template_id: Annotated[str, typer.Option("--template", help="Template id.")],
    customer: Annotated[list[str] | None, typer.Option("--customer", help="Customer id (repeatable).")] = None,
    n: Annotated[int, typer.Option("--n", min=1, max=50, help="Customers with e-mail consent to preview.")] = 3,
    html: Annotated[bool, typer.Option("--html", help="Print the HTML part instead of the text.")] = False,
    workspace: Workspace = None,
) -> None:
    """Render the template for real customers (nothing is sent or logged)."""
    from centric.activation import customer_contexts, get_template, prefs_link, render_email
    from centric.activation._mail import SMTPConfig
    from centric.privacy import allowed_customers

    s = _ctx(workspace)
    cfg = SMTPConfig.from_env()
    with _open(s) as store:
        tpl = get_template(store, template_id)
        ids = list(customer or [])
        if not ids:
            ok = allowed_customers(store, "marketing_email").order_by("customer_id").limit(n).execute()
            ids = list(ok["customer_id"])
        ctxs = customer_contexts(
            store, ids, lang=s.lang, prefs_url=prefs_link(s.secret(), cfg.base_url), brand=cfg.brand
        )
        for cid in ids:
            em = render_email(tpl.subject, tpl.text, tpl.html, ctxs[cid])
            R.console.rule(cid)
            R.console.print(f"Subject: {em.subject}", markup=False)
            R.console.print(em.html if html else em.text, markup=False)


@email_app.command("send")
@_boundary
def email_send(
    template_id: Annotated[str, typer.Option("--template", help="Template id.")],
    audience_id: Annotated[str, typer.Option("--audience", help="Audience id.")],
    campaign: Annotated[str, typer.Option("--campaign", help="Campaign key: the same key never sends twice.")],
    holdout: Annotated[
        float, typer.Option("--holdout", min=0.0, max=0.9, help="Share held out to measure uplift.")
    ] = 0.0,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count only.")] = False,
    now: Annotated[str | None, typer.Option("--now", help="Pretend it is this time (ISO).")] = None,
    workspace: Workspace = None,
    as_json: AsJson = False,
) -> None:
    """Send a template to an audience once per campaign (consent, quiet hours, caps apply)."""
    from centric.activation import send_campaign

    s = _ctx(workspace)
    with _open(s) as store:
        ch = _channels(s)
        try:
            res = send_campaign(
                store,
                template_id,
                audience_id,
                ch,
                campaign=campaign,
                now=_when(now, s.timezone),
                holdout=holdout,
                dry_run=dry_run,
            )
        finally:
            close = getattr(ch.email, "close", None)
            if close is not None:
                close()
    if as_json:
        typer.echo(json.dumps(res.to_dict(), ensure_ascii=False))
    else:
        _print_results([res], s.lang)
