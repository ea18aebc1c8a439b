"""``centric serve``, ``centric users …`` and ``centric keys …``: run the web app and manage who may use it.

The server owns the store file while it runs (DuckDB has one writer): create users and keys
before starting it, or stop it first.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from centric.cli import _render as R

__all__ = ["keys_app", "register", "serve", "users_app"]

users_app = typer.Typer(help="Users of the web app (roles: admin, analyst, viewer).", no_args_is_help=True)
keys_app = typer.Typer(help="API keys for the JSON API (scopes: ingest, read, admin).", no_args_is_help=True)

WorkspaceOpt = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", help="Workspace folder (default: $CENTRIC_WORKSPACE or ./centric-workspace)."),
]


def serve(
    workspace: WorkspaceOpt = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (0.0.0.0: every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log", help="Log every request.")] = False,
) -> None:
    """Serve the web app and the JSON API over the workspace (refuses to start with an insecure secret)."""
    from centric.cli import _boundary, _settings

    @_boundary
    def run() -> None:
        import uvicorn

        from centric.i18n import t
        from centric.web import create_app

        s = _settings(workspace)
        if not s.workspace.is_dir():
            from centric.exceptions import ConfigError

            raise ConfigError(t("webapi.serve.no_workspace", s.lang).format(ws=s.workspace))
        app = create_app(s, schedule_every=60.0)  # ConfigError for a missing or weak secret
        R.console.print(t("webapi.serve.listening", s.lang).format(host=host, port=port, ws=s.workspace))
        uvicorn.run(app, host=host, port=port, access_log=access_log, log_level="info",
                    timeout_graceful_shutdown=10)

    run()


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password / Mật khẩu", hide_input=True, confirmation_prompt=True))


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option("--email", help="Login e-mail.")],
    role: Annotated[str, typer.Option("--role", help="admin, analyst or viewer.")] = "viewer",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin (one line).")
    ] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Create a user; asks for the password (there is no default password)."""
    from centric.cli import _boundary, _open, _settings

    @_boundary
    def run() -> None:
        from centric.i18n import t
        from centric.web._accounts import create_user

        s = _settings(workspace)
        password = _read_password(password_stdin)
        with _open(s) as store:
            user = create_user(store, email=email, role=role, password=password)
        R.console.print(t("webapi.users.created", s.lang).format(email=user.email, role=user.role))

    run()


@users_app.command("list")
def users_list(workspace: WorkspaceOpt = None) -> None:
    """List users (never their password hashes)."""
    from centric.cli import _boundary, _open, _settings

    @_boundary
    def run() -> None:
        with _open(_settings(workspace)) as store:
            df = store.table("users").select("user_id", "email", "role", "created_at", "disabled_at") \
                .order_by("email").execute()
        typer.echo(json.dumps(df.astype(str).to_dict(orient="records"), indent=2, ensure_ascii=False))

    run()


@keys_app.command("create")
def keys_create(
    scope: Annotated[list[str], typer.Option("--scope", help="ingest, read or admin (repeat for several).")],
    created_by: Annotated[str | None, typer.Option("--created-by", help="Who the key is for (shown in lists).")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Create an API key and print it once (only its SHA-256 hash is stored)."""
    from centric.cli import _boundary, _open, _settings

    @_boundary
    def run() -> None:
        from centric.i18n import t
        from centric.web._accounts import create_key

        s = _settings(workspace)
        with _open(s) as store:
            key, rec = create_key(store, scopes=scope, created_by=created_by)
        R.console.print(t("webapi.keys.created", s.lang), style="bold")
        typer.echo(key)
        R.console.print(f"key_id={rec.key_id} scopes={' '.join(sorted(rec.scopes))}")

    run()


@keys_app.command("list")
def keys_list(workspace: WorkspaceOpt = None) -> None:
    """List API keys (prefix, scopes, last use; never the key)."""
    from centric.cli import _boundary, _open, _settings

    @_boundary
    def run() -> None:
        with _open(_settings(workspace)) as store:
            t = store.table("api_keys")
            df = t.select("key_id", "prefix", "scopes", "created_by", "created_at", "last_used_at", "revoked_at") \
                .order_by("created_at").execute()
        typer.echo(json.dumps(df.astype(str).to_dict(orient="records"), indent=2, ensure_ascii=False))

    run()


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key_id shown by 'centric keys list'.")],
                workspace: WorkspaceOpt = None) -> None:
    """Revoke an API key (a running server notices within 5 seconds)."""
    from centric.cli import _boundary, _open, _settings

    @_boundary
    def run() -> None:
        from centric.exceptions import InputError
        from centric.i18n import t
        from centric.web._accounts import revoke_key

        s = _settings(workspace)
        with _open(s) as store:
            if not revoke_key(store, key_id):
                raise InputError(f"No live API key with key_id {key_id!r}. See 'centric keys list'.")
        R.console.print(t("webapi.keys.revoked", s.lang).format(key_id=key_id))

    run()


def register(app: typer.Typer) -> None:
    """Add ``serve``, ``users`` and ``keys`` to the ``centric`` command."""
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")
    app.add_typer(keys_app, name="keys")
