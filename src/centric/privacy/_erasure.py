"""``erase_customer``: the whole erasure, with its certificate (JSON + readable HTML, vi/en)."""

from __future__ import annotations

import html
import json
import uuid
from pathlib import Path
from typing import Any

import pandas as pd

from centric.privacy._audit import append_audit
from centric.privacy._erase import (
    compact_duckdb,
    delete_person,
    forget_batches,
    now_utc,
    person_identifiers,
    sha256_file,
)
from centric.privacy._scrub import scan_workspace, scrub_workspace
from centric.privacy._suppress import Suppressor, digest, suppress_identifiers

__all__ = ["certificate_html", "erase_customer"]

_SUPPRESS_KINDS = {"email": "email", "phone": "phone", "customer_ref": "customer_ref", "external": "external",
                   "anonymous": "anonymous", "order": "order"}


def erase_customer(
    store: Any,
    customer_id: str,
    *,
    secret: bytes,
    workspace: Path | None = None,
    actor: str = "system",
    request_id: str | None = None,
) -> dict[str, Any]:
    """Erase one person everywhere and return the erasure certificate (a JSON-ready dict).

    ``workspace``: the folder whose files are rewritten and scanned (``None``: the store only).
    The certificate names tables, row counts, files and their SHA-256 after the erasure, and the
    residual scan; it holds no e-mail, phone or name. An unknown ``customer_id`` raises
    :class:`~centric.exceptions.InputError` and changes nothing.
    """
    who = person_identifiers(store, customer_id)
    at = now_utc()
    pairs = [(_SUPPRESS_KINDS[k], v) for k in _SUPPRESS_KINDS for v in who[k]]
    digests = {digest(secret, k, v) for k, v in pairs}
    suppressor = Suppressor(secret, digests)
    deleted, batches = delete_person(store, who, suppressor)
    added = suppress_identifiers(store, secret, pairs, request_id=request_id, at=at)
    forgotten = forget_batches(store, batches)
    _redact_requests(store, customer_id)
    cert_id = "ER-" + at.strftime("%Y%m%d") + "-" + uuid.uuid4().hex[:8]
    kinds: dict[str, int] = {}
    for k, _ in pairs:
        kinds[k] = kinds.get(k, 0) + 1
    body: dict[str, Any] = {
        "certificate_id": cert_id,
        "request_id": request_id,
        "customer_id": customer_id,
        "erased_at": at.isoformat(),
        "actor": actor,
        "tables": dict(sorted(deleted.items())),
        "rows_deleted": sum(deleted.values()),
        "suppressed_identifiers": kinds,
        "suppression_entries_added": added,
        "import_batches_forgotten": forgotten,
        "kept": ["audit_log", "rights_requests", "erasure_certificates (internal customer_id only)"],
    }
    append_audit(store, actor=actor, action="erase", subject=customer_id,
                 details={"certificate_id": cert_id, "request_id": request_id, "rows_deleted": body["rows_deleted"],
                          "tables": body["tables"]}, at=at)
    store.append("erasure_certificates", pd.DataFrame([{
        "certificate_id": cert_id, "request_id": request_id, "customer_id": customer_id, "erased_at": at,
        "body": json.dumps(body, ensure_ascii=False, sort_keys=True)}]))
    body["store"] = compact_duckdb(store)
    if workspace is not None:
        db = _store_file(store)
        skip = {db.resolve(), db.with_name(db.name + ".wal").resolve()} if db is not None else set()
        body["files"] = scrub_workspace(workspace, who, skip=skip)
        residual = scan_workspace(workspace, who)
        body["residual_scan"] = {
            "checked": "bytes of every file (Parquet/XLSX also decompressed) for e-mail, phone (any spacing), "
                       "name (NFC and NFD)",
            "hits": residual,
            "note": "name-only hits can be another person with the same name" if residual else "no hits",
        }
        body["file_hashes"] = {f.relative_to(workspace).as_posix(): sha256_file(f)
                               for f in sorted(workspace.rglob("*")) if f.is_file()
                               and f.name != ".centric-secret" and "certificates" not in f.parts}
        out = workspace / "privacy" / "certificates"
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{cert_id}.json").write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
        for lang in ("vi", "en"):
            (out / f"{cert_id}.{lang}.html").write_text(certificate_html(body, lang), encoding="utf-8")
    return body


def _redact_requests(store: Any, customer_id: str) -> None:
    """Blank what the person asked for (a rectification holds the new phone/e-mail); keep kinds and dates."""
    df = store.table("rights_requests").execute()
    hit = df["customer_id"] == customer_id
    if hit.any():
        df.loc[hit, "details"] = '{"redacted": "erased"}'
        df.loc[hit & df["outcome"].notna(), "outcome"] = '{"redacted": "erased"}'
        store.replace("rights_requests", df)


def _store_file(store: Any) -> Path | None:
    url = str(store.url)
    if store.kind == "duckdb" and url.startswith("duckdb://") and url not in ("duckdb://", "duckdb://:memory:"):
        return Path(url[len("duckdb://"):])
    return None


def certificate_html(body: dict[str, Any], lang: str = "vi") -> str:
    """The certificate as a standalone, printable HTML page in ``lang``."""
    from centric.i18n import t

    e = html.escape
    rows = "".join(f"<tr><td>{e(k)}</td><td>{v}</td></tr>" for k, v in body.get("tables", {}).items())
    files = "".join(f"<tr><td>{e(f['path'])}</td><td>{e(str(f['action']))}</td><td>{f['rows_removed'] or ''}</td></tr>"
                    for f in body.get("files", []))
    hashes = "".join(f"<tr><td>{e(p)}</td><td><code>{h}</code></td></tr>"
                     for p, h in body.get("file_hashes", {}).items())
    residual = body.get("residual_scan", {}).get("hits")
    scan = (t("privacy.cert.scan_clean", lang) if residual == {} else
            e(json.dumps(residual, ensure_ascii=False)) if residual else t("privacy.cert.scan_skipped", lang))
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{e(t("privacy.cert.title", lang))}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #ccc;padding:.3rem;text-align:left}}</style></head>
<body><h1>{e(t("privacy.cert.title", lang))}</h1>
<p>{e(t("privacy.cert.id", lang))}: <b>{e(body["certificate_id"])}</b><br>
{e(t("privacy.cert.customer", lang))}: <code>{e(body["customer_id"])}</code><br>
{e(t("privacy.cert.when", lang))}: {e(body["erased_at"])}<br>
{e(t("privacy.cert.actor", lang))}: {e(str(body["actor"]))}<br>
{e(t("privacy.cert.request", lang))}: {e(str(body.get("request_id") or "—"))}</p>
<h2>{e(t("privacy.cert.tables", lang))}</h2><table><tr><th>table</th><th>rows</th></tr>{rows}</table>
<p>{e(t("privacy.cert.total", lang))}: {body["rows_deleted"]}</p>
<h2>{e(t("privacy.cert.store", lang))}</h2><p>{e(str(body.get("store", {}).get("method", "")))}</p>
<h2>{e(t("privacy.cert.files", lang))}</h2><table>{files}</table>
<h2>{e(t("privacy.cert.scan", lang))}</h2><p>{scan}</p>
<h2>{e(t("privacy.cert.suppression", lang))}</h2><p>{e(json.dumps(body["suppressed_identifiers"]))}</p>
<h2>{e(t("privacy.cert.hashes", lang))}</h2><table>{hashes}</table>
</body></html>
"""
