"""Users (argon2 password hashes, roles) and API keys (SHA-256 hashes, scopes) in the store.

This module imports no web framework: the CLI (``centric users create``, ``centric keys create``)
and the web app share it. Callers hold the app's store lock around these functions.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from centric.exceptions import InputError
from centric.store import utcnow

__all__ = [
    "ROLES",
    "SCOPES",
    "ApiKey",
    "User",
    "create_key",
    "create_session",
    "create_user",
    "find_key",
    "find_user",
    "get_user",
    "hash_key",
    "revoke_key",
    "revoke_session",
    "role_at_least",
    "session_user",
    "touch_key",
    "verify_password",
]

ROLES = ("viewer", "analyst", "admin")  # in increasing order of rights
SCOPES = ("ingest", "read", "admin")
KEY_PREFIX = "ck_"
MIN_PASSWORD = 10

_hasher = PasswordHasher()
# a hash to verify against when the e-mail is unknown, so both cases take the same time
_DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))


@dataclass(frozen=True)
class User:
    """A person who logs in."""

    user_id: str
    email: str
    role: str


@dataclass(frozen=True)
class ApiKey:
    """A stored API key (never the key itself)."""

    key_id: str
    prefix: str
    scopes: frozenset[str]
    created_by: str | None

    def allows(self, scope: str) -> bool:
        """Whether this key may be used for ``scope`` (an admin key may do everything)."""
        return scope in self.scopes or "admin" in self.scopes


def role_at_least(role: str, needed: str) -> bool:
    """Whether ``role`` has at least the rights of ``needed`` (viewer < analyst < admin)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def _norm_email(email: str) -> str:
    e = (email or "").strip().lower()
    if "@" not in e or e.startswith("@") or e.endswith("@") or " " in e:
        raise InputError(f"The 'email' {email!r} is not an e-mail address (name@example.com). / E-mail không hợp lệ.")
    return e


def create_user(store: Any, *, email: str, role: str, password: str) -> User:
    """Add a user; the password is stored as an argon2id hash.

    Raises :class:`InputError` for a bad role, a short password or an e-mail already in use.
    """
    e = _norm_email(email)
    if role not in ROLES:
        raise InputError(f"The 'role' must be one of {list(ROLES)}. Got {role!r} instead.")
    if len(password or "") < MIN_PASSWORD:
        raise InputError(
            f"The password has {len(password or '')} characters; at least {MIN_PASSWORD} are needed. "
            f"/ Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự."
        )
    if _user_row(store, e) is not None:
        raise InputError(f"A user with e-mail {e!r} exists already. / Đã có người dùng với e-mail này.")
    user = User(user_id="u_" + uuid.uuid4().hex[:12], email=e, role=role)
    store.append("users", pd.DataFrame([{
        "user_id": user.user_id, "email": e, "role": role, "password_hash": _hasher.hash(password),
        "created_at": utcnow(), "disabled_at": None,
    }]))
    return user


def _user_row(store: Any, email: str) -> dict[str, Any] | None:
    t = store.table("users")
    df = t.filter(t.email == email).limit(1).execute()
    return None if df.empty else df.iloc[0].to_dict()


