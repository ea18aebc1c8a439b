"""Column mapping: file headers -> canonical columns, table detection and source names."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from centric.exceptions import InputError, MappingError, MissingFileError
from centric.ingest._headers import FILE_PATTERNS, JSON_COLUMN, SYNONYMS, fold
from centric.schema import table_spec

__all__ = [
    "GENERATED",
    "ColumnMapping",
    "detect_table",
    "load_mapping",
    "mappable_columns",
    "resolve_mapping",
    "source_name",
]

#: required columns Centric can fill in when the file has none (see _validate).
GENERATED = {("order_items", "line"), ("events", "event_id")}
_NOT_FROM_FILES = {"batch_id", "customer_id", "source"}


@dataclass(frozen=True)
class ColumnMapping:
    """How one file's headers map to one canonical table.

    Attributes
    ----------
    table
        The canonical table.
    columns
        ``{file header: canonical column}``, in file order.
    extras
        Headers kept in the table's JSON column (``json_column``).
    ignored
        Headers dropped because the table has no JSON column, or ignored on purpose.
    json_column
        ``attributes``, ``properties``, ``evidence`` or ``None``.
    """

    table: str
    columns: dict[str, str]
    extras: tuple[str, ...]
    ignored: tuple[str, ...]
    json_column: str | None


def mappable_columns(table: str) -> list[str]:
    """Canonical columns of ``table`` that a file may provide."""
    spec = table_spec(table)
    skip = _NOT_FROM_FILES | ({"customer_ref"} if table == "customer_records" else set())
    return [c for c in spec.names if c not in skip]


def _synonym_index(table: str) -> dict[str, str]:
    index: dict[str, str] = {}
    for canonical, words in SYNONYMS.get(table, {}).items():
        for word in (canonical, *words):
            index.setdefault(fold(word), canonical)
    for canonical in mappable_columns(table):
        index.setdefault(fold(canonical), canonical)
    return index


def load_mapping(mapping: str | Path | Mapping[str, Any] | None, table: str) -> dict[str, str | None]:
    """The user's overrides for ``table``, from a ``.json``/``.toml`` file or a dict.

    Both shapes are accepted: ``{"orders": {"Mã ĐH": "order_id"}}`` (per table) and
    ``{"Mã ĐH": "order_id"}`` (flat). A ``null``/empty target ignores the header.
    """
    if mapping is None:
        return {}
    if isinstance(mapping, str | Path):
        file = Path(mapping)
        if not file.is_file():
            raise MissingFileError(f"Mapping file {str(file)!r} does not exist.")
        text = file.read_text(encoding="utf-8-sig")
        try:
            if file.suffix.lower() == ".toml":
                data: Any = tomllib.loads(text)
            elif file.suffix.lower() == ".json":
                data = json.loads(text)
            else:
                raise MappingError(
                    f"Mapping file {str(file)!r} must be .json or .toml (YAML is not supported)."
                )
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            raise MappingError(f"Mapping file {str(file)!r} cannot be parsed: {exc}") from None
    else:
        data = mapping
    if not isinstance(data, Mapping):
        raise MappingError(f"A mapping must be an object of {{header: column}}; got {type(data).__name__}.")
    out: dict[str, str | None] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            if key == table:
                out.update({str(h): (str(c) if c else None) for h, c in value.items()})
        elif value is None or isinstance(value, str):
            out[str(key)] = value or None
        else:
            raise MappingError(
                f"Mapping entry {key!r} must map a header to a column name; got {value!r}."
            )
    return out


def resolve_mapping(headers: Sequence[str], table: str, overrides: Mapping[str, str | None] | None = None,
                    *, file: str = "the file") -> ColumnMapping:
    """Map ``headers`` to ``table``'s canonical columns.

    User ``overrides`` come first; then synonyms (case-, accent- and
    punctuation-insensitive). A header whose column is already taken is kept as
    an extra (or ignored when the table has no JSON column).

    Raises
    ------
    MappingError
        An override names an unknown column or a header that is not in the file,
        or a required column cannot be found.
    """
    allowed = mappable_columns(table)
    columns: dict[str, str] = {}
    ignored: list[str] = []
    by_fold = {fold(h): h for h in reversed(headers)}
    for header, canonical in (overrides or {}).items():
        found = header if header in headers else by_fold.get(fold(header))
        if found is None:
            raise MappingError(
                f"The mapping maps header {header!r} to {canonical!r}, but {file} has no header "
                f"{header!r}. Headers present: {list(headers)}."
            )
        if canonical is None:
            ignored.append(found)
            continue
        if canonical not in allowed:
            raise MappingError(
                f"The mapping maps header {header!r} to {canonical!r}, which is not a column of "
                f"table {table!r}. Allowed columns: {', '.join(allowed)}."
            )
        if canonical in columns.values():
            raise MappingError(
                f"The mapping maps two headers to {canonical!r} of table {table!r}; map each column once."
            )
        columns[found] = canonical
    index = _synonym_index(table)
    for header in headers:
        if header in columns or header in ignored:
            continue
        canonical = index.get(fold(header))
        if canonical is not None and canonical not in columns.values():
            columns[header] = canonical
    ordered = {h: columns[h] for h in headers if h in columns}
    json_col = JSON_COLUMN.get(table)
    rest = [h for h in headers if h not in ordered and h not in ignored]
    extras = tuple(rest) if json_col else ()
    ignored += [] if json_col else rest
    spec = table_spec(table)
    for col in spec.columns:
        if col.required and col.name in allowed and col.name not in ordered.values() \
                and (table, col.name) not in GENERATED:
            known = ", ".join(repr(w) for w in SYNONYMS.get(table, {}).get(col.name, ())[:6])
            raise MappingError(
                f"Required column {col.name!r} of table {table!r} was not found in {file}. "
                f"Headers present: {list(headers)}. Headers recognised for it: {known or repr(col.name)}. "
                f"Map it with a mapping file, e.g. {{\"{table}\": {{\"<your header>\": \"{col.name}\"}}}}."
            )
    return ColumnMapping(table, ordered, extras, tuple(ignored), json_col)


def _tokens(stem: str) -> list[str]:
    slug = re.sub(r"[^0-9a-z]+", "_", _ascii_lower(stem)).strip("_")
    return [t for t in slug.split("_") if t]


def _ascii_lower(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def _match_file_name(stem: str) -> tuple[str, list[str]] | None:
    tokens = _tokens(stem)
    patterns = sorted(
        ((t, p.split("_")) for t, ps in FILE_PATTERNS.items() for p in ps), key=lambda x: -len(x[1])
    )
    for table, pat in patterns:
        for i in range(len(tokens) - len(pat) + 1):
            if tokens[i : i + len(pat)] == pat:
                return table, tokens[:i]
    return None


def detect_table(path: str | Path, headers: Sequence[str]) -> str:
    """Which canonical table a file holds: from its name, else from its headers.

    Raises
    ------
    InputError
        When neither the name nor the headers decide it.
    """
    found = _match_file_name(Path(path).stem)
    if found is not None:
        return found[0]
    scores: list[tuple[int, int, str]] = []
    for table in SYNONYMS:
        index = _synonym_index(table)
        matched = {index[fold(h)] for h in headers if fold(h) in index}
        required = [c.name for c in table_spec(table).columns if c.required
                    and c.name in mappable_columns(table) and (table, c.name) not in GENERATED]
        scores.append((int(all(r in matched for r in required)), len(matched), table))
    scores.sort(reverse=True)
    best, second = scores[0], scores[1]
    if best[0] and best[1] > 0 and best[:2] > second[:2]:
        return best[2]
    candidates = [s[2] for s in scores if s[:2] == best[:2]]
    raise InputError(
        f"Cannot tell which table {str(path)!r} holds from its name or its headers "
        f"{list(headers)} (candidates: {', '.join(candidates)}). Pass the table explicitly "
        "(--table orders, or table='orders')."
    )


def source_name(path: str | Path, table: str | None = None) -> str:
    """The default source name: the file-name prefix before the table part, else the stem.

    Examples
    --------
    >>> source_name("exports/pos_orders.csv")
    'pos'
    >>> source_name("web_customers.jsonl")
    'web'
    """
    stem = Path(path).stem
    found = _match_file_name(stem)
    if found is not None and found[1] and (table is None or found[0] == table):
        return "_".join(found[1])
    return "_".join(_tokens(stem)) or "file"
