"""Pseudonyms, minimum cell sizes and field encryption.

* :func:`pseudonym` / :func:`pseudonymise`: keyed HMAC-SHA256 pseudonyms for analytics exports —
  stable within a workspace (joins still work), not reversible without the secret, different
  per ``domain`` so two exports cannot be joined unless meant to.
* :func:`suppress_small_cells`: hide statistics of groups smaller than ``k`` (default 5) in reports
  and dashboards.
* :func:`encrypt_field` / :func:`decrypt_field`: AES-256-GCM for personal columns at rest, the key
  derived from the workspace secret with HKDF; the column name is authenticated with the value so a
  ciphertext cannot be moved to another column.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Iterable

import pandas as pd

from centric.exceptions import InputError

__all__ = ["decrypt_field", "encrypt_field", "pseudonym", "pseudonymise", "suppress_small_cells"]

PREFIX = "enc1:"


def pseudonym(secret: bytes, value: str, *, domain: str = "analytics", length: int = 20) -> str:
    """``"p_" + hex(HMAC-SHA256(secret, domain + value))[:length]``."""
    mac = hmac.new(secret, f"{domain}\x00{value}".encode(), hashlib.sha256).hexdigest()
    return "p_" + mac[:length]


def pseudonymise(df: pd.DataFrame, secret: bytes, *, columns: Iterable[str] = ("customer_id",),
                 drop: Iterable[str] = ("display_name", "email", "phone", "customer_ref", "external_id"),
                 domain: str = "analytics") -> pd.DataFrame:
    """A copy of ``df`` with id columns replaced by pseudonyms and direct identifiers dropped."""
    out = df.drop(columns=[c for c in drop if c in df.columns]).copy()
    for c in columns:
        if c not in out.columns:
            raise InputError(f"Column {c!r} to pseudonymise is not in the data; columns: {list(out.columns)}.")
        out[c] = out[c].map(lambda v: None if pd.isna(v) else pseudonym(secret, str(v), domain=domain))
    return out


def suppress_small_cells(
    df: pd.DataFrame, n_col: str, k: int = 5, *, columns: Iterable[str] | None = None
) -> pd.DataFrame:
    """Blank the statistics of rows whose count ``n_col`` is below ``k`` (the count becomes ``"<k"``).

    ``columns``: the statistic columns to blank (default: every column except ``n_col`` that is numeric).
    Adds a boolean column ``suppressed``.
    """
    if n_col not in df.columns:
        raise InputError(f"Count column {n_col!r} is not in the table; columns: {list(df.columns)}.")
    if k < 1:
        raise InputError(f"The minimum cell size k must be ≥ 1; got {k}.")
    out = df.copy()
    small = out[n_col].fillna(0) < k
    stats = list(columns) if columns is not None else [
        c for c in out.columns if c != n_col and pd.api.types.is_numeric_dtype(out[c])]
    for c in stats:
        out[c] = out[c].astype(object).where(~small, None)
    out[n_col] = out[n_col].astype(object).where(~small, f"<{k}")
    out["suppressed"] = small.to_numpy()
    return out


def _key(secret: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"centric-field-encryption",
                info=b"aes-256-gcm v1").derive(secret)


def encrypt_field(secret: bytes, value: str | None, *, column: str) -> str | None:
    """``"enc1:" + base64(nonce ‖ ciphertext ‖ tag)``; ``None`` stays ``None``."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if value is None:
        return None
    nonce = os.urandom(12)
    ct = AESGCM(_key(secret)).encrypt(nonce, str(value).encode("utf-8"), column.encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + ct).decode("ascii")


def decrypt_field(secret: bytes, token: str | None, *, column: str) -> str | None:
    """The plain value; a wrong key, column or altered text raises :class:`InputError`."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if token is None:
        return None
    if not token.startswith(PREFIX):
        raise InputError(f"Value in column {column!r} is not an encrypted field (expected the {PREFIX!r} prefix).")
    raw = base64.urlsafe_b64decode(token[len(PREFIX):])
    try:
        return AESGCM(_key(secret)).decrypt(raw[:12], raw[12:], column.encode()).decode("utf-8")
    except InvalidTag:
        raise InputError(f"Encrypted value in column {column!r} cannot be decrypted: wrong key, wrong column "
                         "or altered text.") from None