def verify_password(store: Any, *, email: str, password: str) -> User | None:
    """The user if ``email``/``password`` match an enabled account, else ``None`` (constant work)."""
    try:
        e = _norm_email(email)
    except InputError:
        e = ""
    row = _user_row(store, e) if e else None
    try:
        _hasher.verify(row["password_hash"] if row else _DUMMY_HASH, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None or not pd.isna(row.get("disabled_at")):
        return None
    return User(user_id=row["user_id"], email=row["email"], role=row["role"])


def get_user(store: Any, user_id: str) -> User | None:
    """An enabled user by id."""
    t = store.table("users")
    df = t.filter((t.user_id == user_id) & t.disabled_at.isnull()).limit(1).execute()
    if df.empty:
        return None
    r = df.iloc[0]
    return User(user_id=r["user_id"], email=r["email"], role=r["role"])


def find_user(store: Any, email: str) -> User | None:
    """A user by e-mail (enabled or not)."""
    row = _user_row(store, _norm_email(email))
    return None if row is None else User(user_id=row["user_id"], email=row["email"], role=row["role"])


def create_session(store: Any, user_id: str, *, keep_hours: float = 24.0 * 7) -> str:
    """Start a login session for ``user_id``; returns its random id (carried in the signed cookie).

    Sessions started more than ``keep_hours`` ago (default a week: far past any cookie's
    lifetime) are deleted on the way, so the table does not grow with every login.
    """
    sid = secrets.token_urlsafe(18)
    now = utcnow()
    store.append("web_sessions", pd.DataFrame([{
        "session_id": sid, "user_id": user_id, "created_at": now, "revoked_at": None,
    }]))
    cutoff = now - _dt.timedelta(hours=keep_hours)
    if store.kind == "duckdb":
        store.con.con.execute("DELETE FROM web_sessions WHERE created_at < ?", [cutoff])
    else:
        t = store.table("web_sessions")
        store.rewrite("web_sessions", t.filter(t.created_at >= cutoff))
    return sid


def session_user(store: Any, session_id: str, user_id: str) -> User | None:
    """The enabled user of a live (not revoked) session ``session_id`` that belongs to ``user_id``."""
    s = store.table("web_sessions")
    live = s.filter((s.session_id == session_id) & (s.user_id == user_id) & s.revoked_at.isnull()).count().execute()
    return get_user(store, user_id) if live else None


def revoke_session(store: Any, session_id: str) -> bool:
    """End a session server-side (logout); returns whether a live session was revoked."""
    s = store.table("web_sessions")
    if not s.filter((s.session_id == session_id) & s.revoked_at.isnull()).count().execute():
        return False
    _update(store, "web_sessions", "revoked_at", "session_id", session_id)
    return True


def hash_key(key: str) -> str:
    """SHA-256 hex of an API key (keys are long random strings, so a fast hash is enough)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(store: Any, *, scopes: list[str] | tuple[str, ...], created_by: str | None = None) -> tuple[str, ApiKey]:
    """Make an API key; returns ``(key, record)``. The key is not stored and cannot be shown again."""
    wanted = sorted({s.strip() for s in scopes if s.strip()})
    bad = [s for s in wanted if s not in SCOPES]
    if not wanted or bad:
        raise InputError(f"The 'scope' must be one or more of {list(SCOPES)}. Got {list(scopes)!r} instead.")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    rec = ApiKey(key_id="k_" + uuid.uuid4().hex[:12], prefix=key[:10], scopes=frozenset(wanted), created_by=created_by)
    store.append("api_keys", pd.DataFrame([{
        "key_id": rec.key_id, "prefix": rec.prefix, "key_hash": hash_key(key), "scopes": " ".join(wanted),
        "created_by": created_by, "created_at": utcnow(), "last_used_at": None, "revoked_at": None,
    }]))
    return key, rec


def find_key(store: Any, key: str) -> ApiKey | None:
    """The live (not revoked) key record for ``key``, or ``None``."""
    if not key or not key.startswith(KEY_PREFIX):
        return None
    t = store.table("api_keys")
    df = t.filter((t.key_hash == hash_key(key)) & t.revoked_at.isnull()).limit(1).execute()
    if df.empty:
        return None
    r = df.iloc[0]
    return ApiKey(key_id=r["key_id"], prefix=r["prefix"], scopes=frozenset(str(r["scopes"]).split()),
                  created_by=None if pd.isna(r["created_by"]) else r["created_by"])


def touch_key(store: Any, key_id: str) -> None:
    """Record that a key was used now."""
    _update(store, "api_keys", "last_used_at", "key_id", key_id)


def revoke_key(store: Any, key_id: str) -> bool:
    """Revoke a key; returns whether a live key was revoked."""
    t = store.table("api_keys")
    live = t.filter((t.key_id == key_id) & t.revoked_at.isnull()).count().execute()
    if not live:
        return False
    _update(store, "api_keys", "revoked_at", "key_id", key_id)
    return True


def _update(store: Any, table: str, column: str, key_col: str, key: str) -> None:
    """Set ``column`` to now on one row (DuckDB: an UPDATE; other backends: a rewrite)."""
    now = utcnow()
    if store.kind == "duckdb":
        store.con.con.execute(f"UPDATE {table} SET {column} = ? WHERE {key_col} = ?", [now, key])
        return
    import ibis

    t = store.table(table)
    cols = {c: t[c] for c in t.columns}
    cols[column] = ibis.ifelse(t[key_col] == key, ibis.literal(now), t[column])
    store.rewrite(table, t.select(**cols))
