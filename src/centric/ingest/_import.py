"""Import files into the store: read, map, normalise, validate, quarantine, record the batch."""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from centric.exceptions import InputError, UnknownTableError
from centric.ingest._mapping import detect_table, load_mapping, resolve_mapping, source_name
from centric.ingest._normalise import zone
from centric.ingest._readers import SUPPORTED_SUFFIXES, SourceFile, open_source
from centric.ingest._validate import DuplicateTracker, validate_chunk
from centric.schema import table_spec
from centric.store import Store, utcnow

__all__ = ["ImportReport", "import_file", "import_paths"]

#: import order for directories: people and products first, facts after.
TABLE_ORDER = {"customer_records": 0, "products": 1, "orders": 2, "order_items": 3}
CHUNK_ROWS = 500_000


@dataclass(frozen=True)
class ImportReport:
    """What one import did, in numbers.

    Invariant: ``rows_read == rows_stored + rows_merged + rows_quarantined + rows_blank + rows_suppressed``
    (``rows_suppressed``: rows of erased people, skipped because they are on the suppression list).

    Examples
    --------
    >>> report = import_file(store, "pos_orders.csv")          # doctest: +SKIP
    >>> report.rows_stored, report.rows_quarantined             # doctest: +SKIP
    (998, 2)
    """

    path: str
    table: str
    source: str
    batch_id: str
    mapping: dict[str, str]
    ignored_columns: tuple[str, ...]
    rows_read: int
    rows_stored: int
    rows_merged: int
    rows_quarantined: int
    rows_blank: int
    conflicting_duplicates: int
    reasons: Counter[str] = field(default_factory=Counter)
    already_imported: bool = False
    seconds: float = 0.0
    rows_suppressed: int = 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``reasons`` as a plain dict, most common first)."""
        out = asdict(self)
        out["reasons"] = dict(self.reasons.most_common())
        out["ignored_columns"] = list(self.ignored_columns)
        return out


def batch_id_for(sha256: str, table: str, source: str) -> str:
    """The deterministic batch id: SHA-256 over the file's digest, the table and the source."""
    return hashlib.sha256(f"{sha256}\0{table}\0{source}".encode()).hexdigest()[:16]


