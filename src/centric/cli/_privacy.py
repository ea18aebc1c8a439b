"""Privacy commands: ``centric audit|consent|rights|breach|privacy ...`` (thin: parse → core → print).

* ``centric audit verify [--head HASH]``           check the audit chain (exit 1 when broken)
* ``centric consent show|grant|withdraw|link``      the consent ledger and the preference-centre link
* ``centric rights new|verify|ack|extend|complete|reject|list [--due]|export``  requests with legal clocks
* ``centric privacy erase|restrict|lift|docs``      erasure with certificate, restriction, documents
* ``centric breach new|list|notice|notified``       the breach register (72-hour countdown)
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from centric.cli import _render as R

__all__ = ["register_privacy"]

WorkspaceOpt = Annotated[Path | None, typer.Option("--workspace", "-w", help="Workspace folder.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
consent_app = typer.Typer(help="The consent ledger (per purpose, append-only).", no_args_is_help=True)
rights_app = typer.Typer(help="Data-subject rights requests with the legal clocks.", no_args_is_help=True)
privacy_app = typer.Typer(help="Erasure, restriction and privacy documents.", no_args_is_help=True)


def register_privacy(app: typer.Typer) -> None:
    """Add the privacy sub-commands to the main app."""
    from centric.cli._breach import breach_app

    for name, sub in (("audit", audit_app), ("consent", consent_app), ("rights", rights_app),
                      ("privacy", privacy_app), ("breach", breach_app)):
        app.add_typer(sub, name=name)


def _boundary(fn: Any) -> Any:
    from centric.cli import _boundary as boundary

    return boundary(fn)


def _settings(workspace: Path | None) -> Any:
    from centric.cli import _settings as settings

    return settings(workspace)


def _store(workspace: Path | None) -> tuple[Any, Any]:
    from centric.store import connect

    s = _settings(workspace)
    return s, connect(s.store_url)


def _actor() -> str:
    try:
        return "cli:" + getpass.getuser()
    except Exception:  # pragma: no cover - no user name in some containers
        return "cli"


def _echo(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


# ---------------------------------------------------------------------------------------- audit
@audit_app.command("verify")
@_boundary
def audit_verify(
    head: Annotated[str | None, typer.Option("--head", help="Head hash recorded earlier (finds a cut tail).")] = None,
    as_json: JsonOpt = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Check every row of the audit chain; exit 1 and name the rows when any was edited, removed or moved."""
    from centric.privacy import audit_head, verify_audit

    _, store = _store(workspace)
    with store:
        problems = verify_audit(store, expected_head=head)
        seq, h = audit_head(store)
    if as_json:
        _echo({"ok": not problems, "problems": problems, "rows": seq, "head": h})
    else:
        for p in problems:
            R.error(p)
        if not problems:
            R.console.print(f"[green]Audit log intact / Nhật ký nguyên vẹn[/green]: {seq} rows, head {h}")
    if problems:
        raise typer.Exit(1)


# -------------------------------------------------------------------------------------- consent
@consent_app.command("show")
@_boundary
def consent_show(customer_id: str, as_json: JsonOpt = False, workspace: WorkspaceOpt = None) -> None:
    """The customer's current consent for every purpose."""
    from centric.privacy import consent_overview

    _, store = _store(workspace)
    with store:
        rows = consent_overview(store, customer_id)
    if as_json:
        _echo(rows)
        return
    for r in rows:
        R.console.print(f"{r['purpose']:<20} {r['status']:<10} {r['recorded_at'] or ''}")


def _change(customer_id: str, purpose: str, status: str, method: str, lang: str, notice: str | None,
            workspace: Path | None) -> None:
    from centric.privacy import record_consent
    from centric.privacy._ledger import DEFAULT_NOTICE

    _, store = _store(workspace)
    with store:
        ch = record_consent(store, customer_id, purpose, status, method=method, actor=_actor(), language=lang,
                            notice_version=notice or DEFAULT_NOTICE)
    R.console.print(f"{ch.message}" + (f" ({ch.consent_id})" if ch.consent_id else ""))


@consent_app.command("grant")
@_boundary
def consent_grant(customer_id: str, purpose: str,
                  method: Annotated[str, typer.Option(help="How it was given (written, verbal …).")] = "written",
                  lang: Annotated[str, typer.Option(help="Language of the notice shown.")] = "vi",
                  notice: Annotated[str | None, typer.Option(help="Notice version shown.")] = None,
                  workspace: WorkspaceOpt = None) -> None:
    """Record a consent the customer gave (with the notice they saw)."""
    _change(customer_id, purpose, "granted", method, lang, notice, workspace)


