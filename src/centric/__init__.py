"""Centric: customer-centric and life-centric intelligence, on DuckDB or Spark."""

from centric._version import __version__
from centric.store import Store, connect

__all__ = ["Store", "__version__", "connect"]
