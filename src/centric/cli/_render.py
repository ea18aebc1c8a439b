"""Every Rich table, progress bar and colour of the CLI lives here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from centric.i18n import fmt_money, fmt_number, fmt_percent, t

__all__ = ["RichProgress", "callback_progress", "console", "error", "fmt_money", "import_table", "mapping_table", "summary_table", "t"]

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class _RichTask:
    def __init__(self, progress: Progress, task_id: Any, description: str) -> None:
        self._p, self._id, self._desc = progress, task_id, description
        self.notes: list[str] = []

    def advance(self, n: int = 1) -> None:
        self._p.advance(self._id, n)

    def note(self, text: str) -> None:
        self.notes.append(text)


class RichProgress:
    """The core's Progress protocol rendered with Rich bars; each step prints its numbers."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet

    @contextmanager
    def task(self, description: str, total: int | None = None) -> Iterator[_RichTask]:
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=console, transient=True, disable=self.quiet,
        ) as p:
            tid = p.add_task(description, total=total)
            task = _RichTask(p, tid, description)
            yield task
        if not self.quiet:
            notes = "; ".join(task.notes)
            console.print(f"[green]✓[/green] {description}" + (f" — {notes}" if notes else ""))


def callback_progress(task: _RichTask) -> Any:
    """Adapt a task to the ``progress(advance)`` callables used by ingest and demo."""

    def _cb(advance: int = 1, *_: Any, **__: Any) -> None:
        task.advance(advance)

    return _cb


def import_table(reports: list[dict[str, Any]], lang: str) -> Table:
    table = Table(title=t("report.quality.imports", lang))
    for key in ("col.file", "col.table", "col.read", "col.stored", "col.merged", "col.quarantined", "col.blank",
                "col.suppressed"):
        table.add_column(t(key, lang), justify="left" if key in ("col.file", "col.table") else "right")
    for r in reports:
        name = str(r.get("path", "")).rsplit("/", 1)[-1]
        table.add_row(
            name, r["table"], *(fmt_number(r.get(k, 0), lang) for k in
                                ("rows_read", "rows_stored", "rows_merged", "rows_quarantined", "rows_blank",
                                 "rows_suppressed"))
        )
    return table


def mapping_table(mapping: dict[str, str], title: str) -> Table:
    table = Table(title=title)
    table.add_column("file header")
    table.add_column("→ column")
    for k, v in mapping.items():
        table.add_row(k, str(v))
    return table


def _value(m: dict[str, Any], v: float | None, lang: str) -> str:
    if v is None:
        return "—"
    unit = m.get("unit", "")
    if unit == "%":
        return fmt_percent(v, lang)
    if unit == "VND":
        return fmt_money(v, lang)
    return fmt_number(v, lang, 1 if unit in ("score", "index 0–100") else 2)


def summary_table(summary: dict[str, Any], lang: str) -> Table:
    table = Table(title=t("cli.summary", lang))
    for key in ("col.metric", "col.value", "col.interval", "label.n"):
        table.add_column(t(key, lang), justify="left" if key == "col.metric" else "right")
    for key, m in summary.get("headline", {}).items():
        if m.get("suppressed"):
            value, interval = "—", t("label.suppressed", lang)
        else:
            value = _value(m, m.get("value"), lang) + (" ⚠" if m.get("small_sample") else "")
            interval = (f"{_value(m, m['low'], lang)} … {_value(m, m['high'], lang)}"
                        if m.get("low") is not None else "")
        table.add_row(t(f"metric.{key}", lang), value, interval, fmt_number(m.get("n", 0), lang))
    return table


def error(message: str) -> None:
    err_console.print(f"[bold red]Error:[/bold red] {message}")