@consent_app.command("withdraw")
@_boundary
def consent_withdraw(customer_id: str, purpose: str,
                     method: Annotated[str, typer.Option(help="How it was withdrawn.")] = "written",
                     lang: Annotated[str, typer.Option(help="Language.")] = "vi",
                     workspace: WorkspaceOpt = None) -> None:
    """Record a withdrawal; it takes effect at once (no further messages or profiling)."""
    _change(customer_id, purpose, "withdrawn", method, lang, None, workspace)


@consent_app.command("link")
@_boundary
def consent_link(customer_id: str,
                 base_url: Annotated[str, typer.Option(help="Public address of 'centric serve'.")] = "http://127.0.0.1:8000",
                 days: Annotated[int, typer.Option(help="Days the link stays valid.")] = 90,
                 workspace: WorkspaceOpt = None) -> None:
    """Print the customer's signed preference-centre link."""
    from centric._tokens import sign
    from centric.privacy._ledger import ensure_customer

    s, store = _store(workspace)
    with store:
        ensure_customer(store, customer_id)
    typer.echo(f"{base_url.rstrip('/')}/p/{sign(s.secret(), 'prefs', {'c': customer_id}, ttl_days=days)}")


# --------------------------------------------------------------------------------------- rights
@rights_app.command("new")
@_boundary
def rights_new(
    kind: Annotated[str, typer.Argument(help="access, rectification, erasure, restriction, objection, withdrawal")],
    customer_id: str,
    mode: Annotated[str, typer.Option(help="pdp (Decree 356), gdpr or legacy72.")] = "pdp",
    processor: Annotated[bool, typer.Option("--processor", help="A processor must act (20 days).")] = False,
    purpose: Annotated[list[str] | None, typer.Option("--purpose", help="Purposes to withdraw (withdrawal).")] = None,
    field: Annotated[list[str] | None, typer.Option("--field", help="field=value to correct (rectification).")] = None,
    channel: Annotated[str, typer.Option(help="Where it came in (cli, email, store, phone, web).")] = "cli",
    as_json: JsonOpt = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Record a new request and print its deadlines."""
    from centric.privacy import open_request

    details: dict[str, Any] = {}
    if purpose:
        details["purposes"] = list(purpose)
    if field:
        bad = [f for f in field if "=" not in f]
        if bad:
            raise typer.BadParameter(f"{bad[0]!r} is not field=value.", param_hint="--field")
        details["fields"] = dict(f.split("=", 1) for f in field)
    s, store = _store(workspace)
    with store:
        row = open_request(store, kind, customer_id, actor=_actor(), mode=mode, processor=processor, channel=channel,
                           details=details, tz=s.timezone)
    if as_json:
        _echo(row)
        return
    R.console.print(f"{row['request_id']}: acknowledge by {row['ack_due']:%Y-%m-%d %H:%M} UTC, "
                    f"complete by {row['due_at']:%Y-%m-%d %H:%M} UTC ({mode})")


def _step(fn_name: str, request_id: str, workspace: Path | None, **kw: Any) -> dict[str, Any]:
    import centric.privacy as P

    _, store = _store(workspace)
    with store:
        row: dict[str, Any] = getattr(P, fn_name)(store, request_id, actor=_actor(), **kw)
    R.console.print(f"{request_id}: {row['status']}")
    return row


@rights_app.command("verify")
@_boundary
def rights_verify(request_id: str,
                  method: Annotated[str, typer.Option(help="signed_link, otp_email, otp_phone, id_document, in_person, "
                                                            "logged_in_account")],
                  workspace: WorkspaceOpt = None) -> None:
    """Record how the requester's identity was checked (needed before completion)."""
    _step("verify_identity", request_id, workspace, method=method)


@rights_app.command("ack")
@_boundary
def rights_ack(request_id: str, workspace: WorkspaceOpt = None) -> None:
    """Mark the request acknowledged."""
    _step("acknowledge", request_id, workspace)


@rights_app.command("extend")
@_boundary
def rights_extend(request_id: str, reason: Annotated[str, typer.Option(help="Told to the requester.")],
                  workspace: WorkspaceOpt = None) -> None:
    """Use the one extension the law allows."""
    _step("extend", request_id, workspace, reason=reason)


@rights_app.command("reject")
@_boundary
def rights_reject(request_id: str, reason: Annotated[str, typer.Option(help="Why.")],
                  workspace: WorkspaceOpt = None) -> None:
    """Close the request without carrying it out."""
    _step("reject", request_id, workspace, reason=reason)


@rights_app.command("complete")
@_boundary
def rights_complete(request_id: str,
                    out: Annotated[Path | None, typer.Option(help="Folder for an access bundle.")] = None,
                    workspace: WorkspaceOpt = None) -> None:
    """Carry the request out (export, erase, restrict, withdraw …) and close it."""
    from centric.privacy import complete

    s, store = _store(workspace)
    with store:
        outcome = complete(store, request_id, actor=_actor(), secret=s.secret(), workspace=s.workspace, out_dir=out)
    _echo(outcome)


@rights_app.command("list")
@_boundary
def rights_list(due: Annotated[bool, typer.Option("--due", help="Only open requests due in 3 days or late.")] = False,
                as_json: JsonOpt = False, workspace: WorkspaceOpt = None) -> None:
    """Requests with their next deadline and a reminder."""
    from centric.privacy import list_requests

    _, store = _store(workspace)
    with store:
        df = list_requests(store, due=due)
    cols = ["request_id", "customer_id", "kind", "status", "mode", "deadline", "reminder"]
    if as_json:
        _echo(json.loads(df[cols].to_json(orient="records", date_format="iso")) if len(df) else [])
        return
    if df.empty:
        R.console.print("No requests / Không có yêu cầu nào.")
    for r in df[cols].itertuples(index=False):
        R.console.print(" · ".join(str(v) for v in r))


@rights_app.command("export")
@_boundary
def rights_export(customer_id: str, out: Annotated[Path, typer.Option(help="Folder for the bundle.")],
                  workspace: WorkspaceOpt = None) -> None:
    """Write everything held about a customer (JSON, CSV, HTML vi/en)."""
    from centric.privacy import export_bundle

    _, store = _store(workspace)
    with store:
        _echo(export_bundle(store, customer_id, out, actor=_actor()))


# -------------------------------------------------------------------------------------- privacy
@privacy_app.command("erase")
@_boundary
def privacy_erase(customer_id: str,
                  yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone.")] = False,
                  request: Annotated[str | None, typer.Option(help="The rights request it fulfils.")] = None,
                  workspace: WorkspaceOpt = None) -> None:
    """Erase a customer everywhere (store, files), suppress re-imports, write the certificate."""
    from centric.privacy import erase_customer

    if not yes:
        raise typer.BadParameter("erasure cannot be undone; pass --yes to confirm.", param_hint="--yes")
    s, store = _store(workspace)
    with store:
        cert = erase_customer(store, customer_id, secret=s.secret(), workspace=s.workspace, actor=_actor(),
                              request_id=request)
    R.console.print(f"Erased / Đã xoá {customer_id}: {cert['rows_deleted']} rows; certificate "
                    f"{s.workspace / 'privacy' / 'certificates' / (cert['certificate_id'] + '.json')}")
    hits = cert.get("residual_scan", {}).get("hits")
    if hits:
        R.error(f"Residual matches in files (check them): {json.dumps(hits, ensure_ascii=False)}")


@privacy_app.command("restrict")
@_boundary
def privacy_restrict(customer_id: str, reason: Annotated[str | None, typer.Option()] = None,
                     workspace: WorkspaceOpt = None) -> None:
    """Restrict processing (kept, excluded from everything else) until lifted."""
    from centric.privacy import restrict

    _, store = _store(workspace)
    with store:
        rid = restrict(store, customer_id, actor=_actor(), reason=reason)
    R.console.print(f"{customer_id}: restricted ({rid})")


@privacy_app.command("lift")
@_boundary
def privacy_lift(customer_id: str, workspace: WorkspaceOpt = None) -> None:
    """Lift a restriction."""
    from centric.privacy import lift_restriction

    _, store = _store(workspace)
    with store:
        lift_restriction(store, customer_id, actor=_actor())
    R.console.print(f"{customer_id}: restriction lifted")


@privacy_app.command("docs")
@_boundary
def privacy_docs(out: Annotated[Path, typer.Option(help="Folder to write into.")],
                 controller: Annotated[str, typer.Option(help="Controller name and address.")] = "<controller>",
                 contact: Annotated[str, typer.Option(help="DPO / contact point.")] = "<DPO contact>",
                 workspace: WorkspaceOpt = None) -> None:
    """Write the records of processing and the draft impact-assessment dossier (vi/en, Markdown + HTML)."""
    from centric.privacy import dpia_dossier, records_of_processing
    from centric.privacy._documents import to_html

    _, store = _store(workspace)
    with store:
        n = int(store.table("customers").count().execute())
    out.mkdir(parents=True, exist_ok=True)
    for lang in ("vi", "en"):
        ropa = records_of_processing(lang, controller=controller, contact=contact)
        for name, text in (("records-of-processing", ropa),
                           ("impact-assessment", dpia_dossier(lang, controller=controller, contact=contact,
                                                               n_subjects=n))):
            (out / f"{name}.{lang}.md").write_text(text, encoding="utf-8")
            (out / f"{name}.{lang}.html").write_text(to_html(text, lang), encoding="utf-8")
    R.console.print(f"Wrote 8 files to {out}")
