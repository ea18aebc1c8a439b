"""The access/export bundle: everything held about one person, as JSON, CSV and readable HTML (vi/en).

Every table that holds the person contributes its rows — source records, golden record, identity
edges, orders and their items, events, answers, tickets, consents, messages, derived scores,
personas, restrictions, rights requests and the audit rows about them.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from centric.privacy._audit import append_audit
from centric.privacy._erase import _match_columns, person_identifiers
from centric.privacy._suppress import Suppressor, digest

__all__ = ["export_bundle", "person_rows"]

_ABOUT = {"audit_log": "subject", "rights_requests": "customer_id", "erasure_certificates": "customer_id"}
_SKIP = {"_centric_meta", "suppressions", "import_batches", "users", "api_keys", "notices", "breaches"}


def person_rows(store: Any, customer_id: str) -> dict[str, pd.DataFrame]:
    """``{table: the person's rows}`` for every table holding at least one (unknown customer: InputError)."""
    who = person_identifiers(store, customer_id)
    key = os.urandom(32)
    kinds = {"email": "email", "phone": "phone", "customer_ref": "customer_ref", "external": "external",
             "anonymous": "anonymous", "order": "order"}
    sup = Suppressor(key, {digest(key, k2, v) for k, k2 in kinds.items() for v in who[k]})
    out: dict[str, pd.DataFrame] = {}
    for name in sorted(store.con.list_tables()):
        if name in _SKIP or name.startswith(("_", "ibis_")):
            continue
        t = store.table(name)
        if name in _ABOUT:
            df = t.filter(t[_ABOUT[name]] == customer_id).execute()
        elif name == "quarantine":
            q = t.execute()
            df = q[[sup.raw_hit(r, s or "") for r, s in zip(q["raw"], q["source"], strict=True)]] if len(q) else q
        else:
            pairs = _match_columns(name, list(t.columns), who)
            if not pairs:
                continue
            pred = None
            for c, values in pairs:
                p = t[c].cast("string").isin(sorted(values))
                pred = p if pred is None else (pred | p)
            df = t.filter(pred).execute()
        if len(df):
            out[name] = df
    return out


def _jsonable(df: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(df.to_json(orient="records", date_format="iso", force_ascii=False, default_handler=str))


def export_bundle(store: Any, customer_id: str, out_dir: Path, *, actor: str) -> dict[str, Any]:
    """Write ``bundle.json``, ``csv/<table>.csv`` and ``index.vi.html``/``index.en.html``; audit the export."""
    rows = person_rows(store, customer_id)
    out_dir = Path(out_dir)
    (out_dir / "csv").mkdir(parents=True, exist_ok=True)
    data = {name: _jsonable(df) for name, df in rows.items()}
    bundle = {"customer_id": customer_id, "generated_at": pd.Timestamp.now(tz="UTC").isoformat(),
              "tables": data}
    (out_dir / "bundle.json").write_text(json.dumps(bundle, ensure_ascii=False, indent=1), encoding="utf-8")
    for name, df in rows.items():
        df.to_csv(out_dir / "csv" / f"{name}.csv", index=False, encoding="utf-8-sig")
    for lang in ("vi", "en"):
        (out_dir / f"index.{lang}.html").write_text(bundle_html(bundle, lang), encoding="utf-8")
    counts = {name: len(df) for name, df in rows.items()}
    append_audit(store, actor=actor, action="export.subject_access", subject=customer_id,
                 details={"tables": counts})
    return {"path": str(out_dir), "tables": counts}


def bundle_html(bundle: dict[str, Any], lang: str) -> str:
    """A readable page of the bundle: one section per table, one table row per record."""
    from centric.i18n import t

    e = html.escape
    parts = []
    for name, records in bundle["tables"].items():
        cols = list(records[0]) if records else []
        head = "".join(f"<th>{e(c)}</th>" for c in cols)
        body = "".join("<tr>" + "".join(f"<td>{e('' if r.get(c) is None else str(r.get(c)))}</td>" for c in cols)
                       + "</tr>" for r in records)
        label = t(f"privacy.table.{name}", lang)
        label = name if label == f"privacy.table.{name}" else f"{label} ({name})"
        parts.append(f"<section><h2>{e(label)} — {len(records)}</h2><div class=scroll><table><tr>{head}</tr>"
                     f"{body}</table></div></section>")
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{e(t("privacy.export.title", lang))}</title>
<style>body{{font-family:system-ui,sans-serif;margin:1rem}}.scroll{{overflow-x:auto}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.25rem;font-size:.85rem;text-align:left}}</style>
</head><body><h1>{e(t("privacy.export.title", lang))}</h1>
<p>{e(t("privacy.export.intro", lang))}</p><p><code>{e(bundle["customer_id"])}</code> · {e(bundle["generated_at"])}</p>
{"".join(parts)}</body></html>
"""
