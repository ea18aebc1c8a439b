"""The ``centric`` command line: thin commands that call the core and render with Rich.

Exit codes: 0 success, 1 a Centric error (bad input, unreadable file …),
2 a usage error (unknown option, bad value of an option).
"""

from __future__ import annotations

import functools
import json
import pickle
import shutil
from pathlib import Path
from typing import Annotated, Any

import typer

from centric.cli import _render as R
from centric.config import Settings, load_settings
from centric.exceptions import CentricError, InputError

__all__ = ["app", "main"]

app = typer.Typer(
    name="centric",
    help="Centric: customer-centric intelligence on your own exports (DuckDB by default, Spark for scale).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DEMO_MARKER = ".centric-demo"
LATEST = "runs/latest.pkl"

WorkspaceOpt = Annotated[
    Path | None, typer.Option("--workspace", "-w", help="Workspace folder (default: $CENTRIC_WORKSPACE or ./centric-workspace).")
]
LangOpt = Annotated[str | None, typer.Option("--lang", help="Language of the report: vi or en.")]


def _boundary(fn: Any) -> Any:
    """Turn Centric errors into one red line and exit code 1 (the CLI's error boundary)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CentricError as exc:
            R.error(str(exc))
            raise typer.Exit(1) from None

    return wrapper


def _settings(workspace: Path | None) -> Settings:
    s = load_settings()
    return s.with_workspace(workspace) if workspace is not None else s


def _lang(lang: str | None, s: Settings) -> str:
    value = lang or s.lang
    if value not in ("vi", "en"):
        raise typer.BadParameter(f"{value!r} is not a language Centric speaks; use 'vi' or 'en'.", param_hint="--lang")
    return value


def _open(s: Settings) -> Any:
    from centric.store import connect

    return connect(s.store_url)


@app.command()
@_boundary
def init(workspace: WorkspaceOpt = None) -> None:
    """Create a workspace with an empty store."""
    s = _settings(workspace)
    s.workspace.mkdir(parents=True, exist_ok=True)
    s.secret(create=True)
    with _open(s) as store:
        R.console.print(f"Workspace [bold]{s.workspace}[/bold] ready; store {store.url} (schema v{store.schema_version}).")


@app.command("import")
@_boundary
def import_(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to import (CSV, XLSX, Parquet, JSONL).")],
    table: Annotated[str | None, typer.Option("--table", "-t", help="Canonical table (default: from the file name or headers).")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Source system name (default: from the file name).")] = None,
    mapping: Annotated[Path | None, typer.Option("--mapping", help="JSON or TOML file: {file header: column}.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Import files into the workspace store; every row ends stored, merged or quarantined."""
    from centric.ingest import import_paths

    s = _settings(workspace)
    for p in paths:
        if not p.exists():
            raise InputError(f"File not found: {str(p)!r}. Check the path (relative paths start at {Path.cwd()}).")
    with _open(s) as store:
        reports = import_paths(store, paths, table=table, source=source, mapping=mapping, timezone=s.timezone,
                               currency=s.currency, secret=s.secret(create=True))
    dicts = [r.to_dict() for r in reports]
    if as_json:
        typer.echo(json.dumps(dicts, ensure_ascii=False, indent=2, default=str))
        return
    for r in reports:
        R.console.print(R.mapping_table(r.mapping, f"{Path(r.path).name} → {r.table}"))
        if r.already_imported:
            R.console.print(f"[yellow]{Path(r.path).name} was imported before: nothing changed.[/yellow]")
    R.console.print(R.import_table(dicts, s.lang))


@app.command()
@_boundary
def analyze(
    data: Annotated[Path | None, typer.Option("--data", help="Import this folder of exports first.")] = None,
    lang: LangOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Analyse the store (identity, metrics, cohorts, CLV) and write the report."""
    s = _settings(workspace)
    lg = _lang(lang, s)
    s.workspace.mkdir(parents=True, exist_ok=True)
    progress = R.RichProgress()
    with _open(s) as store:
        if data is not None:
            _import_folder(store, data, s, progress)
        _analyze_and_report(store, s, lg, progress)


def _import_folder(store: Any, folder: Path, s: Settings, progress: Any) -> list[dict[str, Any]]:
    from centric.ingest import import_paths

    if not folder.exists():
        raise InputError(f"Folder not found: {str(folder)!r}.")
    with progress.task("Importing / Nhập dữ liệu") as task:
        reports = import_paths(store, [folder], timezone=s.timezone, currency=s.currency,
                               secret=s.secret(create=True), progress=R.callback_progress(task))
        read = sum(r.rows_read for r in reports)
        quarantined = sum(r.rows_quarantined for r in reports)
        task.note(f"{len(reports)} files, {read:,} rows read, {quarantined:,} quarantined")
    return [r.to_dict() for r in reports]


def _analyze_and_report(store: Any, s: Settings, lang: str, progress: Any) -> None:
    from centric.pipeline import analyze as run
    from centric.report import write_report

    results = run(store, tz=s.timezone, progress=progress)
    html, summary = write_report(results, s.report_dir, lang=lang)
    runs = s.workspace / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    with open(s.workspace / LATEST, "wb") as fh:
        pickle.dump(results, fh)
    R.console.print(R.summary_table(results.summary, lang))
    R.console.print(f"{R.t('cli.report', lang)}: [bold]{html}[/bold]")
    R.console.print(f"summary.json: {summary}")


@app.command()
@_boundary
def report(lang: LangOpt = None, workspace: WorkspaceOpt = None) -> None:
    """Write the report again from the last analysis (e.g. in the other language)."""
    from centric.report import write_report

    s = _settings(workspace)
    lg = _lang(lang, s)
    latest = s.workspace / LATEST
    if not latest.exists():
        raise InputError(f"No analysis found in {str(s.workspace)!r}. Run 'centric analyze' first.")
    with open(latest, "rb") as fh:
        results = pickle.load(fh)
    html, _ = write_report(results, s.report_dir, lang=lg)
    R.console.print(f"{R.t('cli.report', lg)}: [bold]{html}[/bold]")


@app.command()
@_boundary
def demo(
    scale: Annotated[float, typer.Option("--scale", min=0.001, max=100.0, help="Scale factor (1 ≈ 100k customers).")] = 0.05,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 42,
    lang: LangOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Generate the demo retailer's exports, import them, analyse, and write the report."""
    from centric.demo import generate

    s = _settings(workspace)
    lg = _lang(lang, s)
    ws = s.workspace
    if ws.exists() and any(ws.iterdir()) and not (ws / DEMO_MARKER).exists():
        raise InputError(
            f"{str(ws)!r} is a workspace with your own data; the demo will not overwrite it. "
            "Pass --workspace with a new folder."
        )
    if (ws / DEMO_MARKER).exists():
        shutil.rmtree(ws)
    ws.mkdir(parents=True, exist_ok=True)
    s.secret(create=True)
    (ws / DEMO_MARKER).write_text(f"scale={scale} seed={seed}\n", encoding="utf-8")
    progress = R.RichProgress()
    with progress.task(f"Generating demo retailer (SF {scale:g}) / Tạo dữ liệu mẫu") as task:
        world = generate(ws, scale=scale, seed=seed, progress=R.callback_progress(task))
        task.note(", ".join(f"{k}: {v:,}" for k, v in world.counts.items()))
    with _open(s) as store:
        _import_folder(store, world.exports_dir, s, progress)
        _analyze_and_report(store, s, lg, progress)


def _register_subcommands() -> None:
    from centric.cli._activation import audiences_app, automations_app, email_app
    from centric.cli._churn import churn_app
    from centric.cli._clv import clv_app
    from centric.cli._journeys import journeys_app
    from centric.cli._personas import personas_app
    from centric.cli._privacy import register_privacy
    from centric.cli._recommend import nba_app, recommend_app
    from centric.cli._serve import register as register_serve
    from centric.cli._surveys import surveys_app

    app.add_typer(clv_app, name="clv")
    app.add_typer(personas_app, name="personas")
    app.add_typer(churn_app, name="churn")
    app.add_typer(journeys_app, name="journeys")
    register_serve(app)  # serve, users, keys
    app.add_typer(surveys_app, name="surveys")
    app.add_typer(recommend_app, name="recommend")
    app.add_typer(nba_app, name="nba")
    app.add_typer(audiences_app, name="audiences")
    app.add_typer(automations_app, name="automations")
    app.add_typer(email_app, name="email")
    register_privacy(app)  # audit, consent, rights, privacy, breach


_register_subcommands()


def main() -> None:
    """Entry point of the ``centric`` console script."""
    app()
