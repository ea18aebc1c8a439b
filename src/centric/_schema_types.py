"""The building blocks of the schema: column and table specs, shared type constants."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import ibis.expr.datatypes as dt

__all__ = ["MONEY", "TS", "Column", "S", "Sensitivity", "TableSpec", "col"]

Sensitivity = Literal["none", "basic", "sensitive"]

MONEY = dt.Decimal(18, 2)
TS = dt.Timestamp(timezone="UTC")


@dataclass(frozen=True)
class Column:
    """One column of a canonical table."""

    name: str
    dtype: dt.DataType
    sensitivity: Sensitivity = "none"
    required: bool = False
    kind: str = ""  # semantic kind used by normalisers: phone, email, money, time, json, enum
    allowed: tuple[str, ...] = ()
    doc: str = ""


@dataclass(frozen=True)
class TableSpec:
    """A canonical table: its name, key and columns."""

    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    doc: str = ""
    importable: bool = True
    derived: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """Column names in order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"Table {self.name!r} has no column {name!r}. Columns: {self.names}.")


def col(name: str, dtype: dt.DataType | str, sens: Sensitivity = "none", **kw: object) -> Column:
    return Column(name, dt.dtype(dtype), sens, **kw)  # type: ignore[arg-type]


S = dt.string
