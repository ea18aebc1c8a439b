"""Store: the canonical tables over an Ibis backend (DuckDB default, Spark for scale)."""

from centric.store._store import Store, connect, utcnow

__all__ = ["Store", "connect", "utcnow"]
