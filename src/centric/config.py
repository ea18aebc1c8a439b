"""Settings for the faces (CLI, web app); the core takes explicit arguments instead.

| variable | default | meaning |
|---|---|---|
| ``CENTRIC_WORKSPACE`` | ``./centric-workspace`` | folder with the store, exports and report |
| ``CENTRIC_STORE`` | ``duckdb:///<workspace>/centric.duckdb`` | store URL (``spark://local`` for Spark) |
| ``CENTRIC_LANG`` | ``vi`` | language of the report and messages (``vi`` or ``en``) |
| ``CENTRIC_TIMEZONE`` | ``Asia/Ho_Chi_Minh`` | workspace time zone for dates without an offset |
| ``CENTRIC_CURRENCY`` | ``VND`` | currency of amounts without one |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

__all__ = ["SETTINGS_DOC", "Settings", "load_settings"]

SETTINGS_DOC = {
    "CENTRIC_WORKSPACE": "folder with the store, exports and report",
    "CENTRIC_STORE": "store URL (duckdb:///path/centric.duckdb or spark://local)",
    "CENTRIC_LANG": "language of the report and messages (vi or en)",
    "CENTRIC_TIMEZONE": "workspace time zone for dates without an offset",
    "CENTRIC_CURRENCY": "currency of amounts without one",
}


@dataclass(frozen=True)
class Settings:
    """Where the workspace is and how to read data."""

    workspace: Path
    store_url: str
    lang: str = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    currency: str = "VND"

    @property
    def report_dir(self) -> Path:
        """Where the report is written."""
        return self.workspace / "report"

    def with_workspace(self, workspace: Path) -> Settings:
        """The same settings for another workspace (the store moves with it unless set explicitly)."""
        url = os.environ.get("CENTRIC_STORE") or f"duckdb://{workspace.resolve()}/centric.duckdb"
        return replace(self, workspace=workspace, store_url=url)


def load_settings() -> Settings:
    """Read settings from the environment."""
    ws = Path(os.environ.get("CENTRIC_WORKSPACE", "centric-workspace"))
    url = os.environ.get("CENTRIC_STORE") or f"duckdb://{ws.resolve()}/centric.duckdb"
    return Settings(
        workspace=ws,
        store_url=url,
        lang=os.environ.get("CENTRIC_LANG", "vi"),
        timezone=os.environ.get("CENTRIC_TIMEZONE", "Asia/Ho_Chi_Minh"),
        currency=os.environ.get("CENTRIC_CURRENCY", "VND"),
    )
