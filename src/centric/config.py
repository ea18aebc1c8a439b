"""Settings for the faces (CLI, web app); the core takes explicit arguments instead.

| variable | default | meaning |
|---|---|---|
| ``CENTRIC_WORKSPACE`` | ``./centric-workspace`` | folder with the store, exports and report |
| ``CENTRIC_STORE`` | ``duckdb:///<workspace>/centric.duckdb`` | store URL (``spark://local`` for Spark) |
| ``CENTRIC_LANG`` | ``vi`` | language of the report and messages (``vi`` or ``en``) |
| ``CENTRIC_TIMEZONE`` | ``Asia/Ho_Chi_Minh`` | workspace time zone for dates without an offset |
| ``CENTRIC_CURRENCY`` | ``VND`` | currency of amounts without one |
| ``CENTRIC_SECRET`` | ``<workspace>/.centric-secret`` | key for signed links and sessions (≥ 32 characters) |
"""

from __future__ import annotations

import os
import secrets as _secrets
from dataclasses import dataclass, replace
from pathlib import Path

from centric.exceptions import ConfigError

__all__ = ["SECRET_FILE", "SETTINGS_DOC", "Settings", "load_settings"]

SECRET_FILE = ".centric-secret"
MIN_SECRET = 32
WEAK_SECRETS = frozenset({"secret", "changeme", "password", "centric", "dev", "test"})

SETTINGS_DOC = {
    "CENTRIC_WORKSPACE": "folder with the store, exports and report",
    "CENTRIC_STORE": "store URL (duckdb:///path/centric.duckdb or spark://local)",
    "CENTRIC_LANG": "language of the report and messages (vi or en)",
    "CENTRIC_TIMEZONE": "workspace time zone for dates without an offset",
    "CENTRIC_CURRENCY": "currency of amounts without one",
    "CENTRIC_SECRET": "key for signed links and sessions, ≥ 32 characters (default: <workspace>/.centric-secret)",
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

    def secret(self, *, create: bool = False) -> bytes:
        """The key for signed links, sessions and pseudonyms.

        ``CENTRIC_SECRET`` wins; otherwise ``<workspace>/.centric-secret`` (32 random bytes, mode
        0600), written when ``create`` is true. A short or well-known secret is refused.
        """
        env = os.environ.get("CENTRIC_SECRET")
        if env is not None:
            if len(env) < MIN_SECRET or env.lower() in WEAK_SECRETS:
                raise ConfigError(
                    f"CENTRIC_SECRET is insecure: it has {len(env)} characters; use at least {MIN_SECRET} random "
                    "characters (e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')."
                )
            return env.encode("utf-8")
        path = self.workspace / SECRET_FILE
        if path.exists():
            key = path.read_bytes()
            if len(key) < MIN_SECRET:
                raise ConfigError(
                    f"The secret in {str(path)!r} has {len(key)} bytes; at least {MIN_SECRET} are needed."
                )
            return key
        if not create:
            raise ConfigError(
                f"No secret: set CENTRIC_SECRET or run 'centric init --workspace {self.workspace}' "
                f"to create {SECRET_FILE}."
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        key = _secrets.token_bytes(MIN_SECRET)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
        return key


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
