"""``centric surveys list | link | define | alerts``: survey definitions, signed links, closed-loop numbers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from centric.cli import _render as R
from centric.exceptions import InputError
from centric.i18n import t


def _boundary(fn: Any) -> Any:
    from centric.cli import _boundary as boundary

    return boundary(fn)


surveys_app = typer.Typer(help="Surveys: definitions, signed links for customers, alerts.", no_args_is_help=True)

WorkspaceOpt = Annotated[Path | None, typer.Option("--workspace", "-w", help="Workspace folder.")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="Language: vi or en.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _ctx(workspace: Path | None, lang: str | None) -> tuple[Any, str]:
    from centric.cli import _lang, _settings

    s = _settings(workspace)
    return s, _lang(lang, s)


@surveys_app.command("list")
@_boundary
def list_(workspace: WorkspaceOpt = None, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """List the surveys (built-in and custom) with their questions."""
    from centric.cli import _open
    from centric.surveys import list_surveys

    s, lang = _ctx(workspace, lang)
    with _open(s) as store:
        surveys = list_surveys(store)
    if as_json:
        typer.echo(json.dumps([sv.to_dict() for sv in surveys], ensure_ascii=False, indent=2))
        return
    table = Table(title="Surveys" if lang == "en" else "Khảo sát")
    for key in ("id", "title", "questions", "instruments", "consent"):
        table.add_column(t(f"surveys.cli.{key}", lang))
    for sv in surveys:
        table.add_row(sv.id, sv.title[lang], str(len(sv.questions)),
                      ", ".join(sorted({f"{q.instrument} {q.instrument_version}" for q in sv.questions})),
                      sv.purpose or "—")
    R.console.print(table)


@surveys_app.command("link")
@_boundary
def link(
    survey: Annotated[str, typer.Option("--survey", "-s", help="Survey id (see 'centric surveys list').")],
    customer: Annotated[str, typer.Option("--customer", "-c", help="customer_id of the person the link is for.")],
    base_url: Annotated[str, typer.Option("--base-url", help="Where 'centric serve' is reachable.")] = "http://127.0.0.1:8000",
    days: Annotated[float, typer.Option("--days", help="Days the link stays valid.", min=1)] = 90,
    workspace: WorkspaceOpt = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print a customer's signed survey link and the one-click e-mail snippet."""
    from centric.cli import _open
    from centric.surveys import email_snippet, get_survey, one_click_links, survey_link, survey_token

    s, lang = _ctx(workspace, lang)
    secret = s.secret()
    with _open(s) as store:
        sv = get_survey(store, survey)
        c = store.table("customers")
        if not c.filter(c.customer_id == customer).count().execute():
            raise InputError(f"Unknown customer {customer!r}: no row in 'customers' has that customer_id.")
    token = survey_token(secret, sv.id, customer, ttl_days=days)
    url = survey_link(base_url, sv.id, token, lang=lang)
    clicks = one_click_links(base_url, sv, token, lang=lang) if sv.one_click else []
    snippet = email_snippet(sv, clicks, lang=lang) if clicks else ""
    if as_json:
        typer.echo(json.dumps({"survey": sv.id, "customer_id": customer, "link": url,
                               "one_click": {str(k): v for k, v in clicks}, "email_html": snippet},
                              ensure_ascii=False, indent=2))
        return
    typer.echo(f"{t('surveys.cli.link', lang)}:\n{url}")
    if snippet:
        typer.echo(f"\n{t('surveys.cli.snippet', lang)}:\n{snippet}")


@surveys_app.command("define")
@_boundary
def define(
    path: Annotated[Path, typer.Argument(help="JSON file with the survey definition (see docs/surveys.md).")],
    workspace: WorkspaceOpt = None,
) -> None:
    """Store a custom survey definition (the same id again replaces it)."""
    from centric.cli import _open
    from centric.surveys import define_survey

    if not path.exists():
        raise InputError(f"File not found: {str(path)!r}.")
    try:
        data = json.loads(path.read_text("utf-8"))
    except ValueError as exc:
        raise InputError(f"{str(path)!r} is not valid JSON: {exc}.") from None
    s, _ = _ctx(workspace, None)
    with _open(s) as store:
        sv = define_survey(store, data, by="cli")
    typer.echo(f"Survey {sv.id!r} stored ({len(sv.questions)} questions).")


@surveys_app.command("alerts")
@_boundary
def alerts(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Closed-loop numbers: alerts, open ones, and time to first response."""
    from centric.cli import _open
    from centric.surveys import alert_stats

    s, _ = _ctx(workspace, None)
    with _open(s) as store:
        st = alert_stats(store)
    typer.echo(json.dumps(st.to_dict(), indent=2) if as_json else
               "  ".join(f"{k}={'—' if v is None else round(v, 2) if isinstance(v, float) else v}"
                         for k, v in st.to_dict().items()))