def import_file(
    store: Store,
    path: str | Path | SourceFile,
    *,
    table: str | None = None,
    source: str | None = None,
    mapping: str | Path | Mapping[str, Any] | None = None,
    timezone: str = "Asia/Ho_Chi_Minh",
    currency: str = "VND",
    progress: Callable[[int], object] | None = None,
    secret: bytes | None = None,
) -> ImportReport:
    """Import one CSV, XLSX, Parquet or JSON Lines file into its canonical table.

    Every row ends in exactly one place: stored, merged (a duplicate key, in the
    file or already in the store), quarantined with its reasons, or skipped as
    blank. Importing the same file twice changes nothing.

    Parameters
    ----------
    store
        The target :class:`~centric.store.Store`.
    path
        The file to import.
    table
        Canonical table; detected from the file name or headers when ``None``.
    source
        Source name (prefix of ``customer_ref``); defaults to the file-name
        prefix before the table part (``pos_orders.csv`` -> ``"pos"``), else the stem.
    mapping
        Header overrides: a ``.json``/``.toml`` file or a dict, either
        ``{"orders": {"Mã ĐH": "order_id"}}`` or flat ``{"Mã ĐH": "order_id"}``.
    timezone
        Zone of local times in the file (an explicit offset in a value wins).
    currency
        Currency of amounts when the file has no currency column or cell.
    progress
        Called with the number of rows just processed, for a progress bar.
    secret
        Workspace secret for checking the suppression list of erased people (default:
        ``CENTRIC_SECRET`` or the ``.centric-secret`` beside a DuckDB store file).

    Returns
    -------
    ImportReport

    Raises
    ------
    MissingFileError, EncodingError, MappingError, InputError
        For a missing file, an unreadable encoding, a mapping that does not fit,
        or a table that cannot be detected.

    Examples
    --------
    >>> from centric.store import connect
    >>> store = connect("duckdb://")
    >>> report = import_file(store, "pos_orders.csv")          # doctest: +SKIP
    """
    started = time.perf_counter()
    zone(timezone)
    src = path if isinstance(path, SourceFile) else open_source(path)
    table = table or detect_table(src.path, src.headers)
    spec = table_spec(table)
    if not spec.importable:
        raise UnknownTableError(
            f"Table {table!r} cannot be imported from files; importable tables are: "
            f"{', '.join(sorted(t for t in _importable()))}."
        )
    source = (source or source_name(src.path, table)).strip()
    if not source:
        raise InputError("The 'source' parameter must be a non-empty name such as 'pos'.")
    cmap = resolve_mapping(src.headers, table, load_mapping(mapping, table), file=repr(str(src.path)))
    batch_id = batch_id_for(src.sha256, table, source)
    base = dict(path=str(src.path), table=table, source=source, batch_id=batch_id,
                mapping={**cmap.columns, **dict.fromkeys(cmap.extras, cmap.json_column)},
                ignored_columns=cmap.ignored)
    batches = store.table("import_batches")
    previous = batches.filter(batches.batch_id == batch_id).execute()
    if len(previous):
        return _already_imported(previous.iloc[0], base, started)

    from centric.privacy._suppress import Suppressor

    suppressor = Suppressor.for_store(store, secret)
    _fast_inserts(store)
    tracker = DuplicateTracker(spec.key)
    line_counter: dict[str, int] = {}
    reasons: Counter[str] = Counter()
    read = stored = merged = quarantined = blank = conflicts = suppressed = 0
    ignored = list(cmap.ignored)
    for chunk in src.chunks(CHUNK_ROWS):
        for extra in chunk.frame.columns:  # JSON Lines may add keys after the first lines
            if extra not in cmap.columns and extra not in cmap.extras and extra not in ignored:
                ignored.append(extra)
        checked = validate_chunk(chunk.frame, chunk.rows, cmap, source=source, timezone=timezone,
                                 currency=currency, line_counter=line_counter)
        keep, dups, clash = tracker.split(checked.good, checked.content)
        bad = checked.bad
        if suppressor is not None:
            keep, gone = suppressor.split(table, keep)
            bad, gone_bad = suppressor.split_bad(bad, source)
            suppressed += gone + gone_bad
        keep["batch_id"] = batch_id
        added, present = store.append_new(table, keep)
        if chunk.broken:
            broken = pd.DataFrame(
                [{"row_number": r, "raw": json.dumps({"line": text}, ensure_ascii=False), "reasons": why}
                 for r, text, why in chunk.broken]
            )
            bad = pd.concat([bad, broken], ignore_index=True) if len(bad) else broken
            reasons["row: unreadable"] += len(chunk.broken)
        if len(bad):
            bad = bad.assign(batch_id=batch_id, source=source, table=table)
            store.append_new("quarantine", bad)
        n = len(chunk.frame) + len(chunk.broken)
        read += n
        stored += added
        merged += dups + present
        quarantined += len(bad)
        blank += checked.blank
        conflicts += clash
        reasons.update(checked.kinds)
        if progress is not None:
            progress(n)
    assert read == stored + merged + quarantined + blank + suppressed, "every row must end in exactly one place"
    store.append_new("import_batches", pd.DataFrame([{
        "batch_id": batch_id, "path": str(src.path), "sha256": src.sha256, "table": table,
        "source": source, "mapping": json.dumps(cmap.columns, ensure_ascii=False), "rows_read": read,
        "rows_stored": stored, "rows_merged": merged, "rows_quarantined": quarantined,
        "imported_at": utcnow(),
    }]))
    base["ignored_columns"] = tuple(ignored)
    return ImportReport(**base, rows_read=read, rows_stored=stored, rows_merged=merged,
                        rows_quarantined=quarantined, rows_blank=blank, conflicting_duplicates=conflicts,
                        reasons=reasons, already_imported=False, seconds=time.perf_counter() - started,
                        rows_suppressed=suppressed)


def _fast_inserts(store: Store) -> None:
    """DuckDB: let inserts run without keeping the input's row order (tables are keyed)."""
    if store.kind == "duckdb":
        try:
            store.con.raw_sql("SET preserve_insertion_order = false")
        except Exception:  # pragma: no cover - an older DuckDB without the setting
            pass


def _already_imported(row: pd.Series, base: dict[str, Any], started: float) -> ImportReport:
    read, stored, merged, quarantined = (int(row[c]) for c in
                                         ("rows_read", "rows_stored", "rows_merged", "rows_quarantined"))
    return ImportReport(**base, rows_read=read, rows_stored=0, rows_merged=stored + merged,
                        rows_quarantined=quarantined, rows_blank=read - stored - merged - quarantined,
                        conflicting_duplicates=0, reasons=Counter(), already_imported=True,
                        seconds=time.perf_counter() - started)


def _importable() -> list[str]:
    from centric.schema import TABLES

    return [name for name, spec in TABLES.items() if spec.importable]


def _expand(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            files += sorted(
                f for f in path.rglob("*")
                if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES
                and not f.name.startswith((".", "~$"))
            )
        else:
            files.append(path)
    return files


def import_paths(store: Store, paths: Iterable[str | Path], **kwargs: Any) -> list[ImportReport]:
    """Import many files; directories are walked for supported files.

    Customer records and products are imported first, then orders and order
    items, then everything else. Keyword arguments go to :func:`import_file`.
    """
    files = _expand(paths)
    ordered: list[tuple[int, int, Path | SourceFile, str | None]] = []
    for i, file in enumerate(files):
        table = kwargs.get("table")
        item: Path | SourceFile = file
        if table is None:
            item = open_source(file)  # inspected once: the import reuses it (no second hashing pass)
            table = detect_table(item.path, item.headers)
        ordered.append((TABLE_ORDER.get(table, 9), i, item, table))
    ordered.sort(key=lambda o: o[:2])
    rest = {k: v for k, v in kwargs.items() if k != "table"}
    return [import_file(store, item, table=table, **rest) for _, _, item, table in ordered]
