"""Ingest: read shop exports, map their headers, normalise values, quarantine bad rows.

>>> from centric.store import connect
>>> from centric.ingest import import_file
>>> store = connect("duckdb://")
>>> report = import_file(store, "pos_orders.csv")      # doctest: +SKIP
>>> report.rows_read == (report.rows_stored + report.rows_merged
...                      + report.rows_quarantined + report.rows_blank)  # doctest: +SKIP
True
"""

from centric.ingest._enums import normalise_currency, normalise_gender, normalise_instrument, normalise_status
from centric.ingest._headers import SYNONYMS, fold
from centric.ingest._import import ImportReport, import_file, import_paths
from centric.ingest._mapping import ColumnMapping, detect_table, load_mapping, resolve_mapping, source_name
from centric.ingest._normalise import (
    normalise_birth_year,
    normalise_datetime,
    normalise_email,
    normalise_integer,
    normalise_json,
    normalise_money,
    normalise_phone,
    normalise_score,
    normalise_text,
)
from centric.ingest._readers import SUPPORTED_SUFFIXES, SourceFile, detect_encoding, open_source

__all__ = [
    "SUPPORTED_SUFFIXES",
    "SYNONYMS",
    "ColumnMapping",
    "ImportReport",
    "SourceFile",
    "detect_encoding",
    "detect_table",
    "fold",
    "import_file",
    "import_paths",
    "load_mapping",
    "normalise_birth_year",
    "normalise_currency",
    "normalise_datetime",
    "normalise_email",
    "normalise_gender",
    "normalise_instrument",
    "normalise_integer",
    "normalise_json",
    "normalise_money",
    "normalise_phone",
    "normalise_score",
    "normalise_status",
    "normalise_text",
    "open_source",
    "resolve_mapping",
    "source_name",
]
